/// The identifier of a supply item (`n95`, `suit.protective`): 1 to 64 of `a-z A-Z 0-9 - _ .`.
public struct SupplyItemID: TextIdentifier {
    /// The id as text.
    public let rawValue: String

    /// - Throws: ``CommunityError/Code/invalidField`` (field `item`) for text that breaks the id rule.
    public init(_ rawValue: String) throws {
        self.rawValue = try Identifier.validated(rawValue, field: "item")
    }
}
