import Foundation
import Testing

@testable import VigilSurveillance

/// Reference values in `Resources/glr_ha_berlin/` were produced with R 4.2.2 and surveillance 1.20.3
/// by `generate.R` stored next to them.
@Suite struct GLRTests {
    static let range = 209...290
    static let runs: [(file: String, configuration: GLR.Configuration)] = [
        ("expected_glrpois_value.csv", .init(range: range, cARL: 5)),
        (
            "expected_glrpois_cases_window.csv",
            .init(range: range, cARL: 4, mTilde: 2, m: 20, returned: .cases)
        ),
        (
            "expected_glrpois_theta.csv",
            .init(range: range, cARL: 3, theta: 0.69314718055994529, returned: .cases)
        ),
        (
            "expected_glrpois_epi.csv",
            .init(range: range, cARL: 3, mu0Model: .init(harmonics: 2, trend: true), m: 30, change: .epi)
        ),
        ("expected_glrpois_dec.csv", .init(range: range, cARL: 2, mu0: [2.5], direction: .dec)),
        ("expected_glrnb_value.csv", .init(range: range, cARL: 3, alpha: 0.3)),
        (
            "expected_glrnb_theta.csv",
            .init(range: range, cARL: 3, alpha: 0.3, theta: 0.58778666490211895, returned: .cases)
        ),
        ("expected_glrnb_cases.csv", .init(range: range, cARL: 3, alpha: 0.3, m: 25, returned: .cases)),
        ("expected_glrnb_epi.csv", .init(range: range, cARL: 2, alpha: 0.3, m: 25, change: .epi)),
        ("expected_glrnb_glmnb.csv", .init(range: range, cARL: 3, alpha: nil)),
        (
            "expected_glrnb_glmnb_harmonics.csv",
            .init(range: range, cARL: 4, mu0Model: .init(harmonics: 2, trend: true), alpha: nil, m: 30)
        ),
    ]

    @Test("GLR matches surveillance::algo.glrpois / algo.glrnb", arguments: runs)
    func glrMatchesR(file: String, configuration: GLR.Configuration) throws {
        let input = try ReferenceData.table("glr_ha_berlin/input.csv")
        let expected = try ReferenceData.table("glr_ha_berlin/\(file)")
        let result = try GLR.detect(
            Series(observed: try input.numbers("observed"), frequency: 52), configuration: configuration)
        let muError = maxRelativeError(result.mu0, try expected.numbers("mu0"))
        #expect(muError < 1e-6, "mu0 max relative error \(muError)")
        let upperError = maxRelativeError(result.alarms.upperbound, try expected.numbers("upperbound"))
        #expect(upperError < 1e-6, "upperbound max relative error \(upperError)")
        #expect(result.alarms.alarm == (try ReferenceData.alarms(expected)))
    }

    @Test func glrnbWithGivenMu0NeedsAlpha() {
        #expect(throws: SurveillanceError(.invalidControl)) {
            try GLR.detect(
                Series(counts: Array(repeating: 1, count: 20)),
                configuration: .init(range: 10...20, mu0: [1], alpha: nil))
        }
    }
}

/// The hull-based Poisson GLR against a naive scan over all change points (R's `glr()` loop).
@Suite struct PoissonGLRHullTests {
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func hullMaximumEqualsExhaustiveMaximum() {
        let dir = 1.0
        var rng = SplitMix64(state: 20_240_601)
        for _ in 0..<40 {
            let n = Int.random(in: 50...400, using: &rng)
            let level = Double.random(in: 0.2...30, using: &rng)
            let mu0 = (0..<n).map { i in level * (1 + 0.5 * sine(Double(i) / 9)) }
            let x = mu0.map { m -> Double in
                // crude Poisson-like counts with bursts
                (m * Double.random(in: 0...2, using: &rng)
                    + (Double.random(in: 0...1, using: &rng) < 0.05 ? 3 * m : 0)).rounded(.down)
            }
            var hull = VigilSurveillance.PoissonGLRHull(x: x, mu0: mu0, dir: dir)
            for t in 0..<n {
                hull.append(upTo: t)
                let fast = hull.statistic(at: t)
                let naive = GLR.poissonStatistic(t, x, mu0, dir: dir, window: nil)
                #expect(
                    abs(fast - naive) <= 1e-9 * max(1, abs(naive)), "t = \(t): hull \(fast), naive \(naive)")
            }
        }
    }
}

private func sine(_ x: Double) -> Double { Foundation.sin(x) }
