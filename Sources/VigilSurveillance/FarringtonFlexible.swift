/// The improved Farrington method of Noufaily et al. (2013), as R `surveillance::farringtonFlexible`
/// (surveillance 1.20.3) computes it.
///
/// Differences from the classic method: a one-sided alpha; Anscombe reweighting with a configurable
/// threshold (2.58); a trend test at `pThresholdTrend`; an optional seasonal factor with `noPeriods`
/// levels covering the whole past b years; the last `pastWeeksNotIncluded` weeks left out; thresholds
/// by the delta method on the 2/3-power scale, or as a negative-binomial quantile (`nbPlugin`, `muan`).
/// It reproduces R's documented quirks: after reweighting, the trend test and the prediction standard
/// error use `sum(omega ((y - mu)/mu)^2) / (n - p)` as dispersion, and for `nbPlugin`/`muan` the score
/// is computed with the prediction on the log scale.
public enum FarringtonFlexible {
    /// How the threshold is computed (`thresholdMethod`).
    public enum ThresholdMethod: String, Sendable, Hashable, CaseIterable {
        /// Delta method on the power-transformed scale, as the classic method (`"delta"`).
        case delta
        /// Negative-binomial quantile with mean exp(eta0) (`"nbPlugin"`).
        case nbPlugin
        /// Negative-binomial quantile with mean the (1 - alpha) quantile of exp(eta0) (`"muan"`).
        case muan
    }

    /// Parameters with `farringtonFlexible`'s defaults.
    public struct Configuration: Sendable, Hashable {
        /// Monitored time points; `nil` for R's default `(freq*b + w + 1):n`.
        public var range: ClosedRange<Int>?
        /// Number of past years (`b`, default 5).
        public var b: Int
        /// Half-width of the reference window (`w`, default 3).
        public var w: Int
        /// Reweight by Anscombe residuals (`reweight`, default true).
        public var reweight: Bool
        /// Residual threshold for downweighting (`weightsThreshold`, default 2.58).
        public var weightsThreshold: Double
        /// One-sided level (`alpha`, default 0.05).
        public var alpha: Double
        /// Try a linear time trend (`trend`, default true).
        public var trend: Bool
        /// Significance level of the trend test (`pThresholdTrend`, default 0.05).
        public var pThresholdTrend: Double
        /// Minimum-cases rule (`limit54`, default 5 cases in 4 weeks).
        public var limit54: Farrington.Limit54
        /// Power transformation for the delta method (`powertrans`, default "2/3").
        public var powerTransform: Farrington.PowerTransform
        /// Use log(population) as offset (`populationOffset`, default false).
        public var populationOffset: Bool
        /// Number of seasonal-factor levels (`noPeriods`, default 1 = no factor).
        public var noPeriods: Int
        /// Number of most recent weeks left out of the fit (`pastWeeksNotIncluded`, default `w`).
        public var pastWeeksNotIncluded: Int?
        /// The threshold method (`thresholdMethod`, default "delta").
        public var thresholdMethod: ThresholdMethod

        /// Creates a configuration with `farringtonFlexible`'s defaults.
        public init(
            range: ClosedRange<Int>? = nil, b: Int = 5, w: Int = 3, reweight: Bool = true,
            weightsThreshold: Double = 2.58, alpha: Double = 0.05, trend: Bool = true,
            pThresholdTrend: Double = 0.05, limit54: Farrington.Limit54 = .init(),
            powerTransform: Farrington.PowerTransform = .twoThirds, populationOffset: Bool = false,
            noPeriods: Int = 1, pastWeeksNotIncluded: Int? = nil, thresholdMethod: ThresholdMethod = .delta
        ) {
            self.range = range
            self.b = b
            self.w = w
            self.reweight = reweight
            self.weightsThreshold = weightsThreshold
            self.alpha = alpha
            self.trend = trend
            self.pThresholdTrend = pThresholdTrend
            self.limit54 = limit54
            self.powerTransform = powerTransform
            self.populationOffset = populationOffset
            self.noPeriods = noPeriods
            self.pastWeeksNotIncluded = pastWeeksNotIncluded
            self.thresholdMethod = thresholdMethod
        }
    }

