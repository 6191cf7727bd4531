import VigilSurveillance

extension PlanInputs: Codable {
    /// Decodes `communities`, `days` and `scopes` (each optional, default empty).
    /// - Throws: ``CommunityError/Code/invalidField`` naming the field (`days[3].riskLevel`).
    public init(from decoder: any Decoder) throws {
        let r = try PlanObjectReader(decoder, allowed: ["communities", "days", "scopes"])
        try self.init(
            communities: r.optionalValue("communities") ?? [],
            days: r.has("days") ? r.nestedArray("days") : [],
            scopes: r.has("scopes") ? r.nestedArray("scopes") : [])
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: PlanKey.self)
        try c.encode(communities, forKey: PlanKey("communities"))
        try c.encode(days, forKey: PlanKey("days"))
        try c.encode(scopes, forKey: PlanKey("scopes"))
    }
}

extension PlanInputs.CommunityDay: Codable {
    /// Decodes `community`, `day`, optional `alarms` (syndromes) and optional `riskLevel`
    /// (`low`, `medium`, `high`, or 0, 1, 2).
    public init(from decoder: any Decoder) throws {
        let r = try PlanObjectReader(decoder, allowed: ["community", "day", "alarms", "riskLevel"])
        try self.init(
            community: r.value("community"), day: r.value("day"), alarms: r.optionalValue("alarms") ?? [],
            riskLevel: r.optionalValue("riskLevel", as: NamedRiskLevel.self)?.level)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: PlanKey.self)
        try c.encode(community, forKey: PlanKey("community"))
        try c.encode(day, forKey: PlanKey("day"))
        try c.encode(alarms, forKey: PlanKey("alarms"))
        try c.encodeIfPresent(riskLevel.map(NamedRiskLevel.init), forKey: PlanKey("riskLevel"))
    }
}

extension PlanInputs.Rt: Codable {
    /// Decodes `day`, `mean` and `lower`.
    public init(from decoder: any Decoder) throws {
        let r = try PlanObjectReader(decoder, allowed: ["day", "mean", "lower"])
        try self.init(day: r.value("day"), mean: r.value("mean"), lower: r.value("lower"))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: PlanKey.self)
        try c.encode(day, forKey: PlanKey("day"))
        try c.encode(mean, forKey: PlanKey("mean"))
        try c.encode(lower, forKey: PlanKey("lower"))
    }
}

extension PlanInputs.Beds: Codable {
    /// Decodes `day`, `occupied` and `total`.
    public init(from decoder: any Decoder) throws {
        let r = try PlanObjectReader(decoder, allowed: ["day", "occupied", "total"])
        try self.init(day: r.value("day"), occupied: r.value("occupied"), total: r.value("total"))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: PlanKey.self)
        try c.encode(day, forKey: PlanKey("day"))
        try c.encode(occupied, forKey: PlanKey("occupied"))
        try c.encode(total, forKey: PlanKey("total"))
    }
}

extension PlanInputs.Confirmed: Codable {
    /// Decodes `day` and `count`.
    public init(from decoder: any Decoder) throws {
        let r = try PlanObjectReader(decoder, allowed: ["day", "count"])
        try self.init(day: r.value("day"), count: r.value("count"))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: PlanKey.self)
        try c.encode(day, forKey: PlanKey("day"))
        try c.encode(count, forKey: PlanKey("count"))
    }
}

extension PlanInputs.Scope: Codable {
    /// Decodes `scope` and optional `rt`, `beds` and `confirmed` series.
    public init(from decoder: any Decoder) throws {
        let r = try PlanObjectReader(decoder, allowed: ["scope", "rt", "beds", "confirmed"])
        try self.init(
            scope: r.value("scope"), rt: r.has("rt") ? r.nestedArray("rt") : [], beds: r.has("beds") ? r.nestedArray("beds") : [],
            confirmed: r.has("confirmed") ? r.nestedArray("confirmed") : [])
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: PlanKey.self)
        try c.encode(scope, forKey: PlanKey("scope"))
        try c.encode(rt, forKey: PlanKey("rt"))
        try c.encode(beds, forKey: PlanKey("beds"))
        try c.encode(confirmed, forKey: PlanKey("confirmed"))
    }
}
