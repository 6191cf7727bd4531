/// The CUSUM detector of Rossi et al. (1999) and variants, as R `surveillance::cusum` /
/// `algo.cusum` computes it.
///
/// Observations x_t are standardised with the in-control mean m (the mean of the points before the
/// range, a given value, or a seasonal Poisson GLM fitted to them), then
/// S_t = max(0, S_{t-1} + z_t - k) with S_0 = 0; the alarm is S_t >= h (the statistic is not reset).
/// The upper bound is the count that would have made S_t reach h.
public enum CUSUM {
    /// How observations are standardised (`trans`).
    public enum Transformation: String, Sendable, Hashable, CaseIterable {
        /// (x - m) / sqrt(m) (`"standard"`).
        case standard
        /// Rossi's approximate normal transformation (`"rossi"`).
        case rossi
        /// Anscombe residual 3/2 (x^(2/3) - m^(2/3)) / m^(1/6) (`"anscombe"`).
        case anscombe
        /// Second-order Anscombe residual (`"anscombe2nd"`).
        case anscombe2nd
        /// Pearson residual for the negative binomial, (x - m)/sqrt(m + alpha m^2) (`"pearsonNegBin"`).
        case pearsonNegBin
        /// No transformation (`"none"`).
        case none
    }

    /// The in-control mean m (`m`).
    public enum InControlMean: Sendable, Hashable {
        /// `NULL`: the mean of the observations before the range.
        case trainingMean
        /// A given value.
        case value(Double)
        /// Given values, one per monitored time point.
        case values([Double])
        /// `"glm"`: a Poisson GLM log(m_t) = b0 + b1 cos(2 pi t/freq) + b2 sin(2 pi t/freq) fitted to the
        /// observations before the range, predicted for the range.
        case glm
    }

    /// Parameters with `algo.cusum`'s defaults.
    public struct Configuration: Sendable, Hashable {
        /// Monitored time points (required, as in R); the points before it are the training data.
        public var range: ClosedRange<Int>
        /// Reference value (`k`, default 1.04).
        public var k: Double
        /// Decision interval (`h`, default 2.26).
        public var h: Double
        /// In-control mean (`m`, default the training mean).
        public var m: InControlMean
        /// Transformation (`trans`, default "standard").
        public var transformation: Transformation
        /// Overdispersion for the negative-binomial transformations (`alpha`, default 0.1).
        public var alpha: Double

        /// Creates a configuration with `algo.cusum`'s defaults.
        public init(
            range: ClosedRange<Int>, k: Double = 1.04, h: Double = 2.26, m: InControlMean = .trainingMean,
            transformation: Transformation = .standard, alpha: Double = 0.1
        ) {
            self.range = range
            self.k = k
            self.h = h
            self.m = m
            self.transformation = transformation
            self.alpha = alpha
        }
    }

    /// The detector's output.
    public struct Result: Sendable, Hashable {
        /// Upper bounds and alarms.
        public var alarms: AlarmResult
        /// The CUSUM statistic S_t.
        public var statistic: [Double]
        /// The in-control mean used at each monitored point.
        public var mean: [Double]
    }

