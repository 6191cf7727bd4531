/// The Farrington et al. (1996) outbreak detector, as R `surveillance::farrington` /
/// `algo.farrington` (surveillance 1.20.3) computes it.
///
/// For each monitored week t the reference values are the weeks t - freq*i - w ... t - freq*i + w,
/// i = 1...b (by calendar date for date-based series). A quasi-Poisson log-linear GLM with a linear
/// trend is fitted to them, optionally reweighted by Anscombe residuals; the trend is kept only if it is
/// significant (p < 0.05), b >= 3 and the prediction does not extrapolate beyond the largest reference
/// count. The threshold is the upper limit of a two-sided (1 - alpha) prediction interval on the 2/3-power
/// scale; fewer than `limit54.cases` cases in the last `limit54.weeks` weeks set it to 0 and suppress the alarm.
public enum Farrington {
    /// The power transformation of the prediction interval (`powertrans`).
    public enum PowerTransform: String, Sendable, Hashable, CaseIterable {
        /// No transformation (`"none"`).
        case none = "none"
        /// Square root (`"1/2"`).
        case half = "1/2"
        /// The 2/3 power, Farrington's choice (`"2/3"`).
        case twoThirds = "2/3"

        var exponent: Double {
            switch self {
            case .none: return 1
            case .half: return 0.5
            case .twoThirds: return 2.0 / 3.0
            }
        }
    }

    /// The minimum-cases rule (`limit54`): an alarm needs at least `cases` cases in the last `weeks` weeks.
    public struct Limit54: Sendable, Hashable {
        /// Minimum number of cases (`limit54[1]`, default 5).
        public var cases: Double
        /// Number of most recent weeks, including the current one (`limit54[2]`, default 4).
        public var weeks: Int
        /// Creates the rule.
        public init(cases: Double = 5, weeks: Int = 4) {
            self.cases = cases
            self.weeks = weeks
        }
    }

    /// The GLM fitting function (`fitFun`).
    public enum FitFunction: String, Sendable, Hashable, CaseIterable {
        /// `algo.farrington.fitGLM.fast` (the default).
        case fast = "algo.farrington.fitGLM.fast"
        /// `algo.farrington.fitGLM`: as fast, but an error when no fit converges.
        case standard = "algo.farrington.fitGLM"
        /// `algo.farrington.fitGLM.populationOffset`: log(population) as offset.
        case populationOffset = "algo.farrington.fitGLM.populationOffset"
    }

    /// Parameters with `algo.farrington`'s defaults.
    public struct Configuration: Sendable, Hashable {
        /// Monitored time points; `nil` for R's default `(freq*b - w):n`.
        public var range: ClosedRange<Int>?
        /// Number of past years (`b`, default 5).
        public var b: Int
        /// Half-width of the reference window (`w`, default 3).
        public var w: Int
        /// Reweight by Anscombe residuals (`reweight`, default true).
        public var reweight: Bool
        /// Two-sided level (`alpha`, default 0.05).
        public var alpha: Double
        /// Try a linear time trend (`trend`, default true).
        public var trend: Bool
        /// Minimum-cases rule (`limit54`, default 5 cases in 4 weeks).
        public var limit54: Limit54
        /// Power transformation (`powertrans`, default "2/3").
        public var powerTransform: PowerTransform
        /// The GLM fitting function (`fitFun`, default fast).
        public var fitFunction: FitFunction

        /// Creates a configuration with `algo.farrington`'s defaults.
        public init(
            range: ClosedRange<Int>? = nil, b: Int = 5, w: Int = 3, reweight: Bool = true,
            alpha: Double = 0.05, trend: Bool = true, limit54: Limit54 = .init(),
            powerTransform: PowerTransform = .twoThirds, fitFunction: FitFunction = .fast
        ) {
            self.range = range
            self.b = b
            self.w = w
            self.reweight = reweight
            self.alpha = alpha
            self.trend = trend
            self.limit54 = limit54
            self.powerTransform = powerTransform
            self.fitFunction = fitFunction
        }
    }

    /// The detector's output: thresholds and alarms plus `algo.farrington`'s diagnostics.
    public struct Result: Sendable, Hashable {
        /// Upper bounds and alarms for the monitored weeks.
        public var alarms: AlarmResult
        /// Whether the time trend was kept.
        public var trend: [Bool]
        /// `control$pd[, 2]`: the back-transformed median of the prediction distribution (= mu0).
        public var expected: [Double]
        /// `control$pd[, 1]`: pnorm of the transformed observation.
        public var probability: [Double]
    }

