/// A place where visits are recorded: a venue, a checkpoint's site, a clinic, a hospital, a
/// quarantine hotel. Opaque text chosen by whoever registers places (`market.riverside`).
public struct PlaceID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The identifier's text.
    public let rawValue: String

    /// - Throws: CommunityError/Code/invalidField (field `place`) unless 1-128 bytes without
    ///   control characters or surrounding spaces.
    public init(_ rawValue: String) throws {
        try Validation.requireKey(rawValue, field: "place")
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
