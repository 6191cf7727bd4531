import Foundation
import Testing
import VigilSurveillance

// The `vigil detect` and `vigil rt` contracts of issue 5, through the built binary: the output is
// exactly what the library computes for the same input and control, the stored R results (copied
// from ../shared/refdata into Resources/) come out of the process, and bad input exits 1 with the
// reason on standard error and nothing on standard output.

/// The R reference files copied into this target's resources.
private enum CLIReferenceData {
    static func url(_ path: String) throws -> URL {
        let root = try #require(Bundle.module.url(forResource: "Resources", withExtension: nil))
        return root.appendingPathComponent(path)
    }

    static func text(_ path: String) throws -> String {
        try String(contentsOf: url(path), encoding: .utf8)
    }

    static func table(_ path: String) throws -> CSVTable {
        try CSVTable(parsing: text(path))
    }
}

/// |a - b| / |b|, 0 for equal values (including both NaN), infinite when only one is NaN or infinite.
private func relativeError(_ a: Double, _ b: Double) -> Double {
    if a.isNaN && b.isNaN { return 0 }
    if a == b { return 0 }
    if a.isNaN || b.isNaN || a.isInfinite || b.isInfinite { return .infinity }
    return abs(a - b) / max(abs(b), Double.leastNormalMagnitude)
}

/// Expects two numeric columns to agree within `tolerance` (relative), with NA/NaN in the same places.
private func expectClose(
    _ actual: CSVTable, _ expected: CSVTable, column: String, tolerance: Double,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let a = try actual.strings(column)
    let e = try expected.strings(column)
    try #require(a.count == e.count, "\(column): \(a.count) rows, want \(e.count)", sourceLocation: sourceLocation)
    for (i, (x, y)) in zip(a, e).enumerated() {
        if ["NA", "NaN"].contains(y) || ["NA", "NaN"].contains(x) {
            #expect(x == y, "\(column) row \(i + 1): \(x), want \(y)", sourceLocation: sourceLocation)
            continue
        }
        let (u, v) = (CSVTable.parseNumber(x) ?? .nan, CSVTable.parseNumber(y) ?? .nan)
        #expect(relativeError(u, v) <= tolerance, "\(column) row \(i + 1): \(x), want \(y)", sourceLocation: sourceLocation)
    }
}

/// Expects a failed run: exit 1, `vigil: ` and `fragment` on standard error, nothing on standard output.
private func expectBadInput(
    _ run: VigilBinary.Run, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(run.status == 1, "exit \(run.status), want 1; stderr: \(run.stderr)", sourceLocation: sourceLocation)
    #expect(run.stderr.hasPrefix("vigil: "), "stderr: \(run.stderr)", sourceLocation: sourceLocation)
    #expect(run.stderr.contains(fragment), "stderr \"\(run.stderr)\" lacks \"\(fragment)\"", sourceLocation: sourceLocation)
    #expect(!run.stderr.contains("Error Domain"), "stderr: \(run.stderr)", sourceLocation: sourceLocation)
    #expect(run.stdout.isEmpty, "stdout: \(run.stdout)", sourceLocation: sourceLocation)
}

// MARK: - vigil detect

/// One `vigil detect` run on a reference input, optionally with R's stored result.
struct DetectCLICase: Sendable, CustomTestStringConvertible {
    var method: Detection.Method
    /// Resource path of the input CSV.
    var input: String
    var control: String?
    /// Resource path of R's output for the same input and control, if stored.
    var expected: String?
    /// Relative tolerance for `upperbound` against R (1e-9 closed-form, 1e-6 GLM-based).
    var tolerance: Double = 1e-9

    var testDescription: String { "\(method.rawValue) on \(input) \(control ?? "{}")" }

    static let ears = "ears_hus_o104_daily/input.csv"
    static let salmonella = "farrington_salmonella_agona/input.csv"
    static let berlin = "cusum_ha_berlin/input.csv"
    static let earsControl = #"{"baseline": 7, "alpha": 0.001, "minSigma": 0}"#