    /// Runs the classic Farrington detector.
    /// - Throws: `SurveillanceError(.invalidControl)` for invalid parameters, `.outOfRange` for a range
    ///   outside the series.
    public static func detect(_ series: Series, configuration c: Configuration) throws -> Result {
        let n = series.count
        let freq = series.frequency
        guard c.b >= 1, c.w >= 0 else {
            throw SurveillanceError(.invalidControl, "b \(c.b) must be >= 1 and w \(c.w) >= 0")
        }
        guard c.limit54.cases >= 0, c.limit54.weeks > 0 else {
            throw SurveillanceError(
                .invalidControl,
                "limit54 (\(c.limit54.cases), \(c.limit54.weeks)) must have cases >= 0 and period > 0")
        }
        guard c.alpha > 0, c.alpha < 1 else {
            throw SurveillanceError(.invalidControl, "alpha \(c.alpha) must be in (0, 1)")
        }
        let range = c.range ?? ((freq * c.b - c.w)...max(freq * c.b - c.w, n))
        guard range.lowerBound >= 1, range.upperBound <= n else {
            throw SurveillanceError(
                .outOfRange, "range \(range.lowerBound):\(range.upperBound) must be within 1..\(n)")
        }
        guard range.lowerBound >= c.limit54.weeks else {
            throw SurveillanceError(
                .outOfRange,
                "range starts at \(range.lowerBound) but limit54 needs \(c.limit54.weeks) weeks of history")
        }
        let y = series.observed
        let population = series.population ?? [Double](repeating: 1, count: n)
        let z = Normal.quantile(1 - c.alpha / 2)
        let e = c.powerTransform.exponent
        var upper: [Double] = []
        var alarm: [Bool?] = []
        var trend: [Bool] = []
        var expected: [Double] = []
        var probability: [Double] = []
        for k in range {
            let wtime = try referenceIndices(series, at: k, b: c.b, w: c.w)
            let response = wtime.map { y[$0 - 1] }
            if let missing = wtime.first(where: { y[$0 - 1].isNaN }) {
                // R's glm.fit stops on a missing response.
                throw SurveillanceError(
                    .invalidInput, "reference week \(missing) of t = \(k) has a missing count")
            }
            let times = wtime.map(Double.init)
            let usesPopulation = c.fitFunction == .populationOffset
            let offsets: [Double]? = usesPopulation ? wtime.map { rLog(population[$0 - 1]) } : nil
            let offsetNow = usesPopulation ? rLog(population[k - 1]) : 0
            func fit(trend: Bool) throws -> FarringtonModel {
                guard
                    let model = FarringtonModel.fitClassic(
                        response: response, wtime: times, trend: trend, reweight: c.reweight,
                        fitFunction: c.fitFunction, offset: offsets)
                else {
                    throw SurveillanceError(
                        .notConverged, "the GLM for t = \(k) converged neither with nor without time trend")
                }
                return model
            }
            var model = try fit(trend: c.trend)
            var doTrend = c.trend
            if model.hasTrend {
                let p = model.trendPValue(dispersion: model.fit.pearsonDispersion())
                let mu0Hat = rExp(model.linearPredictor(atTime: Double(k), offset: offsetNow))
                let significant = p < 0.05
                let noExtrapolation = mu0Hat <= (response.max() ?? 0)
                if !(c.b >= 3 && significant && noExtrapolation) {
                    doTrend = false
                    model = try fit(trend: false)
                }
            } else {
                doTrend = false
            }
            let eta = model.linearPredictor(atTime: Double(k), offset: offsetNow)
            let mu0 = rExp(eta)
            let seFit = (model.unscaledVariance(atTime: Double(k)) * model.phi).squareRoot() * mu0
            let tau = model.phi + seFit * seFit / mu0
            let se: Double
            switch c.powerTransform {
            case .none: se = (mu0 * tau).squareRoot()
            case .half: se = (0.25 * tau).squareRoot()
            case .twoThirds: se = (4.0 / 9.0 * rPow(mu0, 1.0 / 3.0) * tau).squareRoot()
            }
            let center = rPow(mu0, e)
            let bounds = sortNaNFirst(rPow(center - z * se, 1 / e), rPow(center + z * se, 1 / e))
            let yk = y[k - 1]
            let q = Normal.cdf(rPow(yk, e), mean: center, sd: se)
            let m = rPow(Normal.quantile(0.5, mean: center, sd: se), 1 / e)
            var recent = 0.0
            for t in (k - c.limit54.weeks + 1)...k { recent += y[t - 1] }
            let enoughCases = recent >= c.limit54.cases
            let x = enoughCases ? (yk - mu0) / (bounds.1 - mu0) : 0
            alarm.append(x.isNaN ? nil : x > 1)
            upper.append(enoughCases ? bounds.1 : 0)
            trend.append(doTrend)
            expected.append(m)
            probability.append(q)
        }
        let observed = Array(y[(range.lowerBound - 1)..<range.upperBound])
        return Result(
            alarms: AlarmResult(time: Array(range), observed: observed, upperbound: upper, alarm: alarm),
            trend: trend, expected: expected, probability: probability)
    }

