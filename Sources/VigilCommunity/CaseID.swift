/// A case record's identifier (one person may have several cases over time).
public struct CaseID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The identifier's text.
    public let rawValue: String

    /// - Throws: CommunityError/Code/invalidField (field `case`) unless 1-128 bytes without
    ///   control characters or surrounding spaces.
    public init(_ rawValue: String) throws {
        try Validation.requireKey(rawValue, field: "case")
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
