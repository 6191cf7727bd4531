/// The quasi-Poisson GLM of the Farrington methods: intercept, optional linear time trend,
/// optional seasonal factor, optional population offset, optionally refitted with Anscombe-residual
/// weights (`algo.farrington.fitGLM.fast` and `algo.farrington.fitGLM.flexible`).
struct FarringtonModel {
    /// The final fit.
    var fit: PoissonGLMFit
    /// Whether the design has the `wtime` column (index 1).
    var hasTrend: Bool
    /// The seasonal-factor levels present in the data, in R's factor order; column 2... hold levels 2...
    var levels: [Int]
    /// max(1, dispersion) of the final fit.
    var phi: Double
    /// The Anscombe weights, when the model was reweighted.
    var omega: [Double]?
    /// Whether the model has the log-population offset.
    var hasOffset: Bool = false

    /// The model row for time `wtime` in seasonal level `level`.
    func row(atTime wtime: Double, level: Int? = nil) -> [Double] {
        var x: [Double] = [1]
        if hasTrend { x.append(wtime) }
        if levels.count > 1 {
            for l in levels.dropFirst() { x.append(l == level ? 1 : 0) }
        }
        return x
    }

    func linearPredictor(atTime wtime: Double, level: Int? = nil, offset: Double = 0) -> Double {
        fit.linearPredictor(at: row(atTime: wtime, level: level), offset: hasOffset ? offset : 0)
    }

    func unscaledVariance(atTime wtime: Double, level: Int? = nil) -> Double {
        fit.unscaledVariance(at: row(atTime: wtime, level: level))
    }

    /// The trend coefficient's two-sided t-test p-value under `dispersion`.
    func trendPValue(dispersion: Double) -> Double {
        if fit.coefficients[1].isNaN { return .nan }
        return fit.pValue(ofCoefficient: 1, dispersion: dispersion)
    }

    /// Builds the design and fits the GLM once.
    /// - Parameter seasonLevels: the factor's levels (R keeps levels of rows dropped later); `nil`
    ///   for the sorted distinct values of `seasons`.
    static func glm(
        response: [Double], wtime: [Double], trend: Bool, seasons: [Int]?, seasonLevels: [Int]? = nil,
        offset: [Double]?, weights: [Double]?
    ) -> (PoissonGLMFit, [Int]) {
        let n = response.count
        var design = [Double](repeating: 1, count: n)
        var names = ["(Intercept)"]
        if trend {
            design += wtime
            names.append("wtime")
        }
        var levels: [Int] = []
        if let seasons {
            levels = seasonLevels ?? Array(Set(seasons)).sorted()
            for l in levels.dropFirst() {
                design += seasons.map { $0 == l ? 1 : 0 }
                names.append("seasgroups\(l)")
            }
        }
        let model = PoissonGLM(design: design, rows: n, columnNames: names)
        return (model.fit(response, priorWeights: weights, offset: offset), levels)
    }

    /// Anscombe residuals `3/2 (y^(2/3) mu^(-1/6) - mu^(1/2)) / sqrt(phi (1 - h))`.
    static func anscombeResiduals(_ fit: PoissonGLMFit, phi: Double) -> [Double] {
        let hat = fit.hatValues()
        return (0..<fit.y.count).map { i in
            let mu = fit.fitted[i]
            let a = 1.5 * (rPow(fit.y[i], 2.0 / 3.0) * rPow(mu, -1.0 / 6.0) - mu.squareRoot())
            return a / (phi * (1 - hat[i])).squareRoot()
        }
    }

    /// `algo.farrington.assign.weights`.
    static func weights(_ s: [Double], threshold: Double) -> [Double] {
        var denominator = 0.0
        for v in s { denominator += v > threshold ? 1 / (v * v) : 1 }
        let gamma = Double(s.count) / denominator
        return s.map { $0 > threshold ? gamma / ($0 * $0) : gamma }
    }

