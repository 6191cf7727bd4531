/// A small CSV table in the refdata conventions: one header line, comma separated, no quoting;
/// `NA` is missing, `NaN`, `Inf` and `-Inf` as in R.
public struct CSVTable: Sendable, Hashable {
    /// Column names.
    public var header: [String]
    /// Rows of fields.
    public var rows: [[String]]

    /// Creates a table.
    public init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
    }

    /// Parses CSV text.
    /// - Throws: `SurveillanceError(.invalidInput)` for an empty text or a row with the wrong number of fields.
    public init(parsing text: String) throws {
        var lines = text.split(
            omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }
        )
        .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        while let last = lines.last, last.trimmingWhitespace().isEmpty { lines.removeLast() }
        guard let first = lines.first else { throw SurveillanceError(.invalidInput, "CSV input is empty") }
        header = first.split(separator: ",", omittingEmptySubsequences: false).map {
            String($0.trimmingWhitespace()).unquoted
        }
        rows = []
        rows.reserveCapacity(lines.count - 1)
        for (i, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
                String($0.trimmingWhitespace()).unquoted
            }
            guard fields.count == header.count else {
                throw SurveillanceError(
                    .invalidInput,
                    "CSV line \(i + 2) has \(fields.count) fields, the header has \(header.count)")
            }
            rows.append(fields)
        }
    }

    /// The index of a column, if present.
    public func index(of column: String) -> Int? { header.firstIndex(of: column) }

    /// Whether the table has a column.
    public func hasColumn(_ column: String) -> Bool { index(of: column) != nil }

    /// A numeric column: `NA`/empty become `NaN` (missing), `Inf`/`-Inf`/`NaN` as in R.
    /// - Throws: `SurveillanceError(.invalidInput)` if the column is missing or a field is not a number.
    public func numbers(_ column: String) throws -> [Double] {
        guard let j = index(of: column) else {
            throw SurveillanceError(
                .invalidInput, "missing column '\(column)' (columns: \(header.joined(separator: ",")))")
        }
        return try rows.enumerated().map { i, row in
            guard let v = CSVTable.parseNumber(row[j]) else {
                throw SurveillanceError(
                    .invalidInput, "column '\(column)' line \(i + 2): '\(row[j])' is not a number")
            }
            return v
        }
    }

    /// A text column.
    /// - Throws: `SurveillanceError(.invalidInput)` if the column is missing.
    public func strings(_ column: String) throws -> [String] {
        guard let j = index(of: column) else {
            throw SurveillanceError(
                .invalidInput, "missing column '\(column)' (columns: \(header.joined(separator: ",")))")
        }
        return rows.map { $0[j] }
    }

    /// Parses one field the way R writes numbers; `NA` and an empty field are `NaN`.
    public static func parseNumber(_ text: String) -> Double? {
        switch text {
        case "NA", "", "NaN": return .nan
        case "Inf": return .infinity
        case "-Inf": return -.infinity
        case "TRUE": return 1
        case "FALSE": return 0
        default: return Double(text)
        }
    }

    /// Formats a number for CSV output: integers without a decimal point, other values with the
    /// shortest representation that reads back to the same double; `NaN` as `NA` unless
    /// `nanAsNaN` is set (then `NaN`), infinities as `Inf` / `-Inf`.
    public static func format(_ value: Double, nanAsNaN: Bool = false) -> String {
        if value.isNaN { return nanAsNaN ? "NaN" : "NA" }
        if value.isInfinite { return value > 0 ? "Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 {
            return String(Int64(value))
        }
        return "\(value)"
    }

    /// The CSV text, with a trailing newline.
    public var text: String {
        var out = header.joined(separator: ",") + "\n"
        for row in rows { out += row.joined(separator: ",") + "\n" }
        return out
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> SubSequence {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}

extension String {
    var unquoted: String {
        if count >= 2, first == "\"", last == "\"" { return String(dropFirst().dropLast()) }
        return self
    }
}
