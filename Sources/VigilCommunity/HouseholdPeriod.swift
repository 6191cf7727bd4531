public import VigilSurveillance

/// A household and the days, both inclusive, it was under some measure (home quarantine,
/// sealing): the input multi-source signals compare readings against.
public struct HouseholdPeriod: Sendable, Hashable, Codable {
    /// The household (a path at the household level).
    public let household: JurisdictionPath
    /// The first day.
    public let from: CivilDate
    /// The last day.
    public let to: CivilDate

    /// - Throws: ``CommunityError/Code/invalidField`` when `household` is not at the household
    ///   level (field `household`) or `from` is after `to` (field `to`).
    public init(household: JurisdictionPath, from: CivilDate, to: CivilDate) throws {
        guard household.level == .household else {
            throw CommunityError(.invalidField, "\(household) is a \(household.level), not a household", field: "household")
        }
        guard from <= to else {
            throw CommunityError(.invalidField, "period ends \(to) before it starts \(from)", field: "to")
        }
        self.household = household
        self.from = from
        self.to = to
    }

    /// Whether `day` is within the period.
    public func contains(_ day: CivilDate) -> Bool { from <= day && day <= to }

    private enum CodingKeys: String, CodingKey { case household, from, to }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            household: try c.decode(JurisdictionPath.self, forKey: .household), from: try c.decode(CivilDate.self, forKey: .from),
            to: try c.decode(CivilDate.self, forKey: .to))
    }
}
