import Testing
import VigilSurveillance

@Suite struct EARSTests {
    static let cases: [(file: String, configuration: EARS.Configuration)] = [
        ("expected_C1.csv", .init(method: .c1, baseline: 7, alpha: 0.001, minSigma: 0)),
        ("expected_C2.csv", .init(method: .c2, baseline: 7, alpha: 0.001, minSigma: 0)),
        ("expected_C3.csv", .init(method: .c3, baseline: 7, alpha: 0.001, minSigma: 0)),
        ("expected_C3_alpha0.025.csv", .init(method: .c3, baseline: 7, minSigma: 0)),
    ]

    @Test("EARS matches surveillance::earsC on husO104Hosp", arguments: cases)
    func earsMatchesR(file: String, configuration: EARS.Configuration) throws {
        let input = try ReferenceData.table("ears_hus_o104_daily/input.csv")
        let expected = try ReferenceData.table("ears_hus_o104_daily/\(file)")
        let series = Series(observed: try input.numbers("observed"))
        let result = try EARS.detect(series, configuration: configuration)
        #expect(result.time == (try expected.numbers("t")).map { Int($0) })
        #expect(result.observed == (try expected.numbers("observed")))
        let error = maxRelativeError(result.upperbound, try expected.numbers("upperbound"))
        #expect(error < 1e-9, "max relative error \(error)")
        #expect(result.alarm == (try ReferenceData.alarms(expected)))
    }

    @Test func constantReferenceWindowGivesMeanForC1AndNaNForC3() throws {
        let series = Series(counts: [3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 5])
        let c1 = try EARS.detect(series, configuration: .init(method: .c1))
        #expect(c1.upperbound.allSatisfy { $0 == 3 })
        #expect(c1.alarm.last == true)
        let c3 = try EARS.detect(series, configuration: .init(method: .c3))
        #expect(c3.upperbound.allSatisfy { $0.isNaN })
        #expect(c3.alarm.allSatisfy { $0 == nil })
    }

    @Test func minSigmaFloorsTheStandardDeviation() throws {
        let series = Series(counts: [3, 3, 3, 3, 3, 3, 3, 3])
        let c1 = try EARS.detect(series, configuration: .init(method: .c1, alpha: 0.001, minSigma: 1))
        #expect(relativeError(c1.upperbound[0], 3 + Normal.quantile(0.999)) < 1e-15)
    }

    @Test func rangeBeforeTheBaselineIsRejected() {
        let series = Series(counts: Array(repeating: 1, count: 20))
        #expect(throws: SurveillanceError(.outOfRange)) {
            try EARS.detect(series, configuration: .init(method: .c2, range: 5...20))
        }
        #expect(throws: SurveillanceError(.invalidControl)) {
            try EARS.detect(series, configuration: .init(method: .c1, baseline: 2))
        }
    }
}
