import Testing
import VigilSurveillance

/// Reference values in `Resources/glr_ha_berlin/` were produced with R 4.2.2 and surveillance 1.20.3
/// by `generate.R` stored next to them.
@Suite struct GLRTests {
    static let range = 209...290
    static let runs: [(file: String, configuration: GLR.Configuration)] = [
        ("expected_glrpois_value.csv", .init(range: range, cARL: 5)),
        ("expected_glrpois_cases_window.csv", .init(range: range, cARL: 4, mTilde: 2, m: 20, returned: .cases)),
        ("expected_glrpois_theta.csv", .init(range: range, cARL: 3, theta: 0.69314718055994529, returned: .cases)),
        ("expected_glrpois_epi.csv", .init(range: range, cARL: 3, mu0Model: .init(harmonics: 2, trend: true), m: 30, change: .epi)),
        ("expected_glrpois_dec.csv", .init(range: range, cARL: 2, mu0: [2.5], direction: .dec)),
        ("expected_glrnb_value.csv", .init(range: range, cARL: 3, alpha: 0.3)),
        ("expected_glrnb_theta.csv", .init(range: range, cARL: 3, alpha: 0.3, theta: 0.58778666490211895, returned: .cases)),
        ("expected_glrnb_cases.csv", .init(range: range, cARL: 3, alpha: 0.3, m: 25, returned: .cases)),
        ("expected_glrnb_epi.csv", .init(range: range, cARL: 2, alpha: 0.3, m: 25, change: .epi)),
    ]

    @Test("GLR matches surveillance::algo.glrpois / algo.glrnb", arguments: runs)
    func glrMatchesR(file: String, configuration: GLR.Configuration) throws {
        let input = try ReferenceData.table("glr_ha_berlin/input.csv")
        let expected = try ReferenceData.table("glr_ha_berlin/\(file)")
        let result = try GLR.detect(Series(observed: try input.numbers("observed"), frequency: 52), configuration: configuration)
        let muError = maxRelativeError(result.mu0, try expected.numbers("mu0"))
        #expect(muError < 1e-6, "mu0 max relative error \(muError)")
        let upperError = maxRelativeError(result.alarms.upperbound, try expected.numbers("upperbound"))
        #expect(upperError < 1e-6, "upperbound max relative error \(upperError)")
        #expect(result.alarms.alarm == (try ReferenceData.alarms(expected)))
    }
}
