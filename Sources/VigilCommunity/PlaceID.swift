/// A place where visits are recorded: a venue, a checkpoint's site, a clinic, a hospital, a
/// quarantine hotel. Opaque text chosen by whoever registers places (`market.riverside`).
public struct PlaceID: TextIdentifier {
    /// The identifier's text.
    public let rawValue: String

    /// - Throws: CommunityError/Code/invalidField (field `place`) unless 1-128 bytes without
    ///   control characters or surrounding spaces.
    public init(_ rawValue: String) throws {
        try Validation.requireKey(rawValue, field: "place")
        self.rawValue = rawValue
    }
}
