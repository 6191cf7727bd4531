public import VigilSurveillance

/// The analysis outputs emergency plans are judged on: a snapshot the server fills from the
/// store, covering as many days as the evaluation needs (the longest trigger window before the
/// first day evaluated, or the whole history for a replay).
///
/// * Per community and day (``CommunityDay``): the syndromes with an aberration alarm that day
///   and the community's risk level.
/// * Per scope (``Scope``, keyed by the exact jurisdiction a plan covers): the reproduction
///   number by day, hospital beds occupied and in total by day, and new confirmed cases by day.
///
/// The communities of a plan are those in ``communities`` that its scope contains; they are the
/// denominator of "alarms in 4 of 12 communities". Every community that appears in ``days`` is
/// one of them, listed or not.
public struct PlanInputs: Sendable, Hashable {
    /// The most days a snapshot's community data, or one scope series, may span (ten years).
    public static let maximumSpanDays = 3_660

    /// One community's outputs for one day.
    public struct CommunityDay: Sendable, Hashable {
        /// The community (a path at the community level).
        public let community: JurisdictionPath
        /// The day.
        public let day: CivilDate
        /// The syndromes with an alarm that day (sorted, without repeats; empty for none).
        public let alarms: [Syndrome]
        /// The risk level assessed for that day, if one was.
        public let riskLevel: RiskLevel?

        /// - Throws: ``CommunityError/Code/invalidField`` (field `community`) when `community`
        ///   is not at the community level.
        public init(community: JurisdictionPath, day: CivilDate, alarms: [Syndrome] = [], riskLevel: RiskLevel? = nil) throws {
            guard community.level == .community else {
                throw CommunityError(
                    .invalidField, "\(community) is a \(community.level.name), not a community", field: "community")
            }
            self.community = community
            self.day = day
            self.alarms = alarms.count > 1 ? Set(alarms).sorted() : alarms
            self.riskLevel = riskLevel
        }
    }

    /// The reproduction number estimated for a day (the last day of its EpiEstim window).
    public struct Rt: Sendable, Hashable {
        /// The day the estimate is for (`t_end`).
        public let day: CivilDate
        /// Posterior mean, `Mean(R)`.
        public let mean: Double
        /// Posterior 2.5 % quantile, `Quantile.0.025(R)`.
        public let lower: Double

        /// - Throws: ``CommunityError/Code/invalidField`` naming `mean` or `lower` unless both
        ///   are finite, not negative, and `lower` ≤ `mean`.
        public init(day: CivilDate, mean: Double, lower: Double) throws {
            guard mean.isFinite, mean >= 0 else {
                throw CommunityError(.invalidField, "Rt mean on \(day) must be a number ≥ 0", field: "mean")
            }
            guard lower.isFinite, lower >= 0, lower <= mean else {
                throw CommunityError(.invalidField, "Rt lower bound on \(day) must be a number in 0...mean", field: "lower")
            }
            self.day = day
            self.mean = mean
            self.lower = lower
        }
    }

    /// Hospital beds for the scope on a day, summed over its designated hospitals.
    public struct Beds: Sendable, Hashable {
        /// The day.
        public let day: CivilDate
        /// Beds taken.
        public let occupied: Int
        /// Beds in service.
        public let total: Int

        /// - Throws: ``CommunityError/Code/invalidField`` (field `occupied`, or `total` when
        ///   negative) unless 0 ≤ `occupied` ≤ `total`.
        public init(day: CivilDate, occupied: Int, total: Int) throws {
            guard total >= 0 else { throw CommunityError(.invalidField, "total beds \(total) is negative", field: "total") }
            guard (0...total).contains(occupied) else {
                throw CommunityError(.invalidField, "occupied beds \(occupied) is outside 0...\(total)", field: "occupied")
            }
            self.day = day
            self.occupied = occupied
            self.total = total
        }
    }

    /// New confirmed cases in the scope on a day.
    public struct Confirmed: Sendable, Hashable {
        /// The day.
        public let day: CivilDate
        /// Cases confirmed that day.
        public let count: Int

        /// - Throws: ``CommunityError/Code/invalidField`` (field `count`) when negative.
        public init(day: CivilDate, count: Int) throws {
            guard count >= 0 else { throw CommunityError(.invalidField, "count \(count) is negative", field: "count") }
            self.day = day
            self.count = count
        }
    }

