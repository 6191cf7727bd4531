import Testing
import VigilSurveillance

@Suite struct ReproductionNumberTests {
    static func flu2009() throws -> ReproductionNumber.Incidence {
        let input = try ReferenceData.table("epiestim_flu2009/input.csv")
        return try .init(total: try input.numbers("I"))
    }

    static let runs: [(id: String, configuration: ReproductionNumber.Configuration)] = [
        ("parametric_weekly", .init(serialInterval: .parametric(mean: 2.6, standardDeviation: 1.5))),
        (
            "parametric_biweekly",
            .init(
                serialInterval: .parametric(mean: 2.6, standardDeviation: 1.5),
                windowStarts: Array(2...19), windowEnds: Array(15...32))
        ),
    ]

    static func nonParametricConfiguration() throws -> ReproductionNumber.Configuration {
        let si = try ReferenceData.table("epiestim_flu2009/si_distr.csv").numbers("p")
        return .init(serialInterval: .nonParametric(si))
    }

    func check(_ id: String, _ configuration: ReproductionNumber.Configuration) throws {
        let result = try ReproductionNumber.estimate(try Self.flu2009(), configuration: configuration)
        let expected = try ReferenceData.table("epiestim_flu2009/expected_\(id).csv")
        #expect(result.estimates.map(\.start) == (try expected.numbers("t_start")).map { Int($0) })
        #expect(result.estimates.map(\.end) == (try expected.numbers("t_end")).map { Int($0) })
        let meanError = maxRelativeError(result.estimates.map(\.mean), try expected.numbers("Mean(R)"))
        #expect(meanError < 1e-9, "Mean(R) max relative error \(meanError)")
        let sdError = maxRelativeError(
            result.estimates.map(\.standardDeviation), try expected.numbers("Std(R)"))
        #expect(sdError < 1e-9, "Std(R) max relative error \(sdError)")
        for (k, column) in ReproductionNumber.columnNames.dropFirst(4).enumerated() {
            let q = result.estimates.map { $0.reportedQuantiles[k] }
            let error = maxRelativeError(q, try expected.numbers(column))
            #expect(error < 1e-9, "\(column) max relative error \(error)")
        }
        let si = try ReferenceData.table("epiestim_flu2009/expected_\(id)_si_distr.csv").numbers("p")
        #expect(result.serialIntervalDistribution.count == si.count)
        let siError = zip(result.serialIntervalDistribution, si).map { abs($0 - $1) }.max() ?? .infinity
        #expect(siError < 1e-12, "si_distr max absolute error \(siError)")
        let lambdaTable = try ReferenceData.table("epiestim_flu2009/expected_\(id)_lambda.csv")
        let lambdaError = maxRelativeError(result.overallInfectivity, try lambdaTable.numbers("lambda"))
        #expect(lambdaError < 1e-9, "lambda max relative error \(lambdaError)")
        #expect(result.incidence.local == (try lambdaTable.numbers("I_local")))
        #expect(result.incidence.imported == (try lambdaTable.numbers("I_imported")))
    }

    @Test("estimate_R parametric_si matches EpiEstim on Flu2009", arguments: runs)
    func parametricMatchesEpiEstim(id: String, configuration: ReproductionNumber.Configuration) throws {
        try check(id, configuration)
    }

    @Test func nonParametricMatchesEpiEstimOnFlu2009() throws {
        try check("non_parametric_weekly", try Self.nonParametricConfiguration())
    }

    @Test func discreteSerialIntervalSumsToOne() throws {
        let w = try ReproductionNumber.discreteSerialInterval(
            Array(0..<60), mean: 4.8, standardDeviation: 2.3)
        #expect(w[0] == 0)
        #expect(abs(w.reduce(0, +) - 1) < 1e-9)
        let mean = w.enumerated().reduce(0.0) { $0 + Double($1.offset) * $1.element }
        #expect(abs(mean - 4.8) < 1e-6)
    }

    @Test func windowsOutsideTheSeriesAreRejected() throws {
        let incidence = try Self.flu2009()
        let si = ReproductionNumber.SerialInterval.parametric(mean: 2.6, standardDeviation: 1.5)
        #expect(throws: SurveillanceError(.outOfRange)) {
            try ReproductionNumber.estimate(
                incidence, configuration: .init(serialInterval: si, windowStarts: [1], windowEnds: [7]))
        }
        #expect(throws: SurveillanceError(.outOfRange)) {
            try ReproductionNumber.estimate(
                incidence, configuration: .init(serialInterval: si, windowStarts: [20], windowEnds: [40]))
        }
        #expect(throws: SurveillanceError(.invalidInput)) {
            try ReproductionNumber.Incidence(total: [1, 2, -1])
        }
    }

    @Test func earlyWindowsWarnLikeEpiEstim() throws {
        let incidence = try ReproductionNumber.Incidence(total: [1, 0, 1, 0, 0, 1, 0, 1, 0, 1])
        let result = try ReproductionNumber.estimate(
            incidence, configuration: .init(serialInterval: .parametric(mean: 2.6, standardDeviation: 1.5)))
        #expect(result.warnings.count == 1)
    }
}

/// Local and imported cases, custom windows and a non-default prior. Reference values in
/// `Resources/epiestim_imported/` were produced with R 4.2.2 and EpiEstim 2.2.4 by `generate.R`.
@Suite struct ReproductionNumberImportedTests {
    @Test func localAndImportedCasesMatchEpiEstim() throws {
        let incidence = try ReproductionNumber.incidence(
            csv: try ReferenceData.text("epiestim_imported/input.csv"))
        #expect(incidence.imported.prefix(3) == [2, 1, 0])
        let result = try ReproductionNumber.estimate(
            incidence,
            configuration: .init(
                serialInterval: .parametric(mean: 3.1, standardDeviation: 2),
                windowStarts: try ReproductionNumber.parseWindowBounds("2,5,10,20"),
                windowEnds: try ReproductionNumber.parseWindowBounds("9,12,25,32"),
                meanPrior: 2, standardDeviationPrior: 1))
        let table = ReproductionNumber.table(result)
        let expected = try ReferenceData.table("epiestim_imported/expected_parametric_custom.csv")
        #expect(table.header == expected.header)
        for column in ReproductionNumber.columnNames {
            let error = maxRelativeError(try table.numbers(column), try expected.numbers(column))
            #expect(error < 1e-9, "\(column) max relative error \(error)")
        }
    }
}

@Suite struct ReproductionNumberWindowTests {
    @Test func windowsEndingBeforeTheMeanSerialIntervalAreNotEstimated() throws {
        let incidence = try ReproductionNumber.Incidence(total: [3, 2, 4, 6, 5, 8, 9, 12, 10, 15])
        let result = try ReproductionNumber.estimate(
            incidence,
            configuration: .init(
                serialInterval: .nonParametric([0, 0.1, 0.2, 0.4, 0.3]),
                windowStarts: [2, 2], windowEnds: [2, 3]))
        // mean of the serial interval = 0.1 + 0.4 + 1.2 + 1.2 = 2.9
        #expect(abs(result.serialIntervalMean - 2.9) < 1e-12)
        // EpiEstim estimates only windows with t_end > 2.9
        #expect(result.estimates[0].mean.isNaN)
        #expect(result.estimates[1].mean.isFinite)
        #expect(ReproductionNumber.table(result).rows[0][2] == "NA")
    }
}
