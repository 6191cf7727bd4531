/// Two different persons, unordered: `PersonPair(a, b) == PersonPair(b, a)`.
public struct PersonPair: Sendable, Hashable, Comparable, Codable {
    /// The smaller id.
    public let first: PersonID
    /// The larger id.
    public let second: PersonID

    /// - Throws: ``CommunityError/Code/invalidField`` (field `persons`) when `a == b`.
    public init(_ a: PersonID, _ b: PersonID) throws {
        guard a != b else { throw CommunityError(.invalidField, "a pair names two different persons", field: "persons") }
        self.init(unchecked: a, b)
    }

    init(unchecked a: PersonID, _ b: PersonID) {
        (first, second) = a < b ? (a, b) : (b, a)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.first, lhs.second) < (rhs.first, rhs.second) }

    /// Decodes `["a", "b"]`.
    public init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        try self.init(try c.decode(PersonID.self), try c.decode(PersonID.self))
        guard c.isAtEnd else { throw CommunityError(.invalidField, "a pair has two ids", field: "persons") }
    }

    /// Encodes `["a", "b"]`, smaller id first.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(first)
        try c.encode(second)
    }
}
