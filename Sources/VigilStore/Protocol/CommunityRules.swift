import VigilCommunity
import VigilSurveillance

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Storage-independent steps every ``CommunityStore`` backend shares: argument checks, new ids,
/// the column form of a person, jurisdiction scope keys and bounds, and the visit-overlap bound.
enum CommunityRules {
    /// The number of jurisdiction levels, and of scope columns per person.
    static let levels = JurisdictionLevel.allCases.count

    // MARK: Arguments

    static func check(limit: Int) throws(StoreError) {
        guard (1...1000).contains(limit) else { throw StoreError(.invalidArgument, "a page holds 1...1000 items, not \(limit)") }
    }

    /// A record kind is 1–32 of `a-z 0-9 -`; an id 1–128 bytes without control characters.
    static func check(_ kind: RecordKind) throws(StoreError) {
        let bytes = kind.rawValue.utf8
        guard (1...32).contains(bytes.count), bytes.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D })
        else { throw StoreError(.invalidArgument, "a record kind is 1-32 of a-z 0-9 -") }
    }

    static func check(recordID id: String) throws(StoreError) {
        guard (1...128).contains(id.utf8.count), !id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw StoreError(.invalidArgument, "a record id is 1-128 bytes without control characters (got \(id.utf8.count) bytes)") }
    }

    static func check(_ record: RecordDraft) throws(StoreError) {
        try check(record.kind)
        try check(recordID: record.id)
        if let person = record.person {
            guard (1...128).contains(person.utf8.count), !person.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else { throw StoreError(.invalidArgument, "a record's person key is 1-128 bytes without control characters") }
        }
    }

    static func check(_ query: RecordQuery) throws(StoreError) {
        try check(query.kind)
        try check(limit: query.limit)
    }

    static func check(auditLimit limit: Int) throws(StoreError) {
        guard limit >= 0 else { throw StoreError(.invalidArgument, "an audit page holds 0 or more events, not \(limit)") }
    }

    // MARK: Persons

    /// A new person id: 32 lowercase hex digits, time-ordered like a UUIDv7 — 12 digits of the
    /// Unix time in milliseconds, then 80 random bits from the system generator.
    ///
    /// Both stores cluster persons by id (SQLite's table is `WITHOUT ROWID`; every scope index
    /// ends in the id). With purely random ids each new person lands on a random page of each
    /// B-tree, so importing 10^5 persons into a registry of 10^6 rewrote most of its pages;
    /// time-ordered ids land together, at the end of each range.
    static func newPersonID() -> PersonID {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(32)
        func append(_ value: UInt64, digits count: Int) {
            for shift in stride(from: 4 * (count - 1), through: 0, by: -4) {
                text.append(digits[Int((value >> UInt64(shift)) & 0xF)])
            }
        }
        let milliseconds = UInt64(max(0, Date().timeIntervalSince1970 * 1_000)) & 0xFFFF_FFFF_FFFF
        append(milliseconds, digits: 12)
        append(generator.next() as UInt64, digits: 16)
        append(generator.next() as UInt64, digits: 4)
        return try! PersonID(String(decoding: text, as: UTF8.self))
    }

    /// The persons a batch of drafts becomes: ids assigned where missing, every draft validated,
    /// version 1.
    /// - Throws: ``StoreError/Code/invalidArgument`` for an invalid draft;
    ///   ``StoreError/Code/conflict`` when two drafts of the batch propose the same id.
    static func newPersons(_ drafts: [PersonDraft]) throws(StoreError) -> [Person] {
        var seen = Set<PersonID>()
        seen.reserveCapacity(drafts.count)
        var persons: [Person] = []
        persons.reserveCapacity(drafts.count)
        for (i, draft) in drafts.enumerated() {
            let person: Person
            do {
                person = try Person(id: draft.id ?? newPersonID(), validating: draft, version: 1)
            } catch let error as CommunityError {
                throw StoreError(.invalidArgument, "draft \(i) of the batch is invalid (field \(error.field ?? "?"))", cause: error)
            } catch {
                throw StoreError(.invalidArgument, "draft \(i) of the batch is invalid")
            }
            guard seen.insert(person.id).inserted else {
                throw StoreError(.conflict, "draft \(i) of the batch repeats the id of an earlier draft")
            }
            persons.append(person)
        }
        return persons
    }

    /// The person `id` becomes with `draft` at `version`.
    static func updated(_ id: PersonID, with draft: PersonDraft, version: Int) throws(StoreError) -> Person {
        do {
            return try Person(id: id, validating: draft, version: version)
        } catch let error as CommunityError {
            throw StoreError(.invalidArgument, "the draft is invalid (field \(error.field ?? "?"))", cause: error)
        } catch {
            throw StoreError(.invalidArgument, "the draft is invalid")
        }
    }

    static func versionConflict(_ what: String, expected: Int, stored: Int) -> StoreError {
        StoreError(.conflict, "\(what) is at version \(stored), not the expected \(expected)")
    }

    /// Whether `person` passes the query's filters (not its scope nor its page bounds).
    static func matchesFilters(_ person: Person, _ query: PersonQuery) -> Bool {
        if let group = query.group, person.group != group { return false }
        if let vulnerability = query.vulnerability, !person.vulnerabilities.contains(vulnerability) { return false }
        // Code-point prefix, as the SQL backends compare.
        if let prefix = query.namePrefix, !person.name.unicodeScalars.starts(with: prefix.unicodeScalars) { return false }
        return true
    }

    /// A person as the SQL backends store it: one column per field.
    struct PersonColumns: Sendable {
        var id: String
        var nationalID: String?
        var name: String
        var sex: String
        /// `YYYY-MM-DD`.
        var birthDate: String?
        var phone: String?
        var address: String?
        var household: String
        /// Raw values, sorted, comma-separated (`chronic-illness,elderly`); empty for none.
        var vulnerabilities: String
        var group: String
        var version: Int64
        /// The household's ancestors and itself: `scopes[k]` is the path of the first k+1
        /// components, nil below the household's depth.
        var scopes: [String?]

        init(_ person: Person) {
            id = person.id.rawValue
            nationalID = person.nationalID
            name = person.name
            sex = person.sex.rawValue
            birthDate = person.birthDate?.description
            phone = person.phone
            address = person.address
            household = person.household.description
            vulnerabilities = CommunityRules.vulnerabilities(person.vulnerabilities)
            group = person.group.rawValue
            version = Int64(person.version)
            scopes = CommunityRules.scopes(of: person.household)
        }

        init(
            id: String, nationalID: String?, name: String, sex: String, birthDate: String?, phone: String?, address: String?,
            household: String, vulnerabilities: String, group: String, version: Int64
        ) {
            self.id = id
            self.nationalID = nationalID
            self.name = name
            self.sex = sex
            self.birthDate = birthDate
            self.phone = phone
            self.address = address
            self.household = household
            self.vulnerabilities = vulnerabilities
            self.group = group
            self.version = version
            self.scopes = []
        }

        /// The person the columns hold.
        /// - Throws: ``StoreError/Code/corrupt`` when they do not make a valid person.
        func person() throws(StoreError) -> Person {
            do {
                guard let sex = Sex(rawValue: sex), let group = PersonGroup(rawValue: group) else {
                    throw StoreError(.corrupt, "a stored person has an unknown sex or group")
                }
                var birth: CivilDate?
                if let birthDate {
                    guard let date = CivilDate(iso8601: birthDate) else { throw StoreError(.corrupt, "a stored birth date is not YYYY-MM-DD") }
                    birth = date
                }
                let draft = PersonDraft(
                    nationalID: nationalID, name: name, sex: sex, birthDate: birth, phone: phone, address: address,
                    household: try JurisdictionPath(household), vulnerabilities: try CommunityRules.vulnerabilities(parsing: vulnerabilities),
                    group: group)
                return try Person(id: try PersonID(id), validating: draft, version: Int(version))
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError(.corrupt, "a stored person fails validation", cause: error as? CommunityError)
            }
        }
    }

    static func vulnerabilities(_ set: Set<Vulnerability>) -> String {
        set.map(\.rawValue).sorted().joined(separator: ",")
    }

    static func vulnerabilities(parsing text: String) throws(StoreError) -> Set<Vulnerability> {
        guard !text.isEmpty else { return [] }
        var set = Set<Vulnerability>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let v = Vulnerability(rawValue: String(part)) else { throw StoreError(.corrupt, "a stored vulnerability is unknown") }
            set.insert(v)
        }
        return set
    }

    /// The pattern a vulnerability filter looks for in `',' || vulnerabilities || ','`.
    static func vulnerabilityNeedle(_ v: Vulnerability) -> String { ",\(v.rawValue)," }

    // MARK: Scopes

    /// The ancestors of `path` and the path itself, from the city down, padded with nil to seven.
    static func scopes(of path: JurisdictionPath) -> [String?] {
        var result: [String?] = []
        result.reserveCapacity(levels)
        var prefix = ""
        for (i, code) in path.components.enumerated() {
            prefix = i == 0 ? code : prefix + "/" + code
            result.append(prefix)
        }
        while result.count < levels { result.append(nil) }
        return result
    }

    /// The scope column (`scope1` ... `scope7`) that holds paths at `scope`'s depth.
    static func scopeColumn(_ scope: JurisdictionPath) -> String { "scope\(scope.components.count)" }

    /// Bounds for "`column` is `scope` or below it" on a byte-ordered text column, without LIKE
    /// (whose `_` wildcard is a legal code character): `column >= low AND column < high AND
    /// (column = exact OR column >= below)`. `high` is `scope` + "0" because '0' follows '/';
    /// the last term drops siblings such as `scope-x` and `scope.x` that sort between the two.
    struct ScopeBounds: Sendable {
        var exact: String
        var below: String
        var high: String
    }

    static func bounds(_ scope: JurisdictionPath) -> ScopeBounds {
        let text = scope.description
        return ScopeBounds(exact: text, below: text + "/", high: text + "0")
    }

    // MARK: Visits

    /// The earliest time in a visit overlapping `[lower, …]` can have, when no stay is longer
    /// than `longestStay` and open visits last `openDuration`.
    static func earliestTimeIn(lower: Int64, longestStay: Int64, openDuration: Int64) -> Int64 {
        let (bound, overflow) = lower.subtractingReportingOverflow(max(longestStay, openDuration, 0))
        return overflow ? Int64.min : bound
    }

    /// The end a visit counts with for overlap: its time out, or time in plus `openDuration`.
    static func end(of visit: Visit, openDuration: Int64) -> Int64 {
        if let timeOut = visit.timeOut { return timeOut }
        let (end, overflow) = visit.timeIn.addingReportingOverflow(max(0, openDuration))
        return overflow ? Int64.max : end
    }

    /// The longest closed stay per place in a batch.
    static func longestStays(_ visits: [Visit]) -> [PlaceID: Int64] {
        var stays: [PlaceID: Int64] = [:]
        for visit in visits {
            let stay = visit.timeOut.map { $0 &- visit.timeIn } ?? 0
            stays[visit.place] = max(stays[visit.place] ?? 0, max(0, stay))
        }
        return stays
    }

    // MARK: Merges

    static func encode(_ record: MergeRecord) throws(StoreError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return String(decoding: try encoder.encode(record), as: UTF8.self)
        } catch {
            throw StoreError(.invalidArgument, "the merge record cannot be encoded")
        }
    }

    static func decodeMerge(_ text: String) throws(StoreError) -> MergeRecord {
        do {
            return try JSONDecoder().decode(MergeRecord.self, from: Data(text.utf8))
        } catch {
            throw StoreError(.corrupt, "a stored merge record does not decode")
        }
    }

    /// Checks a plan before it is applied.
    static func check(_ plan: MergePlan) throws(StoreError) {
        let record = plan.record
        guard plan.merged.id == record.survivor, record.survivor != record.absorbed else {
            throw StoreError(.invalidArgument, "the merged person is not the record's survivor, or the pair is one person")
        }
        guard plan.merged.version == record.survivorVersion + 1 else {
            throw StoreError(.invalidArgument, "the merged person's version \(plan.merged.version) does not follow the survivor's \(record.survivorVersion)")
        }
    }

    static func pair(_ a: PersonID, _ b: PersonID) throws(StoreError) -> PersonPair {
        do {
            return try PersonPair(a, b)
        } catch {
            throw StoreError(.invalidArgument, "a pair names two different persons")
        }
    }

    // MARK: Users and audit

    static func role(_ text: String) throws(StoreError) -> Role {
        guard let role = Role(rawValue: text) else { throw StoreError(.corrupt, "a stored role is unknown") }
        return role
    }

    static func path(_ text: String) throws(StoreError) -> JurisdictionPath {
        do {
            return try JurisdictionPath(text)
        } catch {
            throw StoreError(.corrupt, "a stored jurisdiction is not a valid path")
        }
    }

    static func check(_ user: UserRecord) throws(StoreError) {
        guard (1...128).contains(user.name.utf8.count), !user.name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw StoreError(.invalidArgument, "a user name is 1-128 bytes without control characters") }
    }

    /// Byte order, as the SQL backends sort text.
    static func precedes(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
}