    /// The 1-based indices of the reference weeks for week `k` (`algo.farrington`): by index
    /// (t - freq*i - w ... t - freq*i + w, dropping indices < 1), or by calendar date for a dated series.
    static func referenceIndices(_ series: Series, at k: Int, b: Int, w: Int) throws -> [Int] {
        if let dates = series.dates {
            return try referenceIndicesByDate(dates: dates, at: k, b: b, w: w, frequency: series.frequency)
        }
        var indices: [Int] = []
        indices.reserveCapacity(b * (2 * w + 1))
        for i in stride(from: b, through: 1, by: -1) {
            let center = k - series.frequency * i
            for t in (center - w)...(center + w) where t > 0 { indices.append(t) }
        }
        return indices
    }

    /// `refvalIdxByDate`: reference dates one to b years back (R `seq(by = "-1 year")`), windows of
    /// +-w epochs around them, moved to the weekday of t0 for weekly data (or the day of month for
    /// monthly data), matched to the series' dates.
    static func referenceIndicesByDate(dates: [CivilDate], at k: Int, b: Int, w: Int, frequency: Int) throws
        -> [Int]
    {
        let t0 = dates[k - 1]
        var lookup: [Int: Int] = [:]
        lookup.reserveCapacity(dates.count)
        for (i, d) in dates.enumerated() { lookup[d.daysSinceEpoch] = i + 1 }
        var result: [Int] = []
        for j in 1...max(1, b) {
            let refPoint = t0.addingYears(-j)
            var window: [CivilDate] = []
            for s in -w...w {
                switch frequency {
                case 52: window.append(refPoint.addingDays(7 * s))
                case 365: window.append(refPoint.addingDays(s))
                case 12: window.append(refPoint.addingMonths(s))
                default:
                    throw SurveillanceError(
                        .invalidControl, "date-based series need frequency 52, 365 or 12, got \(frequency)")
                }
            }
            if frequency == 52 {
                let target = t0.weekday
                window = window.map { d in
                    let forward = ((target - d.weekday) % 7 + 7) % 7
                    let backward = ((d.weekday - target) % 7 + 7) % 7
                    return d.addingDays(forward < backward ? forward : -backward)
                }
            } else if frequency == 12 {
                window = window.map { d in d.addingDays(-(d.day - t0.day)) }
            }
            for d in window {
                if let index = lookup[d.daysSinceEpoch] { result.append(index) }
            }
        }
        return result
    }
}

/// Sorts two values ascending with NaN first, as R's `sort(x, na.last = FALSE)`, then applies
/// `lu[1] <- max(0, lu[1], na.rm = TRUE)`.
func sortNaNFirst(_ a: Double, _ b: Double) -> (Double, Double) {
    var lo: Double
    var hi: Double
    if a.isNaN {
        (lo, hi) = (a, b)
    } else if b.isNaN {
        (lo, hi) = (b, a)
    } else {
        (lo, hi) = a <= b ? (a, b) : (b, a)
    }
    lo = lo.isNaN ? 0 : max(0, lo)
    return (lo, hi)
}

extension CivilDate {
    /// The same day `months` months later, normalised like R's `seq.Date(by = "month")`.
    func addingMonths(_ months: Int) -> CivilDate {
        let total = year * 12 + (month - 1) + months
        let y = total >= 0 ? total / 12 : (total - 11) / 12
        let m = total - y * 12 + 1
        return CivilDate(daysSinceEpoch: CivilDate(year: y, month: m, day: day).daysSinceEpoch)
    }
}