    /// The series of one jurisdiction, each at most one value a day.
    public struct Scope: Sendable, Hashable {
        /// The jurisdiction (matched exactly against a plan's scope).
        public let scope: JurisdictionPath
        /// Rt by day.
        public let rt: [Rt]
        /// Beds by day.
        public let beds: [Beds]
        /// New confirmed cases by day.
        public let confirmed: [Confirmed]

        /// - Throws: ``CommunityError/Code/invalidField`` naming `rt`, `beds` or `confirmed` when
        ///   a series has two values for one day or spans more than ``PlanInputs/maximumSpanDays``.
        public init(scope: JurisdictionPath, rt: [Rt] = [], beds: [Beds] = [], confirmed: [Confirmed] = []) throws {
            try Self.check(rt.map(\.day), field: "rt")
            try Self.check(beds.map(\.day), field: "beds")
            try Self.check(confirmed.map(\.day), field: "confirmed")
            self.scope = scope
            self.rt = rt
            self.beds = beds
            self.confirmed = confirmed
        }

        private static func check(_ days: [CivilDate], field: String) throws {
            let numbers = days.map(\.daysSinceEpoch)
            guard let low = numbers.min(), let high = numbers.max() else { return }
            guard high - low < PlanInputs.maximumSpanDays else {
                throw CommunityError(
                    .invalidField, "\(field) spans \(days.min()!)...\(days.max()!), more than \(PlanInputs.maximumSpanDays) days",
                    field: field)
            }
            var seen = [Bool](repeating: false, count: high - low + 1)
            for (i, n) in numbers.enumerated() {
                guard !seen[n - low] else {
                    throw CommunityError(.invalidField, "\(field) has two values for \(days[i])", field: field)
                }
                seen[n - low] = true
            }
        }
    }

    /// Every community of the snapshot, sorted: those listed and those that appear in ``days``.
    public let communities: [JurisdictionPath]
    /// Per community and day, in the order given.
    public let days: [CommunityDay]
    /// Per jurisdiction, sorted by scope.
    public let scopes: [Scope]

    /// - Parameters:
    ///   - communities: the communities of the district, including those without data.
    ///   - days: at most one record per community and day.
    ///   - scopes: at most one per jurisdiction.
    /// - Throws: ``CommunityError/Code/invalidField`` naming `communities` (a path not at the
    ///   community level), `days` (two records for a community and day, or a span of more than
    ///   ``maximumSpanDays``) or `scopes` (a jurisdiction twice).
    public init(communities: [JurisdictionPath] = [], days: [CommunityDay] = [], scopes: [Scope] = []) throws {
        for c in communities where c.level != .community {
            throw CommunityError(.invalidField, "\(c) is a \(c.level.name), not a community", field: "communities")
        }
        var index: [JurisdictionPath: Int] = [:]
        var all: [JurisdictionPath] = []
        for c in communities where index[c] == nil {
            index[c] = all.count
            all.append(c)
        }
        var low = Int.max
        var high = Int.min
        for d in days {
            if index[d.community] == nil {
                index[d.community] = all.count
                all.append(d.community)
            }
            let n = d.day.daysSinceEpoch
            low = min(low, n)
            high = max(high, n)
        }
        if !days.isEmpty {
            guard high - low < Self.maximumSpanDays else {
                throw CommunityError(
                    .invalidField,
                    "days span \(CivilDate(daysSinceEpoch: low))...\(CivilDate(daysSinceEpoch: high)), more than \(Self.maximumSpanDays) days",
                    field: "days")
            }
            let span = high - low + 1
            var seen = [UInt64](repeating: 0, count: (all.count * span + 63) / 64)
            for d in days {
                let bit = index[d.community]! * span + d.day.daysSinceEpoch - low
                guard seen[bit >> 6] & (1 << UInt64(bit & 63)) == 0 else {
                    throw CommunityError(.invalidField, "two records for community \(d.community) on \(d.day)", field: "days")
                }
                seen[bit >> 6] |= 1 << UInt64(bit & 63)
            }
        }
        var scopeSeen: Set<JurisdictionPath> = []
        for s in scopes where !scopeSeen.insert(s.scope).inserted {
            throw CommunityError(.invalidField, "two series for scope \(s.scope)", field: "scopes")
        }
        self.communities = all.map { ($0.description, $0) }.sorted { $0.0 < $1.0 }.map(\.1)
        self.days = days
        self.scopes = scopes.map { ($0.scope.description, $0) }.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
