/// Generalized likelihood-ratio (GLR) detectors for Poisson and negative-binomial counts
/// (Hoehle and Paul, 2008), as R `surveillance::algo.glrpois` / `algo.glrnb` (surveillance 1.20.3).
///
/// The statistic at time n is max over change points k of the log-likelihood ratio of the counts
/// k...n under an intercept change (mu = mu0 exp(kappa)) or an epidemic change
/// (mu = mu0 + lambda x_{t-1}); an alarm is raised when it reaches `cARL`, after which the detector
/// restarts at the next time point. With `theta` given, the (non-generalized) LR CUSUM for that change
/// is used instead.
public enum GLR {
    /// The alternative (`change`).
    public enum Change: String, Sendable, Hashable, CaseIterable {
        /// A multiplicative change of the mean (`"intercept"`).
        case intercept
        /// An autoregressive epidemic component (`"epi"`).
        case epi
    }

    /// The direction of the change to detect (`dir`).
    public enum Direction: String, Sendable, Hashable, CaseIterable {
        /// An increase (`"inc"`).
        case inc
        /// A decrease (`"dec"`).
        case dec
    }

    /// What the upper bound holds (`ret`).
    public enum Returned: String, Sendable, Hashable, CaseIterable {
        /// The GLR statistic (`"value"`).
        case value
        /// The number of cases that would have raised an alarm (`"cases"`).
        case cases
    }

    /// How the in-control mean is obtained when `mu0` is not given (`control$mu0` as a list).
    public struct InControlModel: Sendable, Hashable {
        /// Number of harmonics (`S`, default 1).
        public var harmonics: Int
        /// Include a linear trend (`trend`, default false).
        public var trend: Bool
        /// Creates the model description.
        public init(harmonics: Int = 1, trend: Bool = false) {
            self.harmonics = harmonics
            self.trend = trend
        }
    }

    /// Parameters with `algo.glrnb`'s defaults.
    public struct Configuration: Sendable, Hashable {
        /// Monitored time points (required); the points before are training data for mu0.
        public var range: ClosedRange<Int>
        /// Alarm threshold (`c.ARL`, default 5).
        public var cARL: Double
        /// The in-control mean for each monitored point; `nil` to fit a GLM on the training points.
        public var mu0: [Double]?
        /// The GLM for mu0 when `mu0` is `nil`.
        public var mu0Model: InControlModel
        /// Negative-binomial dispersion (`alpha`): 0 for Poisson (`glrpois`); `nil` (R's `NULL` for
        /// `glrnb`) estimates it as 1/theta of a MASS `glm.nb` fit of mu0, which needs `mu0 == nil`.
        public var alpha: Double?
        /// Minimum number of observations for a change (`Mtilde`, default 1).
        public var mTilde: Int
        /// Window length (`M`, default -1 = no window).
        public var m: Int
        /// The alternative (`change`, default "intercept").
        public var change: Change
        /// A known change (`theta`); `nil` for the GLR.
        public var theta: Double?
        /// Direction (`dir`, default "inc").
        public var direction: Direction
        /// Returned upper bound (`ret`, default "value").
        public var returned: Returned
        /// Upper limit of the case search for NB "cases" (`xMax`, default 10000).
        public var xMax: Double

        /// Creates a configuration with `algo.glrnb`'s defaults (Poisson: alpha 0).
        public init(
            range: ClosedRange<Int>, cARL: Double = 5, mu0: [Double]? = nil,
            mu0Model: InControlModel = .init(), alpha: Double? = 0, mTilde: Int = 1, m: Int = -1,
            change: Change = .intercept, theta: Double? = nil, direction: Direction = .inc,
            returned: Returned = .value, xMax: Double = 10000
        ) {
            self.range = range
            self.cARL = cARL
            self.mu0 = mu0
            self.mu0Model = mu0Model
            self.alpha = alpha
            self.mTilde = mTilde
            self.m = m
            self.change = change
            self.theta = theta
            self.direction = direction
            self.returned = returned
            self.xMax = xMax
        }
    }