    /// The detector's output: thresholds and alarms plus the diagnostics R stores in `control`.
    public struct Result: Sendable, Hashable {
        /// Upper bounds (`NaN` = R's `NA` when the limit54 rule is not met) and alarms.
        public var alarms: AlarmResult
        /// `control$expected`.
        public var expected: [Double]
        /// `control$score`.
        public var score: [Double]
        /// `control$pvalue`.
        public var pvalue: [Double]
        /// `control$trend` (`nil` where the model did not converge).
        public var trend: [Bool?]
        /// `control$trendVector`: the trend coefficient when kept, else `NaN`.
        public var trendCoefficient: [Double]
        /// `control$phiVector`.
        public var phi: [Double]
        /// `control$mu0Vector`, as R computes it.
        public var mu0Quantile: [Double]
    }

    /// Runs `farringtonFlexible`.
    /// - Throws: `SurveillanceError(.invalidControl)` for invalid parameters, `.outOfRange` when a
    ///   reference week does not exist.
    public static func detect(_ series: Series, configuration c: Configuration) throws -> Result {
        let n = series.count
        let freq = series.frequency
        guard c.b >= 1, c.w >= 0, c.noPeriods >= 1 else {
            throw SurveillanceError(
                .invalidControl, "b \(c.b) must be >= 1, w \(c.w) >= 0, noPeriods \(c.noPeriods) >= 1")
        }
        guard c.limit54.cases >= 0, c.limit54.weeks > 0 else {
            throw SurveillanceError(
                .invalidControl,
                "limit54 (\(c.limit54.cases), \(c.limit54.weeks)) must have cases >= 0 and period > 0")
        }
        guard c.alpha > 0, c.alpha < 1 else {
            throw SurveillanceError(.invalidControl, "alpha \(c.alpha) must be in (0, 1)")
        }
        let first = freq * c.b + c.w + 1
        let range = c.range ?? (first...max(first, n))
        guard range.lowerBound >= 1, range.upperBound <= n else {
            throw SurveillanceError(
                .outOfRange, "range \(range.lowerBound):\(range.upperBound) must be within 1..\(n)")
        }
        guard range.lowerBound >= c.limit54.weeks else {
            throw SurveillanceError(
                .outOfRange,
                "range starts at \(range.lowerBound) but limit54 needs \(c.limit54.weeks) weeks of history")
        }
        let pastWeeks = c.pastWeeksNotIncluded ?? c.w
        let y = series.observed
        let population = series.population ?? [Double](repeating: 1, count: n)
        let dayNumbers: [Int]? = series.dates.map { $0.map(\.daysSinceEpoch) }
        let step: Double = dayNumbers.map { $0.count > 1 ? Double($0[1] - $0[0]) : 1 } ?? 1
        let useFactor = c.noPeriods != 1

        var result = Result(
            alarms: AlarmResult(
                time: Array(range), observed: Array(y[(range.lowerBound - 1)..<range.upperBound]),
                upperbound: [], alarm: []),
            expected: [], score: [], pvalue: [], trend: [], trendCoefficient: [], phi: [], mu0Quantile: [])
        let z = Normal.quantile(1 - c.alpha)

        for k in range {
            let referenceWeeks = try referenceTimePoints(series, at: k, b: c.b)
            let blocks = try Self.blocks(
                count: n, now: k, referenceWeeks: referenceWeeks, b: c.b, w: c.w, periods: c.noPeriods)
            var included = blocks
            if pastWeeks >= 0 {
                for t in max(1, k - pastWeeks)...k { included[t - 1] = nil }
            }
            let blockIndexes = (1...n).filter { included[$0 - 1] != nil }
            guard !blockIndexes.isEmpty else {
                throw SurveillanceError(.outOfRange, "no reference weeks for t = \(k)")
            }
            let levels = Array(Set(blockIndexes.map { blocks[$0 - 1]! })).sorted()
            func wtime(ofIndex t: Int, base: Int) -> Double {
                if let dayNumbers { return Double(dayNumbers[t - 1] - dayNumbers[base - 1]) / step }
                return Double(t)
            }
            let firstIncluded = blockIndexes[0]
            let rows = blockIndexes.filter { !y[$0 - 1].isNaN }
            let response = rows.map { y[$0 - 1] }
            let times = rows.map { wtime(ofIndex: $0, base: firstIncluded) }
            let seasons: [Int]? = useFactor ? rows.map { blocks[$0 - 1]! } : nil
            let offsets: [Double]? = c.populationOffset ? rows.map { rLog(population[$0 - 1]) } : nil
            let wtimeNow = rows.isEmpty ? Double(k) : wtime(ofIndex: k, base: rows[0])
            let offsetNow = c.populationOffset ? rLog(population[k - 1]) : 0
            let levelNow: Int? = useFactor ? c.noPeriods : nil

            func fit(trend: Bool) -> FarringtonModel? {
                FarringtonModel.fitFlexible(
                    response: response, wtime: times, trend: trend, seasons: seasons,
                    seasonLevels: useFactor ? levels : nil, offset: offsets, reweight: c.reweight,
                    weightsThreshold: c.weightsThreshold)
            }
            var model = fit(trend: c.trend)
            var doTrend = false
            if let m = model, m.hasTrend {
                let eta = m.linearPredictor(atTime: wtimeNow, level: levelNow, offset: offsetNow)
                let p = m.trendPValue(dispersion: m.flexibleSummaryDispersion)
                let significant = p < c.pThresholdTrend
                let noExtrapolation = rExp(eta) <= (response.max() ?? 0)
                doTrend = c.b >= 3 && significant && noExtrapolation
                if !doTrend { model = fit(trend: false) }
            }
            guard let model else {
                result.alarms.upperbound.append(.nan)
                result.alarms.alarm.append(nil)
                result.expected.append(0)
                result.score.append(.nan)
                result.pvalue.append(.nan)
                result.trend.append(nil)
                result.trendCoefficient.append(.nan)
                result.phi.append(.nan)
                result.mu0Quantile.append(.nan)
                continue
            }
            let eta0 = model.linearPredictor(atTime: wtimeNow, level: levelNow, offset: offsetNow)
            let seLink =
                (model.unscaledVariance(atTime: wtimeNow, level: levelNow) * model.flexibleSummaryDispersion)
                .squareRoot()
            let predFit: Double
            let predSe: Double
            if c.thresholdMethod == .delta {
                predFit = rExp(eta0)
                predSe = seLink * predFit
            } else {
                predFit = eta0
                predSe = seLink
            }
            let yk = y[k - 1]
            let phi = model.phi
            var upper: Double
            var prob: Double
            switch c.thresholdMethod {
            case .delta:
                let mu0 = predFit
                let tau = phi + predSe * predSe / mu0
                let e = c.powerTransform.exponent
                let se: Double
                switch c.powerTransform {
                case .none: se = (mu0 * tau).squareRoot()
                case .half: se = (0.25 * tau).squareRoot()
                case .twoThirds: se = (4.0 / 9.0 * rPow(mu0, 1.0 / 3.0) * tau).squareRoot()
                }
                let center = rPow(mu0, e)
                upper = sortNaNFirst(rPow(center - z * se, 1 / e), rPow(center + z * se, 1 / e)).1
                prob = Normal.cdf(rPow(yk, e), mean: center, sd: se, upperTail: true)
            case .nbPlugin, .muan:
                let mu0Quantile =
                    c.thresholdMethod == .nbPlugin
                    ? rExp(predFit) : rExp(Normal.quantile(1 - c.alpha, mean: predFit, sd: predSe))
                if mu0Quantile == .infinity {
                    upper = .nan
                    prob = .nan
                } else {
                    if phi > 1 {
                        upper = NegativeBinomial.quantile(
                            1 - c.alpha, size: mu0Quantile / (phi - 1), prob: 1 / phi)
                    } else {
                        upper = Poisson.quantile(1 - c.alpha, mean: mu0Quantile)
                    }
                    if phi != 1 {
                        prob = NegativeBinomial.cdf(
                            yk - 1, size: mu0Quantile / (phi - 1), prob: 1 / phi, upperTail: true)
                    } else {
                        prob = Poisson.cdf(yk - 1, mean: mu0Quantile, upperTail: true)
                    }
                }
            }
            let score = upper.isNaN ? Double.nan : (yk - predFit) / (upper - predFit)
            var recent = 0.0
            for t in (k - c.limit54.weeks + 1)...k { recent += y[t - 1] }
            let enoughCases = recent >= c.limit54.cases
            let x = enoughCases ? score : .nan
            let alarm: Bool? = !x.isNaN && x > 1 && yk != 0
            result.alarms.alarm.append(alarm)
            result.alarms.upperbound.append(enoughCases ? upper : .nan)
            if !upper.isNaN {
                result.expected.append(
                    enoughCases ? (c.thresholdMethod == .delta ? predFit : rExp(predFit)) : .nan)
            } else {
                result.expected.append(.nan)
            }
            if c.thresholdMethod == .nbPlugin {
                result.mu0Quantile.append(rExp(predFit))
            } else {
                result.mu0Quantile.append(rExp(Normal.quantile(1 - c.alpha, mean: predFit, sd: predSe)))
            }
            result.phi.append(phi)
            result.score.append(score)
            result.pvalue.append(prob)
            result.trend.append(doTrend)
            result.trendCoefficient.append(doTrend ? model.fit.coefficients[1] : .nan)
        }
        return result
    }

