import Testing
import VigilSurveillance

/// Degenerate weekly series (all zeros, sparse, constant, trend, spikes) through the CLI contract.
/// Reference values in `Resources/edge_series/` were produced with R 4.2.2 and surveillance 1.20.3
/// by `generate.R` stored next to them; some of them exercise R's non-convergence fallbacks.
@Suite struct EdgeSeriesTests {
    static let runs: [(key: String, method: Detection.Method, control: String)] = [
        ("f", .farrington, #"{"range": "264:312"}"#),
        ("ff", .farringtonFlexible, #"{"range": "264:312"}"#),
        (
            "fn", .farringtonFlexible,
            #"{"range": "264:312", "noPeriods": 10, "b": 4, "w": 3, "pastWeeksNotIncluded": 26, "pThresholdTrend": 1, "thresholdMethod": "nbPlugin"}"#
        ),
        ("C1", .earsC1, #"{"range": "264:312"}"#),
        ("C3", .earsC3, #"{"range": "264:312"}"#),
    ]

    @Test("edge series match R", arguments: ["zeros", "sparse", "const", "trend", "spiky"])
    func edgeSeriesMatchR(name: String) throws {
        let series = try Detection.series(
            csv: try ReferenceData.text("edge_series/e_\(name).csv"), epochAsDate: false)
        let expected = try ReferenceData.table("edge_series/e_\(name)_R.csv")
        for run in Self.runs {
            let table = try Detection.run(run.method, on: series, control: ControlList(parsing: run.control))
            let error = maxRelativeError(
                try table.numbers("upperbound"), try expected.numbers("\(run.key)_ub"))
            let tolerance = run.method == .earsC1 || run.method == .earsC3 ? 1e-9 : 1e-6
            #expect(error < tolerance, "\(name) \(run.key): upperbound max relative error \(error)")
            #expect(
                try table.strings("alarm") == expected.strings("\(run.key)_al"),
                "\(name) \(run.key): alarms differ")
        }
    }
}