    /// The detector's output.
    public struct Result: Sendable, Hashable {
        /// Upper bounds (statistic or cases) and alarms.
        public var alarms: AlarmResult
        /// The in-control mean used.
        public var mu0: [Double]
    }

    /// Runs the GLR detector.
    /// - Throws: `SurveillanceError(.invalidControl)` for invalid parameters, `.outOfRange` for a bad
    ///   range or mu0 length, `.notConverged` if the mu0 GLM does not converge.
    public static func detect(_ series: Series, configuration c: Configuration) throws -> Result {
        let n = series.count
        let range = c.range
        guard range.lowerBound >= 1, range.upperBound <= n else {
            throw SurveillanceError(
                .outOfRange, "range \(range.lowerBound):\(range.upperBound) must be within 1..\(n)")
        }
        if let theta = c.theta, theta == 1 {
            throw SurveillanceError(.invalidControl, "theta has to be larger than 1")
        }
        guard c.mTilde >= 1 else {
            throw SurveillanceError(.invalidControl, "Mtilde \(c.mTilde) must be >= 1")
        }
        if let alpha = c.alpha, alpha < 0 {
            throw SurveillanceError(.invalidControl, "alpha \(alpha) must be >= 0")
        }
        if c.alpha == nil && c.mu0 != nil {
            throw SurveillanceError(
                .invalidControl,
                "glrnb with a given mu0 needs alpha (R estimates alpha only together with mu0)")
        }
        let mu0: [Double]
        var alpha = c.alpha ?? 0
        if let given = c.mu0 {
            if given.count == 1 {
                mu0 = [Double](repeating: given[0], count: range.count)
            } else {
                guard given.count == range.count else {
                    throw SurveillanceError(
                        .outOfRange, "mu0 has \(given.count) values but the range has \(range.count) points")
                }
                mu0 = given
            }
        } else {
            (mu0, alpha) = try estimateMu0(series, range: range, model: c.mu0Model, alpha: c.alpha)
        }
        // R passes the counts through as.integer (truncation).
        let x = series.observed[(range.lowerBound - 1)..<range.upperBound].map {
            $0.isNaN ? 0 : $0.rounded(.towardZero)
        }
        let dir: Double = c.direction == .inc ? 1 : -1
        let count = range.count
        var upper = [Double](repeating: 0, count: count)
        var alarm = [Bool?](repeating: false, count: count)
        var done = 0
        var xm10 = 0.0
        while done < count {
            let xs = Array(x[done...])
            let ms = Array(mu0[done...])
            let segment = try run(xs, ms, alpha: alpha, configuration: c, dir: dir, xm10: xm10)
            let length = min(segment.alarmAt ?? xs.count, xs.count)
            for i in 0..<length {
                upper[done + i] = c.returned == .value ? segment.value[i] : segment.cases[i]
            }
            if let at = segment.alarmAt {
                alarm[done + at - 1] = true
                xm10 = xs[at - 1]
                done += at
            } else {
                done += xs.count
            }
        }
        for i in 0..<count where upper[i].isNaN || upper[i] < 0 { upper[i] = 0 }
        return Result(
            alarms: AlarmResult(
                time: Array(range),
                observed: Array(series.observed[(range.lowerBound - 1)..<range.upperBound]),
                upperbound: upper, alarm: alarm),
            mu0: mu0)
    }

    struct Segment {
        var value: [Double]
        var cases: [Double]
        /// 1-based position of the alarm within the segment.
        var alarmAt: Int?
    }

