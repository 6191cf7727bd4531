/// A Poisson / quasi-Poisson log-linear GLM fitted by iteratively reweighted least squares,
/// step for step as R's `glm.fit` does it.
///
/// Matching R to many digits needs more than the same likelihood: R starts from `mu = y + 0.1`,
/// stops when the relative deviance change is below `1e-8` (at most 25 iterations), and keeps the
/// working weights and the QR decomposition of the *last iteration* (computed before the final
/// coefficient update). Hat values, `summary.glm` dispersions and `predict.glm` standard errors
/// are all computed from those, so this type keeps them the same way.
public struct PoissonGLM: Sendable {
    /// Number of observations.
    public let rows: Int
    /// Number of model columns (including the intercept column, if any).
    public let columns: Int
    /// The design matrix, column-major (`rows * columns`).
    public let design: [Double]
    /// Column names, for diagnostics.
    public let columnNames: [String]

    /// Creates a model from a column-major design matrix.
    /// - Parameters:
    ///   - design: `rows * columns` values, column after column.
    ///   - rows: number of observations.
    ///   - columnNames: one name per column.
    public init(design: [Double], rows: Int, columnNames: [String]) {
        precondition(
            design.count == rows * columnNames.count,
            "design has \(design.count) values, want \(rows * columnNames.count)")
        self.design = design
        self.rows = rows
        self.columns = columnNames.count
        self.columnNames = columnNames
    }

    /// Maximum IRLS iterations (`glm.control(maxit = 25)`).
    public static let maximumIterations = 25
    /// Convergence tolerance on the relative deviance change (`glm.control(epsilon = 1e-8)`).
    public static let epsilon = 1e-8

    /// Fits the model to counts `y`.
    /// - Parameters:
    ///   - y: the response (non-negative).
    ///   - priorWeights: R's `weights` argument (default all 1).
    ///   - offset: R's `offset` (default all 0).
    /// - Returns: the fit, with `converged == false` if IRLS did not converge in 25 iterations.
    public func fit(_ y: [Double], priorWeights: [Double]? = nil, offset: [Double]? = nil) -> PoissonGLMFit {
        fit(y, priorWeights: priorWeights, offset: offset, theta: nil)
    }

    /// Fits a negative-binomial GLM with known `theta` (MASS `negative.binomial(theta)`, log link):
    /// variance `mu + mu^2 / theta`, starting from `mu = y + (y == 0)/6`.
    public func fit(
        _ y: [Double], negativeBinomialTheta theta: Double, priorWeights: [Double]? = nil,
        offset: [Double]? = nil
    ) -> PoissonGLMFit {
        fit(y, priorWeights: priorWeights, offset: offset, theta: theta)
    }

    /// Fits a negative-binomial GLM estimating theta, as MASS `glm.nb` does: a Poisson fit, then
    /// alternating `theta.ml` and IRLS with the current theta until the log-likelihood and theta settle.
    /// - Returns: the final fit and theta.
    public func fitNegativeBinomial(_ y: [Double]) -> (fit: PoissonGLMFit, theta: Double) {
        var fit = self.fit(y)
        var mu = fit.fitted
        var theta = Self.thetaML(y, mu, limit: Self.maximumIterations)
        let d1 = (2 * max(1, Double(fit.dfResidual))).squareRoot()
        let d2 = 1.0
        var delta = 1.0
        var lm = Self.negativeBinomialLogLikelihood(theta, mu, y)
        var lm0 = lm + 2 * d1
        var iteration = 0
        while true {
            iteration += 1
            if iteration > Self.maximumIterations || !(abs(lm0 - lm) / d1 + abs(delta) / d2 > Self.epsilon) {
                break
            }
            let eta = mu.map { rLog($0) }
            fit = self.fit(y, priorWeights: nil, offset: nil, theta: theta, etaStart: eta)
            let t0 = theta
            theta = Self.thetaML(y, mu, limit: Self.maximumIterations)
            mu = fit.fitted
            delta = t0 - theta
            lm0 = lm
            lm = Self.negativeBinomialLogLikelihood(theta, mu, y)
        }
        return (fit, theta)
    }