    /// `algo.farrington.referencetimepoints`: the 1-based indices of t and of the same week 1...b years
    /// earlier (by index, or by calendar date moved to the closest day with t's weekday).
    static func referenceTimePoints(_ series: Series, at k: Int, b: Int) throws -> [Int] {
        guard let dates = series.dates else {
            let points = (0...b).map { k - series.frequency * $0 }
            if let bad = points.first(where: { $0 < 1 }) {
                throw SurveillanceError(
                    .outOfRange,
                    "reference week \(bad) for t = \(k) does not exist; decrease b or postpone range")
            }
            return points
        }
        let t0 = dates[k - 1]
        var lookup: [Int: Int] = [:]
        for (i, d) in dates.enumerated() { lookup[d.daysSinceEpoch] = i + 1 }
        var points: [Int] = []
        for j in 0...b {
            var d = t0.addingYears(-j)
            if series.frequency == 52 {
                let a = d.addingDays(-(d.weekday - t0.weekday))
                let bb = a.addingDays(a > d ? -7 : 7)
                let distA = abs(a.daysSinceEpoch - d.daysSinceEpoch)
                let distB = abs(bb.daysSinceEpoch - d.daysSinceEpoch)
                d = distA > distB ? bb : a
            }
            guard let index = lookup[d.daysSinceEpoch] else {
                throw SurveillanceError(
                    .outOfRange,
                    "reference date \(d) for t = \(k) (\(t0)) is not in the series; decrease b or postpone range"
                )
            }
            points.append(index)
        }
        return points
    }