    static func run(
        _ x: [Double], _ mu0: [Double], alpha: Double, configuration c: Configuration, dir: Double,
        xm10: Double
    ) throws -> Segment {
        let wantCases = c.returned == .cases
        switch c.change {
        case .intercept:
            if let theta = c.theta {
                return alpha == 0
                    ? lrCusum(x, mu0, kappa: theta, cARL: c.cARL, wantCases: wantCases)
                    : lrCusumNB(x, mu0, alpha: alpha, kappa: theta, cARL: c.cARL, wantCases: wantCases)
            }
            if alpha == 0 {
                return poissonGLR(
                    x, mu0, mTilde: c.mTilde, m: c.m, cARL: c.cARL, dir: dir, wantCases: wantCases)
            }
            var segment = negativeBinomialGLR(
                x, mu0, alpha: alpha, mTilde: c.mTilde, m: c.m, cARL: c.cARL, dir: dir)
            if wantCases {
                // R's brute-force search: move x[pos] until the alarm time changes.
                segment.cases = [Double](repeating: 0, count: x.count)
                let alarmN = segment.alarmAt ?? x.count + 1
                for pos in 0..<min(x.count, alarmN) {
                    var myx = x
                    let gotAlarm = alarmN <= pos + 1
                    let step: Double = gotAlarm ? -1 : 1
                    var changed = false
                    while !changed && myx[pos] <= c.xMax && myx[pos] >= 1 {
                        myx[pos] += step
                        let trial = negativeBinomialGLR(
                            myx, mu0, alpha: alpha, mTilde: c.mTilde, m: c.m, cARL: c.cARL, dir: dir)
                        let trialN = trial.alarmAt ?? x.count + 1
                        if !gotAlarm && trialN <= pos + 1 {
                            changed = true
                            segment.cases[pos] = myx[pos]
                        }
                        if gotAlarm && trialN > pos + 1 {
                            changed = true
                            segment.cases[pos] = myx[pos] + 1
                        }
                    }
                    if !changed { segment.cases[pos] = gotAlarm ? .nan : 1e99 }
                }
            }
            return segment
        case .epi:
            if c.theta != nil {
                throw SurveillanceError(
                    .invalidControl, "theta is only supported with change = \"intercept\"")
            }
            return alpha == 0
                ? poissonEpidemicGLR(x, mu0, mTilde: c.mTilde, m: c.m, xm10: xm10, cARL: c.cARL)
                : negativeBinomialEpidemicGLR(
                    x, mu0, alpha: alpha, mTilde: c.mTilde, m: c.m, xm10: xm10, cARL: c.cARL)
        }
    }

    // MARK: - Poisson intercept chart (C: glr_cusum, glr_cusum_window, lr_cusum)

    /// max over k of the GLR of x[k...n] (or over the window max(0, n-M) <= k <= n-Mtilde).
    static func poissonStatistic(
        _ n: Int, _ x: [Double], _ mu0: [Double], dir: Double, window: (m: Int, mTilde: Int)?
    ) -> Double {
        var maxGLR = -1e99
        var sumx = 0.0
        var summu0 = 0.0
        var k: Int
        let low: Int
        if let window {
            for l in (n - window.mTilde + 1)...n where l >= 0 {
                sumx += x[l]
                summu0 += mu0[l]
            }
            k = n - window.mTilde
            low = max(0, n - window.m)
        } else {
            k = n
            low = 0
        }
        while k >= low {
            sumx += x[k]
            summu0 += mu0[k]
            let kappa = dir * fmax0(dir * rLog(sumx / summu0))
            let sum = kappa * sumx + (1 - rExp(kappa)) * summu0
            if sum > maxGLR { maxGLR = sum }
            k -= 1
        }
        return maxGLR
    }

