public import VigilSurveillance

/// Flags households whose electricity use contradicts their status: a home-quarantined household
/// that uses almost nothing (nobody home), or a sealed home that is in use.
///
/// Each household is compared with its own **baseline**: the median daily consumption over the
/// ``baselineDays`` days before the period began, when at least ``minimumBaselineReadings`` of
/// those days have readings (otherwise there is no baseline and only the absolute floor
/// applies). Several readings for one household and day (several meters) are summed.
///
/// * `nobodyHome` on a day of a quarantine period when consumption is below
///   `max(nobodyHomeFloorKWh, nobodyHomeFraction × baseline)`.
/// * `sealedInUse` on a day of a sealing period when consumption is above
///   `max(sealedFloorKWh, sealedFraction × baseline)`.
///
/// Days without a reading are not flagged: a missing feed is not evidence.
public struct ElectricitySignal: Sendable, Hashable, Codable {
    /// A household-day that needs a look.
    public enum Flag: Sendable, Hashable, Codable {
        /// A quarantined household used less than its threshold: perhaps nobody is home.
        case nobodyHome(household: JurisdictionPath, day: CivilDate, kWh: Double, baseline: Double?)
        /// A sealed household used more than its threshold: perhaps someone is inside.
        case sealedInUse(household: JurisdictionPath, day: CivilDate, kWh: Double, baseline: Double?)

        public var household: JurisdictionPath {
            switch self {
            case .nobodyHome(let household, _, _, _), .sealedInUse(let household, _, _, _): household
            }
        }

        public var day: CivilDate {
            switch self {
            case .nobodyHome(_, let day, _, _), .sealedInUse(_, let day, _, _): day
            }
        }

        var isSealedInUse: Bool {
            if case .sealedInUse = self { return true }
            return false
        }
    }

    /// Days before a period that make its baseline (default 14).
    public let baselineDays: Int
    /// Days with readings needed for a baseline (default 7).
    public let minimumBaselineReadings: Int
    /// Quarantined and below this share of the baseline: flagged (default 0.3).
    public let nobodyHomeFraction: Double
    /// Quarantined and below this many kWh a day: flagged whatever the baseline (default 0.5).
    public let nobodyHomeFloorKWh: Double
    /// Sealed and above this share of the baseline: flagged (default 0.3).
    public let sealedFraction: Double
    /// Sealed and above this many kWh a day: flagged when there is no higher baseline share
    /// (default 0.5, a refrigerator's standby draw is about 1).
    public let sealedFloorKWh: Double

    /// - Throws: ``CommunityError/Code/invalidField`` for `baselineDays` outside 1...365,
    ///   `minimumBaselineReadings` outside 1...baselineDays, or a fraction or floor that is
    ///   negative or not finite.
    public init(
        baselineDays: Int = 14, minimumBaselineReadings: Int = 7, nobodyHomeFraction: Double = 0.3, nobodyHomeFloorKWh: Double = 0.5,
        sealedFraction: Double = 0.3, sealedFloorKWh: Double = 0.5
    ) throws {
        guard (1...365).contains(baselineDays) else {
            throw CommunityError(.invalidField, "baseline of \(baselineDays) days is outside 1...365", field: "baselineDays")
        }
        guard (1...baselineDays).contains(minimumBaselineReadings) else {
            throw CommunityError(
                .invalidField, "minimum of \(minimumBaselineReadings) baseline readings is outside 1...\(baselineDays)",
                field: "minimumBaselineReadings")
        }
        for (name, value) in [
            ("nobodyHomeFraction", nobodyHomeFraction), ("nobodyHomeFloorKWh", nobodyHomeFloorKWh), ("sealedFraction", sealedFraction),
            ("sealedFloorKWh", sealedFloorKWh),
        ] where !(value.isFinite && value >= 0) {
            throw CommunityError(.invalidField, "\(name) \(value) is not a finite non-negative number", field: name)
        }
        self.baselineDays = baselineDays
        self.minimumBaselineReadings = minimumBaselineReadings
        self.nobodyHomeFraction = nobodyHomeFraction
        self.nobodyHomeFloorKWh = nobodyHomeFloorKWh
        self.sealedFraction = sealedFraction
        self.sealedFloorKWh = sealedFloorKWh
    }

