/// A person found by ``ContactTracer``: a household member of the index case, someone
/// co-present with the case, or both.
public struct TracedContact: Sendable, Hashable, Codable {
    /// Who.
    public let person: PersonKey
    /// Whether the person lives in the case's household (given to the tracer as input).
    public let isHousehold: Bool
    /// The exposures at places, ordered by start, then place.
    public let encounters: [Encounter]

    /// Creates the value from its parts (a history step or result; the owner checks it).
    public init(person: PersonKey, isHousehold: Bool, encounters: [Encounter]) {
        self.person = person
        self.isHousehold = isHousehold
        self.encounters = encounters.sorted { ($0.start, $0.place, $0.end) < ($1.start, $1.place, $1.end) }
    }

    /// The summed length of the encounters, in seconds.
    public var totalOverlapSeconds: Int64 { encounters.reduce(0) { $0 + $1.overlapSeconds } }

    /// Whether `lhs` ranks before `rhs` by exposure: household members first, then the longer
    /// total overlap, then more encounters, then the smaller person key (so ties are stable).
    public static func ranksBefore(_ lhs: TracedContact, _ rhs: TracedContact) -> Bool {
        if lhs.isHousehold != rhs.isHousehold { return lhs.isHousehold }
        let lo = lhs.totalOverlapSeconds
        let ro = rhs.totalOverlapSeconds
        if lo != ro { return lo > ro }
        if lhs.encounters.count != rhs.encounters.count { return lhs.encounters.count > rhs.encounters.count }
        return lhs.person < rhs.person
    }

    /// The close-contact record for this person and `indexCase`: household exposure when the
    /// person is a household member, otherwise the longest encounter (the earliest on a tie),
    /// with the total overlap as its duration.
    public func closeContact(indexCase: CaseID) throws -> CloseContact {
        let longest = encounters.min { ($1.overlapSeconds, $0.start) < ($0.overlapSeconds, $1.start) }
        return try CloseContact(
            contact: person, indexCase: indexCase, place: isHousehold ? nil : longest?.place, exposureTime: longest?.start,
            durationSeconds: totalOverlapSeconds, isHousehold: isHousehold)
    }
}