    static func poissonGLR(
        _ x: [Double], _ mu0: [Double], mTilde: Int, m: Int, cARL: Double, dir: Double, wantCases: Bool
    ) -> Segment {
        let lx = x.count
        var value = [Double](repeating: 0, count: lx)
        var cases = [Double](repeating: 0, count: lx)
        let window: (m: Int, mTilde: Int)? = m > 0 ? (m, mTilde) : nil
        var n = m > 0 ? mTilde : max(0, mTilde - 1)
        var work = x
        // Without a window the statistic is a maximum over all change points; the hull of the prefix
        // sums finds it in O(hull size) per time point instead of O(n) (see `PoissonGLRHull`).
        // Only for increases: for decreases R's loop yields NaN (skipped) where the window sum of x is 0,
        // which is not a convex function of the sums.
        let useHull = window == nil && dir == 1 && mu0.allSatisfy { $0 > 0 && $0.isFinite }
        var hull = useHull ? PoissonGLRHull(x: x, mu0: mu0, dir: dir) : nil
        if hull != nil { for j in 0..<n { hull!.append(upTo: j) } }
        func statistic(_ n: Int, shift: Double = 0) -> Double {
            if let hull { return hull.statistic(at: n, shift: shift) }
            return poissonStatistic(n, work, mu0, dir: dir, window: window)
        }
        while n < lx {
            hull?.append(upTo: n)
            value[n] = statistic(n)
            if wantCases {
                var xnew = -1.0
                var glrnew = cARL - dir
                let old = work[n]
                while dir * glrnew < cARL * dir {
                    xnew += 1
                    work[n] = xnew
                    glrnew = statistic(n, shift: xnew - old)
                }
                cases[n] = xnew
                work[n] = old
            }
            if value[n] >= cARL { return Segment(value: value, cases: cases, alarmAt: n + 1) }
            n += 1
        }
        return Segment(value: value, cases: cases, alarmAt: nil)
    }

    static func lrCusum(_ x: [Double], _ mu0: [Double], kappa: Double, cARL: Double, wantCases: Bool)
        -> Segment
    {
        let lx = x.count
        var value = [Double](repeating: 0, count: lx)
        var cases = [Double](repeating: 0, count: lx)
        for n in 0..<lx {
            let zn = kappa * x[n] + (1 - rExp(kappa)) * mu0[n]
            let previous = n == 0 ? 0 : value[n - 1]
            value[n] = fmax0(previous + zn)
            if wantCases { cases[n] = (cARL - previous + mu0[n] * (rExp(kappa) - 1)) / kappa }
            if value[n] > cARL { return Segment(value: value, cases: cases, alarmAt: n + 1) }
        }
        return Segment(value: value, cases: cases, alarmAt: nil)
    }

    // MARK: - Negative binomial intercept chart (C: glr_nb_window, lr_cusum_nb)

    static func lrCusumNB(
        _ x: [Double], _ mu0: [Double], alpha: Double, kappa: Double, cARL: Double, wantCases: Bool
    ) -> Segment {
        let lx = x.count
        var value = [Double](repeating: 0, count: lx)
        var cases = [Double](repeating: 0, count: lx)
        for n in 0..<lx {
            let ratio = rLog((1 + alpha * mu0[n]) / (1 + alpha * mu0[n] * rExp(kappa)))
            let zn = kappa * x[n] + (x[n] + 1 / alpha) * ratio
            let previous = n == 0 ? 0 : value[n - 1]
            value[n] = fmax0(previous + zn)
            if wantCases { cases[n] = -(previous * alpha + ratio - cARL * alpha) / alpha / (kappa + ratio) }
            if value[n] > cARL { return Segment(value: value, cases: cases, alarmAt: n + 1) }
        }
        return Segment(value: value, cases: cases, alarmAt: nil)
    }

