import ArgumentParser
import Foundation
import VigilCommunity
import VigilStore

/// `vigil import persons`: a CSV file of persons into a node's store, with the API's rules
/// (`PersonTransfer`, shared with `POST /api/v1/persons/import`).
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import data into a node's store.",
        subcommands: [Persons.self]
    )

    struct Persons: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import persons from a CSV file (columns in docs/community.md), showing progress; nothing is half-imported.",
            discussion: """
                --mode preview (the default) writes nothing and prints what would happen: new rows, duplicates of \
                existing persons, duplicates within the file, and every error naming the row, the line and the field. \
                --mode all imports only a file without errors (exit 1 otherwise); --mode valid imports the valid rows. \
                Duplicate rows are imported only when listed in --confirm. Exit 1 when nothing could be imported.
                """
        )
        @Option(help: "The node's configuration file.") var config: String
        @Argument(help: "The CSV file (UTF-8), or - for standard input.") var file: String
        @Option(help: "preview, all or valid.") var mode: String = PersonTransfer.Mode.preview.rawValue
        @Option(help: "Duplicate rows confirmed to be different persons, like 3,7.") var confirm: String?
        @Option(name: .customLong("duplicates-report"), help: "Write the duplicates report (CSV: row,line,kind,candidate,score,reasons) here.")
        var duplicatesReport: String?
        @Option(help: "Refuse rows outside this jurisdiction path; duplicates are looked for near it. Default: the deepest node holding every row.")
        var scope: String?
        @Option(help: "Why the data is imported, for the audit log.") var purpose: String = "prevention-and-control"

        static let maxBytes = 1 << 30

        func validate() throws {
            guard PersonTransfer.Mode(rawValue: mode) != nil else { throw ValidationError("--mode must be preview, all or valid") }
            _ = try confirmedRows()
            _ = try scopePath()
        }

        func confirmedRows() throws -> Set<Int> {
            var rows: Set<Int> = []
            for item in (confirm ?? "").split(separator: ",") {
                guard let row = Int(item.trimmingCharacters(in: .whitespaces)), row > 0 else {
                    throw ValidationError("--confirm lists data row numbers, like 3,7")
                }
                rows.insert(row)
            }
            return rows
        }

        func scopePath() throws -> JurisdictionPath? {
            guard let scope else { return nil }
            do { return try JurisdictionPath(scope) } catch let error as CommunityError { throw ValidationError("--scope: \(error.message)") }
        }

        /// What the store step ended with.
        enum Outcome: Sendable {
            case imported([Person])
            case previewed
            case outsideScope([Int])
            case refused
        }

        func run() async throws {
            let mode = PersonTransfer.Mode(rawValue: mode)!
            let confirmed = try confirmedRows()
            let scope = try scopePath()
            let bytes = try IO.read(file, limit: Self.maxBytes)
            guard let text = String(bytes: bytes, encoding: .utf8) else { throw IO.failure("\(file) is not UTF-8 text") }
            let display = ProgressDisplay()
            let (file, purpose) = (self.file, self.purpose)
            let (plan, outcome): (ImportPlan, Outcome)
            do {
                (plan, outcome) = try await UserCommand.withStore(config) { store in
                    let plan = try await PersonTransfer.plan(csv: text, near: scope, in: store) { phase, processed, total in
                        display.update(phase.rawValue, processed, total)
                    }
                    if let scope {
                        let outside = PersonTransfer.rows(of: plan, outside: scope)
                        if !outside.isEmpty { return (plan, .outsideScope(outside.map(\.row))) }
                    }
                    if mode == .all && !plan.isImportable { return (plan, .refused) }
                    let persons = try await PersonTransfer.commit(
                        plan, mode: mode, confirming: confirmed, in: store,
                        audit: { action, resource in try await Operator.audit(store, action, resource, purpose: purpose) },
                        progress: { phase, processed, total in display.update(phase.rawValue, processed, total) })
                    return (plan, mode == .preview ? .previewed : .imported(persons))
                }
            } catch let error as CommunityError {
                display.finish()
                throw IO.failure("\(file): \(error.message)\(error.field.map { " (field \($0))" } ?? "")")
            } catch let error as StoreError {
                display.finish()
                throw IO.failure("\(file): nothing imported: \(error.message)")
            }
            display.finish()
            print(Self.summary(plan), terminator: "")
            if let path = duplicatesReport {
                try IO.writePrivate(plan.duplicatesReport(), to: path, overwrite: true)
                print("duplicates report: \(path)")
            }
            switch outcome {
            case .previewed:
                print("preview: nothing written (import with --mode all or --mode valid)")
            case .imported(let persons):
                print("imported: \(persons.count)")
            case .outsideScope(let rows):
                throw IO.failure(
                    "rows outside \(scope!): \(rows.prefix(20).map(String.init).joined(separator: ", "))\(rows.count > 20 ? ", ..." : ""); nothing imported")
            case .refused:
                let rows = Set(plan.errors.map(\.row)).count
                IO.printError("vigil: \(rows) of \(plan.total) rows have errors; nothing imported (fix them, or import the valid rows with --mode valid)")
                for error in plan.errors.prefix(100) { IO.printError("  \(error)") }
                throw ExitCode(1)
            }
        }

        /// The plan as text: counts, each duplicate with its best candidate, each error.
        static func summary(_ plan: ImportPlan) -> String {
            var lines = ["rows: \(plan.total)", "new: \(plan.new.count)", "duplicates of existing: \(plan.duplicatesOfExisting.count)"]
            for d in plan.duplicatesOfExisting {
                let best = d.candidates[0]
                lines.append(
                    "  row \(d.row.row) (line \(d.row.line)): person \(best.person) (score \(score(best.score)): \(best.reasons.map(\.rawValue).joined(separator: ", ")))"
                        + (d.candidates.count > 1 ? " and \(d.candidates.count - 1) more" : ""))
            }
            lines.append("duplicates within file: \(plan.duplicatesWithinFile.count)")
            for d in plan.duplicatesWithinFile {
                lines.append(
                    "  row \(d.row.row) (line \(d.row.line)): row \(d.ofRow) (score \(score(d.score)): \(d.reasons.map(\.rawValue).joined(separator: ", ")))")
            }
            lines.append("errors: \(plan.errors.count)")
            for error in plan.errors { lines.append("  row \(error.row), line \(error.line), field \(error.field): \(error.message)") }
            return lines.joined(separator: "\n") + "\n"
        }

        static func score(_ value: Double) -> String { String(format: "%.2f", value) }
    }
}

