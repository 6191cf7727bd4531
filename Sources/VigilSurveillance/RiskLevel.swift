/// A community's epidemic risk level.
public enum RiskLevel: Int, Sendable, Hashable, Comparable, CaseIterable, Codable, CustomStringConvertible {
    /// No recent local transmission.
    case low = 0
    /// Recent cases, limited spread.
    case medium = 1
    /// Sustained or clustered transmission.
    case high = 2

    /// Orders low < medium < high.
    public static func < (lhs: RiskLevel, rhs: RiskLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `low`, `medium` or `high`.
    public var description: String {
        switch self {
        case .low: return "low"
        case .medium: return "medium"
        case .high: return "high"
        }
    }
}

/// What is known about a community over the assessment window, the input of a `RiskPolicy`.
public struct CommunitySignals: Sendable, Hashable, Codable {
    /// New confirmed cases in the window (e.g. the last 14 days).
    public var recentCases: Int
    /// Cumulative confirmed cases up to the assessment day.
    public var cumulativeCases: Int
    /// Clusters (two or more epidemiologically linked cases) reported in the window.
    public var clusters: Int
    /// Aberration-detection alarms in the window.
    public var alarms: Int
    /// Residents (for incidence per 100,000); `nil` if unknown.
    public var population: Int?
    /// The current reproduction number estimate, if any.
    public var reproductionNumber: Double?
    /// Days since the last confirmed case; `nil` if there has been none.
    public var daysSinceLastCase: Int?

    /// Creates signals.
    public init(
        recentCases: Int, cumulativeCases: Int, clusters: Int = 0, alarms: Int = 0, population: Int? = nil,
        reproductionNumber: Double? = nil, daysSinceLastCase: Int? = nil
    ) {
        self.recentCases = recentCases
        self.cumulativeCases = cumulativeCases
        self.clusters = clusters
        self.alarms = alarms
        self.population = population
        self.reproductionNumber = reproductionNumber
        self.daysSinceLastCase = daysSinceLastCase
    }

    /// Signals from daily confirmed counts (oldest first) as of the last day, over the last `window` days.
    /// - Parameters:
    ///   - dailyCases: confirmed cases per day.
    ///   - window: days in the assessment window (default 14).
    ///   - clusters: clusters reported in the window.
    ///   - alarms: alarms raised in the window.
    public init(
        dailyCases: [Int], window: Int = 14, clusters: Int = 0, alarms: Int = 0, population: Int? = nil,
        reproductionNumber: Double? = nil
    ) {
        let recent = dailyCases.suffix(max(0, window))
        let lastCase = dailyCases.lastIndex(where: { $0 > 0 })
        self.init(
            recentCases: recent.reduce(0, +), cumulativeCases: dailyCases.reduce(0, +), clusters: clusters,
            alarms: alarms,
            population: population, reproductionNumber: reproductionNumber,
            daysSinceLastCase: lastCase.map { dailyCases.count - 1 - $0 })
    }

