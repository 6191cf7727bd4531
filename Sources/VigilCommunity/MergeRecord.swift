/// The audit record of a merge: who merged which file into which, when, why, and where each
/// field of the result came from. Field names are the JSON names of ``Person``.
public struct MergeRecord: Sendable, Hashable, Codable {
    /// The file that remains (keeps its id).
    public var survivor: PersonID
    /// The file merged into it; a store keeps it only as a pointer to ``survivor``.
    public var absorbed: PersonID
    /// The versions the merge was computed from: a store applies it only if both are unchanged.
    public var survivorVersion: Int
    public var absorbedVersion: Int
    /// Who merged.
    public var by: StaffID
    /// When, in POSIX seconds, as the caller states it (the domain reads no clock).
    public var time: Int64
    /// Why, as the staff member wrote it.
    public var reason: String
    /// Fields whose merged value is the survivor's (non-empty there).
    public var fromSurvivor: [String]
    /// Fields whose merged value is, or includes, the absorbed file's.
    public var fromAbsorbed: [String]
    /// Fields where both files had different values and the survivor's was kept.
    public var conflicting: [String]

    public init(
        survivor: PersonID, absorbed: PersonID, survivorVersion: Int, absorbedVersion: Int, by: StaffID, time: Int64,
        reason: String, fromSurvivor: [String], fromAbsorbed: [String], conflicting: [String]
    ) {
        self.survivor = survivor
        self.absorbed = absorbed
        self.survivorVersion = survivorVersion
        self.absorbedVersion = absorbedVersion
        self.by = by
        self.time = time
        self.reason = reason
        self.fromSurvivor = fromSurvivor
        self.fromAbsorbed = fromAbsorbed
        self.conflicting = conflicting
    }
}
