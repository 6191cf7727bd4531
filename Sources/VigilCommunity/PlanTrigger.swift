public import VigilSurveillance

/// When an emergency plan activates: conditions over the analysis outputs (aberration alarms,
/// the reproduction number, community risk levels, hospital occupancy, confirmed cases),
/// composed with ``all(_:)`` and ``any(_:)``.
///
/// Every condition is judged on one day D over the plan's scope (``EmergencyPlan/scope``) from a
/// ``PlanInputs`` snapshot; "the last d days" is the window D−d+1...D, D included. Thresholds
/// are inclusive (≥) except the reproduction number's, which must be exceeded (>), as in
/// `RiskCondition.reproductionNumberAbove`. Missing data never makes a condition hold.
/// `docs/plans.md` states each rule.
///
/// Coded as an object with a `kind`: `{"kind": "alarms", "communities": 3, "days": 7}`,
/// `{"kind": "all", "of": [...]}`.
public indirect enum PlanTrigger: Sendable, Hashable, CustomStringConvertible {
    /// Alarms in at least k communities of the scope in the last d days.
    case alarms(Alarms)
    /// The reproduction number of the scope above a value on each of the last d days.
    case rt(Rt)
    /// At least k communities of the scope, or one named community, at a risk level ≥ L.
    case riskLevel(RiskLevels)
    /// The scope's hospital occupancy (occupied ÷ total beds) at least a fraction.
    case occupancy(Occupancy)
    /// At least n new confirmed cases in the scope in the last d days.
    case cases(ConfirmedCases)
    /// Every one of the triggers holds (1-32 of them).
    case all([PlanTrigger])
    /// At least one of the triggers holds (1-32 of them).
    case any([PlanTrigger])

    /// The kinds of trigger, as coded in JSON (`kind`) and reported in ``TriggerReason/kind``.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        case alarms, rt, riskLevel, occupancy, cases, all, any
        public var description: String { rawValue }
    }

    /// This trigger's kind.
    public var kind: Kind {
        switch self {
        case .alarms: .alarms
        case .rt: .rt
        case .riskLevel: .riskLevel
        case .occupancy: .occupancy
        case .cases: .cases
        case .all: .all
        case .any: .any
        }
    }

    /// Alarms from aberration detection in at least ``communities`` (k) distinct communities of
    /// the scope on some day of the last ``days`` (d) days, for ``syndrome`` or for any syndrome.
    ///
    /// Holds on D when #{c in scope : c has an alarm on a day in D−d+1...D} ≥ k.
    public struct Alarms: Sendable, Hashable {
        /// k: communities with an alarm, at least (1...100,000).
        public let communities: Int
        /// d: the window in days, D included (1...365).
        public let days: Int
        /// Only alarms for this syndrome; nil counts every syndrome.
        public let syndrome: Syndrome?

        /// - Throws: ``CommunityError/Code/invalidField`` naming `communities` or `days` when out of range.
        public init(communities: Int, days: Int, syndrome: Syndrome? = nil) throws {
            try PlanTrigger.require(communities, in: 1...100_000, field: "communities", what: "communities")
            try PlanTrigger.require(days, in: 1...365, field: "days", what: "days")
            self.communities = communities
            self.days = days
            self.syndrome = syndrome
        }
    }

    /// The reproduction number Rt of the scope, by ``statistic``, strictly above ``above`` on
    /// each of the last ``days`` (d) consecutive days.
    ///
    /// Holds on D when every day of D−d+1...D has an estimate for the scope and each estimate's
    /// statistic is > the value. A day without an estimate (or with an undefined one) breaks
    /// the run.
    public struct Rt: Sendable, Hashable {
        /// Which number of the posterior is compared.
        public enum Statistic: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
            /// The 2.5 % posterior quantile (EpiEstim's `Quantile.0.025(R)`), the lower end of the
            /// 95 % credible interval: the trigger holds only when transmission is growing with
            /// confidence. The recommended statistic.
            case lowerBound = "lower"
            /// The posterior mean (EpiEstim's `Mean(R)`): reacts earlier, with more false starts.
            case mean

            public var description: String { self == .mean ? "mean" : "lower bound" }
        }

        /// The statistic compared.
        public let statistic: Statistic
        /// The value to exceed: finite, 0...100.
        public let above: Double
        /// d: consecutive days, D included (1...365).
        public let days: Int

        /// - Throws: ``CommunityError/Code/invalidField`` naming `above` or `days` when out of range.
        public init(statistic: Statistic = .lowerBound, above: Double, days: Int) throws {
            guard above.isFinite, (0...100).contains(above) else {
                throw CommunityError(.invalidField, "the Rt threshold must be a number in 0...100", field: "above")
            }
            try PlanTrigger.require(days, in: 1...365, field: "days", what: "days")
            self.statistic = statistic
            self.above = above
            self.days = days
        }
    }

    /// Communities at a risk level of at least ``atLeast`` on the day: at least k of the scope,
    /// or one named community.
    ///
    /// A community without a recorded level on D counts as below every level.
    public struct RiskLevels: Sendable, Hashable {
        /// Which communities are counted.
        public enum Target: Sendable, Hashable {
            /// At least this many communities of the scope (1...100,000).
            case communities(Int)
            /// This community (a community-level path inside the plan's scope).
            case community(JurisdictionPath)
        }

        /// L: the level to reach.
        public let atLeast: RiskLevel
        /// How many, or which one.
        public let target: Target

        /// - Throws: ``CommunityError/Code/invalidField`` (field `communities`) unless 1...100,000.
        public init(atLeast: RiskLevel, communities: Int) throws {
            try PlanTrigger.require(communities, in: 1...100_000, field: "communities", what: "communities")
            self.atLeast = atLeast
            self.target = .communities(communities)
        }

        /// - Throws: ``CommunityError/Code/invalidField`` (field `community`) unless `community`
        ///   names a community (the fourth level of the jurisdiction tree).
        public init(atLeast: RiskLevel, community: JurisdictionPath) throws {
            guard community.level == .community else {
                throw CommunityError(
                    .invalidField, "\(community) is a \(community.level.name), not a community", field: "community")
            }
            self.atLeast = atLeast
            self.target = .community(community)
        }
    }

    /// The scope's hospital occupancy on the day, occupied ÷ total beds, at least ``atLeast``.
    ///
    /// Compared as `Double(occupied) / Double(total) >= atLeast`; IEEE division is correctly
    /// rounded, so 85 of 100 beds meets 0.85 exactly. No bed count for D, or zero beds in
    /// total, does not hold.
    public struct Occupancy: Sendable, Hashable {
        /// The fraction, in (0, 1].
        public let atLeast: Double

        /// - Throws: ``CommunityError/Code/invalidField`` (field `atLeast`) unless 0 < `atLeast` ≤ 1.
        public init(atLeast: Double) throws {
            guard atLeast > 0, atLeast <= 1 else {
                throw CommunityError(.invalidField, "an occupancy threshold is a fraction in (0, 1]", field: "atLeast")
            }
            self.atLeast = atLeast
        }
    }

    /// At least ``atLeast`` (n) new confirmed cases in the scope over the last ``days`` (d) days.
    ///
    /// Holds on D when the sum of the scope's confirmed counts over D−d+1...D is ≥ n; days
    /// without a count add nothing.
    public struct ConfirmedCases: Sendable, Hashable {
        /// n: cases, at least (1...10,000,000).
        public let atLeast: Int
        /// d: the window in days, D included (1...365).
        public let days: Int

        /// - Throws: ``CommunityError/Code/invalidField`` naming `atLeast` or `days` when out of range.
        public init(atLeast: Int, days: Int) throws {
            try PlanTrigger.require(atLeast, in: 1...10_000_000, field: "atLeast", what: "cases")
            try PlanTrigger.require(days, in: 1...365, field: "days", what: "days")
            self.atLeast = atLeast
            self.days = days
        }
    }

    /// The most conditions one `all` or `any` may combine, and the deepest nesting.
    public static let maximumChildren = 32
    public static let maximumDepth = 8

    /// Checks what a single condition cannot check alone: `all`/`any` have 1-32 children and
    /// nest at most 8 deep, and a named community lies inside the plan's scope.
    /// - Throws: ``CommunityError/Code/invalidField`` with the field's path below the trigger
    ///   (`of[1].community`).
    public func validate(in scope: JurisdictionPath) throws {
        try validate(in: scope, depth: 1)
    }

    private func validate(in scope: JurisdictionPath, depth: Int) throws {
        switch self {
        case .all(let children), .any(let children):
            guard depth <= Self.maximumDepth else {
                throw CommunityError(.invalidField, "triggers nest at most \(Self.maximumDepth) deep", field: "of")
            }
            guard (1...Self.maximumChildren).contains(children.count) else {
                throw CommunityError(
                    .invalidField, "\(kind) combines 1-\(Self.maximumChildren) triggers, not \(children.count)", field: "of")
            }
            for (i, child) in children.enumerated() {
                try PlanFieldPath.prefixing("of[\(i)]") { try child.validate(in: scope, depth: depth + 1) }
            }
        case .riskLevel(let r):
            if case .community(let c) = r.target, !scope.contains(c) {
                throw CommunityError(.invalidField, "community \(c) is outside the plan's scope \(scope)", field: "community")
            }
        case .alarms, .rt, .occupancy, .cases:
            break
        }
    }

    static func require(_ value: Int, in range: ClosedRange<Int>, field: String, what: String) throws {
        guard range.contains(value) else {
            throw CommunityError(
                .invalidField, "\(value) \(what) is outside \(range.lowerBound)...\(range.upperBound)", field: field)
        }
    }

    /// A readable form: `(alarms in ≥ 3 communities in the last 7 days or Rt lower bound > 1.2 for 3 days)`.
    public var description: String {
        switch self {
        case .alarms(let a):
            let syndrome = a.syndrome.map { " (\($0))" } ?? ""
            return "alarms\(syndrome) in ≥ \(a.communities) communities in the last \(a.days) days"
        case .rt(let r):
            return "Rt \(r.statistic) > \(PlanText.number(r.above)) for \(r.days) days"
        case .riskLevel(let r):
            switch r.target {
            case .communities(let k): return "≥ \(k) communities at risk ≥ \(r.atLeast)"
            case .community(let c): return "community \(c) at risk ≥ \(r.atLeast)"
            }
        case .occupancy(let o):
            return "hospital occupancy ≥ \(PlanText.number(o.atLeast))"
        case .cases(let c):
            return "≥ \(c.atLeast) confirmed cases in the last \(c.days) days"
        case .all(let children):
            return "(" + children.map(\.description).joined(separator: " and ") + ")"
        case .any(let children):
            return "(" + children.map(\.description).joined(separator: " or ") + ")"
        }
    }
}
