public import VigilSurveillance

/// A household's electricity consumption on one day, imported from the utility's feed.
public struct ElectricityReading: Sendable, Hashable, Codable {
    /// The household (a path at the household level).
    public let household: JurisdictionPath
    public let day: CivilDate
    /// Consumption that day, in kWh.
    public let kWh: Double

    /// - Throws: ``CommunityError/Code/invalidField`` when `household` is not at the household
    ///   level (field `household`) or `kWh` is negative or not finite (field `kWh`).
    public init(household: JurisdictionPath, day: CivilDate, kWh: Double) throws {
        guard household.level == .household else {
            throw CommunityError(.invalidField, "\(household) is a \(household.level), not a household", field: "household")
        }
        guard kWh.isFinite, kWh >= 0 else {
            throw CommunityError(.invalidField, "consumption \(kWh) kWh is not a finite non-negative number", field: "kWh")
        }
        self.household = household
        self.day = day
        self.kWh = kWh
    }

    private enum CodingKeys: String, CodingKey { case household, day, kWh }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            household: try c.decode(JurisdictionPath.self, forKey: .household), day: try c.decode(CivilDate.self, forKey: .day),
            kWh: try c.decode(Double.self, forKey: .kWh))
    }
}
