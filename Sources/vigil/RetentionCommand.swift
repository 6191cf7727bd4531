import ArgumentParser
import Foundation
import VigilCommunity
import VigilStore

/// `vigil retention run`: the retention job on a node's store (`CommunityStore.runRetention`).
struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Anonymise personal data past its retention period (docs/community.md, \"Retention\").",
        subcommands: [Run.self]
    )

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Unlink old visits from persons and anonymise closed key-group files, in batches; audited.",
            discussion: """
                Visits lose their person --visit-days after they ended. A person with key-group records (cases, close \
                contacts, quarantines, follow-up, check-ins, referrals, transmissions) is anonymised when no case is open, \
                no referral is under way, quarantine and follow-up ended --follow-up-days ago, and nothing happened for \
                --closed-file-days: name, national id, phone, address and birth date are removed, the household becomes \
                the community, and the records lose their free text. Running it again changes nothing that is done. \
                --dry-run counts without writing.
                """
        )
        @Option(help: "The node's configuration file.") var config: String
        @Option(help: "The time the periods count back from, in Unix seconds (default: now).") var now: Int64?
        @Flag(help: "Count what would be anonymised; write nothing.") var dryRun = false
        @Option(help: "Days a visit keeps its person after it ended (at least 14).") var visitDays = 28
        @Option(help: "Days after quarantine and follow-up end (and after the last check-in) that a file stays identifiable.")
        var followUpDays = 28
        @Option(help: "Days without any event before a closed file is anonymised.") var closedFileDays = 90
        @Option(help: "Seconds east of UTC of the local calendar (quarantine and follow-up days).") var utcOffset: Int64 = 28_800
        @Option(help: "Visits per batch (one transaction each).") var visitBatch = 5_000
        @Option(help: "Persons per batch (one transaction each).") var personBatch = 500

        func policy() throws -> RetentionPolicy {
            do {
                return try RetentionPolicy(
                    visitDays: visitDays, followUpDays: followUpDays, closedFileDays: closedFileDays, timeZoneOffsetSeconds: utcOffset)
            } catch let error as CommunityError {
                throw ValidationError("--\(Self.option(error.field ?? "")): \(error.message)")
            }
        }

        static func option(_ field: String) -> String {
            switch field {
            case "visitDays": "visit-days"
            case "followUpDays": "follow-up-days"
            case "closedFileDays": "closed-file-days"
            default: "utc-offset"
            }
        }

        func validate() throws {
            _ = try policy()
            guard (1...10_000).contains(visitBatch), (1...10_000).contains(personBatch) else {
                throw ValidationError("--visit-batch and --person-batch are 1 to 10000")
            }
        }

        func run() async throws {
            let policy = try policy()
            let started = Operator.now
            let now = self.now ?? started
            let (dryRun, visitBatch, personBatch) = (self.dryRun, self.visitBatch, self.personBatch)
            let display = ProgressDisplay()
            print("retention at \(Self.time(now))\(dryRun ? " (dry run: nothing is written)" : "")")
            let report = try await UserCommand.withStore(config) { store in
                try await store.runRetention(
                    policy, now: now, actor: Operator.actor, role: Operator.role, auditTime: started, dryRun: dryRun, visitBatch: visitBatch,
                    personBatch: personBatch
                ) { progress in
                    switch progress {
                    case .visits(let scanned, let anonymised): display.status("visits", "\(scanned) read, \(anonymised) anonymised")
                    case .persons(let scanned, let anonymised): display.status("persons", "\(scanned) read, \(anonymised) anonymised")
                    }
                }
            }
            display.finish()
            print(Self.summary(report), terminator: "")
        }

        static func time(_ seconds: Int64) -> String {
            let formatter = ISO8601DateFormatter()
            return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds))) + " (\(seconds))"
        }

        static func summary(_ report: RetentionReport) -> String {
            let would = report.dryRun ? "would be " : ""
            var lines = [
                "visits ended before \(time(report.visitCutoff)): \(report.visitsScanned) read, \(report.visitsAnonymised) \(would)anonymised",
                "files closed (no event since \(time(report.closedFileCutoff)), follow-up over before \(report.followUpCutoffDay)): "
                    + "\(report.personsScanned) read, \(report.personsAnonymised) \(would)anonymised",
                "merged copies \(would)anonymised: \(report.mergedFilesAnonymised)",
                "records \(would)rewritten: \(report.recordsAnonymised)",
                "kept: " + (report.held.isEmpty ? "none" : report.held.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")),
            ]
            if !report.audit.isEmpty {
                lines.append("audit events: " + report.audit.map { "\($0.sequence) \($0.action)" }.joined(separator: ", "))
            }
            return lines.joined(separator: "\n") + "\n"
        }
    }
}
