/// The identifier of a person's file: 1 to 64 of `a-z A-Z 0-9 - _ .`, assigned by the store
/// (the domain makes no ids of its own).
public struct PersonID: TextIdentifier {
    /// The id as text.
    public let rawValue: String

    /// - Throws: ``CommunityError/Code/invalidField`` (field `id`) for text that breaks the id rule.
    public init(_ rawValue: String) throws {
        self.rawValue = try Identifier.validated(rawValue, field: "id")
    }
}