    /// The flags for `readings`, ordered by household, day, then nobody-home before sealed.
    /// A day covered by two periods of the same kind is flagged once, against the earlier
    /// period's baseline.
    ///
    /// - Parameters:
    ///   - quarantined: home-quarantine periods per household (see ``Quarantine/householdPeriod``).
    ///   - sealed: sealing periods per household.
    public func flags(
        readings: some Sequence<ElectricityReading>, quarantined: [HouseholdPeriod], sealed: [HouseholdPeriod]
    ) -> [Flag] {
        var byHousehold: [JurisdictionPath: [Int: Double]] = [:]
        for reading in readings {
            byHousehold[reading.household, default: [:]][reading.day.daysSinceEpoch, default: 0] += reading.kWh
        }
        var seen: Set<Seen> = []
        var flags: [Flag] = []
        let sortedPeriods = { (periods: [HouseholdPeriod]) in
            periods.sorted { ($0.household, $0.from, $0.to) < ($1.household, $1.from, $1.to) }
        }
        for (periods, isSealed) in [(sortedPeriods(quarantined), false), (sortedPeriods(sealed), true)] {
            for period in periods {
                guard let days = byHousehold[period.household] else { continue }
                let baseline = baseline(days, before: period.from)
                let fraction = isSealed ? sealedFraction : nobodyHomeFraction
                let floor = isSealed ? sealedFloorKWh : nobodyHomeFloorKWh
                let threshold = max(floor, fraction * (baseline ?? 0))
                for day in period.from.daysSinceEpoch...period.to.daysSinceEpoch {
                    guard let kWh = days[day] else { continue }
                    let flagged = isSealed ? kWh > threshold : kWh < threshold
                    guard flagged, seen.insert(Seen(household: period.household, day: day, sealed: isSealed)).inserted else { continue }
                    let civil = CivilDate(daysSinceEpoch: day)
                    flags.append(
                        isSealed
                            ? .sealedInUse(household: period.household, day: civil, kWh: kWh, baseline: baseline)
                            : .nobodyHome(household: period.household, day: civil, kWh: kWh, baseline: baseline))
                }
            }
        }
        return flags.sorted { lhs, rhs in
            let l = (lhs.household, lhs.day.daysSinceEpoch, lhs.isSealedInUse ? 1 : 0)
            let r = (rhs.household, rhs.day.daysSinceEpoch, rhs.isSealedInUse ? 1 : 0)
            return l < r
        }
    }

    private struct Seen: Hashable {
        let household: JurisdictionPath
        let day: Int
        let sealed: Bool
    }

    /// The median of the readings in the ``baselineDays`` days before `start`, or nil with fewer
    /// than ``minimumBaselineReadings``.
    func baseline(_ days: [Int: Double], before start: CivilDate) -> Double? {
        let first = start.daysSinceEpoch - baselineDays
        let values = (first..<start.daysSinceEpoch).compactMap { days[$0] }.sorted()
        guard values.count >= minimumBaselineReadings, !values.isEmpty else { return nil }
        let mid = values.count / 2
        return values.count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2
    }

    private enum CodingKeys: String, CodingKey {
        case baselineDays, minimumBaselineReadings, nobodyHomeFraction, nobodyHomeFloorKWh, sealedFraction, sealedFloorKWh
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            baselineDays: try c.decode(Int.self, forKey: .baselineDays),
            minimumBaselineReadings: try c.decode(Int.self, forKey: .minimumBaselineReadings),
            nobodyHomeFraction: try c.decode(Double.self, forKey: .nobodyHomeFraction),
            nobodyHomeFloorKWh: try c.decode(Double.self, forKey: .nobodyHomeFloorKWh),
            sealedFraction: try c.decode(Double.self, forKey: .sealedFraction),
            sealedFloorKWh: try c.decode(Double.self, forKey: .sealedFloorKWh))
    }
}
