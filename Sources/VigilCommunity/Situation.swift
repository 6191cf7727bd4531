public import VigilSurveillance

/// The epidemic picture of a jurisdiction for the command centre, from its daily reports: the
/// epidemic curve, EARS C2 aberration alarms on it, Rt by the method of Cori et al. with its 95%
/// credible interval, and each community's risk level by ``RiskPolicy``.
///
/// Cases are the confirmed cases the reports count (`newConfirmed`); suspected cases are shown
/// beside them. Days without a report count as zero, as a zero report does.
public struct Situation: Sendable, Hashable {
    /// One day of the curve.
    public struct Day: Sendable, Hashable {
        public var date: CivilDate
        public var confirmed: Int
        public var suspected: Int
        /// The EARS C2 threshold for the day, when the baseline reaches back far enough.
        public var threshold: Double?
        public var alarm: Bool
        /// Rt over the 7 days ending on this day, when estimable: mean and 95% credible interval.
        public var rt: (mean: Double, low: Double, high: Double)?

        public static func == (lhs: Day, rhs: Day) -> Bool {
            lhs.date == rhs.date && lhs.confirmed == rhs.confirmed && lhs.suspected == rhs.suspected && lhs.threshold == rhs.threshold
                && lhs.alarm == rhs.alarm && lhs.rt?.mean == rhs.rt?.mean && lhs.rt?.low == rhs.rt?.low && lhs.rt?.high == rhs.rt?.high
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(date)
            hasher.combine(confirmed)
        }
    }

    /// One community's level.
    public struct CommunityRisk: Sendable, Hashable {
        public var community: JurisdictionPath
        public var assessment: RiskAssessment
        /// Confirmed cases in the last 14 days, and in all.
        public var recent: Int
        public var cumulative: Int
        /// Whether the community has any report in the period.
        public var reported: Bool
    }

    public var days: [Day]
    public var communities: [CommunityRisk]

    /// How the picture is computed.
    public struct Settings: Sendable, Hashable {
        /// Days in the picture, ending on the day it is drawn for.
        public var days: Int = 60
        /// The serial interval Rt assumes (days): mean and standard deviation.
        public var serialIntervalMean: Double = 5
        public var serialIntervalSD: Double = 2.5
        /// Rt is shown only for windows with at least this many cases (EpiEstim advises about 12
        /// for a usable posterior).
        public var minimumCasesForRt: Int = 12
        /// EARS C2's minimum standard deviation, so a single case after a run of zeros is not an alarm.
        public var minimumSigma: Double = 1
        public var riskPolicy: RiskPolicy = .standard

        public init() {}
    }

    /// The picture on `day` of `communities` from `reports` (any status: callers choose which
    /// reports count; disclosure passes only approved ones).
    public static func analyse(
        reports: [DailyReport], communities: [JurisdictionPath], through day: CivilDate, settings: Settings = Settings()
    ) -> Situation {
        let count = max(1, settings.days)
        let first = day.addingDays(-(count - 1))
        var confirmed = [Int](repeating: 0, count: count)
        var suspected = [Int](repeating: 0, count: count)
        var byCommunity: [JurisdictionPath: [Int]] = [:]
        for report in reports {
            let index = report.day.daysSinceEpoch - first.daysSinceEpoch
            guard (0..<count).contains(index) else { continue }
            confirmed[index] += report.counts.newConfirmed
            suspected[index] += report.counts.newSuspected
            byCommunity[report.community, default: [Int](repeating: 0, count: count)][index] += report.counts.newConfirmed
        }
        var days = (0..<count).map {
            Day(date: first.addingDays($0), confirmed: confirmed[$0], suspected: suspected[$0], threshold: nil, alarm: false, rt: nil)
        }
        let alarms = Self.alarms(confirmed, minimumSigma: settings.minimumSigma)
        for (index, value) in alarms {
            days[index].threshold = value.threshold
            days[index].alarm = value.alarm
        }
        for (index, rt) in Self.reproduction(confirmed, settings: settings) { days[index].rt = rt }
        let risks = communities.sorted().map { community -> CommunityRisk in
            let series = byCommunity[community] ?? [Int](repeating: 0, count: count)
            let own = Self.alarms(series, minimumSigma: settings.minimumSigma).filter { $0.key >= count - 14 && $0.value.alarm }.count
            let signals = CommunitySignals(dailyCases: series, alarms: own)
            return CommunityRisk(
                community: community, assessment: settings.riskPolicy.assess(signals), recent: signals.recentCases,
                cumulative: signals.cumulativeCases, reported: byCommunity[community] != nil)
        }
        return Situation(days: days, communities: risks)
    }

    /// EARS C2 (baseline 7, lag 3) over `series`: the threshold and alarm of each day it covers.
    public static func alarms(_ series: [Int], minimumSigma: Double) -> [Int: (threshold: Double, alarm: Bool)] {
        let configuration = EARS.Configuration(method: .c2, baseline: 7, minSigma: minimumSigma)
        guard let result = try? EARS.detect(Series(counts: series, frequency: 365), configuration: configuration) else { return [:] }
        var found: [Int: (threshold: Double, alarm: Bool)] = [:]
        for i in 0..<result.count {
            found[result.time[i] - 1] = (result.upperbound[i], result.alarm[i] ?? false)
        }
        return found
    }

    /// Rt over sliding 7-day windows (EpiEstim's default), by window end, where the window holds
    /// enough cases.
    static func reproduction(_ series: [Int], settings: Settings) -> [Int: (mean: Double, low: Double, high: Double)] {
        guard series.count >= 8, let incidence = try? ReproductionNumber.Incidence(total: series.map(Double.init)) else { return [:] }
        let configuration = ReproductionNumber.Configuration(
            serialInterval: .parametric(mean: settings.serialIntervalMean, standardDeviation: settings.serialIntervalSD))
        guard let result = try? ReproductionNumber.estimate(incidence, configuration: configuration) else { return [:] }
        var found: [Int: (mean: Double, low: Double, high: Double)] = [:]
        for estimate in result.estimates {
            let cases = series[(estimate.start - 1)..<estimate.end].reduce(0, +)
            guard cases >= settings.minimumCasesForRt, estimate.mean.isFinite else { continue }
            found[estimate.end - 1] = (estimate.mean, estimate.quantile(0.025), estimate.quantile(0.975))
        }
        return found
    }
}
