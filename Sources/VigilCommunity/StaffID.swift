/// The identifier of a staff member: 1 to 64 of `a-z A-Z 0-9 - _ .`.
public struct StaffID: TextIdentifier {
    /// The id as text.
    public let rawValue: String

    /// - Throws: ``CommunityError/Code/invalidField`` (field `staff`) for text that breaks the id rule.
    public init(_ rawValue: String) throws {
        self.rawValue = try Identifier.validated(rawValue, field: "staff")
    }
}
