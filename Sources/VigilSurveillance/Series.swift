/// A series of counts at equally spaced time points (days or weeks), optionally with dates.
///
/// Time points are addressed 1-based, as in R: `t = 1` is the first observation.
public struct Series: Sendable, Hashable {
    /// The counts; `NaN` marks a missing value.
    public var observed: [Double]
    /// The calendar date of each time point, for date-based reference periods (`epochAsDate`).
    public var dates: [CivilDate]?
    /// Number of time points per year (52 for weekly, 365 for daily, 12 for monthly), as R's `freq`.
    public var frequency: Int
    /// The index of the first time point within its year (R's `start[2]`), used by seasonal GLMs.
    public var startWithinYear: Int
    /// Population at each time point, for population offsets; `nil` means 1 everywhere (R's default).
    public var population: [Double]?

    /// Creates a series.
    /// - Parameters:
    ///   - observed: the counts.
    ///   - dates: one date per count, or `nil` for an index-based series.
    ///   - frequency: time points per year (R `freq`, default 52).
    ///   - startWithinYear: R's `start[2]` (default 1).
    public init(observed: [Double], dates: [CivilDate]? = nil, frequency: Int = 52, startWithinYear: Int = 1) {
        precondition(dates == nil || dates!.count == observed.count, "dates and observed differ in length")
        self.observed = observed
        self.dates = dates
        self.frequency = frequency
        self.startWithinYear = startWithinYear
        self.population = nil
    }

    /// Creates a series from integer counts.
    public init(counts: [Int], dates: [CivilDate]? = nil, frequency: Int = 52, startWithinYear: Int = 1) {
        self.init(
            observed: counts.map(Double.init), dates: dates, frequency: frequency,
            startWithinYear: startWithinYear)
    }

    /// The number of time points.
    public var count: Int { observed.count }

    /// The count at 1-based time `t`.
    public subscript(t: Int) -> Double { observed[t - 1] }
}

/// The output of an aberration detector for the monitored time points.
public struct AlarmResult: Sendable, Hashable {
    /// The monitored time points (1-based).
    public var time: [Int]
    /// The observed counts at those points.
    public var observed: [Double]
    /// The threshold; `NaN` where R gives `NaN` or `NA`.
    public var upperbound: [Double]
    /// The alarms; `nil` where R gives `NA`.
    public var alarm: [Bool?]

    /// Creates a result.
    public init(time: [Int], observed: [Double], upperbound: [Double], alarm: [Bool?]) {
        self.time = time
        self.observed = observed
        self.upperbound = upperbound
        self.alarm = alarm
    }

    /// The number of monitored time points.
    public var count: Int { time.count }
}
