/// The identifier of an emergency plan: 1 to 64 of `a-z A-Z 0-9 - _ .`.
public struct EmergencyPlanID: TextIdentifier {
    /// The id as text.
    public let rawValue: String

    /// - Throws: ``CommunityError/Code/invalidField`` (field `id`) for text that breaks the id rule.
    public init(_ rawValue: String) throws {
        self.rawValue = try Identifier.validated(rawValue, field: "id")
    }

    /// A value that is not a string is refused naming the field `id`.
    public init(from decoder: any Decoder) throws {
        guard let text = try? decoder.singleValueContainer().decode(String.self) else {
            throw CommunityError(.invalidField, "an id is a string", field: "id")
        }
        try self.init(text)
    }
}