    /// MASS `theta.ml`: Newton-Raphson for the negative-binomial theta given the means.
    static func thetaML(_ y: [Double], _ mu: [Double], limit: Int) -> Double {
        let n = Double(y.count)
        var s = 0.0
        for i in 0..<y.count { s += (y[i] / mu[i] - 1) * (y[i] / mu[i] - 1) }
        var t0 = n / s
        var it = 0
        var del = 1.0
        let eps = rPow(Double.ulpOfOne, 0.25)
        while true {
            it += 1
            if !(it < limit && abs(del) > eps) { break }
            t0 = abs(t0)
            var score = 0.0
            var info = 0.0
            for i in 0..<y.count {
                let m = mu[i]
                let yi = y[i]
                score += digamma(t0 + yi) - digamma(t0) + rLog(t0) + 1 - rLog(t0 + m) - (yi + t0) / (m + t0)
                info +=
                    -trigamma(t0 + yi) + trigamma(t0) - 1 / t0 + 2 / (m + t0) - (yi + t0)
                    / ((m + t0) * (m + t0))
            }
            del = score / info
            t0 += del
        }
        return max(0, t0)
    }

    static func negativeBinomialLogLikelihood(_ th: Double, _ mu: [Double], _ y: [Double]) -> Double {
        var s = 0.0
        for i in 0..<y.count {
            let yi = y[i]
            s +=
                rLogGamma(th + yi) - rLogGamma(th) - rLogGamma(yi + 1) + th * rLog(th)
                + yi * rLog(mu[i] + (yi == 0 ? 1 : 0)) - (th + yi) * rLog(th + mu[i])
        }
        return s
    }

    private func fit(
        _ y: [Double], priorWeights: [Double]?, offset: [Double]?, theta: Double?, etaStart: [Double]? = nil
    ) -> PoissonGLMFit {
        let n = rows
        let p = columns
        precondition(y.count == n, "y has \(y.count) values, want \(n)")
        let weights = priorWeights ?? [Double](repeating: 1, count: n)
        let off = offset ?? [Double](repeating: 0, count: n)
        let tolerance = min(1e-7, Self.epsilon / 1000)
        let eps = Double.ulpOfOne

        // poisson()$initialize: mustart <- y + 0.1; negative.binomial: y + (y == 0)/6; eta <- log(mustart)
        var eta = [Double](repeating: 0, count: n)
        var mu = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let m0 = theta == nil ? y[i] + 0.1 : y[i] + (y[i] == 0 ? 1.0 / 6.0 : 0)
            eta[i] = etaStart?[i] ?? rLog(m0)
            mu[i] = max(rExp(eta[i]), eps)
        }
        var devold = deviance(y, mu, weights, theta)
        var start = [Double](repeating: 0, count: p)
        var coefold: [Double]? = nil
        var converged = false
        var iterations = 0
        var qr = HouseholderQR(rows: 0, columns: p)
        var good = [Bool](repeating: false, count: n)
        var w = [Double](repeating: 0, count: n)
        var dev = devold
        var failed = false

