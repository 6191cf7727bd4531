/// An existing person who may be the same as the one being checked.
public struct DuplicateCandidate: Sendable, Hashable, Codable {
    public var person: PersonID
    /// 0.5 to 1; see ``DuplicateFinder`` for the table.
    public var score: Double
    /// The evidence, strongest first.
    public var reasons: [DuplicateReason]

    public init(person: PersonID, score: Double, reasons: [DuplicateReason]) {
        self.person = person
        self.score = score
        self.reasons = reasons
    }
}