    static func negativeBinomialGLR(
        _ x: [Double], _ mu0: [Double], alpha: Double, mTilde: Int, m: Int, cARL: Double, dir: Double
    ) -> Segment {
        let lx = x.count
        var value = [Double](repeating: 0, count: lx)
        var n = max(mTilde - 1, 0)
        func score(_ kappa: Double, _ k: Int, _ n: Int) -> Double {
            var s = 0.0
            let ek = rExp(kappa)
            for i in k...n { s += (x[i] - ek * mu0[i]) / (1 + alpha * ek * mu0[i]) }
            return s
        }
        func fisher(_ kappa: Double, _ k: Int, _ n: Int) -> Double {
            var s = 0.0
            let ek = rExp(kappa)
            for i in k...n {
                let d = 1 + alpha * ek * mu0[i]
                s += mu0[i] * (alpha * x[i] + 1) / (d * d)
            }
            return ek * s
        }
        while n < lx {
            var maxGLR = -1e99
            var kappaML = 0.5
            let low = m == -1 ? 0 : max(0, n - m)
            let up = n - (mTilde - 1)
            if low <= up {
                for k in low...up {
                    var kappaOld = 0.4
                    var kappaNew = kappaML
                    var iter = 0
                    while kappaNew > -18 && abs(kappaNew - kappaOld) > 1e-6 && iter < 1000 {
                        iter += 1
                        kappaOld = kappaNew
                        kappaNew = kappaOld + score(kappaOld, k, n) / fisher(kappaOld, k, n)
                    }
                    kappaML = dir * fmax0(dir * kappaNew)
                    var lnk = 0.0
                    let ek = rExp(kappaML)
                    for i in k...n {
                        lnk +=
                            kappaML * x[i] + (x[i] + 1 / alpha)
                            * rLog((1 + alpha * mu0[i]) / (1 + alpha * mu0[i] * ek))
                    }
                    if lnk > maxGLR { maxGLR = lnk }
                }
            }
            value[n] = maxGLR
            if maxGLR >= cARL { return Segment(value: value, cases: [], alarmAt: n + 1) }
            n += 1
        }
        return Segment(value: value, cases: [], alarmAt: nil)
    }

    // MARK: - Epidemic charts (C: glr_epi_window, glr_nbgeneral_window)

    static func poissonEpidemicGLR(
        _ x: [Double], _ mu0: [Double], mTilde: Int, m: Int, xm10: Double, cARL: Double
    ) -> Segment {
        let lx = x.count
        var value = [Double](repeating: 0, count: lx)
        var xm1 = [Double](repeating: 0, count: lx)
        if lx > 0 { xm1[0] = xm10 }
        for i in 1..<max(1, lx) { xm1[i] = x[i - 1] }
        var n = max(mTilde - 1, 0)
        while n < lx {
            var maxGLR = -1e99
            var lambdaML = 0.5
            let low = m == -1 ? 0 : max(0, n - m)
            let up = n - (mTilde - 1)
            if low <= up {
                for k in low...up {
                    var phiOld = 2.0
                    var phiNew = rLog(lambdaML)
                    var iter = 0
                    while phiNew > -18 && abs(rExp(phiNew) - rExp(phiOld)) > 1e-6 && iter < 1000 {
                        iter += 1
                        phiOld = phiNew
                        let ep = rExp(phiOld)
                        var s = 0.0
                        for i in k...n { s += (x[i] * xm1[i]) / (ep * xm1[i] + mu0[i]) - xm1[i] }
                        let scorePhi = ep * s
                        var f = 0.0
                        for i in k...n {
                            let d = ep * xm1[i] + mu0[i]
                            f += x[i] * xm1[i] * xm1[i] / (d * d)
                        }
                        let fisher = -scorePhi + rExp(2 * phiOld) * f
                        phiNew = phiOld + scorePhi / fisher
                    }
                    lambdaML = rExp(phiNew)
                    var lnk = 0.0
                    for i in k...n { lnk += x[i] * rLog(lambdaML * xm1[i] / mu0[i] + 1) - lambdaML * xm1[i] }
                    if lnk > maxGLR { maxGLR = lnk }
                }
            }
            value[n] = maxGLR
            if maxGLR > cARL { return Segment(value: value, cases: [], alarmAt: n + 1) }
            n += 1
        }
        return Segment(value: value, cases: [], alarmAt: nil)
    }

