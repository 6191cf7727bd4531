/// The CDC's Early Aberration Reporting System methods C1, C2 and C3, as R `surveillance::earsC`.
///
/// With z = qnorm(1 - alpha), B the baseline and s(.) = max(sd(.), minSigma):
/// C1 compares y[t] with mean + z s of y[t-B ..< t]; C2 uses y[t-B-2 ... t-3] (a two-day guard band);
/// C3 sums the positive parts of the C2 statistics (minus 1) of t-2 and t-1 and returns
/// max(0, y[t] + s(ref(t)) (z - lag2 - lag1)). The alarm is y[t] > upperbound.
public enum EARS {
    /// Which EARS method.
    public enum Method: String, Sendable, Hashable, CaseIterable {
        /// Baseline directly before t.
        case c1 = "C1"
        /// Baseline with a two-day lag.
        case c2 = "C2"
        /// C2 statistics of the two previous days added in.
        case c3 = "C3"
    }

    /// Parameters, with the defaults of `earsC`.
    public struct Configuration: Sendable, Hashable {
        /// The method (`control$method`, default C1).
        public var method: Method
        /// Number of reference values (`baseline`, default 7, at least 3).
        public var baseline: Int
        /// `alpha`; `nil` means R's default: 0.001 for C1/C2, 0.025 for C3.
        public var alpha: Double?
        /// Lower bound of the standard deviation (`minSigma`, default 0).
        public var minSigma: Double
        /// Monitored time points (1-based, inclusive); `nil` for R's default (baseline+1, +3, +5 to n).
        public var range: ClosedRange<Int>?

        /// Creates a configuration with `earsC`'s defaults.
        public init(
            method: Method = .c1, baseline: Int = 7, alpha: Double? = nil, minSigma: Double = 0,
            range: ClosedRange<Int>? = nil
        ) {
            self.method = method
            self.baseline = baseline
            self.alpha = alpha
            self.minSigma = minSigma
            self.range = range
        }

        /// The alpha R uses when none is given.
        public var effectiveAlpha: Double { alpha ?? (method == .c3 ? 0.025 : 0.001) }

        /// The range R uses when none is given, for a series of `n` points.
        public func effectiveRange(count n: Int) -> ClosedRange<Int>? {
            if let range { return range }
            let first: Int
            switch method {
            case .c1: first = baseline + 1
            case .c2: first = baseline + 3
            case .c3: first = baseline + 5
            }
            return first <= n ? first...n : nil
        }
    }

    /// Runs EARS on a series.
    /// - Throws: `SurveillanceError(.invalidControl)` for baseline < 3 or minSigma < 0,
    ///   `.outOfRange` if the range needs values before the start or after the end of the series.
    public static func detect(_ series: Series, configuration c: Configuration) throws -> AlarmResult {
        if c.minSigma < 0 { throw SurveillanceError(.invalidControl, "minSigma \(c.minSigma) must be >= 0") }
        if c.baseline < 3 { throw SurveillanceError(.invalidControl, "baseline \(c.baseline) must be >= 3") }
        let n = series.count
        guard let range = c.effectiveRange(count: n) else {
            throw SurveillanceError(
                .outOfRange,
                "series of \(n) points is too short for \(c.method.rawValue) with baseline \(c.baseline)")
        }
        let maxLag: Int
        switch c.method {
        case .c1: maxLag = c.baseline
        case .c2: maxLag = c.baseline + 2
        case .c3: maxLag = c.baseline + 4
        }
        if range.lowerBound - maxLag < 1 {
            throw SurveillanceError(
                .outOfRange,
                "range starts at \(range.lowerBound) but \(c.method.rawValue) with baseline \(c.baseline) needs t >= \(maxLag + 1)"
            )
        }
        if range.upperBound > n {
            throw SurveillanceError(
                .outOfRange, "range ends at \(range.upperBound) beyond the series of \(n) points")
        }
        let z = Normal.quantile(1 - c.effectiveAlpha)
        let y = series.observed
        let b = c.baseline
        var upper = [Double](repeating: 0, count: range.count)
        y.withUnsafeBufferPointer { buffer in
            // Reference statistics for time t (1-based) with the reference window ending at t - lag.
            func reference(_ t: Int, lag: Int) -> (mean: Double, sigma: Double) {
                let end = t - lag  // last reference point, 1-based
                let window = UnsafeBufferPointer(rebasing: buffer[(end - b)..<end])
                let m = rMean(window)
                return (m, rMax(rStandardDeviation(window, mean: m), c.minSigma))
            }
            switch c.method {
            case .c1, .c2:
                let lag = c.method == .c1 ? 1 : 3
                for (i, t) in range.enumerated() {
                    let r = reference(t, lag: lag)
                    upper[i] = r.mean + z * r.sigma
                }
            case .c3:
                func c2(_ u: Int) -> Double {
                    let r = reference(u, lag: 3)
                    return (buffer[u - 1] - r.mean) / r.sigma
                }
                var lag2 = c2(range.lowerBound - 2)
                var lag1 = c2(range.lowerBound - 1)
                for (i, t) in range.enumerated() {
                    let r = reference(t, lag: 3)
                    let current = (buffer[t - 1] - r.mean) / r.sigma
                    let part2 = rMax(0, lag2 - 1)
                    let part1 = rMax(0, lag1 - 1)
                    upper[i] = rMax(0, buffer[t - 1] + r.sigma * (z - (part2 + part1)))
                    lag2 = lag1
                    lag1 = current
                }
            }
        }
        let observed = Array(y[(range.lowerBound - 1)..<range.upperBound])
        let alarm: [Bool?] = zip(observed, upper).map { o, u in
            (o.isNaN || u.isNaN) ? nil : o > u
        }
        return AlarmResult(time: Array(range), observed: observed, upperbound: upper, alarm: alarm)
    }
}
