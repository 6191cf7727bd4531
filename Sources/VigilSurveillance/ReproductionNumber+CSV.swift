extension ReproductionNumber {
    /// Reads incidence from CSV: an `I` column (day 1 counted as imported), or `local` and `imported`.
    /// - Throws: `SurveillanceError(.invalidInput)` for missing columns, bad numbers or negative counts.
    public static func incidence(csv text: String) throws -> Incidence {
        let table = try CSVTable(parsing: text)
        if table.hasColumn("local") && table.hasColumn("imported") {
            return try Incidence(local: try table.numbers("local"), imported: try table.numbers("imported"))
        }
        guard table.hasColumn("I") else {
            throw SurveillanceError(
                .invalidInput,
                "the input needs an 'I' column or 'local' and 'imported' columns (columns: \(table.header.joined(separator: ",")))"
            )
        }
        let counts = try table.numbers("I")
        if let i = counts.firstIndex(where: { $0 < 0 }) {
            throw SurveillanceError(
                .invalidInput,
                "incidence must be non-negative: I on line \(i + 2) is \(CSVTable.format(counts[i]))")
        }
        return try Incidence(total: counts)
    }

    /// Reads a serial-interval distribution from CSV with columns `k` (0, 1, 2, ... days) and `p`.
    /// - Throws: `SurveillanceError(.invalidInput)` unless k runs 0, 1, 2, ... without gaps.
    public static func serialIntervalDistribution(csv text: String) throws -> [Double] {
        let table = try CSVTable(parsing: text)
        let k = try table.numbers("k")
        let p = try table.numbers("p")
        for (i, v) in k.enumerated() where v != Double(i) {
            throw SurveillanceError(
                .invalidInput, "si_distr k must run 0, 1, 2, ...: line \(i + 2) has k = \(CSVTable.format(v))"
            )
        }
        return p
    }

    /// Parses window bounds: `"a:b"` (every day from a to b) or a comma-separated list.
    /// - Throws: `SurveillanceError(.outOfRange)` for text that is neither.
    public static func parseWindowBounds(_ text: String) throws -> [Int] {
        let trimmed = String(text.trimmingWhitespace())
        if trimmed.contains(":") {
            do {
                return Array(try ControlList.parseRange(trimmed, key: "window"))
            } catch {
                throw SurveillanceError(
                    .outOfRange, "window bounds must be \"a:b\" or a comma-separated list, got \"\(text)\"")
            }
        }
        return try trimmed.split(separator: ",").map {
            guard let v = Int($0.trimmingWhitespace()) else {
                throw SurveillanceError(
                    .outOfRange, "window bounds must be \"a:b\" or a comma-separated list, got \"\(text)\"")
            }
            return v
        }
    }

    /// EpiEstim's `res$R` as a CSV table (`NA` for windows it does not estimate).
    public static func table(_ result: Result) -> CSVTable {
        let rows = result.estimates.map { e -> [String] in
            var row = [
                String(e.start), String(e.end), CSVTable.format(e.mean), CSVTable.format(e.standardDeviation),
            ]
            row += e.reportedQuantiles.map { CSVTable.format($0) }
            return row
        }
        return CSVTable(header: columnNames, rows: rows)
    }
}