    static func negativeBinomialEpidemicGLR(
        _ x: [Double], _ mu0: [Double], alpha: Double, mTilde: Int, m: Int, xm10: Double, cARL: Double
    ) -> Segment {
        let lx = x.count
        var value = [Double](repeating: 0, count: lx)
        var xm1 = [Double](repeating: 0, count: lx)
        if lx > 0 { xm1[0] = xm10 }
        for i in 1..<max(1, lx) { xm1[i] = x[i - 1] }
        var n = max(mTilde - 1, 0)
        while n < lx {
            var maxGLR = -1e99
            var thetaML = 0.5
            let low = m == -1 ? 0 : max(0, n - m)
            let up = n - (mTilde - 1)
            if low <= up {
                for k in low...up {
                    var thetaOld = 0.4
                    var thetaNew = thetaML
                    var iter = 0
                    // R uses the intercept chart's score and Fisher information here (kept as is).
                    while thetaNew > -18 && abs(thetaNew - thetaOld) > 1e-6 && iter < 1000 {
                        iter += 1
                        thetaOld = thetaNew
                        let ek = rExp(thetaOld)
                        var s = 0.0
                        var f = 0.0
                        for i in k...n {
                            let d = 1 + alpha * ek * mu0[i]
                            s += (x[i] - ek * mu0[i]) / d
                            f += mu0[i] * (alpha * x[i] + 1) / (d * d)
                        }
                        thetaNew = thetaOld + s / (ek * f)
                    }
                    thetaML = thetaNew
                    var lnk = 0.0
                    for i in k...n {
                        let mu1 = mu0[i] + rExp(thetaML) * xm1[i]
                        lnk +=
                            x[i]
                            * (rLog(mu1) - rLog(mu0[i]) + rLog(1 + alpha * mu0[i]) - rLog(1 + alpha * mu1))
                            + 1 / alpha * (rLog(1 + alpha * mu0[i]) - rLog(1 + alpha * mu1))
                    }
                    if lnk > maxGLR { maxGLR = lnk }
                }
            }
            value[n] = maxGLR
            if maxGLR >= cARL { return Segment(value: value, cases: [], alarmAt: n + 1) }
            n += 1
        }
        return Segment(value: value, cases: [], alarmAt: nil)
    }

    // MARK: - In-control mean

    /// `estimateGLRNbHook`: a Poisson (alpha = 0) or negative-binomial (fixed alpha) GLM
    /// log mu = b0 [+ b t] + sum_s (cos(2 s pi t / freq) + sin(2 s pi t / freq)) on the training points.
    /// - Returns: mu0 for the range and alpha (1/theta of `glm.nb` when `alpha` is `nil`).
    static func estimateMu0(_ series: Series, range: ClosedRange<Int>, model: InControlModel, alpha: Double?)
        throws -> ([Double], Double)
    {
        let nTrain = range.lowerBound - 1
        guard nTrain >= 1 else {
            throw SurveillanceError(
                .outOfRange, "mu0 is estimated from the points before the range, but the range starts at 1")
        }
        let p = Double(series.frequency)
        func row(_ t: Int) -> [Double] {
            var r: [Double] = [1]
            if model.trend { r.append(Double(t)) }
            for s in stride(from: 1, through: model.harmonics, by: 1) {
                r.append(cosine(2 * Double(s) * Double.pi / p * Double(t)))
                r.append(sine(2 * Double(s) * Double.pi / p * Double(t)))
            }
            return r
        }
        let columns = row(1).count
        var design = [Double](repeating: 0, count: nTrain * columns)
        for i in 0..<nTrain {
            let r = row(i + 1)
            for j in 0..<columns { design[j * nTrain + i] = r[j] }
        }
        let glm = PoissonGLM(design: design, rows: nTrain, columnNames: (0..<columns).map { "x\($0)" })
        let y = Array(series.observed[0..<nTrain])
        let fit: PoissonGLMFit
        var estimatedAlpha = alpha ?? 0
        if let alpha {
            fit = alpha == 0 ? glm.fit(y) : glm.fit(y, negativeBinomialTheta: 1 / alpha)
        } else {
            let nb = glm.fitNegativeBinomial(y)
            fit = nb.fit
            estimatedAlpha = 1 / nb.theta
        }
        guard fit.converged else {
            throw SurveillanceError(
                .notConverged,
                "the GLM for mu0 did not converge in \(PoissonGLM.maximumIterations) iterations")
        }
        return (range.map { rExp(fit.linearPredictor(at: row($0))) }, estimatedAlpha)
    }
}

