/// A staff member of the community platform: community workers, grid workers, party members
/// taking responsibility for households. What they are responsible for is a list of
/// ``Responsibility`` values, separate from any login role.
public struct Staff: Sendable, Hashable, Codable, Identifiable {
    public let id: StaffID
    /// Trimmed, 1-100 characters, no control characters.
    public let name: String
    /// `+` and digits, as ``Person/phone``.
    public let phone: String?

    /// - Throws: ``CommunityError/Code/invalidField`` (`name` or `phone`) under the person rules.
    public init(id: StaffID, name: String, phone: String? = nil) throws {
        self.id = id
        self.name = try PersonRules.name(name)
        self.phone = try PersonRules.phone(phone)
    }

    enum CodingKeys: String, CodingKey { case id, name, phone }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            id: try c.decode(StaffID.self, forKey: .id), name: try c.decode(String.self, forKey: .name),
            phone: try c.decodeIfPresent(String.self, forKey: .phone))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encodeIfPresent(phone, forKey: .phone)
    }
}
