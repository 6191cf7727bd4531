/// The time-varying reproduction number of Cori et al. (2013), as R `EpiEstim::estimate_R` 2.2.4
/// computes it for `parametric_si` and `non_parametric_si`.
///
/// With a Gamma(a, b) prior on R (shape a = (mean/sd)^2, scale b = sd^2/mean), the posterior for the
/// window [t_start, t_end] is Gamma with shape a + sum of local incidence and scale
/// 1 / (1/b + sum of the overall infectivity Lambda_t = sum_s w_s I_{t-s}).
public enum ReproductionNumber {
    /// Daily incidence split into locally acquired and imported cases.
    public struct Incidence: Sendable, Hashable {
        /// Local cases per day.
        public var local: [Double]
        /// Imported cases per day.
        public var imported: [Double]

        /// Creates an incidence from total counts; as EpiEstim, all cases of day 1 count as imported.
        /// - Throws: `SurveillanceError(.invalidInput)` for negative counts or an empty series.
        public init(total: [Double]) throws {
            guard !total.isEmpty else { throw SurveillanceError(.invalidInput, "incidence is empty") }
            var local = total.map { $0.isNaN ? 0 : $0 }
            var imported = [Double](repeating: 0, count: total.count)
            imported[0] = local[0]
            local[0] = 0
            try self.init(local: local, imported: imported)
        }

        /// Creates an incidence from local and imported counts; cases of day 1 are moved to imported
        /// (EpiEstim does so with a warning). Missing values (`NaN`) count as 0.
        /// - Throws: `SurveillanceError(.invalidInput)` for negative counts or lengths that differ.
        public init(local: [Double], imported: [Double]) throws {
            guard local.count == imported.count else {
                throw SurveillanceError(
                    .invalidInput, "local has \(local.count) values but imported has \(imported.count)")
            }
            guard !local.isEmpty else { throw SurveillanceError(.invalidInput, "incidence is empty") }
            var l = local.map { $0.isNaN ? 0 : $0 }
            var m = imported.map { $0.isNaN ? 0 : $0 }
            if let i = l.firstIndex(where: { $0 < 0 }) {
                throw SurveillanceError(
                    .invalidInput, "incidence must be non-negative: local[\(i + 1)] = \(l[i])")
            }
            if let i = m.firstIndex(where: { $0 < 0 }) {
                throw SurveillanceError(
                    .invalidInput, "incidence must be non-negative: imported[\(i + 1)] = \(m[i])")
            }
            if l[0] > 0 {
                m[0] += l[0]
                l[0] = 0
            }
            self.local = l
            self.imported = m
        }

        /// Number of days.
        public var count: Int { local.count }
    }

    /// The serial-interval distribution.
    public enum SerialInterval: Sendable, Hashable {
        /// EpiEstim `parametric_si`: a gamma distribution with this mean (> 1) and standard deviation
        /// (> 0), discretised by `discr_si` (shifted by one day).
        case parametric(mean: Double, standardDeviation: Double)
        /// EpiEstim `non_parametric_si`: probabilities for delays 0, 1, 2, ... days (p[0] must be 0).
        case nonParametric([Double])
    }

    /// Estimation settings, with `make_config`'s defaults.
    public struct Configuration: Sendable, Hashable {
        /// The serial interval.
        public var serialInterval: SerialInterval
        /// Window starts (1-based, >= 2); `nil` for weekly sliding windows 2...T-6.
        public var windowStarts: [Int]?
        /// Window ends (1-based, inclusive); `nil` for 8...T.
        public var windowEnds: [Int]?
        /// Prior mean of R (default 5).
        public var meanPrior: Double
        /// Prior standard deviation of R (default 5).
        public var standardDeviationPrior: Double
        /// Target posterior coefficient of variation, only used for the "too early" warning (0.3).
        public var cvPosterior: Double

        /// Creates a configuration.
        public init(
            serialInterval: SerialInterval, windowStarts: [Int]? = nil, windowEnds: [Int]? = nil,
            meanPrior: Double = 5, standardDeviationPrior: Double = 5, cvPosterior: Double = 0.3
        ) {
            self.serialInterval = serialInterval
            self.windowStarts = windowStarts
            self.windowEnds = windowEnds
            self.meanPrior = meanPrior
            self.standardDeviationPrior = standardDeviationPrior
            self.cvPosterior = cvPosterior
        }
    }

