/// The identifier of a volunteer (`v.0412`): 1 to 64 of `a-z A-Z 0-9 - _ .`.
public struct VolunteerID: TextIdentifier {
    /// The id as text.
    public let rawValue: String

    /// - Throws: ``CommunityError/Code/invalidField`` (field `volunteer`) for text that breaks the id rule.
    public init(_ rawValue: String) throws {
        self.rawValue = try Identifier.validated(rawValue, field: "volunteer")
    }
}
