import Testing
import VigilSurveillance

/// The `vigil detect` and `vigil rt` contracts, through the library functions the commands call.
@Suite struct DetectionTests {
    @Test func earsThroughTheControlListReproducesTheReferenceFile() throws {
        let series = try Detection.series(
            csv: try ReferenceData.text("ears_hus_o104_daily/input.csv"), epochAsDate: false)
        let table = try Detection.run(
            .earsC3, on: series, control: ControlList(parsing: #"{"baseline": 7, "minSigma": 0}"#))
        let expected = try ReferenceData.table("ears_hus_o104_daily/expected_C3_alpha0.025.csv")
        #expect(table.header == ["t", "observed", "upperbound", "alarm"])
        #expect(try table.strings("t") == expected.strings("t"))
        #expect(try table.strings("alarm") == expected.strings("alarm"))
        #expect(maxRelativeError(try table.numbers("upperbound"), try expected.numbers("upperbound")) < 1e-9)
    }

    @Test func nanBoundsAreWrittenAsRWritesThem() throws {
        let series = Series(counts: Array(repeating: 2, count: 15))
        let table = try Detection.run(.earsC3, on: series, control: ControlList(parsing: nil))
        #expect(try table.strings("upperbound").allSatisfy { $0 == "NaN" })
        #expect(try table.strings("alarm").allSatisfy { $0 == "NA" })
    }

    @Test func missingCountsGiveNAInEARSAndStopClassicFarrington() throws {
        var counts = (0..<20).map { Double($0 % 5) }
        counts[9] = .nan
        let table = try Detection.run(
            .earsC1, on: Series(observed: counts), control: ControlList(parsing: nil))
        // t = 10 has a missing count itself (alarm NA); t = 11...17 have it in the baseline.
        #expect(try table.strings("upperbound")[3...9].allSatisfy { $0 == "NA" })
        #expect(try table.strings("alarm")[2...9].allSatisfy { $0 == "NA" })
        #expect(try table.strings("upperbound")[10] != "NA")
        var weekly = [Double](repeating: 2, count: 300)
        weekly[200] = .nan
        #expect(throws: SurveillanceError(.invalidInput)) {
            try Farrington.detect(Series(observed: weekly), configuration: .init(range: 250...300))
        }
    }

    @Test func farringtonFlexibleTakesTheVignetteControlList() throws {
        let series = try Detection.series(
            csv: try ReferenceData.text("farrington_salmonella_agona/input.csv"), epochAsDate: false)
        let control = try ControlList(
            parsing: """
                {"range": "212:312", "noPeriods": 10, "b": 4, "w": 3, "weightsThreshold": 2.58,
                 "pastWeeksNotIncluded": 26, "pThresholdTrend": 1, "thresholdMethod": "nbPlugin"}
                """)
        let table = try Detection.run(.farringtonFlexible, on: series, control: control)
        let expected = try ReferenceData.table(
            "farrington_salmonella_agona/expected_flexible_vignette_noufaily.csv")
        #expect(Array(table.header.prefix(4)) == ["t", "observed", "upperbound", "alarm"])
        #expect(try table.strings("alarm") == expected.strings("alarm"))
        #expect(try table.strings("upperbound") == expected.strings("upperbound"))
    }

    @Test func cusumWithGLMMeanThroughTheControlList() throws {
        let series = try Detection.series(
            csv: try ReferenceData.text("cusum_ha_berlin/input.csv"), epochAsDate: false)
        let control = try ControlList(
            parsing: #"{"range": "209:290", "m": "glm", "trans": "rossi", "k": 4, "h": 4}"#)
        let table = try Detection.run(.cusum, on: series, control: control)
        let expected = try ReferenceData.table("cusum_ha_berlin/expected_rossi_glm_k4_h4.csv")
        #expect(try table.strings("alarm") == expected.strings("alarm"))
        #expect(maxRelativeError(try table.numbers("upperbound"), try expected.numbers("upperbound")) < 1e-6)
    }

    @Test func unknownControlKeyIsRejected() throws {
        let series = Series(counts: Array(repeating: 1, count: 30))
        #expect(throws: SurveillanceError(.invalidControl)) {
            try Detection.run(.earsC1, on: series, control: ControlList(parsing: #"{"baselin": 7}"#))
        }
        #expect(throws: SurveillanceError(.invalidControl)) {
            try Detection.run(.cusum, on: series, control: ControlList(parsing: #"{"k": 1}"#))
        }
        #expect(throws: SurveillanceError(.invalidControl)) {
            try ControlList(parsing: "[1, 2]")
        }
        #expect(throws: SurveillanceError(.invalidControl)) {
            try Detection.run(.farrington, on: series, control: ControlList(parsing: #"{"range": "10-20"}"#))
        }
    }

    @Test func rangeOutsideTheSeriesIsRejected() throws {
        let series = Series(counts: Array(repeating: 1, count: 30))
        #expect(throws: SurveillanceError(.outOfRange)) {
            try Detection.run(.earsC1, on: series, control: ControlList(parsing: #"{"range": "20:40"}"#))
        }
    }

    @Test func badInputFilesAreRejected() {
        #expect(throws: SurveillanceError(.invalidInput)) {
            try Detection.series(csv: "t,count\n1,2\n", epochAsDate: false)
        }
        #expect(throws: SurveillanceError(.invalidInput)) {
            try Detection.series(csv: "t,observed\n1,2\n2,-1\n", epochAsDate: false)
        }
        #expect(throws: SurveillanceError(.invalidInput)) {
            try Detection.series(csv: "t,observed\n1,2\n2,x\n", epochAsDate: false)
        }
        #expect(throws: SurveillanceError(.invalidInput)) {
            try Detection.series(csv: "t,observed\n1,2\n", epochAsDate: true)
        }
        #expect(throws: SurveillanceError(.invalidInput)) {
            try Detection.series(csv: "date,observed\n2020-01-01,2\n2020-01-03,1\n", epochAsDate: true)
        }
    }