        var a = [Double](repeating: 0, count: n * p)
        var b = [Double](repeating: 0, count: n)
        let nbTheta = theta ?? 0  // 0: Poisson variance
        for iter in 1...Self.maximumIterations {
            iterations = iter
            // log link: mu.eta(eta) = max(exp(eta), eps), which is exactly mu (mu is always computed
            // as max(exp(eta), eps)), so it is never 0 and only the prior weights decide `good`.
            var nGood = 0
            for i in 0..<n {
                good[i] = weights[i] > 0
                if good[i] { nGood += 1 }
            }
            if nGood == 0 {
                failed = true
                break
            }
            var r = 0
            if a.count != nGood * p {
                a = [Double](repeating: 0, count: nGood * p)
                b = [Double](repeating: 0, count: nGood)
            }
            for i in 0..<n where good[i] {
                let muEta = mu[i]
                let z = (eta[i] - off[i]) + (y[i] - mu[i]) / muEta
                let variance = nbTheta == 0 ? mu[i] : mu[i] + mu[i] * mu[i] / nbTheta
                let wi = (weights[i] * muEta * muEta / variance).squareRoot()
                w[i] = wi
                for j in 0..<p { a[j * nGood + r] = design[j * n + i] * wi }
                b[r] = z * wi
                r += 1
            }
            qr = HouseholderQR(rows: nGood, columns: p, matrix: a, tolerance: tolerance)
            let solution = qr.solve(b)
            if solution.contains(where: { !$0.isFinite }) {
                failed = true
                break
            }
            for k in 0..<p { start[qr.pivot[k]] = solution[k] }
            computeLinearPredictor(start, off, &eta, &mu)
            dev = deviance(y, mu, weights, theta)
            if !dev.isFinite {
                guard let old = coefold else {
                    failed = true
                    break
                }
                var ii = 1
                while !dev.isFinite {
                    if ii > Self.maximumIterations {
                        failed = true
                        break
                    }
                    ii += 1
                    for k in 0..<p { start[k] = (start[k] + old[k]) / 2 }
                    computeLinearPredictor(start, off, &eta, &mu)
                    dev = deviance(y, mu, weights, theta)
                }
                if failed { break }
            }
            if abs(dev - devold) / (0.1 + abs(dev)) < Self.epsilon {
                converged = true
                break
            }
            devold = dev
            coefold = start
        }

        var coefficients = start
        for k in qr.rank..<p { coefficients[qr.pivot[k]] = .nan }
        var workingWeights = [Double](repeating: 0, count: n)
        var residuals = [Double](repeating: 0, count: n)
        for i in 0..<n {
            if good[i] { workingWeights[i] = w[i] * w[i] }
            residuals[i] = (y[i] - mu[i]) / mu[i]
        }
        let nonZeroWeights = weights.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
        return PoissonGLMFit(
            model: self,
            y: y,
            coefficients: coefficients,
            fitted: mu,
            linearPredictor: eta,
            workingWeights: workingWeights,
            workingResiduals: residuals,
            priorWeights: weights,
            deviance: dev,
            converged: converged && !failed,
            iterations: iterations,
            rank: qr.rank,
            pivot: qr.pivot,
            rInverse: qr.rInverse(),
            dfResidual: nonZeroWeights - qr.rank
        )
    }

    private func computeLinearPredictor(
        _ beta: [Double], _ off: [Double], _ eta: inout [Double], _ mu: inout [Double]
    ) {
        let n = rows
        for i in 0..<n {
            var s = 0.0
            for j in 0..<columns { s += design[j * n + i] * beta[j] }
            eta[i] = s + off[i]
            mu[i] = max(rExp(eta[i]), Double.ulpOfOne)
        }
    }

    private func deviance(_ y: [Double], _ mu: [Double], _ weights: [Double], _ theta: Double?) -> Double {
        var d = 0.0
        if let theta {
            for i in 0..<y.count {
                let yi = y[i]
                d +=
                    2 * weights[i]
                    * (yi * rLog(max(1, yi) / mu[i]) - (yi + theta) * rLog((yi + theta) / (mu[i] + theta)))
            }
            return d
        }
        for i in 0..<y.count {
            let yi = y[i]
            let term = yi > 0 ? yi * rLog(yi / mu[i]) : 0
            d += 2 * weights[i] * (term - (yi - mu[i]))
        }
        return d
    }
}