    /// The classic method's GLM: `algo.farrington.fitGLM.fast` (`fitFun` "fast"), `algo.farrington.fitGLM`
    /// ("standard") or `algo.farrington.fitGLM.populationOffset`; `nil` where R's function returns `NULL`
    /// (no convergence with or without trend, for the last two).
    static func fitClassic(
        response: [Double], wtime: [Double], trend: Bool, reweight: Bool,
        fitFunction: Farrington.FitFunction = .fast, offset: [Double]? = nil
    ) -> FarringtonModel? {
        let useOffset = fitFunction == .populationOffset ? offset : nil
        var useTrend = trend
        var hasOffset = useOffset != nil
        var (fit, levels) = glm(
            response: response, wtime: wtime, trend: useTrend, seasons: nil, offset: useOffset, weights: nil)
        if !fit.converged {
            if useTrend {
                // populationOffset falls back to `response ~ 1` without the offset (as R does)
                if fitFunction == .populationOffset { hasOffset = false }
                (fit, levels) = glm(
                    response: response, wtime: wtime, trend: false, seasons: nil,
                    offset: hasOffset ? useOffset : nil, weights: nil)
                if fitFunction != .populationOffset { useTrend = false }
            }
            if fitFunction != .fast && !fit.converged { return nil }
        }
        var phi = rMax(fit.pearsonDispersion(), 1)
        var omega: [Double]? = nil
        var fittedTrend = fit.model.columns > 1 ? true : false
        if reweight {
            let s = anscombeResiduals(fit, phi: phi)
            let w = weights(s, threshold: 1)
            // the reweighted fit uses the formula of the first attempt (R's `theModel`), except that
            // the fast and standard functions dropped the trend for good
            hasOffset = useOffset != nil
            (fit, levels) = glm(
                response: response, wtime: wtime, trend: useTrend, seasons: nil,
                offset: hasOffset ? useOffset : nil, weights: w)
            phi = rMax(fit.pearsonDispersion(), 1)
            omega = w
            fittedTrend = useTrend
        }
        return FarringtonModel(
            fit: fit, hasTrend: fittedTrend, levels: levels, phi: phi, omega: omega, hasOffset: hasOffset)
    }

    /// `algo.farrington.fitGLM.flexible`; `nil` when the GLM converges neither with nor without trend.
    static func fitFlexible(
        response: [Double], wtime: [Double], trend: Bool, seasons: [Int]?, seasonLevels: [Int]?,
        offset: [Double]?, reweight: Bool, weightsThreshold: Double
    ) -> FarringtonModel? {
        var useTrend = trend
        var (fit, levels) = glm(
            response: response, wtime: wtime, trend: useTrend, seasons: seasons, seasonLevels: seasonLevels,
            offset: offset, weights: nil)
        if !fit.converged {
            if useTrend {
                useTrend = false
                (fit, levels) = glm(
                    response: response, wtime: wtime, trend: false, seasons: seasons,
                    seasonLevels: seasonLevels, offset: offset, weights: nil)
            }
            if !fit.converged { return nil }
        }
        var phi = rMax(fit.pearsonDispersion(), 1)
        var omega: [Double]? = nil
        if reweight {
            let s = anscombeResiduals(fit, phi: phi)
            let w = weights(s, threshold: weightsThreshold)
            (fit, levels) = glm(
                response: response, wtime: wtime, trend: useTrend, seasons: seasons,
                seasonLevels: seasonLevels, offset: offset, weights: w)
            phi = rMax(fit.pearsonDispersion(), 1)
            omega = w
        }
        return FarringtonModel(
            fit: fit, hasTrend: useTrend, levels: levels, phi: phi, omega: omega, hasOffset: offset != nil)
    }

    /// The dispersion `summary.glm` reports for this model as `farringtonFlexible` leaves it:
    /// with `model$weights` overwritten by the Anscombe weights when reweighted.
    var flexibleSummaryDispersion: Double { fit.pearsonDispersion(weights: omega) }
}