    /// New cases in the window per 100,000 residents, if the population is known.
    public var recentIncidencePer100k: Double? {
        guard let population, population > 0 else { return nil }
        return Double(recentCases) * 100_000 / Double(population)
    }
}

/// A condition over `CommunitySignals`.
public indirect enum RiskCondition: Sendable, Hashable, Codable, CustomStringConvertible {
    /// At least this many new cases in the window.
    case recentCasesAtLeast(Int)
    /// More than this many cumulative cases.
    case cumulativeCasesAbove(Int)
    /// At least this many clusters in the window.
    case clustersAtLeast(Int)
    /// At least this many alarms in the window.
    case alarmsAtLeast(Int)
    /// New cases per 100,000 in the window at least this value (false if the population is unknown).
    case incidencePer100kAtLeast(Double)
    /// The reproduction number above this value (false if unknown).
    case reproductionNumberAbove(Double)
    /// All of the conditions.
    case all([RiskCondition])
    /// Any of the conditions.
    case any([RiskCondition])

    /// Whether the signals satisfy the condition.
    public func holds(for s: CommunitySignals) -> Bool {
        switch self {
        case .recentCasesAtLeast(let n): return s.recentCases >= n
        case .cumulativeCasesAbove(let n): return s.cumulativeCases > n
        case .clustersAtLeast(let n): return s.clusters >= n
        case .alarmsAtLeast(let n): return s.alarms >= n
        case .incidencePer100kAtLeast(let v): return (s.recentIncidencePer100k ?? -.infinity) >= v
        case .reproductionNumberAbove(let v): return (s.reproductionNumber ?? -.infinity) > v
        case .all(let cs): return cs.allSatisfy { $0.holds(for: s) }
        case .any(let cs): return cs.contains { $0.holds(for: s) }
        }
    }

    /// A readable form, used as the reason of an assessment.
    public var description: String {
        switch self {
        case .recentCasesAtLeast(let n): return "new cases in window >= \(n)"
        case .cumulativeCasesAbove(let n): return "cumulative cases > \(n)"
        case .clustersAtLeast(let n): return "clusters in window >= \(n)"
        case .alarmsAtLeast(let n): return "alarms in window >= \(n)"
        case .incidencePer100kAtLeast(let v): return "incidence per 100k >= \(v)"
        case .reproductionNumberAbove(let v): return "Rt > \(v)"
        case .all(let cs): return "(" + cs.map(\.description).joined(separator: " and ") + ")"
        case .any(let cs): return "(" + cs.map(\.description).joined(separator: " or ") + ")"
        }
    }
}

/// A rule: the level that applies when the condition holds.
public struct RiskRule: Sendable, Hashable, Codable {
    /// The level this rule assigns.
    public var level: RiskLevel
    /// When it applies.
    public var condition: RiskCondition
    /// Creates a rule.
    public init(_ level: RiskLevel, when condition: RiskCondition) {
        self.level = level
        self.condition = condition
    }
}

/// The outcome of a risk assessment: the level and the rules that gave it.
public struct RiskAssessment: Sendable, Hashable, Codable {
    /// The assessed level.
    public var level: RiskLevel
    /// Descriptions of the rules that matched at that level (empty for the default level).
    public var reasons: [String]
}

/// Configurable rules mapping community signals to a risk level: the highest level whose rule holds,
/// else the default. `Codable`, so a deployment can keep its rules in configuration, e.g.
/// `{"defaultLevel": 0, "rules": [{"level": 2, "condition": {"clustersAtLeast": {"_0": 2}}}]}`.
public struct RiskPolicy: Sendable, Hashable, Codable {
    /// The rules, in any order.
    public var rules: [RiskRule]
    /// The level when no rule holds.
    public var defaultLevel: RiskLevel

    /// Creates a policy.
    public init(rules: [RiskRule], defaultLevel: RiskLevel = .low) {
        self.rules = rules
        self.defaultLevel = defaultLevel
    }

    /// The classification of China's 2020 joint prevention and control guidance over a 14-day window:
    /// high with more than 50 cumulative cases and a cluster in the window, medium with any new case in
    /// the window, else low. An aberration alarm also raises the level to medium.
    public static let standard = RiskPolicy(rules: [
        RiskRule(
            .high, when: .all([.cumulativeCasesAbove(50), .clustersAtLeast(1), .recentCasesAtLeast(1)])),
        RiskRule(.medium, when: .recentCasesAtLeast(1)),
        RiskRule(.medium, when: .alarmsAtLeast(1)),
    ])

    /// Assesses one community.
    public func assess(_ signals: CommunitySignals) -> RiskAssessment {
        var level = defaultLevel
        var reasons: [String] = []
        for rule in rules where rule.condition.holds(for: signals) {
            if rule.level > level {
                level = rule.level
                reasons = [rule.condition.description]
            } else if rule.level == level {
                reasons.append(rule.condition.description)
            }
        }
        return RiskAssessment(level: level, reasons: level == defaultLevel && reasons.isEmpty ? [] : reasons)
    }
}