/// The result of `PoissonGLM.fit`, with what `summary.glm`, `predict.glm` and `hatvalues` need.
public struct PoissonGLMFit: Sendable {
    let model: PoissonGLM
    /// The response.
    public let y: [Double]
    /// Coefficients in model column order; `NaN` for aliased columns (R's `NA`).
    public let coefficients: [Double]
    /// Fitted means `mu` after the final update.
    public let fitted: [Double]
    /// The linear predictor after the final update.
    public let linearPredictor: [Double]
    /// `glm`'s `weights`: the working weights of the last iteration.
    public let workingWeights: [Double]
    /// `glm`'s `residuals`: working residuals `(y - mu) / mu`.
    public let workingResiduals: [Double]
    /// The prior weights.
    public let priorWeights: [Double]
    /// The deviance.
    public let deviance: Double
    /// Whether IRLS converged.
    public let converged: Bool
    /// The number of IRLS iterations.
    public let iterations: Int
    /// The numerical rank of the design.
    public let rank: Int
    let pivot: [Int]
    /// Inverse of the R factor (rank x rank, column-major) of the last iteration's QR.
    let rInverse: [Double]
    /// Residual degrees of freedom.
    public let dfResidual: Int

    /// `summary.glm(.)$dispersion` for a quasi family: `sum(weights * residuals^2) / df.residual`
    /// over the observations with non-zero weight.
    /// - Parameter weights: the weights to use in place of the working weights (R code that
    ///   overwrites `model$weights`, as `farringtonFlexible` does); `nil` for the working weights.
    public func pearsonDispersion(weights: [Double]? = nil) -> Double {
        let wts = weights ?? workingWeights
        if dfResidual <= 0 { return .nan }
        var s = 0.0
        for i in 0..<wts.count where wts[i] > 0 {
            s += wts[i] * workingResiduals[i] * workingResiduals[i]
        }
        return s / Double(dfResidual)
    }

    /// Unscaled variance `x' (R'R)^-1 x` of a linear predictor at model row `x` (aliased columns ignored).
    public func unscaledVariance(at x: [Double]) -> Double {
        var total = 0.0
        // v = x_piv' R^-1
        for col in 0..<rank {
            var v = 0.0
            for k in 0...col { v += x[pivot[k]] * rInverse[col * rank + k] }
            total += v * v
        }
        return total
    }

    /// The standard error of a coefficient, `sqrt(diag((R'R)^-1) * dispersion)`; `NaN` if aliased.
    public func standardError(ofCoefficient j: Int, dispersion: Double) -> Double {
        var x = [Double](repeating: 0, count: model.columns)
        x[j] = 1
        guard let position = pivot.firstIndex(of: j), position < rank else { return .nan }
        return (unscaledVariance(at: x) * dispersion).squareRoot()
    }

    /// Two-sided t-test p-value of a coefficient, as `summary.glm` reports it for quasi families.
    public func pValue(ofCoefficient j: Int, dispersion: Double) -> Double {
        let se = standardError(ofCoefficient: j, dispersion: dispersion)
        let t = coefficients[j] / se
        return 2 * StudentT.cdf(-abs(t), df: Double(dfResidual))
    }

    /// The linear predictor at model row `x` (aliased coefficients dropped, as `predict.lm` does).
    public func linearPredictor(at x: [Double], offset: Double = 0) -> Double {
        var s = 0.0
        for k in 0..<rank { s += x[pivot[k]] * coefficients[pivot[k]] }
        return s + offset
    }

    /// Hat values (`hatvalues`), from the last iteration's weighted design.
    public func hatValues() -> [Double] {
        let n = model.rows
        var hat = [Double](repeating: 0, count: n)
        var x = [Double](repeating: 0, count: model.columns)
        for i in 0..<n where workingWeights[i] > 0 {
            for j in 0..<model.columns { x[j] = model.design[j * n + i] }
            var h = workingWeights[i] * unscaledVariance(at: x)
            if h > 1 - 10 * Double.ulpOfOne { h = 1 }
            hat[i] = h
        }
        return hat
    }
}

