import Testing
import VigilSurveillance

@Suite struct CUSUMTests {
    static let runs: [(file: String, configuration: CUSUM.Configuration, closedForm: Bool)] = [
        (
            "expected_standard_mean.csv",
            .init(range: 209...290, k: 1.04, h: 2.26, m: .trainingMean, transformation: .standard), true
        ),
        (
            "expected_anscombe_glm.csv",
            .init(range: 209...290, k: 1.04, h: 2.26, m: .glm, transformation: .anscombe), false
        ),
        (
            "expected_rossi_glm_k4_h4.csv",
            .init(range: 209...290, k: 4, h: 4, m: .glm, transformation: .rossi), false
        ),
    ]

    @Test("cusum matches surveillance on hepatitis A in Berlin", arguments: runs)
    func cusumMatchesR(file: String, configuration: CUSUM.Configuration, closedForm: Bool) throws {
        let input = try ReferenceData.table("cusum_ha_berlin/input.csv")
        let expected = try ReferenceData.table("cusum_ha_berlin/\(file)")
        let result = try CUSUM.detect(
            Series(observed: try input.numbers("observed"), frequency: 52, startWithinYear: 1),
            configuration: configuration)
        let tolerance = closedForm ? 1e-9 : 1e-6
        #expect(result.alarms.time == (try expected.numbers("t")).map { Int($0) })
        for (name, values) in [
            ("m", result.mean), ("cusum", result.statistic), ("upperbound", result.alarms.upperbound),
        ] {
            let error = maxRelativeError(values, try expected.numbers(name))
            #expect(error < tolerance, "\(name) max relative error \(error)")
        }
        #expect(result.alarms.alarm == (try ReferenceData.alarms(expected)))
    }

    @Test func rangeWithoutTrainingDataIsRejected() {
        #expect(throws: SurveillanceError(.outOfRange)) {
            try CUSUM.detect(Series(counts: [1, 2, 3]), configuration: .init(range: 1...3))
        }
    }
}

@Suite struct CUSUMMeanTests {
    @Test func givenMeansGiveTheSameResultAsTheTrainingMean() throws {
        let input = try ReferenceData.table("cusum_ha_berlin/input.csv")
        let series = Series(observed: try input.numbers("observed"))
        let training = try CUSUM.detect(series, configuration: .init(range: 209...290))
        let m = training.mean[0]
        let scalar = try CUSUM.detect(series, configuration: .init(range: 209...290, m: .value(m)))
        let vector = try CUSUM.detect(
            series, configuration: .init(range: 209...290, m: .values(Array(repeating: m, count: 82))))
        #expect(scalar == training)
        #expect(vector == training)
        #expect(throws: SurveillanceError(.outOfRange)) {
            try CUSUM.detect(series, configuration: .init(range: 209...290, m: .values([1, 2])))
        }
    }
}
