import Testing
import VigilSurveillance

@Suite struct FarringtonTests {
    static func agona() throws -> Series {
        let input = try ReferenceData.table("farrington_salmonella_agona/input.csv")
        return Series(observed: try input.numbers("observed"), frequency: 52)
    }

    static let classicRuns: [(file: String, configuration: Farrington.Configuration)] = [
        ("expected_farrington_default.csv", .init(range: 264...312, b: 5, w: 3, alpha: 0.05)),
        ("expected_farrington_b4_alpha0.01.csv", .init(range: 212...312, b: 4, w: 3, alpha: 0.01)),
    ]

    @Test("classic farrington matches surveillance on salmonella.agona", arguments: classicRuns)
    func classicMatchesR(file: String, configuration: Farrington.Configuration) throws {
        let expected = try ReferenceData.table("farrington_salmonella_agona/\(file)")
        let result = try Farrington.detect(try Self.agona(), configuration: configuration)
        #expect(result.alarms.time == (try expected.numbers("t")).map { Int($0) })
        let upperError = maxRelativeError(result.alarms.upperbound, try expected.numbers("upperbound"))
        #expect(upperError < 1e-6, "upperbound max relative error \(upperError)")
        #expect(result.alarms.alarm == (try ReferenceData.alarms(expected)))
        #expect(result.trend == (try expected.numbers("trend")).map { $0 != 0 })
        let expectedError = maxRelativeError(result.expected, try expected.numbers("expected"))
        #expect(expectedError < 1e-6, "expected max relative error \(expectedError)")
        let probError = maxRelativeError(result.probability, try expected.numbers("prob"))
        #expect(probError < 1e-6, "prob max relative error \(probError)")
    }
}

@Suite struct FarringtonFlexibleTests {
    static let runs: [(file: String, configuration: FarringtonFlexible.Configuration)] = [
        ("expected_flexible_default.csv", .init(range: 264...312)),
        (
            "expected_flexible_vignette_farrington.csv",
            .init(
                range: 212...312, b: 4, w: 3, weightsThreshold: 1, pThresholdTrend: 0.05, noPeriods: 1,
                pastWeeksNotIncluded: 3, thresholdMethod: .delta)
        ),
        (
            "expected_flexible_vignette_noufaily.csv",
            .init(
                range: 212...312, b: 4, w: 3, weightsThreshold: 2.58, pThresholdTrend: 1, noPeriods: 10,
                pastWeeksNotIncluded: 26, thresholdMethod: .nbPlugin)
        ),
    ]

    @Test("farringtonFlexible matches surveillance on salmonella.agona", arguments: runs)
    func flexibleMatchesR(file: String, configuration: FarringtonFlexible.Configuration) throws {
        let expected = try ReferenceData.table("farrington_salmonella_agona/\(file)")
        let result = try FarringtonFlexible.detect(try FarringtonTests.agona(), configuration: configuration)
        #expect(result.alarms.time == (try expected.numbers("t")).map { Int($0) })
        let upperError = maxRelativeError(result.alarms.upperbound, try expected.numbers("upperbound"))
        #expect(upperError < 1e-6, "upperbound max relative error \(upperError)")
        #expect(result.alarms.alarm == (try ReferenceData.alarms(expected)))
        #expect(result.trend == (try expected.numbers("trend")).map { $0 != 0 })
        for (name, values) in [
            ("expected", result.expected), ("score", result.score), ("pvalue", result.pvalue),
            ("trend_coef", result.trendCoefficient), ("phi", result.phi),
            ("mu0_quantile", result.mu0Quantile),
        ] {
            let error = maxRelativeError(values, try expected.numbers(name))
            #expect(error < 1e-6, "\(name) max relative error \(error)")
        }
    }
}
