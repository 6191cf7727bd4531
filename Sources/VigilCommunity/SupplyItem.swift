/// Something the platform keeps in stock and allocates: masks, protective suits, test kits,
/// rice, disinfectant. Quantities of an item are whole ``unit``s.
public struct SupplyItem: Sendable, Hashable, Codable {
    /// What the item is for, to group stock views and reports.
    public enum Category: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        /// Personal protective equipment: masks, suits, gloves, face shields.
        case protective
        /// Medicines, test kits, thermometers, oxygen.
        case medical
        /// Food and drinking water.
        case food
        /// Disinfectants and sprayers.
        case disinfection
        /// Anything else (body bags, generators, tents).
        case other

        public var description: String { rawValue }
    }

    public let id: SupplyItemID
    /// The display name (`N95 respirator`).
    public let name: String
    /// What one unit is (`piece`, `box of 50`, `kg`).
    public let unit: String
    public let category: Category

    /// - Throws: ``CommunityError/Code/invalidField`` (field `name` or `unit`) for text that is
    ///   empty, longer than 128 bytes, has control characters or surrounding spaces.
    public init(id: SupplyItemID, name: String, unit: String, category: Category) throws {
        try Validation.requireKey(name, field: "name")
        try Validation.requireKey(unit, field: "unit")
        self.id = id
        self.name = name
        self.unit = unit
        self.category = category
    }

    private enum CodingKeys: String, CodingKey { case id, name, unit, category }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            id: try c.decode(SupplyItemID.self, forKey: .id), name: try c.decode(String.self, forKey: .name),
            unit: try c.decode(String.self, forKey: .unit), category: try c.decode(Category.self, forKey: .category))
    }
}