    /// The posterior of R over one time window. Statistics are `NaN` where EpiEstim gives `NA`
    /// (windows ending on or before the mean of the serial interval).
    public struct Estimate: Sendable, Hashable {
        /// First day of the window (1-based).
        public var start: Int
        /// Last day of the window (1-based, inclusive).
        public var end: Int
        /// Posterior shape.
        public var shape: Double
        /// Posterior scale.
        public var scale: Double
        /// Posterior mean, `Mean(R)`.
        public var mean: Double { shape * scale }
        /// Posterior standard deviation, `Std(R)`.
        public var standardDeviation: Double { shape.squareRoot() * scale }
        /// A posterior quantile (`qgamma`).
        public func quantile(_ p: Double) -> Double {
            if shape.isNaN || scale.isNaN { return .nan }
            return Gamma.quantile(p, shape: shape, scale: scale)
        }
        /// The quantiles EpiEstim reports, in its column order:
        /// 0.025, 0.05, 0.25, 0.5 (median), 0.75, 0.95, 0.975.
        public var reportedQuantiles: [Double] { ReproductionNumber.reportedProbabilities.map(quantile) }
    }

    /// The probabilities of EpiEstim's quantile columns.
    public static let reportedProbabilities: [Double] = [0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975]

    /// EpiEstim's column names for `res$R`.
    public static let columnNames = [
        "t_start", "t_end", "Mean(R)", "Std(R)", "Quantile.0.025(R)", "Quantile.0.05(R)",
        "Quantile.0.25(R)", "Median(R)", "Quantile.0.75(R)", "Quantile.0.95(R)", "Quantile.0.975(R)",
    ]

    /// The full result of `estimate`.
    public struct Result: Sendable, Hashable {
        /// One estimate per window.
        public var estimates: [Estimate]
        /// The discrete serial-interval distribution used, padded with zeros to T + 1 values.
        public var serialIntervalDistribution: [Double]
        /// Overall infectivity Lambda_t per day (`NaN` at t = 1).
        public var overallInfectivity: [Double]
        /// The incidence after EpiEstim's processing.
        public var incidence: Incidence
        /// Mean of the discrete serial interval.
        public var serialIntervalMean: Double
        /// Standard deviation of the discrete serial interval.
        public var serialIntervalStandardDeviation: Double
        /// Warnings EpiEstim would emit (e.g. estimating too early for the desired posterior CV).
        public var warnings: [String]
    }

    /// EpiEstim's `discr_si(k, mu, sigma)`: the discretised gamma serial interval, shifted by one day.
    /// - Throws: `SurveillanceError(.invalidControl)` unless mu > 1 and sigma >= 0.
    public static func discreteSerialInterval(_ k: [Int], mean mu: Double, standardDeviation sigma: Double)
        throws -> [Double]
    {
        guard sigma >= 0 else { throw SurveillanceError(.invalidControl, "std_si \(sigma) must be >= 0") }
        guard mu > 1 else { throw SurveillanceError(.invalidControl, "mean_si \(mu) must be > 1") }
        let a = ((mu - 1) / sigma) * ((mu - 1) / sigma)
        let b = sigma * sigma / (mu - 1)
        func cdf(_ x: Double, _ shape: Double) -> Double { Gamma.cdf(x, shape: shape, scale: b) }
        return k.map { ki in
            let k = Double(ki)
            var res = k * cdf(k, a) + (k - 2) * cdf(k - 2, a) - 2 * (k - 1) * cdf(k - 1, a)
            res += a * b * (2 * cdf(k - 1, a + 1) - cdf(k - 2, a + 1) - cdf(k, a + 1))
            return rMax(0, res)
        }
    }

    /// EpiEstim's `overall_infectivity`: Lambda_t = sum_{s=0}^{t-1} w_s (local + imported)_{t-s};
    /// `NaN` at t = 1.
    public static func overallInfectivity(_ incidence: Incidence, serialInterval w: [Double]) -> [Double] {
        let n = incidence.count
        var total = [Double](repeating: 0, count: n)
        for i in 0..<n { total[i] = incidence.local[i] + incidence.imported[i] }
        var lambda = [Double](repeating: .nan, count: n)
        total.withUnsafeBufferPointer { tot in
            w.withUnsafeBufferPointer { ws in
                for t in 1..<max(1, n) {
                    let m = min(t + 1, ws.count)
                    var s = 0.0
                    for k in 0..<m { s += ws[k] * tot[t - k] }
                    lambda[t] = s
                }
            }
        }
        return lambda
    }