    static let all: [DetectCLICase] = [
        .init(method: .earsC1, input: ears, control: earsControl, expected: "ears_hus_o104_daily/expected_C1.csv"),
        .init(method: .earsC2, input: ears, control: earsControl, expected: "ears_hus_o104_daily/expected_C2.csv"),
        .init(method: .earsC3, input: ears, control: earsControl, expected: "ears_hus_o104_daily/expected_C3.csv"),
        .init(method: .earsC3, input: ears, control: nil),
        .init(
            method: .farrington, input: salmonella,
            control: #"{"range": "212:312", "b": 4, "w": 3, "reweight": true, "verbose": false, "alpha": 0.01}"#,
            expected: "farrington_salmonella_agona/expected_farrington_b4_alpha0.01.csv", tolerance: 1e-6),
        .init(
            method: .farringtonFlexible, input: salmonella,
            control: """
                {"range": "212:312", "noPeriods": 10, "b": 4, "w": 3, "weightsThreshold": 2.58,
                 "pastWeeksNotIncluded": 26, "pThresholdTrend": 1, "thresholdMethod": "nbPlugin"}
                """,
            expected: "farrington_salmonella_agona/expected_flexible_vignette_noufaily.csv", tolerance: 1e-6),
        .init(
            method: .cusum, input: berlin,
            control: #"{"range": "209:290", "k": 1.04, "h": 2.26, "m": null, "trans": "standard", "alpha": null}"#,
            expected: "cusum_ha_berlin/expected_standard_mean.csv"),
        .init(method: .cusum, input: berlin, control: #"{"range": "209:290", "m": "glm", "trans": "rossi", "k": 4, "h": 4}"#),
        .init(method: .glrpois, input: berlin, control: #"{"range": "209:290"}"#),
        .init(method: .glrpois, input: berlin, control: #"{"range": "209:290", "c.ARL": 4, "ret": "cases"}"#),
        .init(method: .glrnb, input: berlin, control: #"{"range": "209:290"}"#),
        .init(method: .glrnb, input: berlin, control: #"{"range": "209:290", "alpha": 0.2, "ret": "cases"}"#),
    ]
}

@Suite struct DetectCLITests {
    /// The process writes exactly the library's table for the same input and control, and where R's
    /// result is stored, the same time points and alarms and bounds within the issue's tolerances.
    @Test(arguments: DetectCLICase.all)
    func detectWritesTheLibraryResultAndRs(_ c: DetectCLICase) throws {
        try withTemporaryDirectory { directory in
            var arguments = ["detect", "--method", c.method.rawValue, "--input", try CLIReferenceData.url(c.input).path]
            if let control = c.control { arguments += ["--control", control] }
            let run = try VigilBinary.run(arguments, in: directory)
            #expect(run.status == 0, "exit \(run.status); stderr: \(run.stderr)")
            #expect(run.stderr.isEmpty, "stderr: \(run.stderr)")

            let library = try Detection.run(
                c.method, on: Detection.series(csv: CLIReferenceData.text(c.input), epochAsDate: false),
                control: ControlList(parsing: c.control))
            #expect(run.stdout == library.text)

            let output = try CSVTable(parsing: run.stdout)
            #expect(Array(output.header.prefix(4)) == ["t", "observed", "upperbound", "alarm"])
            #expect(try output.strings("alarm").allSatisfy { ["0", "1", "NA"].contains($0) })
            guard let expectedPath = c.expected else { return }
            let expected = try CLIReferenceData.table(expectedPath)
            #expect(try output.strings("t") == expected.strings("t"))
            #expect(try output.strings("observed") == expected.strings("observed"))
            #expect(try output.strings("alarm") == expected.strings("alarm"))
            try expectClose(output, expected, column: "upperbound", tolerance: c.tolerance)
        }
    }

    /// A control list given as `@FILE` is the same as the JSON on the command line.
    @Test func controlFromAFile() throws {
        try withTemporaryDirectory { directory in
            let control = DetectCLICase.earsControl
            try Data(control.utf8).write(to: directory.appendingPathComponent("control.json"))
            let input = try CLIReferenceData.url(DetectCLICase.ears).path
            let inline = try VigilBinary.run(["detect", "--method", "ears-c2", "--input", input, "--control", control], in: directory)
            let file = try VigilBinary.run(["detect", "--method", "ears-c2", "--input", input, "--control", "@control.json"], in: directory)
            #expect(inline.status == 0 && file.status == 0, "\(inline.stderr) \(file.stderr)")
            #expect(!inline.stdout.isEmpty && file.stdout == inline.stdout)
        }
    }

    /// `--epoch-as-date`: reference weeks by calendar date, and a `date` column in the output.
    @Test(arguments: [
        (Detection.Method.farrington, #"{"range": "212:312", "b": 4, "w": 3}"#),
        (Detection.Method.farringtonFlexible, #"{"range": "212:312", "b": 4, "w": 3, "noPeriods": 10, "thresholdMethod": "nbPlugin"}"#),
        (Detection.Method.earsC1, #"{"baseline": 7}"#),
    ])
    func epochAsDateReadsTheDateColumn(method: Detection.Method, control: String) throws {
        try withTemporaryDirectory { directory in
            // The salmonella counts on Mondays from 1990-01-01 (a calendar year is 52 or 53 weeks
            // on, so the reference weeks differ from the index-based ones).
            let counts = try CLIReferenceData.table(DetectCLICase.salmonella).strings("observed")
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withFullDate]
            formatter.timeZone = TimeZone(identifier: "UTC")
            let start = try #require(formatter.date(from: "1990-01-01"))
            let dates = counts.indices.map { i in
                formatter.string(from: start.addingTimeInterval(Double(i * 7) * 86_400))
            }
            let csv = "date,observed\n" + zip(dates, counts).map { "\($0),\($1)\n" }.joined()
            try Data(csv.utf8).write(to: directory.appendingPathComponent("dated.csv"))

            let run = try VigilBinary.run(
                ["detect", "--method", method.rawValue, "--input", "dated.csv", "--control", control, "--epoch-as-date"], in: directory)
            #expect(run.status == 0, "exit \(run.status); stderr: \(run.stderr)")
            let library = try Detection.run(
                method, on: Detection.series(csv: csv, epochAsDate: true), control: ControlList(parsing: control))
            #expect(run.stdout == library.text)
            let output = try CSVTable(parsing: run.stdout)
            #expect(Array(output.header.prefix(4)) == ["t", "observed", "upperbound", "alarm"])
            #expect(output.header.last == "date")
            #expect(try output.strings("date") == output.strings("t").map { dates[Int($0)! - 1] })
            if method != .earsC1 {
                // The flag matters: by position, the reference weeks (and bounds) are others.
                let byIndex = try Detection.run(
                    method, on: Detection.series(csv: csv, epochAsDate: false), control: ControlList(parsing: control))
                #expect(try byIndex.strings("upperbound") != output.strings("upperbound"))
            }
        }
    }

    /// Missing counts come out as `NA` (bound and alarm), R's 0/0 as `NaN` with alarm `NA`.
    @Test func missingCountsAndNaNBoundsAreWrittenAsRWritesThem() throws {
        try withTemporaryDirectory { directory in
            var counts = (1...20).map { String($0 % 5) }
            counts[9] = "NA"
            let gappy = "t,observed\n" + counts.enumerated().map { "\($0.offset + 1),\($0.element)\n" }.joined()
            try Data(gappy.utf8).write(to: directory.appendingPathComponent("gappy.csv"))
            let run = try VigilBinary.run(["detect", "--method", "ears-c1", "--input", "gappy.csv"], in: directory)
            #expect(run.status == 0, "stderr: \(run.stderr)")
            let library = try Detection.run(
                .earsC1, on: Detection.series(csv: gappy, epochAsDate: false), control: ControlList(parsing: nil))
            #expect(run.stdout == library.text)
            let output = try CSVTable(parsing: run.stdout)
            let t = try output.strings("t")
            let bound = try output.strings("upperbound")
            let alarm = try output.strings("alarm")
            // t = 10 has no count (alarm NA); t = 11...17 have it in their 7-day baseline (bound NA).
            for (i, ti) in t.enumerated() {
                let time = Int(ti)!
                #expect((alarm[i] == "NA") == (10...17).contains(time), "t = \(time): alarm \(alarm[i])")
                #expect((bound[i] == "NA") == (11...17).contains(time), "t = \(time): upperbound \(bound[i])")
            }
            #expect(try output.strings("observed")[t.firstIndex(of: "10")!] == "NA")

            let constant = "observed\n" + String(repeating: "2\n", count: 15)
            try Data(constant.utf8).write(to: directory.appendingPathComponent("constant.csv"))
            let c3 = try VigilBinary.run(["detect", "--method", "ears-c3", "--input", "constant.csv"], in: directory)
            #expect(c3.status == 0, "stderr: \(c3.stderr)")
            let table = try CSVTable(parsing: c3.stdout)
            #expect(!table.rows.isEmpty)
            #expect(try table.strings("upperbound").allSatisfy { $0 == "NaN" })
            #expect(try table.strings("alarm").allSatisfy { $0 == "NA" })
        }
    }
}

// MARK: - vigil rt

@Suite struct RtCLITests {
    static let epiEstimHeader =
        "t_start,t_end,Mean(R),Std(R),Quantile.0.025(R),Quantile.0.05(R),Quantile.0.25(R),Median(R),Quantile.0.75(R),Quantile.0.95(R),Quantile.0.975(R)"

    /// Runs `vigil rt` and the library on the same input, and expects the same table and warnings.
    private func runBoth(
        _ arguments: [String], input: String, _ serialInterval: ReproductionNumber.SerialInterval,
        starts: String? = nil, ends: String? = nil, in directory: URL
    ) throws -> CSVTable {
        let run = try VigilBinary.run(["rt", "--input", input] + arguments, in: directory)
        #expect(run.status == 0, "exit \(run.status); stderr: \(run.stderr)")
        let incidence = try ReproductionNumber.incidence(csv: String(contentsOfFile: input, encoding: .utf8))
        var configuration = ReproductionNumber.Configuration(serialInterval: serialInterval)
        if let starts, let ends {
            configuration.windowStarts = try ReproductionNumber.parseWindowBounds(starts)
            configuration.windowEnds = try ReproductionNumber.parseWindowBounds(ends)
        }
        let result = try ReproductionNumber.estimate(incidence, configuration: configuration)
        #expect(run.stdout == ReproductionNumber.table(result).text)
        #expect(run.stderr == result.warnings.map { "warning: \($0)\n" }.joined())
        #expect(run.stdout.hasPrefix(Self.epiEstimHeader + "\n"))
        return try CSVTable(parsing: run.stdout)
    }

    private func expectEpiEstim(_ output: CSVTable, _ expectedPath: String) throws {
        let expected = try CLIReferenceData.table(expectedPath)
        #expect(expected.header.joined(separator: ",") == Self.epiEstimHeader)
        #expect(output.header == expected.header)
        #expect(try output.strings("t_start") == expected.strings("t_start"))
        #expect(try output.strings("t_end") == expected.strings("t_end"))
        for column in expected.header.dropFirst(2) {
            try expectClose(output, expected, column: column, tolerance: 1e-9)
        }
    }

    @Test func parametricSIMatchesEpiEstim() throws {
        try withTemporaryDirectory { directory in
            let input = try CLIReferenceData.url("epiestim_flu2009/input.csv").path
            let output = try runBoth(
                ["--method", "parametric-si", "--mean-si", "2.6", "--std-si", "1.5"], input: input,
                .parametric(mean: 2.6, standardDeviation: 1.5), in: directory)
            try expectEpiEstim(output, "epiestim_flu2009/expected_parametric_weekly.csv")
            // Spot values from EpiEstim 2.2.4 (expected_parametric_weekly.csv).
            let means = try output.numbers("Mean(R)")
            #expect(relativeError(means[0], 1.7357976636949521) < 1e-9)
            #expect(relativeError(means[1], 1.7491677562825885) < 1e-9)
        }
    }

    @Test func nonParametricSIMatchesEpiEstim() throws {
        try withTemporaryDirectory { directory in
            let input = try CLIReferenceData.url("epiestim_flu2009/input.csv").path
            let siPath = try CLIReferenceData.url("epiestim_flu2009/si_distr.csv").path
            let si = try ReproductionNumber.serialIntervalDistribution(csv: String(contentsOfFile: siPath, encoding: .utf8))
            let output = try runBoth(
                ["--method", "non-parametric-si", "--si-distr", siPath], input: input, .nonParametric(si), in: directory)
            try expectEpiEstim(output, "epiestim_flu2009/expected_non_parametric_weekly.csv")
            #expect(relativeError(try output.numbers("Mean(R)")[0], 1.735608909459069) < 1e-9)
        }
    }

    /// Custom windows, priors and local/imported input go through to the library unchanged.
    @Test func windowsPriorsAndImportedCases() throws {
        try withTemporaryDirectory { directory in
            let input = try CLIReferenceData.url("epiestim_flu2009/input.csv").path
            let windows = try runBoth(
                ["--method", "parametric-si", "--mean-si", "2.6", "--std-si", "1.5", "--t-start", "2:19", "--t-end", "15:32"],
                input: input, .parametric(mean: 2.6, standardDeviation: 1.5), starts: "2:19", ends: "15:32", in: directory)
            #expect(try windows.strings("t_end") == (15...32).map(String.init))
            let list = try runBoth(
                ["--method", "parametric-si", "--mean-si", "2.6", "--std-si", "1.5", "--t-start", "2,10", "--t-end", "9,32"],
                input: input, .parametric(mean: 2.6, standardDeviation: 1.5), starts: "2,10", ends: "9,32", in: directory)
            #expect(list.rows.count == 2)

            let imported = "local,imported\n" + (0..<20).map { "\($0 < 1 ? 0 : $0 * 2 % 11),\($0 % 4 == 0 ? 3 : 0)\n" }.joined()
            let path = directory.appendingPathComponent("imported.csv").path
            try Data(imported.utf8).write(to: URL(fileURLWithPath: path))
            _ = try runBoth(
                ["--method", "parametric-si", "--mean-si", "3", "--std-si", "1.2"], input: path,
                .parametric(mean: 3, standardDeviation: 1.2), in: directory)

            let prior = try VigilBinary.run(
                ["rt", "--input", input, "--method", "parametric-si", "--mean-si", "2.6", "--std-si", "1.5", "--mean-prior", "2",
                 "--std-prior", "1"], in: directory)
            #expect(prior.status == 0, "stderr: \(prior.stderr)")
            var configuration = ReproductionNumber.Configuration(serialInterval: .parametric(mean: 2.6, standardDeviation: 1.5))
            configuration.meanPrior = 2
            configuration.standardDeviationPrior = 1
            let result = try ReproductionNumber.estimate(
                ReproductionNumber.incidence(csv: String(contentsOfFile: input, encoding: .utf8)), configuration: configuration)
            #expect(prior.stdout == ReproductionNumber.table(result).text)
        }
    }
}

// MARK: - Bad input

/// A `vigil detect` / `vigil rt` invocation that must fail with exit 1, in a directory holding the
/// files of `SurveillanceBadInputCase.files`.
struct SurveillanceBadInputCase: Sendable, CustomTestStringConvertible {
    var name: String
    var arguments: [String]
    /// A substring standard error must contain.
    var message: String

    var testDescription: String { name }

    static let series30 = "t,observed\n" + (1...30).map { "\($0),\($0 % 4)\n" }.joined()
    static let files: [String: String] = [
        "s30.csv": series30,
        "nocolumn.csv": "t,count\n1,2\n2,3\n",
        "negative.csv": "t,observed\n1,2\n2,-1\n3,4\n",
        "incidence.csv": "t,I\n" + (1...32).map { "\($0),\($0 % 7 + 1)\n" }.joined(),
        "negative-i.csv": "t,I\n1,2\n2,-1\n3,4\n",
        "bad.json": #"{"baseline": 7"#,
    ]

    static let detectEARS = ["detect", "--method", "ears-c1", "--input", "s30.csv"]
    static let rtParametric = ["rt", "--input", "incidence.csv", "--method", "parametric-si", "--mean-si", "2.6", "--std-si", "1.5"]

    static let all: [SurveillanceBadInputCase] = [
        .init(
            name: "detect: no observed column", arguments: ["detect", "--method", "ears-c1", "--input", "nocolumn.csv"],
            message: "missing column 'observed'"),
        .init(
            name: "detect: negative count", arguments: ["detect", "--method", "ears-c2", "--input", "negative.csv"],
            message: "counts must be non-negative: observed on line 3 is -1"),
        .init(
            name: "detect: EARS range beyond the series", arguments: detectEARS + ["--control", #"{"range": "20:40"}"#],
            message: "range ends at 40 beyond the series of 30 points"),
        .init(
            name: "detect: EARS range before its baseline", arguments: detectEARS + ["--control", #"{"range": "3:10"}"#],
            message: "range starts at 3"),
        .init(
            name: "detect: farrington range outside the series",
            arguments: ["detect", "--method", "farrington", "--input", "s30.csv", "--control", #"{"range": "20:40"}"#],
            message: "range 20:40 must be within 1..30"),
        .init(
            name: "detect: glrpois range outside the series",
            arguments: ["detect", "--method", "glrpois", "--input", "s30.csv", "--control", #"{"range": "25:31"}"#],
            message: "range 25:31 must be within"),
        .init(
            name: "detect: unknown control key", arguments: detectEARS + ["--control", #"{"baselin": 7}"#],
            message: "unknown control key 'baselin' for earsC"),
        .init(
            name: "detect: unknown farrington key",
            arguments: ["detect", "--method", "farrington", "--input", "s30.csv", "--control", #"{"thresholdMethod": "delta"}"#],
            message: "unknown control key 'thresholdMethod' for farrington"),
        .init(name: "detect: invalid JSON", arguments: detectEARS + ["--control", #"{"baseline": 7"#], message: "not valid JSON"),
        .init(name: "detect: invalid JSON from a file", arguments: detectEARS + ["--control", "@bad.json"], message: "not valid JSON"),
        .init(name: "detect: control not an object", arguments: detectEARS + ["--control", "[1, 2]"], message: "control must be a JSON object"),
        .init(name: "detect: control file missing", arguments: detectEARS + ["--control", "@nowhere.json"], message: "cannot read nowhere.json"),
        .init(name: "detect: input missing", arguments: ["detect", "--method", "ears-c1", "--input", "nowhere.csv"], message: "cannot read nowhere.csv"),
        .init(name: "detect: no date column", arguments: detectEARS + ["--epoch-as-date"], message: "missing column 'date'"),
        .init(
            name: "detect: unknown method", arguments: ["detect", "--method", "ears-c4", "--input", "s30.csv"],
            message: "unknown method 'ears-c4'"),
        .init(
            name: "rt: no I column",
            arguments: ["rt", "--input", "nocolumn.csv", "--method", "parametric-si", "--mean-si", "2.6", "--std-si", "1.5"],
            message: "needs an 'I' column"),
        .init(
            name: "rt: negative incidence",
            arguments: ["rt", "--input", "negative-i.csv", "--method", "parametric-si", "--mean-si", "2.6", "--std-si", "1.5"],
            message: "incidence must be non-negative: I on line 3 is -1"),
        .init(
            name: "rt: t-end outside the series", arguments: rtParametric + ["--t-start", "2:5", "--t-end", "30:33"],
            message: "t_end 33 must be between 2 and 32"),
        .init(
            name: "rt: t-start before day 2", arguments: rtParametric + ["--t-start", "1,2", "--t-end", "8,9"],
            message: "t_start 1 must be between 2 and 32"),
        .init(name: "rt: t-start without t-end", arguments: rtParametric + ["--t-start", "2:5"], message: "must be given together"),
        .init(
            name: "rt: parametric-si without its parameters",
            arguments: ["rt", "--input", "incidence.csv", "--method", "parametric-si"], message: "needs --mean-si and --std-si"),
        .init(
            name: "rt: non-parametric-si without a distribution",
            arguments: ["rt", "--input", "incidence.csv", "--method", "non-parametric-si"], message: "needs --si-distr"),
        .init(
            name: "rt: si-distr missing",
            arguments: ["rt", "--input", "incidence.csv", "--method", "non-parametric-si", "--si-distr", "nowhere.csv"],
            message: "cannot read nowhere.csv"),
    ]
}

@Suite struct SurveillanceBadInputCLITests {
    @Test(arguments: SurveillanceBadInputCase.all)
    func badInputExits1WithTheReason(_ c: SurveillanceBadInputCase) throws {
        try withTemporaryDirectory { directory in
            for (name, text) in SurveillanceBadInputCase.files {
                try Data(text.utf8).write(to: directory.appendingPathComponent(name))
            }
            expectBadInput(try VigilBinary.run(c.arguments, in: directory), c.message)
        }
    }

    /// The fixture series is itself valid, so each failure above is due to the one bad thing.
    @Test func theFixturesAreValidInput() throws {
        try withTemporaryDirectory { directory in
            for (name, text) in SurveillanceBadInputCase.files {
                try Data(text.utf8).write(to: directory.appendingPathComponent(name))
            }
            let detect = try VigilBinary.run(SurveillanceBadInputCase.detectEARS, in: directory)
            #expect(detect.status == 0 && !detect.stdout.isEmpty, "stderr: \(detect.stderr)")
            let rt = try VigilBinary.run(SurveillanceBadInputCase.rtParametric + ["--t-start", "2:5", "--t-end", "29:32"], in: directory)
            #expect(rt.status == 0 && !rt.stdout.isEmpty, "stderr: \(rt.stderr)")
        }
    }
}
