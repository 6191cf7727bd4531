import Foundation
import Testing
import VigilSurveillance

/// Access to the R reference cases copied from `../shared/refdata/` into the test resources.
enum ReferenceData {
    static var root: URL {
        get throws {
            try #require(Bundle.module.url(forResource: "Resources", withExtension: nil))
        }
    }

    /// The text of a resource file, e.g. `"ears_hus_o104_daily/input.csv"`.
    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// A resource CSV file.
    static func table(_ path: String) throws -> CSVTable {
        try CSVTable(parsing: text(path))
    }

    /// Alarm column as optional booleans (`NA` is nil).
    static func alarms(_ table: CSVTable, _ column: String = "alarm") throws -> [Bool?] {
        try table.numbers(column).map { $0.isNaN ? nil : $0 != 0 }
    }
}

/// Relative difference |a - b| / |b|; 0 when both are equal (including both NaN or both infinite).
func relativeError(_ a: Double, _ b: Double) -> Double {
    if a.isNaN && b.isNaN { return 0 }
    if a == b { return 0 }
    if a.isNaN || b.isNaN || a.isInfinite || b.isInfinite { return .infinity }
    return abs(a - b) / max(abs(b), Double.leastNormalMagnitude)
}

/// The largest relative error between two equally long arrays (infinite if the lengths differ).
func maxRelativeError(_ a: [Double], _ b: [Double]) -> Double {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).map { relativeError($0, $1) }.max() ?? 0
}