/// `vigil export persons`: the persons of a jurisdiction as CSV.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export data from a node's store.",
        subcommands: [Persons.self]
    )

    struct Persons: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export the persons under a jurisdiction as CSV (the columns import reads); audited.")
        @Option(help: "The node's configuration file.") var config: String
        @Option(help: "The jurisdiction path, like sz/ft/c1.") var scope: String
        @Flag(help: "Start with a UTF-8 byte order mark (spreadsheets need it for Chinese text).") var bom = false
        @Option(help: "Write to this file (mode 0600) instead of standard output.") var out: String?
        @Flag(help: "Replace --out if it exists.") var force = false
        @Option(help: "Why the data is exported, for the audit log.") var purpose: String = "prevention-and-control"

        func run() async throws {
            let path: JurisdictionPath
            do { path = try JurisdictionPath(scope) } catch let error as CommunityError { throw ValidationError("--scope: \(error.message)") }
            if let out, !force, FileManager.default.fileExists(atPath: out) {
                throw IO.failure("cannot write \(out): it exists (use --force to replace it)")
            }
            let (bom, purpose) = (self.bom, self.purpose)
            let (csv, count) = try await UserCommand.withStore(config) { store in
                try await PersonTransfer.export(scope: path, byteOrderMark: bom, in: store) { action, resource in
                    try await Operator.audit(store, action, resource, purpose: purpose)
                }
            }
            if let out {
                try IO.writePrivate(csv, to: out, overwrite: true)
                IO.printError("exported \(count) persons under \(path) to \(out)")
            } else {
                FileHandle.standardOutput.write(Data(csv.utf8))
                IO.printError("exported \(count) persons under \(path)")
            }
        }
    }
}
