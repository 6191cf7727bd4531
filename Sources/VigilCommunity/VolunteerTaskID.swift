/// The identifier of a volunteer task (a delivery, a door-to-door check, an escort, a transport): 1 to 64 of `a-z A-Z 0-9 - _ .`.
public struct VolunteerTaskID: TextIdentifier {
    /// The id as text.
    public let rawValue: String

    /// - Throws: ``CommunityError/Code/invalidField`` (field `task`) for text that breaks the id rule.
    public init(_ rawValue: String) throws {
        self.rawValue = try Identifier.validated(rawValue, field: "task")
    }
}
