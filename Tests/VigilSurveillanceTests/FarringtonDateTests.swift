import Testing
import VigilSurveillance

/// Date-based series (`epochAsDate = TRUE`): reference weeks by calendar date. Reference values in
/// `Resources/farrington_dates/` were produced with R 4.2.2 and surveillance 1.20.3 by `generate.R`.
@Suite struct FarringtonDateTests {
    static func series() throws -> Series {
        let text = try ReferenceData.text("farrington_dates/input.csv")
        return try Detection.series(csv: text, epochAsDate: true)
    }

    @Test func datedSeriesIsWeekly() throws {
        let s = try Self.series()
        #expect(s.frequency == 52)
        #expect(s.dates?.first == CivilDate(year: 1990, month: 1, day: 1))
    }

    @Test func classicFarringtonMatchesRWithDates() throws {
        let expected = try ReferenceData.table("farrington_dates/expected_farrington_dates.csv")
        let result = try Farrington.detect(
            try Self.series(), configuration: .init(range: 264...312, b: 5, w: 3, alpha: 0.05))
        let error = maxRelativeError(result.alarms.upperbound, try expected.numbers("upperbound"))
        #expect(error < 1e-6, "upperbound max relative error \(error)")
        #expect(result.alarms.alarm == (try ReferenceData.alarms(expected)))
        #expect(result.trend == (try expected.numbers("trend")).map { $0 != 0 })
        #expect(maxRelativeError(result.expected, try expected.numbers("expected")) < 1e-6)
    }

    @Test(
        "farringtonFlexible matches R with dates",
        arguments: [
            ("expected_flexible_dates.csv", FarringtonFlexible.Configuration(range: 270...312, b: 5, w: 3)),
            (
                "expected_flexible_dates_noufaily.csv",
                FarringtonFlexible.Configuration(
                    range: 240...312, b: 4, w: 3, weightsThreshold: 2.58, pThresholdTrend: 1, noPeriods: 10,
                    pastWeeksNotIncluded: 26, thresholdMethod: .nbPlugin)
            ),
        ])
    func flexibleMatchesRWithDates(file: String, configuration: FarringtonFlexible.Configuration) throws {
        let expected = try ReferenceData.table("farrington_dates/\(file)")
        let result = try FarringtonFlexible.detect(try Self.series(), configuration: configuration)
        let error = maxRelativeError(result.alarms.upperbound, try expected.numbers("upperbound"))
        #expect(error < 1e-6, "upperbound max relative error \(error)")
        #expect(result.alarms.alarm == (try ReferenceData.alarms(expected)))
        #expect(result.trend == (try expected.numbers("trend")).map { $0 != 0 })
        #expect(maxRelativeError(result.expected, try expected.numbers("expected")) < 1e-6)
        #expect(maxRelativeError(result.phi, try expected.numbers("phi")) < 1e-6)
    }

    @Test func calendarArithmeticFollowsR() {
        let leap = CivilDate(year: 2012, month: 2, day: 29)
        #expect(leap.addingYears(-1) == CivilDate(year: 2011, month: 3, day: 1))
        #expect(CivilDate(year: 1970, month: 1, day: 1).weekday == 4)
        #expect(CivilDate(year: 1990, month: 1, day: 1).weekday == 1)
        #expect(
            CivilDate(daysSinceEpoch: CivilDate(year: 2024, month: 12, day: 31).daysSinceEpoch)
                == CivilDate(year: 2024, month: 12, day: 31))
        #expect(CivilDate(iso8601: "2021-02-29") == nil)
    }
}

/// `populationOffset = TRUE` with a `population` column. Reference values in
/// `Resources/farrington_population/` were produced with R 4.2.2 and surveillance 1.20.3 by `generate.R`.
@Suite struct FarringtonPopulationTests {
    @Test(
        "farringtonFlexible with a population offset matches R",
        arguments: [
            ("expected_flexible_population.csv", #"{"range": "264:312", "populationOffset": true}"#),
            (
                "expected_flexible_population_noufaily.csv",
                #"{"range": "212:312", "populationOffset": true, "noPeriods": 10, "b": 4, "w": 3, "pastWeeksNotIncluded": 26, "pThresholdTrend": 1, "thresholdMethod": "muan"}"#
            ),
        ])
    func populationOffsetMatchesR(file: String, control: String) throws {
        let series = try Detection.series(
            csv: try ReferenceData.text("farrington_population/input.csv"), epochAsDate: false)
        #expect(series.population?.count == 312)
        let table = try Detection.run(.farringtonFlexible, on: series, control: ControlList(parsing: control))
        let expected = try ReferenceData.table("farrington_population/\(file)")
        for column in ["upperbound", "expected", "phi"] {
            let error = maxRelativeError(try table.numbers(column), try expected.numbers(column))
            #expect(error < 1e-6, "\(column) max relative error \(error)")
        }
        #expect(try table.strings("alarm") == expected.strings("alarm"))
        #expect(try table.strings("trend") == expected.strings("trend"))
    }
}

@Suite struct FarringtonFitFunctionTests {
    @Test(
        "classic farrington with other fitFun values matches R",
        arguments: [
            (
                "expected_farrington_population.csv",
                #"{"range": "264:312", "b": 5, "w": 3, "fitFun": "algo.farrington.fitGLM.populationOffset"}"#
            ),
            (
                "expected_farrington_standard.csv",
                #"{"range": "212:312", "b": 4, "w": 3, "alpha": 0.01, "fitFun": "algo.farrington.fitGLM"}"#
            ),
        ])
    func fitFunctionsMatchR(file: String, control: String) throws {
        let series = try Detection.series(
            csv: try ReferenceData.text("farrington_population/input.csv"), epochAsDate: false)
        let table = try Detection.run(.farrington, on: series, control: ControlList(parsing: control))
        let expected = try ReferenceData.table("farrington_population/\(file)")
        for column in ["upperbound", "expected"] {
            let error = maxRelativeError(try table.numbers(column), try expected.numbers(column))
            #expect(error < 1e-6, "\(column) max relative error \(error)")
        }
        #expect(try table.strings("alarm") == expected.strings("alarm"))
        #expect(try table.strings("trend") == expected.strings("trend"))
    }
}
