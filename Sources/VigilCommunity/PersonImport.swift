/// Plans the import of a CSV file of persons (columns in ``PersonCSV``) against the existing
/// persons, checking every row and looking for duplicates, without writing anything.
public enum PersonImport {
    /// Reads `csv`, checks every row and finds duplicates of existing persons and of earlier rows.
    ///
    /// Column names are matched ignoring case and surrounding spaces. Each row is checked field by
    /// field (all errors of a row are reported), then across fields (birth date against national
    /// id). Valid rows are matched against `existing` first, then against earlier valid rows;
    /// a row lands in exactly one of ``ImportPlan/new``, ``ImportPlan/duplicatesOfExisting``,
    /// ``ImportPlan/duplicatesWithinFile``, or has errors. O(rows × block size).
    ///
    /// - Parameters:
    ///   - existing: the persons already stored, with the not-duplicate marks.
    ///   - progress: called with `(processed, total)` rows, at most 100 times, the last time with
    ///     `processed == total`.
    /// - Throws: ``CommunityError/Code/invalidField`` for a file that cannot be read at all:
    ///   a CSV syntax error (field `csv`, message naming the line), no header (field `csv`),
    ///   unknown or repeated columns (field: the first such column; the message names all),
    ///   a missing required column (field: that column).
    public static func plan(
        csv: String, against existing: DuplicateFinder, progress: (_ processed: Int, _ total: Int) -> Void = { _, _ in }
    ) throws -> ImportPlan {
        match(try read(csv: csv), against: existing, progress: progress)
    }

    /// A file's rows, checked but not yet matched: the first step of ``plan(csv:against:progress:)``,
    /// for a caller that needs the valid rows (their households) to know whom to match against.
    public struct CheckedRows: Sendable, Hashable {
        /// The number of data rows in the file.
        public var total: Int
        /// The rows without errors, in file order.
        public var valid: [ImportPlan.Row]
        /// Every problem found, by row then column order.
        public var errors: [RowError]
    }

    /// Reads `csv` and checks every row field by field, then across fields.
    /// - Parameter progress: as in ``plan(csv:against:progress:)``, over the rows checked.
    /// - Throws: as ``plan(csv:against:progress:)``.
    public static func read(csv: String, progress: (_ processed: Int, _ total: Int) -> Void = { _, _ in }) throws -> CheckedRows {
        let records = try CSVCodec.decode(csv)
        guard let header = records.first else {
            throw CommunityError(.invalidField, "the file is empty: the first line names the columns", field: "csv")
        }
        let columns = try mapHeader(header.fields)
        let placeholder = try JurisdictionPath("_")
        var checked = CheckedRows(total: records.count - 1, valid: [], errors: [])
        var meter = ProgressMeter(total: checked.total)
        for (k, record) in records.dropFirst().enumerated() {
            let rowNumber = k + 1
            defer { meter.advance(to: rowNumber, progress) }
            guard record.fields.count == columns.count else {
                checked.errors.append(
                    RowError(
                        row: rowNumber, line: record.line, field: "row",
                        message: "the row has \(record.fields.count) fields, the header \(columns.count)"))
                continue
            }
            var draft = PersonDraft(name: "", household: placeholder)
            var rowErrors: [RowError] = []
            for (column, text) in zip(columns, record.fields) {
                do { try PersonCSV.read(text, column: column, into: &draft) } catch let error as CommunityError {
                    rowErrors.append(RowError(row: rowNumber, line: record.line, field: error.field ?? column, message: error.message))
                }
            }
            if rowErrors.isEmpty {
                do {
                    draft.birthDate = try PersonRules.birthDate(draft.birthDate, nationalID: draft.nationalID)
                } catch let error as CommunityError {
                    rowErrors.append(RowError(row: rowNumber, line: record.line, field: error.field ?? "birthDate", message: error.message))
                }
            }
            guard rowErrors.isEmpty else {
                checked.errors += rowErrors
                continue
            }
            checked.valid.append(ImportPlan.Row(row: rowNumber, line: record.line, draft: draft))
        }
        meter.finish(progress)
        return checked
    }

    /// Matches each valid row against `existing` first, then against the earlier valid rows;
    /// each lands in exactly one of ``ImportPlan/new``, ``ImportPlan/duplicatesOfExisting`` or
    /// ``ImportPlan/duplicatesWithinFile``.
    /// - Parameter progress: as in ``plan(csv:against:progress:)``, over the file's rows.
    public static func match(
        _ checked: CheckedRows, against existing: DuplicateFinder, progress: (_ processed: Int, _ total: Int) -> Void = { _, _ in }
    ) -> ImportPlan {
        var plan = ImportPlan(total: checked.total, new: [], duplicatesOfExisting: [], duplicatesWithinFile: [], errors: checked.errors)
        var withinFile = MatchIndex<Int>()
        var meter = ProgressMeter(total: checked.total)
        for row in checked.valid {
            defer { meter.advance(to: row.row, progress) }
            let profile = MatchProfile(row.draft)
            let ofExisting = existing.candidates(profile)
            let ofFile = withinFile.matches(for: profile)
            withinFile.insert(profile, for: row.row)
            if !ofExisting.isEmpty {
                plan.duplicatesOfExisting.append(.init(row: row, candidates: ofExisting))
            } else if let best = ofFile.first {
                plan.duplicatesWithinFile.append(.init(row: row, ofRow: best.key, score: best.score, reasons: best.reasons))
            } else {
                plan.new.append(row)
            }
        }
        meter.finish(progress)
        return plan
    }

    /// Reports `(processed, total)` at most 100 times, increasing, the last time with the total.
    struct ProgressMeter {
        let total: Int
        let stride: Int
        var reported = 0

        init(total: Int) {
            self.total = total
            self.stride = max(1, (total + 99) / 100)
        }

        /// Reports `processed` when it enters a new hundredth, or is the total.
        mutating func advance(to processed: Int, _ report: (Int, Int) -> Void) {
            guard processed > reported, processed / stride > reported / stride || processed == total else { return }
            report(processed, total)
            reported = processed
        }

        /// Reports the total unless it was.
        mutating func finish(_ report: (Int, Int) -> Void) { if total > 0 { advance(to: total, report) } }
    }

    /// The column of each header field, checked against ``PersonCSV/columns``.
    static func mapHeader(_ fields: [String]) throws -> [String] {
        let known = Dictionary(uniqueKeysWithValues: PersonCSV.columns.map { ($0.lowercased(), $0) })
        var columns: [String] = []
        var unknown: [String] = []
        var repeated: [String] = []
        for field in fields {
            let name = String(field.trimmingWhiteSpace())
            guard let column = known[name.lowercased()] else {
                unknown.append(name)
                continue
            }
            if columns.contains(column) { repeated.append(column) }
            columns.append(column)
        }
        if let first = unknown.first {
            throw CommunityError(
                .invalidField,
                "unknown columns: \(unknown.map { "\"\($0.prefix(40))\"" }.joined(separator: ", "))"
                    + " (known: \(PersonCSV.columns.joined(separator: ", ")))",
                field: first)
        }
        if let first = repeated.first {
            throw CommunityError(.invalidField, "repeated columns: \(repeated.joined(separator: ", "))", field: first)
        }
        for column in PersonCSV.columns where PersonCSV.requiredColumns.contains(column) && !columns.contains(column) {
            throw CommunityError(.invalidField, "the required column \(column) is missing", field: column)
        }
        return columns
    }
}