    @Test func rtTableHasEpiEstimColumns() throws {
        let incidence = try ReproductionNumber.incidence(
            csv: try ReferenceData.text("epiestim_flu2009/input.csv"))
        let result = try ReproductionNumber.estimate(
            incidence,
            configuration: .init(
                serialInterval: .parametric(mean: 2.6, standardDeviation: 1.5),
                windowStarts: try ReproductionNumber.parseWindowBounds("2:19"),
                windowEnds: try ReproductionNumber.parseWindowBounds("15:32")))
        let table = ReproductionNumber.table(result)
        let expected = try ReferenceData.table("epiestim_flu2009/expected_parametric_biweekly.csv")
        #expect(table.header == expected.header)
        #expect(maxRelativeError(try table.numbers("Mean(R)"), try expected.numbers("Mean(R)")) < 1e-9)
    }

    @Test func rtInputsAreValidated() throws {
        #expect(throws: SurveillanceError(.invalidInput)) {
            try ReproductionNumber.incidence(csv: "t,cases\n1,2\n")
        }
        #expect(throws: SurveillanceError(.invalidInput)) {
            try ReproductionNumber.incidence(csv: "t,I\n1,2\n2,-3\n")
        }
        #expect(throws: SurveillanceError(.invalidInput)) {
            try ReproductionNumber.serialIntervalDistribution(csv: "k,p\n0,0\n2,1\n")
        }
        #expect(throws: SurveillanceError(.outOfRange)) { try ReproductionNumber.parseWindowBounds("2-9") }
        #expect(try ReproductionNumber.parseWindowBounds("2,5, 9") == [2, 5, 9])
        let local = try ReproductionNumber.incidence(csv: "local,imported\n0,3\n2,1\n")
        #expect(local.local == [0, 2] && local.imported == [3, 1])
    }
}
