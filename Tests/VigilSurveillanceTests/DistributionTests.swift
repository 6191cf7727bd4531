import Testing

@testable import VigilSurveillance

/// Known values from R 4.2.2 (`sprintf("%.17g", ...)`), checked to near machine precision.
@Suite struct DistributionTests {
    @Test(
        "pnorm matches R",
        arguments: [
            (Normal.cdf(-3), 0.0013498980316300946),
            (Normal.cdf(1.5), 0.93319279873114191),
            (Normal.cdf(8, upperTail: true), 6.2209605742717849e-16),
            (Normal.cdf(-20), 2.7536241186062337e-89),
            (Normal.cdf(0.3, mean: 1, sd: 2), 0.36316934882438096),
        ])
    func normalCDFMatchesR(value: Double, expected: Double) {
        #expect(relativeError(value, expected) < 1e-13)
    }

    @Test(
        "qnorm matches R",
        arguments: [
            (Normal.quantile(0.999), 3.0902323061678132),
            (Normal.quantile(0.975), 1.9599639845400536),
            (Normal.quantile(0.025), -1.9599639845400538),
            (Normal.quantile(1e-10), -6.3613409024040557),
            (Normal.quantile(0.95), 1.6448536269514715),
            (Normal.quantile(0.995), 2.5758293035488999),
            (Normal.quantile(0.9, mean: 2, sd: 3), 5.8446546966338024),
        ])
    func normalQuantileMatchesR(value: Double, expected: Double) {
        #expect(relativeError(value, expected) < 1e-14)
    }

    @Test func normalQuantileOfOneHalfIsTheMean() {
        #expect(Normal.quantile(0.5) == 0)
        #expect(Normal.quantile(0.5, mean: 3, sd: 2) == 3)
    }

    @Test func normalQuantileInvertsTheCDF() {
        for p in stride(from: 0.001, to: 1.0, by: 0.0137) {
            #expect(relativeError(Normal.cdf(Normal.quantile(p)), p) < 1e-13)
        }
    }

    @Test(
        "pgamma matches R",
        arguments: [
            (Gamma.cdf(2, shape: 3), 0.3233235838169366),
            (Gamma.cdf(0.5, shape: 0.2), 0.87877483303620441),
            (Gamma.cdf(150, shape: 100), 0.99999407545966457),
            (Gamma.cdf(150, shape: 100, upperTail: true), 5.9245403354839159e-06),
            (Gamma.cdf(1e4 + 50, shape: 1e4), 0.69234244070256556),
            (Gamma.cdf(3, shape: 2.5, scale: 0.7), 0.87257132022388373),
        ])
    func gammaCDFMatchesR(value: Double, expected: Double) {
        #expect(relativeError(value, expected) < 1e-12)
    }

    @Test(
        "qgamma matches R",
        arguments: [
            (Gamma.quantile(0.025, shape: 3.5, scale: 0.4), 0.33797383613547094),
            (Gamma.quantile(0.975, shape: 3.5, scale: 0.4), 3.2025528549258646),
            (Gamma.quantile(0.5, shape: 0.3), 0.073131135866951885),
            (Gamma.quantile(0.05, shape: 1e4, scale: 1e-3), 9.8360851108551923),
            (Gamma.quantile(0.95, shape: 12.04, scale: 0.1), 1.8257104364593879),
            (
                Gamma.quantile(0.5, shape: 5214.0000000000018, scale: 0.00022202527653698831),
                1.1575657842795404
            ),
        ])
    func gammaQuantileMatchesR(value: Double, expected: Double) {
        #expect(relativeError(value, expected) < 1e-12)
    }

    @Test(
        "ppois matches R",
        arguments: [
            (Poisson.cdf(3, mean: 2.5), 0.75757613313306593),
            (Poisson.cdf(10, mean: 2.5, upperTail: true), 6.1626910124984379e-05),
            (Poisson.cdf(0, mean: 0.1), 0.90483741803595952),
            (Poisson.cdf(120, mean: 100), 0.97733067092164727),
        ])
    func poissonCDFMatchesR(value: Double, expected: Double) {
        #expect(relativeError(value, expected) < 1e-12)
    }

    @Test func poissonQuantileMatchesR() {
        #expect(Poisson.quantile(0.95, mean: 2.5) == 5)
        #expect(Poisson.quantile(0.05, mean: 7.3) == 3)
        #expect(Poisson.quantile(0.999, mean: 100) == 132)
        #expect(Poisson.quantile(0.5, mean: 0.01) == 0)
    }

    @Test(
        "pnbinom matches R",
        arguments: [
            (NegativeBinomial.cdf(3, size: 2.5, prob: 0.4), 0.55580192155119446),
            (NegativeBinomial.cdf(10, size: 0.8, prob: 0.3, upperTail: true), 0.012847179704679811),
            (NegativeBinomial.cdf(0, size: 5, prob: 0.9), 0.59049000000000007),
            (NegativeBinomial.cdf(50, size: 20, prob: 0.3), 0.64649519911833708),
        ])
    func negativeBinomialCDFMatchesR(value: Double, expected: Double) {
        #expect(relativeError(value, expected) < 1e-12)
    }

    @Test func negativeBinomialQuantileMatchesR() {
        #expect(NegativeBinomial.quantile(0.95, size: 2.5, prob: 0.4) == 10)
        #expect(NegativeBinomial.quantile(0.05, size: 1.2, prob: 0.5) == 0)
        #expect(NegativeBinomial.quantile(0.95, size: 0.5, prob: 1 / 1.7) == 2)
        #expect(NegativeBinomial.quantile(0.99, size: 30, prob: 0.2) == 183)
    }

    @Test func digammaAndTrigammaMatchKnownValues() {
        // psi(1) = -Euler's gamma, psi'(1) = pi^2/6, psi(0.5) = -gamma - 2 log 2, R: digamma(7.3), trigamma(0.2)
        #expect(abs(digamma(1) + 0.57721566490153286) < 1e-15)
        #expect(abs(trigamma(1) - 1.6449340668482264) < 1e-15)
        #expect(abs(digamma(0.5) + 1.9635100260214235) < 1e-15)
        #expect(relativeError(digamma(7.3), 1.9178203356379862) < 1e-14)
        #expect(relativeError(trigamma(0.2), 26.267377205423777) < 1e-14)
    }

    @Test(
        "pt matches R",
        arguments: [
            (StudentT.cdf(-2.1, df: 33), 0.021727309805133453),
            (StudentT.cdf(1.3, df: 5), 0.87484968291466148),
            (StudentT.cdf(-0.2, df: 200), 0.42084189587921672),
            (StudentT.cdf(-6, df: 10), 6.6054430177392841e-05),
        ])
    func studentTCDFMatchesR(value: Double, expected: Double) {
        #expect(relativeError(value, expected) < 1e-12)
    }
}

@Suite struct LargeShapeTests {
    // R: pgamma(1e8 + 1e4, 1e8) and qgamma(0.975, 1e8 + 0.5, scale = 1e-8)
    @Test func gammaWithAHugeShapeMatchesR() {
        #expect(relativeError(Gamma.cdf(1e8 + 1e4, shape: 1e8), 0.84134474647179891) < 1e-10)
        #expect(relativeError(Gamma.quantile(0.975, shape: 1e8 + 0.5, scale: 1e-8), 1.0001960108703014) < 1e-13)
    }
}