/// The Poisson GLR statistic for increases (dir = 1) without a window, max over k <= n of
/// g(S, M) = sup over kappa (dir kappa >= 0) of kappa S - (e^kappa - 1) M, with S and M the sums of x and
/// mu0 over k...n. g is convex in (S, M) (a supremum of linear functions), so its maximum over the points
/// (S_k, M_k) = (A_n - A_{k-1}, B_n - B_{k-1}) is attained at a vertex of the convex hull of the prefix-sum
/// points (B_j, A_j), j = -1...n-1. Since g does not decrease in S, every upper-hull point is dominated by
/// the lower-hull segment below it, so only the lower hull is needed. The B coordinates increase
/// (mu0 > 0), so the lower hull is kept with Andrew's monotone chain in amortised O(1) per point
/// (collinear points are kept). The result equals the exhaustive maximum of R's `glr()` up to rounding
/// of the sums.
struct PoissonGLRHull {
    let x: [Double]
    let mu0: [Double]
    let dir: Double
    /// Prefix sums A_j, B_j for j = -1...n (index j + 1).
    var a: [Double] = [0]
    var b: [Double] = [0]
    var lower: [Int] = [0]

    init(x: [Double], mu0: [Double], dir: Double) {
        self.x = x
        self.mu0 = mu0
        self.dir = dir
        a.reserveCapacity(x.count + 1)
        b.reserveCapacity(x.count + 1)
    }

    /// Adds observation `n` to the prefix sums; the hulls then cover the points j = -1...n-1.
    mutating func append(upTo n: Int) {
        while a.count <= n + 1 {
            let j = a.count - 1
            // the hull gains point j - 1 + 1 = j (prefix through observation j - 1) before a/b grow
            if j >= 1 { insert(j) }
            a.append(a[j] + x[j])
            b.append(b[j] + mu0[j])
        }
    }

    private mutating func insert(_ index: Int) {
        func cross(_ o: Int, _ p: Int, _ q: Int) -> Double {
            (b[p] - b[o]) * (a[q] - a[o]) - (a[p] - a[o]) * (b[q] - b[o])
        }
        while lower.count >= 2 && cross(lower[lower.count - 2], lower[lower.count - 1], index) < 0 {
            lower.removeLast()
        }
        lower.append(index)
    }

    /// The statistic at time n (0-based) with x[n] changed by `shift`.
    func statistic(at n: Int, shift: Double = 0) -> Double {
        let an = a[n + 1] + shift
        let bn = b[n + 1]
        // Every candidate with sumx <= summu0 gives kappa = 0 and a sum of exactly 0, as in R.
        var maxGLR = 0.0
        for j in lower {
            let sumx = an - a[j]
            let summu0 = bn - b[j]
            if sumx > summu0 {
                let kappa = rLog(sumx / summu0)
                let sum = kappa * sumx + (1 - rExp(kappa)) * summu0
                if sum > maxGLR { maxGLR = sum }
            }
        }
        return maxGLR
    }
}

/// C's `fmax(0, v)`: NaN gives 0.
@inline(__always)
func fmax0(_ v: Double) -> Double { v.isNaN ? 0 : max(0, v) }
