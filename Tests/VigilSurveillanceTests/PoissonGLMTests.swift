import Foundation
import Testing
import VigilSurveillance

/// The IRLS fit against R 4.2.2's `glm(y ~ t, family = quasipoisson())`, `summary.glm`, `hatvalues`,
/// `predict.glm`, MASS `glm.nb` and `glm(family = negative.binomial(2))` on a small series
/// (values printed with `sprintf("%.17g", ...)`).
@Suite struct PoissonGLMTests {
    static let y: [Double] = [2, 0, 5, 3, 1, 4, 7, 2, 0, 3, 6, 8, 4, 2, 9, 5]
    static let model = PoissonGLM(
        design: [Double](repeating: 1, count: 16) + (1...16).map(Double.init), rows: 16,
        columnNames: ["(Intercept)", "t"])

    @Test func quasiPoissonFitMatchesR() {
        let fit = Self.model.fit(Self.y)
        #expect(fit.converged)
        #expect(fit.iterations == 5)
        #expect(relativeError(fit.coefficients[0], 0.6703300081306901) < 1e-12)
        #expect(relativeError(fit.coefficients[1], 0.072147430051634237) < 1e-12)
        #expect(relativeError(fit.deviance, 27.635418778843675) < 1e-12)
        let dispersion = fit.pearsonDispersion()
        #expect(relativeError(dispersion, 1.6395673733144622) < 1e-12)
        #expect(relativeError(fit.standardError(ofCoefficient: 0, dispersion: dispersion), 0.4024191710546226) < 1e-12)
        #expect(
            relativeError(fit.standardError(ofCoefficient: 1, dispersion: dispersion), 0.036750927181757251) < 1e-12)
        #expect(relativeError(fit.pValue(ofCoefficient: 0, dispersion: dispersion), 0.11797185475774266) < 1e-10)
        #expect(relativeError(fit.pValue(ofCoefficient: 1, dispersion: dispersion), 0.069811237718054767) < 1e-10)
        let hat = fit.hatValues()
        #expect(relativeError(hat[0], 0.17464431202010613) < 1e-12)
        #expect(relativeError(hat[7], 0.068548792993362792) < 1e-12)
        #expect(relativeError(hat[15], 0.28554525143045217) < 1e-12)
        // predict(m, data.frame(t = 17), se.fit = TRUE, type = "response")
        let eta = fit.linearPredictor(at: [1, 17])
        let mu = exp(eta)
        let se = (fit.unscaledVariance(at: [1, 17]) * dispersion).squareRoot() * mu
        #expect(relativeError(mu, 6.6647758290130117) < 1e-12)
        #expect(relativeError(se, 2.0331288185521901) < 1e-12)
    }

    @Test func priorWeightsMatchR() {
        let w: [Double] = [1, 1, 0.5, 2, 1, 1, 1, 1, 0.3, 1, 1, 1, 1, 1, 1, 1]
        let fit = Self.model.fit(Self.y, priorWeights: w)
        #expect(relativeError(fit.coefficients[0], 0.66627860531256611) < 1e-12)
        #expect(relativeError(fit.coefficients[1], 0.075410000671665381) < 1e-12)
        #expect(relativeError(fit.pearsonDispersion(), 1.3225443095837526) < 1e-12)
    }

    @Test func negativeBinomialFitsMatchMASS() {
        let fixed = Self.model.fit(Self.y, negativeBinomialTheta: 2)
        #expect(relativeError(fixed.coefficients[0], 0.66000302512984965) < 1e-10)
        #expect(relativeError(fixed.coefficients[1], 0.073269692456030489) < 1e-10)
        let estimated = Self.model.fitNegativeBinomial(Self.y)
        #expect(relativeError(estimated.fit.coefficients[0], 0.66566530612938113) < 1e-8)
        #expect(relativeError(estimated.fit.coefficients[1], 0.072653852038267727) < 1e-8)
        #expect(relativeError(estimated.theta, 7.2334109763480807) < 1e-8)
    }

    @Test func aliasedColumnsGetNaNCoefficients() {
        // a duplicated column is aliased, as in R (coefficient NA, prediction from the rest)
        let t = (1...16).map(Double.init)
        let model = PoissonGLM(
            design: [Double](repeating: 1, count: 16) + t + t, rows: 16, columnNames: ["1", "t", "t2"])
        let fit = model.fit(Self.y)
        #expect(fit.rank == 2)
        #expect(fit.coefficients[2].isNaN)
        #expect(relativeError(fit.coefficients[1], 0.072147430051634237) < 1e-12)
    }
}

private func exp(_ x: Double) -> Double { Foundation.exp(x) }
