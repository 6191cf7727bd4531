/// The result of merging two files of the same person: the merged file and its audit record.
/// Nothing is changed until a store applies it (write ``merged``, retire ``MergeRecord/absorbed``,
/// append ``record``, move the not-duplicate marks with ``NotDuplicateMarks/reassign(_:to:)``).
public struct MergePlan: Sendable, Hashable {
    /// The survivor with the merged values, one version later.
    public var merged: Person
    public var record: MergeRecord

    /// Merges `duplicate` into `survivor`.
    ///
    /// The survivor keeps its id and every non-empty field; an empty field (nil, or `sex`
    /// unknown) takes the duplicate's value. `household` takes the duplicate's when that is a
    /// more precise node inside the survivor's. `vulnerabilities` are the union; `group` is the
    /// more severe (confirmed > key > susceptible, the survivor's on a tie). The version is the
    /// survivor's plus one. A national id or birth date that would contradict the other field of
    /// the survivor is not taken and is listed as conflicting. The result depends only on the
    /// arguments.
    /// - Parameters:
    ///   - by: who merges; `time`: when (POSIX seconds); `reason`: why, 1-500 characters.
    /// - Throws: ``CommunityError/Code/invalidTransition`` when both are the same file;
    ///   ``CommunityError/Code/conflict`` when their national ids differ (different persons);
    ///   ``CommunityError/Code/invalidField`` (field `reason`) for an empty or over-long reason.
    public static func merge(survivor: Person, duplicate: Person, by: StaffID, at time: Int64, reason: String) throws -> MergePlan {
        guard survivor.id != duplicate.id else {
            throw CommunityError(.invalidTransition, "a file cannot be merged into itself", field: "id")
        }
        if let a = survivor.nationalID, let b = duplicate.nationalID, a != b {
            throw CommunityError(.conflict, "files with different national ids are different persons", field: "nationalID")
        }
        let reason = String(reason.trimmingWhiteSpace())
        guard (1...500).contains(reason.count), !PersonRules.containsControlCharacters(reason) else {
            throw CommunityError(.invalidField, "a merge reason is 1-500 characters without line breaks", field: "reason")
        }

        var merged = survivor
        var fromSurvivor: [String] = []
        var fromAbsorbed: [String] = []
        var conflicting: [String] = []
        func take<T: Equatable>(_ field: String, _ path: WritableKeyPath<Person, T?>) {
            switch (survivor[keyPath: path], duplicate[keyPath: path]) {
            case (nil, nil): break
            case (nil, let theirs?):
                merged[keyPath: path] = theirs
                fromAbsorbed.append(field)
            case (let ours?, let theirs):
                fromSurvivor.append(field)
                if let theirs, theirs != ours { conflicting.append(field) }
            }
        }

        take("nationalID", \.nationalID)
        fromSurvivor.append("name")
        if survivor.name != duplicate.name { conflicting.append("name") }
        switch (survivor.sex, duplicate.sex) {
        case (.unknown, .unknown): break
        case (.unknown, let theirs):
            merged.sex = theirs
            fromAbsorbed.append("sex")
        case (let ours, let theirs):
            fromSurvivor.append("sex")
            if theirs != .unknown && theirs != ours { conflicting.append("sex") }
        }
        take("birthDate", \.birthDate)
        take("phone", \.phone)
        take("address", \.address)
        if survivor.household != duplicate.household && survivor.household.contains(duplicate.household) {
            merged.household = duplicate.household
            fromAbsorbed.append("household")
        } else {
            fromSurvivor.append("household")
            if survivor.household != duplicate.household { conflicting.append("household") }
        }
        merged.vulnerabilities = survivor.vulnerabilities.union(duplicate.vulnerabilities)
        if !survivor.vulnerabilities.isEmpty { fromSurvivor.append("vulnerabilities") }
        if !duplicate.vulnerabilities.isSubset(of: survivor.vulnerabilities) { fromAbsorbed.append("vulnerabilities") }
        if duplicate.group > survivor.group {
            merged.group = duplicate.group
            fromAbsorbed.append("group")
        } else {
            fromSurvivor.append("group")
        }
        // A national id or birth date taken from the absorbed file that contradicts the other in the
        // survivor is not taken (both files are valid, so only one of them can have been taken).
        if let nid = merged.nationalID, let date = merged.birthDate, let inID = NationalID.birthDate(in: nid), inID != date {
            let field = fromAbsorbed.contains("nationalID") ? "nationalID" : "birthDate"
            if field == "nationalID" { merged.nationalID = nil } else { merged.birthDate = nil }
            fromAbsorbed.removeAll { $0 == field }
            conflicting.append(field)
        }
        merged.version = survivor.version + 1

        let record = MergeRecord(
            survivor: survivor.id, absorbed: duplicate.id, survivorVersion: survivor.version, absorbedVersion: duplicate.version,
            by: by, time: time, reason: reason, fromSurvivor: fromSurvivor, fromAbsorbed: fromAbsorbed, conflicting: conflicting)
        return MergePlan(merged: merged, record: record)
    }
}
