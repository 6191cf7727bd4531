/// What importing a file would do, before anything is written: the rows that would become new
/// persons, the rows that may duplicate existing persons or earlier rows, and the rows with errors.
///
/// Policy ("a bad file imports nothing, or only what the user confirms"): ``rowsToImport(_:confirming:)``
/// refuses a plan with errors unless the caller passes ``Policy/onlyValid``; duplicate rows are
/// imported only when named in `confirming` (the user decided they are different persons).
public struct ImportPlan: Sendable, Hashable, Codable {
    /// How to treat a plan with row errors.
    public enum Policy: String, Sendable, Hashable, Codable {
        /// Import nothing when any row has an error (the default).
        case allOrNothing
        /// Import the valid rows, as the user confirmed after seeing the errors.
        case onlyValid
    }

    /// A valid row and the normalised draft it gives.
    public struct Row: Sendable, Hashable, Codable {
        public var row: Int
        public var line: Int
        public var draft: PersonDraft
    }

    /// A valid row that may be an existing person.
    public struct DuplicateOfExisting: Sendable, Hashable, Codable {
        public var row: Row
        /// Best first.
        public var candidates: [DuplicateCandidate]
    }

    /// A valid row that may be the same person as an earlier row of the file.
    public struct DuplicateWithinFile: Sendable, Hashable, Codable {
        public var row: Row
        /// The earliest of the best-scoring earlier rows.
        public var ofRow: Int
        public var score: Double
        public var reasons: [DuplicateReason]
    }

    /// The number of data rows in the file.
    public var total: Int
    /// Valid rows that match nobody: these become new persons.
    public var new: [Row]
    /// Valid rows matching existing persons (checked first).
    public var duplicatesOfExisting: [DuplicateOfExisting]
    /// Valid rows matching an earlier row but no existing person.
    public var duplicatesWithinFile: [DuplicateWithinFile]
    /// Every problem found, by row then column order; a row may have several.
    public var errors: [RowError]

    /// Whether the plan can be imported without confirming anything: no row has an error.
    public var isImportable: Bool { errors.isEmpty }

    /// The rows to write, in file order: ``new`` plus the duplicate rows named in `confirming`.
    /// - Parameters:
    ///   - policy: ``Policy/allOrNothing`` refuses a plan with errors; ``Policy/onlyValid``
    ///     leaves the rows with errors out.
    ///   - confirming: rows of ``duplicatesOfExisting`` or ``duplicatesWithinFile`` the user
    ///     confirmed are different persons (the store should also record not-duplicate marks).
    /// - Throws: ``CommunityError/Code/invalidField`` (field `csv`) when the plan has errors and
    ///   the policy is ``Policy/allOrNothing``; (field `row`) when `confirming` names a row that is
    ///   not a duplicate row.
    public func rowsToImport(_ policy: Policy = .allOrNothing, confirming: Set<Int> = []) throws -> [Row] {
        if policy == .allOrNothing, let first = errors.first {
            let rows = Set(errors.map(\.row)).count
            throw CommunityError(
                .invalidField,
                "\(rows) of \(total) rows have errors (first: \(first)); nothing is imported unless only the valid rows are confirmed",
                field: "csv")
        }
        let duplicates = Dictionary(
            uniqueKeysWithValues: duplicatesOfExisting.map { ($0.row.row, $0.row) } + duplicatesWithinFile.map { ($0.row.row, $0.row) })
        var rows = new
        for row in confirming.sorted() {
            guard let duplicate = duplicates[row] else {
                throw CommunityError(.invalidField, "row \(row) is not a duplicate row of this plan", field: "row")
            }
            rows.append(duplicate)
        }
        return rows.sorted { $0.row < $1.row }
    }

    /// The duplicates report as CSV: `row,line,kind,candidate,score,reasons`, one line per
    /// candidate; `kind` is `existing` (candidate = person id) or `file` (candidate = row number);
    /// score has two decimals; reasons are `;`-separated.
    public func duplicatesReport(byteOrderMark: Bool = false) -> String {
        var lines: [[String]] = [["row", "line", "kind", "candidate", "score", "reasons"]]
        var entries: [(row: Int, [String])] = []
        for d in duplicatesOfExisting {
            for c in d.candidates {
                let fields = ["\(d.row.row)", "\(d.row.line)", "existing", c.person.rawValue, Self.format(c.score), Self.format(c.reasons)]
                entries.append((d.row.row, fields))
            }
        }
        for d in duplicatesWithinFile {
            let fields = ["\(d.row.row)", "\(d.row.line)", "file", "\(d.ofRow)", Self.format(d.score), Self.format(d.reasons)]
            entries.append((d.row.row, fields))
        }
        // Stable: file order, candidates best first within a row.
        lines += entries.enumerated().sorted { ($0.element.row, $0.offset) < ($1.element.row, $1.offset) }.map(\.element.1)
        return CSVCodec.encode(lines, byteOrderMark: byteOrderMark)
    }

    static func format(_ score: Double) -> String {
        let hundredths = Int((score * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    static func format(_ reasons: [DuplicateReason]) -> String { reasons.map(\.rawValue).joined(separator: ";") }
}