    /// Runs CUSUM.
    /// - Throws: `SurveillanceError(.outOfRange)` if the range leaves no training data or exceeds the series,
    ///   `.notConverged` if the GLM for m does not converge.
    public static func detect(_ series: Series, configuration c: Configuration) throws -> Result {
        let n = series.count
        let range = c.range
        guard range.lowerBound >= 2, range.upperBound <= n else {
            throw SurveillanceError(
                .outOfRange,
                "range \(range.lowerBound):\(range.upperBound) must be within 2..\(n) (the points before it are the training data)"
            )
        }
        let y = series.observed
        let training = Array(y[0..<(range.lowerBound - 1)])
        var m: [Double]
        switch c.m {
        case .trainingMean:
            let mean = training.withUnsafeBufferPointer { rMean($0) }
            m = [Double](repeating: mean, count: range.count)
        case .value(let v):
            m = [Double](repeating: v, count: range.count)
        case .values(let v):
            guard v.count == range.count else {
                throw SurveillanceError(.outOfRange, "m has \(v.count) values but the range has \(range.count) points")
            }
            m = v
        case .glm:
            m = try seasonalMean(series, range: range)
        }
        let x = Array(y[(range.lowerBound - 1)..<range.upperBound])
        let count = range.count
        var standardised = [Double](repeating: 0, count: count)
        for i in 0..<count {
            let xi = x[i]
            let mi = m[i]
            switch c.transformation {
            case .rossi: standardised[i] = (xi - 3 * mi + 2 * (xi * mi).squareRoot()) / (2 * mi.squareRoot())
            case .standard: standardised[i] = (xi - mi) / mi.squareRoot()
            case .anscombe:
                standardised[i] = 1.5 * (rPow(xi, 2.0 / 3.0) - rPow(mi, 2.0 / 3.0)) / rPow(mi, 1.0 / 6.0)
            case .anscombe2nd:
                standardised[i] =
                    (rPow(xi, 2.0 / 3.0) - (rPow(mi, 2.0 / 3.0) - rPow(mi, -1.0 / 3.0) / 9))
                    / (2.0 / 3.0 * rPow(mi, 1.0 / 6.0))
            case .pearsonNegBin: standardised[i] = (xi - mi) / (mi + c.alpha * mi * mi).squareRoot()
            case .none: standardised[i] = xi
            }
        }
        var statistic = [Double](repeating: 0, count: count)
        var alarm = [Bool?](repeating: false, count: count)
        var upper = [Double](repeating: 0, count: count)
        var previous = 0.0
        let h = c.h
        let k = c.k
        for i in 0..<count {
            let s = rMax(0, previous + (standardised[i] - k))
            statistic[i] = s
            alarm[i] = s.isNaN ? nil : s >= h
            let mi = m[i]
            let ctm1 = previous
            var u: Double
            switch c.transformation {
            case .rossi:
                let sq = mi.squareRoot()
                let m32 = rPow(mi, 1.5)
                u =
                    2 * h * sq + 2 * k * sq - 2 * ctm1 * sq + 5 * mi
                    - 2 * (4 * mi * mi + 2 * m32 * h + 2 * m32 * k - 2 * m32 * ctm1).squareRoot()
            case .standard:
                u = (mi.squareRoot() * (h + k - ctm1) + mi).rounded(.up)
            case .anscombe:
                let base = (2.0 / 3.0) * rPow(mi, 1.0 / 6.0) * (h + k - ctm1) + rPow(mi, 2.0 / 3.0)
                u = base < 0 ? 0 : rPow(base, 1.5)
            case .anscombe2nd:
                let base =
                    (2.0 / 3.0) * rPow(mi, 1.0 / 6.0) * (h + k - ctm1)
                    + (rPow(mi, 2.0 / 3.0) - rPow(mi, 1.0 / 3.0) / 9)
                u = base < 0 ? 0 : rPow(base, 1.5)
            case .pearsonNegBin:
                u = (mi + c.alpha * mi * mi).squareRoot() * (h + k - ctm1) + mi
            case .none:
                u = h - s
            }
            if u.isNaN || u < 0 { u = 0 }
            upper[i] = u
            previous = s
        }
        return Result(
            alarms: AlarmResult(time: Array(range), observed: x, upperbound: upper, alarm: alarm),
            statistic: statistic, mean: m)
    }

    /// `m = "glm"`: Poisson GLM on cos/sin of 2 pi t / freq over the training points,
    /// with t = start[2] + index - 1.
    static func seasonalMean(_ series: Series, range: ClosedRange<Int>) throws -> [Double] {
        let nTrain = range.lowerBound - 1
        let p = Double(series.frequency)
        let start = Double(series.startWithinYear)
        func row(_ index: Int) -> [Double] {
            let t = start + Double(index) - 1
            return [1, cosine(2 * Double.pi / p * t), sine(2 * Double.pi / p * t)]
        }
        var design = [Double](repeating: 0, count: nTrain * 3)
        for i in 0..<nTrain {
            let r = row(i + 1)
            for j in 0..<3 { design[j * nTrain + i] = r[j] }
        }
        let model = PoissonGLM(design: design, rows: nTrain, columnNames: ["(Intercept)", "cos", "sin"])
        let fit = model.fit(Array(series.observed[0..<nTrain]))
        guard fit.converged else {
            throw SurveillanceError(
                .notConverged,
                "the Poisson GLM for m did not converge in \(PoissonGLM.maximumIterations) iterations")
        }
        return range.map { rExp(fit.linearPredictor(at: row($0))) }
    }
}