/// Householder QR with LINPACK `dqrdc2`'s limited pivoting: a column whose remaining norm falls
/// below `tolerance` times its original norm is moved to the end and counts as aliased.
struct HouseholderQR {
    let rows: Int
    let columns: Int
    /// Column-major, R in the upper triangle, Householder vectors below.
    var a: [Double]
    var beta: [Double]
    var pivot: [Int]
    var rank: Int

    init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        self.a = []
        self.beta = []
        self.pivot = Array(0..<columns)
        self.rank = 0
    }

    init(rows n: Int, columns p: Int, matrix: [Double], tolerance: Double) {
        self.rows = n
        self.columns = p
        var a = matrix
        var piv = Array(0..<p)
        var beta = [Double](repeating: 0, count: p)
        var original = [Double](repeating: 0, count: p)
        for j in 0..<p {
            var s = 0.0
            for i in 0..<n { s += a[j * n + i] * a[j * n + i] }
            original[j] = s.squareRoot()
            if original[j] == 0 { original[j] = 1 }
        }
        var limit = p  // columns at index >= limit have been moved out as aliased
        var l = 0
        while l < min(n, limit) {
            // remaining norm of column l
            var s = 0.0
            for i in l..<n { s += a[l * n + i] * a[l * n + i] }
            var norm = s.squareRoot()
            if norm < original[l] * tolerance {
                // rotate column l to the end
                let col = Array(a[(l * n)..<(l * n + n)])
                let pv = piv[l]
                let on = original[l]
                for j in l..<(p - 1) {
                    for i in 0..<n { a[j * n + i] = a[(j + 1) * n + i] }
                    piv[j] = piv[j + 1]
                    original[j] = original[j + 1]
                }
                for i in 0..<n { a[(p - 1) * n + i] = col[i] }
                piv[p - 1] = pv
                original[p - 1] = on
                limit -= 1
                continue
            }
            // Householder reflection H = I - v v' / beta with v(l) = 1 + x(l)/norm scaled
            if a[l * n + l] < 0 { norm = -norm }
            for i in l..<n { a[l * n + i] /= norm }
            a[l * n + l] += 1
            let vll = a[l * n + l]
            for j in (l + 1)..<p {
                var t = 0.0
                for i in l..<n { t -= a[l * n + i] * a[j * n + i] }
                t /= vll
                for i in l..<n { a[j * n + i] += t * a[l * n + i] }
            }
            beta[l] = vll
            a[l * n + l] = -norm  // R(l,l); the vector's first element is kept in beta
            l += 1
        }
        self.a = a
        self.beta = beta
        self.pivot = piv
        self.rank = min(l, limit)
    }

    /// Least-squares coefficients for the pivoted columns (0 beyond the rank).
    func solve(_ rhs: [Double]) -> [Double] {
        let n = rows
        var y = rhs
        // apply Q' = H_rank ... H_1
        for l in 0..<rank {
            let vll = beta[l]
            var t = -vll * y[l]
            for i in (l + 1)..<max(l + 1, n) { t -= a[l * n + i] * y[i] }
            t /= vll
            y[l] += t * vll
            for i in (l + 1)..<max(l + 1, n) { y[i] += t * a[l * n + i] }
        }
        var x = [Double](repeating: 0, count: columns)
        var k = rank - 1
        while k >= 0 {
            var s = y[k]
            for j in (k + 1)..<rank { s -= a[j * n + k] * x[j] }
            x[k] = s / a[k * n + k]
            k -= 1
        }
        return x
    }

    /// The inverse of the leading `rank x rank` block of R, column-major.
    func rInverse() -> [Double] {
        let r = rank
        let n = rows
        var inv = [Double](repeating: 0, count: r * r)
        for j in 0..<r {
            inv[j * r + j] = 1 / a[j * n + j]
            var i = j - 1
            while i >= 0 {
                var s = 0.0
                for k in (i + 1)...j { s += a[k * n + i] * inv[j * r + k] }
                inv[j * r + i] = -s / a[i * n + i]
                i -= 1
            }
        }
        return inv
    }
}
