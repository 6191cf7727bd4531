import VigilSurveillance

extension PlanTrigger: Codable {
    private static let keys: Set<String> = [
        "kind", "communities", "days", "syndrome", "statistic", "above", "atLeast", "community", "of",
    ]

    /// Decodes `{"kind": ..., ...}`.
    /// - Throws: ``CommunityError/Code/invalidField`` naming the field, with its path below the
    ///   trigger for nested ones (`of[2].days`).
    public init(from decoder: any Decoder) throws {
        let r = try PlanObjectReader(decoder, allowed: Self.keys)
        let text: String = try r.value("kind")
        guard let kind = Kind(rawValue: text) else {
            throw CommunityError(
                .invalidField, "kind must be one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))", field: "kind")
        }
        switch kind {
        case .alarms: self = .alarms(try Alarms(from: decoder))
        case .rt: self = .rt(try Rt(from: decoder))
        case .riskLevel: self = .riskLevel(try RiskLevels(from: decoder))
        case .occupancy: self = .occupancy(try Occupancy(from: decoder))
        case .cases: self = .cases(try ConfirmedCases(from: decoder))
        case .all, .any:
            let r = try PlanObjectReader(decoder, allowed: ["kind", "of"])
            let children: [PlanTrigger] = try r.nestedArray("of")
            guard (1...Self.maximumChildren).contains(children.count) else {
                throw CommunityError(
                    .invalidField, "\(kind) combines 1-\(Self.maximumChildren) triggers, not \(children.count)", field: "of")
            }
            self = kind == .all ? .all(children) : .any(children)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: PlanKey.self)
        try c.encode(kind.rawValue, forKey: PlanKey("kind"))
        switch self {
        case .alarms(let a): try a.encode(to: encoder)
        case .rt(let r): try r.encode(to: encoder)
        case .riskLevel(let r): try r.encode(to: encoder)
        case .occupancy(let o): try o.encode(to: encoder)
        case .cases(let n): try n.encode(to: encoder)
        case .all(let children), .any(let children): try c.encode(children, forKey: PlanKey("of"))
        }
    }
}

extension PlanTrigger.Alarms: Codable {
    /// Decodes `communities`, `days` and an optional `syndrome` (a `kind` is ignored).
    public init(from decoder: any Decoder) throws {
        let r = try PlanObjectReader(decoder, allowed: ["kind", "communities", "days", "syndrome"])
        try self.init(communities: r.value("communities"), days: r.value("days"), syndrome: r.optionalValue("syndrome"))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: PlanKey.self)
        try c.encode(communities, forKey: PlanKey("communities"))
        try c.encode(days, forKey: PlanKey("days"))
        try c.encodeIfPresent(syndrome, forKey: PlanKey("syndrome"))
    }
}

extension PlanTrigger.Rt: Codable {
    /// Decodes `above`, `days` and `statistic` (`lower`, the default, or `mean`).
    public init(from decoder: any Decoder) throws {
        let r = try PlanObjectReader(decoder, allowed: ["kind", "statistic", "above", "days"])
        var statistic = Statistic.lowerBound
        if let text: String = try r.optionalValue("statistic") {
            guard let s = Statistic(rawValue: text) else {
                throw CommunityError(.invalidField, "statistic is lower or mean", field: "statistic")
            }
            statistic = s
        }
        try self.init(statistic: statistic, above: r.value("above"), days: r.value("days"))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: PlanKey.self)
        try c.encode(statistic.rawValue, forKey: PlanKey("statistic"))
        try c.encode(above, forKey: PlanKey("above"))
        try c.encode(days, forKey: PlanKey("days"))
    }
}

extension PlanTrigger.RiskLevels: Codable {
    /// Decodes `atLeast` (`low`, `medium`, `high`, or 0, 1, 2) and exactly one of `communities`
    /// and `community`.
    public init(from decoder: any Decoder) throws {
        let r = try PlanObjectReader(decoder, allowed: ["kind", "atLeast", "communities", "community"])
        let level = try r.value("atLeast", as: NamedRiskLevel.self).level
        switch (r.has("communities"), r.has("community")) {
        case (true, false): try self.init(atLeast: level, communities: r.value("communities"))
        case (false, true): try self.init(atLeast: level, community: r.value("community"))
        default:
            throw CommunityError(.invalidField, "give either communities (a count) or community (a path)", field: "communities")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: PlanKey.self)
        try c.encode(NamedRiskLevel(atLeast), forKey: PlanKey("atLeast"))
        switch target {
        case .communities(let k): try c.encode(k, forKey: PlanKey("communities"))
        case .community(let path): try c.encode(path, forKey: PlanKey("community"))
        }
    }
}

extension PlanTrigger.Occupancy: Codable {
    /// Decodes `atLeast`, a fraction in (0, 1].
    public init(from decoder: any Decoder) throws {
        let r = try PlanObjectReader(decoder, allowed: ["kind", "atLeast"])
        try self.init(atLeast: r.value("atLeast"))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: PlanKey.self)
        try c.encode(atLeast, forKey: PlanKey("atLeast"))
    }
}

extension PlanTrigger.ConfirmedCases: Codable {
    /// Decodes `atLeast` and `days`.
    public init(from decoder: any Decoder) throws {
        let r = try PlanObjectReader(decoder, allowed: ["kind", "atLeast", "days"])
        try self.init(atLeast: r.value("atLeast"), days: r.value("days"))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: PlanKey.self)
        try c.encode(atLeast, forKey: PlanKey("atLeast"))
        try c.encode(days, forKey: PlanKey("days"))
    }
}
