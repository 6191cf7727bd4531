import ArgumentParser
import Foundation
import VigilSurveillance

/// `vigil detect`: aberration detection with R `surveillance` semantics on a CSV count series.
struct Detect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract:
            "Detect aberrations in a count series (EARS, Farrington, CUSUM, GLR) as R's surveillance does.",
        discussion: """
            FILE is CSV with a header and an 'observed' column (and 'date', YYYY-MM-DD, with \
            --epoch-as-date). --control is a JSON object with the keys of R surveillance's control \
            list for the method ("range": "a:b" is 1-based and inclusive; omitted keys take R's \
            defaults); '@FILE' reads it from a file. Writes CSV with t,observed,upperbound,alarm \
            (and method-specific columns) for every monitored time point.
            """
    )

    @Option(help: "ears-c1, ears-c2, ears-c3, farrington, farrington-flexible, cusum, glrpois or glrnb.")
    var method: String

    @Option(help: "CSV file with an 'observed' column.")
    var input: String

    @Option(help: "R control list as a JSON object, or @FILE.")
    var control: String?

    @Flag(
        name: .customLong("epoch-as-date"), help: "Use the 'date' column: reference weeks by calendar date.")
    var epochAsDate = false

    @Option(help: "Time points per year (default 52, or inferred from the dates).")
    var frequency: Int?

    func run() throws {
        do {
            guard let method = Detection.Method(rawValue: method) else {
                throw SurveillanceError(
                    .invalidControl,
                    "unknown method '\(method)'; use one of \(Detection.Method.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            let text = try readSurveillanceInput(input)
            let series = try Detection.series(csv: text, epochAsDate: epochAsDate, frequency: frequency)
            var controlText = control
            if let c = control, c.hasPrefix("@") { controlText = try readSurveillanceInput(String(c.dropFirst())) }
            let table = try Detection.run(method, on: series, control: ControlList(parsing: controlText))
            FileHandle.standardOutput.write(Data(table.text.utf8))
        } catch let error as SurveillanceError {
            writeSurveillanceError(error.description)
            throw ExitCode(1)
        }
    }
}

/// Reads a whole UTF-8 text file (or standard input for "-") through `IO.read`, so a file that
/// cannot be read is reported as `vigil: cannot read PATH: REASON` with exit status 1.
func readSurveillanceInput(_ path: String) throws -> String {
    let bytes = try IO.read(path, limit: maxSurveillanceInputBytes)
    guard let text = String(validating: bytes, as: UTF8.self) else {
        throw SurveillanceError(.invalidInput, "'\(path)' is not UTF-8 text")
    }
    return text
}

/// The largest input file `vigil detect` and `vigil rt` read (1 GiB).
let maxSurveillanceInputBytes = 1 << 30

/// Writes `vigil: message` to standard error, as every command reports bad input.
func writeSurveillanceError(_ message: String) {
    IO.printError("vigil: " + message)
}
