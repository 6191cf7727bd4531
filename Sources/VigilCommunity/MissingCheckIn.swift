public import VigilSurveillance

/// A person who owed check-ins on a day and did not make them all.
public struct MissingCheckIn: Sendable, Hashable, Codable {
    public let person: PersonKey
    public let day: CivilDate
    /// How many check-ins the person's follow-up plan asked for that day.
    public let expected: Int
    /// How many arrived (fewer than expected).
    public let received: Int

    /// Creates the value from its parts (a history step or result; the owner checks it).
    public init(person: PersonKey, day: CivilDate, expected: Int, received: Int) {
        self.person = person
        self.day = day
        self.expected = expected
        self.received = received
    }

    /// `expected - received`.
    public var missing: Int { expected - received }
}