    /// R's `a:b` (descending when b < a).
    static func colon(_ a: Int, _ b: Int) -> [Int] {
        a <= b ? Array(a...b) : Array(stride(from: a, through: b, by: -1))
    }

    /// `blocks()`: the seasonal level of each time point (nil = not used): `periods` for the current
    /// and reference windows, 1...periods-1 for the blocks between the reference windows.
    static func blocks(count n: Int, now: Int, referenceWeeks: [Int], b: Int, w: Int, periods p: Int) throws
        -> [Int?]
    {
        var factors = [Int?](repeating: nil, count: n)
        func assign(_ indices: [Int], _ value: Int) {
            for i in indices where i >= 1 && i <= n { factors[i - 1] = value }
        }
        assign(colon(now - w, now), p)
        let weeks = referenceWeeks.sorted(by: >)
        for i in 1...b {
            let refWeek = weeks[i]
            assign(colon(refWeek - w, refWeek + w), p)
            if p != 1 {
                let period = weeks[i - 1] - 2 * w - 1 - refWeek
                if period < p - (2 * w + 1) {
                    throw SurveillanceError(
                        .invalidControl,
                        "noPeriods \(p) is too big for b \(b), w \(w): \(period) weeks between reference windows"
                    )
                }
                // R's %/% and %% (floor division, non-negative remainder)
                let rest = ((period % (p - 1)) + (p - 1)) % (p - 1)
                let length = (period - rest) / (p - 1)
                var lengths = [Int](repeating: length, count: p - 1)
                for j in 0..<max(0, rest) { lengths[j] += 1 }
                var cumulative = [0]
                for l in lengths { cumulative.append(cumulative.last! + l) }
                for j in 1...(p - 1) {
                    assign(colon(refWeek + w + 1 + cumulative[j - 1], refWeek + w + 1 + cumulative[j] - 1), j)
                }
            }
        }
        return factors
    }
}