    /// Estimates R over time windows, as `estimate_R(incid, method, config)`.
    /// - Throws: `SurveillanceError(.outOfRange)` for windows outside 2...T or with start > end,
    ///   `.invalidControl` for an invalid serial interval or prior.
    public static func estimate(_ incidence: Incidence, configuration c: Configuration) throws -> Result {
        let n = incidence.count
        guard c.meanPrior > 0 else {
            throw SurveillanceError(.invalidControl, "mean_prior \(c.meanPrior) must be > 0")
        }
        guard c.standardDeviationPrior > 0 else {
            throw SurveillanceError(.invalidControl, "std_prior \(c.standardDeviationPrior) must be > 0")
        }
        let starts: [Int]
        let ends: [Int]
        if let s = c.windowStarts, let e = c.windowEnds {
            starts = s
            ends = e
        } else {
            guard n >= 8 else {
                throw SurveillanceError(
                    .outOfRange, "default weekly windows need at least 8 days, the series has \(n)")
            }
            starts = Array(2...(n - 6))
            ends = Array(8...n)
        }
        try checkWindows(starts: starts, ends: ends, count: n)

        var si: [Double]
        switch c.serialInterval {
        case .parametric(let mean, let sd):
            guard mean > 1 else {
                throw SurveillanceError(.invalidControl, "parametric_si needs mean_si > 1, got \(mean)")
            }
            guard sd > 0 else {
                throw SurveillanceError(.invalidControl, "parametric_si needs std_si > 0, got \(sd)")
            }
            si = try discreteSerialInterval(Array(0..<n), mean: mean, standardDeviation: sd)
        case .nonParametric(let p):
            guard let first = p.first else { throw SurveillanceError(.invalidControl, "si_distr is empty") }
            guard first == 0 else {
                throw SurveillanceError(.invalidControl, "si_distr[1] must be 0, got \(first)")
            }
            if let bad = p.firstIndex(where: { !($0 >= 0) }) {
                throw SurveillanceError(
                    .invalidControl, "si_distr must be non-negative: p at k = \(bad) is \(p[bad])")
            }
            let sum = p.reduce(0, +)
            guard abs(sum - 1) <= 0.01 else {
                throw SurveillanceError(.invalidControl, "si_distr must sum to 1, sums to \(sum)")
            }
            si = p
        }
        if si.count < n + 1 { si += [Double](repeating: 0, count: n + 1 - si.count) }
        var siMean = 0.0
        var siSquare = 0.0
        for (k, p) in si.enumerated() {
            siMean += p * Double(k)
            siSquare += p * Double(k) * Double(k)
        }
        let siSD = (siSquare - siMean * siMean).squareRoot()

        let lambda = overallInfectivity(incidence, serialInterval: si)
        let aPrior = (c.meanPrior / c.standardDeviationPrior) * (c.meanPrior / c.standardDeviationPrior)
        let bPrior = c.standardDeviationPrior * c.standardDeviationPrior / c.meanPrior

        var warnings: [String] = []
        let minCases = (1 / (c.cvPosterior * c.cvPosterior) - aPrior).rounded(.up)
        if let s0 = starts.first, let e0 = ends.first {
            var firstCases = 0.0
            for t in s0...e0 { firstCases += incidence.local[t - 1] + incidence.imported[t - 1] }
            if firstCases < minCases {
                warnings.append(
                    "You're estimating R too early in the epidemic to get the desired posterior CV.")
            }
        }

        var estimates: [Estimate] = []
        estimates.reserveCapacity(starts.count)
        for (s, e) in zip(starts, ends) {
            if Double(e) > siMean {
                var cases = 0.0
                var infectivity = 0.0
                for t in s...e {
                    cases += incidence.local[t - 1]
                    infectivity += lambda[t - 1]
                }
                estimates.append(
                    Estimate(start: s, end: e, shape: aPrior + cases, scale: 1 / (1 / bPrior + infectivity)))
            } else {
                estimates.append(Estimate(start: s, end: e, shape: .nan, scale: .nan))
            }
        }
        return Result(
            estimates: estimates, serialIntervalDistribution: si, overallInfectivity: lambda,
            incidence: incidence, serialIntervalMean: siMean, serialIntervalStandardDeviation: siSD,
            warnings: warnings)
    }

    /// EpiEstim's `check_times`.
    static func checkWindows(starts: [Int], ends: [Int], count n: Int) throws {
        guard starts.count == ends.count else {
            throw SurveillanceError(
                .outOfRange, "t_start has \(starts.count) values but t_end has \(ends.count)")
        }
        guard !starts.isEmpty else { throw SurveillanceError(.outOfRange, "no time windows") }
        for (s, e) in zip(starts, ends) {
            if s > e { throw SurveillanceError(.outOfRange, "window \(s):\(e) has t_start > t_end") }
            if s < 2 || s > n {
                throw SurveillanceError(.outOfRange, "t_start \(s) must be between 2 and \(n)")
            }
            if e < 2 || e > n {
                throw SurveillanceError(.outOfRange, "t_end \(e) must be between 2 and \(n)")
            }
        }
    }
}
