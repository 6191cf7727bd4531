/// The identifier of a computed allocation or transfer plan (``SupplyAllocation``,
/// ``SupplyTransferPlan``): 1 to 64 of `a-z A-Z 0-9 - _ .`, chosen by the caller.
public struct SupplyAllocationID: TextIdentifier {
    /// The id as text.
    public let rawValue: String

    /// - Throws: ``CommunityError/Code/invalidField`` (field `id`) for text that breaks the id rule.
    public init(_ rawValue: String) throws {
        self.rawValue = try Identifier.validated(rawValue, field: "id")
    }
}
