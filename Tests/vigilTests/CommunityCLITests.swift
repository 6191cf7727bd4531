import ArgumentParser
import Foundation
import Testing
import VigilCommunity
import VigilServer
import VigilStore

@testable import vigil

// `vigil import persons`, `vigil export persons` and `vigil retention run`: parsing, then the
// built binary against a node's SQLite store, checked by opening the same store in-process.

@Suite struct CommunityCLIParsingTests {
    @Test func importExportAndRetentionParse() throws {
        let importing = try #require(
            try Vigil.parseAsRoot([
                "import", "persons", "--config", "n.json", "p.csv", "--mode", "valid", "--confirm", "3,7", "--duplicates-report", "d.csv",
                "--scope", "sz/ft",
            ]) as? ImportCommand.Persons)
        #expect(importing.file == "p.csv" && importing.mode == "valid" && importing.duplicatesReport == "d.csv" && importing.scope == "sz/ft")
        #expect(try importing.confirmedRows() == [3, 7])
        let preview = try #require(try Vigil.parseAsRoot(["import", "persons", "--config", "n.json", "-"]) as? ImportCommand.Persons)
        #expect(preview.mode == "preview" && preview.confirm == nil && preview.scope == nil)
        let export = try #require(
            try Vigil.parseAsRoot(["export", "persons", "--config", "n.json", "--scope", "sz", "--bom", "--out", "o.csv"]) as? ExportCommand.Persons)
        #expect(export.bom && export.out == "o.csv" && export.scope == "sz")
        let retention = try #require(
            try Vigil.parseAsRoot(["retention", "run", "--config", "n.json", "--now", "1800000000", "--dry-run"]) as? RetentionCommand.Run)
        #expect(retention.now == 1_800_000_000 && retention.dryRun && retention.visitDays == 28 && retention.closedFileDays == 90)
        for arguments in [
            ["import", "persons", "--config", "n.json", "p.csv", "--mode", "some"],
            ["import", "persons", "--config", "n.json", "p.csv", "--confirm", "3,x"],
            ["import", "persons", "--config", "n.json", "p.csv", "--scope", "sz//ft"],
            ["import", "persons", "p.csv"],
            ["export", "persons", "--config", "n.json"],
            ["retention", "run", "--config", "n.json", "--visit-days", "7"],
            ["retention", "run", "--config", "n.json", "--person-batch", "0"],
        ] {
            #expect(throws: (any Error).self, "\(arguments)") { try Vigil.parseAsRoot(arguments) }
        }
    }
}

/// A local network's configuration for one node, and that node's community store.
struct NodeFixture {
    let directory: URL
    let config: String
    let store: SQLiteCommunityStore

    static func make(in directory: URL) throws -> NodeFixture {
        let dir = directory.appendingPathComponent("net").path
        let run = try VigilBinary.run(["network", "init", "--dir", dir], in: directory)
        guard run.status == 0 else { throw CLIFailure("network init: \(run.stderr)") }
        let config = dir + "/community.riverside.json"
        guard case .sqlite(let path) = try NodeConfiguration.load(path: config).store else { throw CLIFailure("not a SQLite store") }
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
        return NodeFixture(directory: directory, config: config, store: try SQLiteCommunityStore(path: path))
    }

    func run(_ arguments: [String]) throws -> VigilBinary.Run { try VigilBinary.run(arguments, in: directory) }

    func persons(_ scope: String = "sz") async throws -> [Person] { try await store.allPersons(in: try JurisdictionPath(scope)) }

    func audit() async throws -> [AuditEvent] { try await store.auditEvents(after: 0, limit: 1_000) }
}

struct CLIFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func withTemporaryNodeDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url)
}

@Suite struct CommunityCLITests {
    static let csv = """
        name,household,phone,birthDate
        Zhang San,sz/ft/s1/c1/g1/b1/h1,13800000000,1990-01-02
        Li Si,sz/ft/s1/c1/g1/b1/h2,,
        Zhang San,sz/ft/s1/c1/g1/b1/h1,13800000000,1990-01-02
        Wang Wu,sz/ft/s1/c1,,1990-13-01

        """

    static func lines(_ text: String, prefix: String) -> [Substring] { text.split(separator: "\n").filter { $0.hasPrefix(prefix) } }

    @Test func importPersonsPreviewsRefusesImportsAndReports() async throws {
        try await withTemporaryNodeDirectory { directory in
            let node = try NodeFixture.make(in: directory)
            let file = directory.appendingPathComponent("persons.csv").path
            try Data(Self.csv.utf8).write(to: URL(fileURLWithPath: file))

            // Preview: the plan, every error naming row, line and field; nothing written but the audit event.
            let preview = try node.run(["import", "persons", "--config", node.config, file])
            #expect(preview.status == 0, "\(preview.stderr)")
            for fragment in [
                "rows: 4\n", "new: 2\n", "duplicates of existing: 0\n", "duplicates within file: 1\n",
                "  row 3 (line 4): row 1 (score 0.97: same-name-and-birth-date, same-phone)\n", "errors: 1\n",
                "  row 4, line 5, field birthDate: ", "preview: nothing written",
            ] {
                #expect(preview.stdout.contains(fragment), "stdout lacks \(fragment): \(preview.stdout)")
            }
            #expect(preview.stderr.contains("reading: 100% (4/4)\n") && preview.stderr.contains("matching: 100% (4/4)\n"), "\(preview.stderr)")
            #expect(!preview.stderr.contains("inserting"), "a preview inserts nothing")
            #expect(try await node.persons().isEmpty)

            // All or nothing: a row with an error refuses the file.
            let refused = try node.run(["import", "persons", "--config", node.config, file, "--mode", "all"])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("vigil: 1 of 4 rows have errors; nothing imported"), "\(refused.stderr)")
            #expect(refused.stderr.contains("row 4 (line 5), birthDate: "), "the error names row, line and field: \(refused.stderr)")
            #expect(try await node.persons().isEmpty, "nothing half-imported")

            // Rows outside --scope refuse the file too.
            let outside = try node.run(["import", "persons", "--config", node.config, file, "--mode", "valid", "--scope", "sz/ft/s1/c1/g1/b1/h1"])
            #expect(outside.status == 1 && outside.stderr.contains("vigil: rows outside sz/ft/s1/c1/g1/b1/h1: 2; nothing imported"), "\(outside.stderr)")
            #expect(try await node.persons().isEmpty)

            // The valid rows, with the duplicates report.
            let report = directory.appendingPathComponent("duplicates.csv").path
            let valid = try node.run(["import", "persons", "--config", node.config, file, "--mode", "valid", "--duplicates-report", report])
            #expect(valid.status == 0, "\(valid.stderr)")
            #expect(valid.stdout.hasSuffix("imported: 2\n"), "\(valid.stdout)")
            #expect(valid.stderr.contains("inserting: 100% (2/2)"), "\(valid.stderr)")
            #expect(Set(try await node.persons().map(\.name)) == ["Zhang San", "Li Si"])
            #expect(try String(contentsOfFile: report, encoding: .utf8) == "row,line,kind,candidate,score,reasons\r\n3,4,file,1,0.97,same-name-and-birth-date;same-phone\r\n")

            // Again: now duplicates of the stored persons; a confirmed one is imported.
            let zhang = try #require(try await node.persons().first { $0.name == "Zhang San" })
            let again = try node.run(["import", "persons", "--config", node.config, file, "--mode", "valid", "--confirm", "3"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.contains("duplicates of existing: 2\n  row 1 (line 2): person \(zhang.id) (score 0.97"), "\(again.stdout)")
            #expect(again.stdout.hasSuffix("imported: 2\n"), "Li Si again (a name alone is no duplicate) and the confirmed row 3")
            #expect(try await node.persons().count == 4)
            let notDuplicate = try node.run(["import", "persons", "--config", node.config, file, "--mode", "valid", "--confirm", "2"])
            #expect(notDuplicate.status == 1 && notDuplicate.stderr.contains("row 2 is not a duplicate row"), "\(notDuplicate.stderr)")
            #expect(try await node.persons().count == 4)

            // An unreadable file names the problem.
            try Data("name,household,shoe size\n".utf8).write(to: URL(fileURLWithPath: file))
            let unreadable = try node.run(["import", "persons", "--config", node.config, file])
            #expect(unreadable.status == 1 && unreadable.stderr.contains("unknown columns: \"shoe size\""), "\(unreadable.stderr)")

            // Progress stays short on a larger file: at most one line per percent and phase.
            let rows = (0..<2_500).map { "P\($0),sz/ft/s1/c2/g1/b1/h\($0 % 40)\n" }.joined()
            try Data(("name,household\n" + rows).utf8).write(to: URL(fileURLWithPath: file))
            let large = try node.run(["import", "persons", "--config", node.config, file, "--mode", "all"])
            #expect(large.status == 0 && large.stdout.hasSuffix("imported: 2500\n"), "\(large.stderr)")
            let reading = Self.lines(large.stderr, prefix: "reading: ")
            #expect(reading.count <= 100 && reading.count >= 50 && reading.last == "reading: 100% (2500/2500)", "\(reading.count) lines")
            #expect(Self.lines(large.stderr, prefix: "matching: ").count <= 100)

            let events = try await node.audit()
            #expect(
                events.map(\.action) == ["person.import-preview", "person.import", "person.import", "person.import"],
                "refused imports are not audited: \(events.map(\.action))")
            #expect(events.allSatisfy { $0.actor.hasPrefix("cli:") && $0.role == .admin && $0.purpose == "prevention-and-control" })
            #expect(events.last?.resource == "persons?rows=2500&imported=2500")
        }
    }

    @Test func exportPersonsWritesTheScopeAndAudits() async throws {
        try await withTemporaryNodeDirectory { directory in
            let node = try NodeFixture.make(in: directory)
            _ = try await node.store.insertPersons([
                PersonDraft(name: "张三", household: try JurisdictionPath("sz/ft/s1/c1/g1/b1/h1")),
                PersonDraft(name: "Li Si", household: try JurisdictionPath("sz/ft/s1/c2")),
            ])
            let out = directory.appendingPathComponent("c1.csv").path
            let written = try node.run(["export", "persons", "--config", node.config, "--scope", "sz/ft/s1/c1", "--bom", "--out", out, "--purpose", "audit check"])
            #expect(written.status == 0 && written.stdout.isEmpty, "\(written.stderr)")
            #expect(written.stderr.contains("exported 1 persons under sz/ft/s1/c1 to \(out)"))
            let bytes = try Data(contentsOf: URL(fileURLWithPath: out))
            #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
            let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
            #expect(text.hasPrefix("id,nationalID,name,sex,birthDate,phone,address,household,vulnerabilities,group\r\n") && text.contains("张三"))
            #expect(!text.contains("Li Si"))
            #expect((try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let exists = try node.run(["export", "persons", "--config", node.config, "--scope", "sz", "--out", out])
            #expect(exists.status == 1 && exists.stderr.contains("--force"))

            let stdout = try node.run(["export", "persons", "--config", node.config, "--scope", "sz"])
            #expect(stdout.status == 0 && stdout.stdout.contains("张三") && stdout.stdout.contains("Li Si"))
            // Export then import gives the same persons back (here: all duplicates by id).
            let back = directory.appendingPathComponent("back.csv").path
            try Data(stdout.stdout.utf8).write(to: URL(fileURLWithPath: back))
            let reimport = try node.run(["import", "persons", "--config", node.config, back])
            #expect(reimport.stdout.contains("new: 0\nduplicates of existing: 2\n"), "\(reimport.stdout)")

            let events = try await node.audit()
            #expect(events.map(\.action) == ["person.export", "person.export", "person.import-preview"])
            #expect(events[0].resource == "persons?scope=sz/ft/s1/c1&count=1" && events[0].purpose == "audit check")
        }
    }

    @Test func retentionRunAnonymisesClosedFilesOnceAndAudits() async throws {
        try await withTemporaryNodeDirectory { directory in
            let node = try NodeFixture.make(in: directory)
            let now: Int64 = 1_800_000_000
            let old = now - 200 * 86_400
            let household = try JurisdictionPath("sz/ft/s1/c1/g1/b1/h1")
            let persons = try await node.store.insertPersons([
                PersonDraft(name: "Closed", phone: "+8613800000000", address: "1 River Road", household: household, group: .confirmed),
                PersonDraft(name: "Open", household: household, group: .key),
                PersonDraft(name: "Resident", household: household),
            ])
            let encoder = JSONEncoder()
            var closedCase = try Case(id: CaseID("case-1"), person: persons[0].id.rawValue, reportedBy: "staff-1", at: old)
            try closedCase.transition(to: .confirmed, by: "lab-1", at: old + 86_400, reason: "PCR")
            let openCase = try Case(id: CaseID("case-2"), person: persons[1].id.rawValue, reportedBy: "staff-1", at: old)
            for (id, person, value) in [("case-1", persons[0], closedCase), ("case-2", persons[1], openCase)] {
                _ = try await node.store.insertRecord(
                    RecordDraft(kind: .case, id: id, jurisdiction: household, person: person.id.rawValue, body: Array(try encoder.encode(value)), time: old))
            }
            let place = try PlaceID("market.riverside")
            _ = try await node.store.insertVisits([
                try Visit(person: persons[0].id.rawValue, place: place, timeIn: old, timeOut: old + 600),
                try Visit(person: persons[2].id.rawValue, place: place, timeIn: now - 3_600, timeOut: now - 60),
            ])
            let arguments = ["retention", "run", "--config", node.config, "--now", "\(now)", "--person-batch", "2"]

            let dry = try node.run(arguments + ["--dry-run"])
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(dry.stdout.contains("(dry run: nothing is written)"), "\(dry.stdout)")
            #expect(dry.stdout.contains(": 2 read, 1 would be anonymised\nfiles closed"), "\(dry.stdout)")
            #expect(dry.stdout.contains("3 read, 1 would be anonymised\n"), "\(dry.stdout)")
            #expect(dry.stdout.contains("kept: open-case 1, registry-only 1\n"), "\(dry.stdout)")
            #expect(try await node.store.person(persons[0].id) == persons[0], "a dry run writes nothing")
            #expect(try await node.audit().isEmpty)

            let run = try node.run(arguments)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains(": 2 read, 1 anonymised\nfiles closed"), "\(run.stdout)")
            #expect(run.stdout.contains("3 read, 1 anonymised\n") && run.stdout.contains("records rewritten: 1\n"), "\(run.stdout)")
            #expect(run.stdout.contains("audit events: 1 retention.start, 2 retention.run\n"), "\(run.stdout)")
            #expect(run.stderr.contains("visits: 2 read, 1 anonymised") && run.stderr.contains("persons: 2 read"), "progress: \(run.stderr)")
            let closed = try #require(try await node.store.person(persons[0].id))
            #expect(closed.name == RetentionPolicy.anonymousName && closed.phone == nil && closed.address == nil)
            #expect(closed.household.description == "sz/ft/s1/c1" && closed.group == .confirmed)
            #expect(try await node.store.person(persons[1].id) == persons[1], "an open case is not anonymised")
            #expect(try await node.store.person(persons[2].id) == persons[2], "a registry file is not anonymised")
            let unlinked = try await node.store.visits(of: RetentionPolicy.anonymousVisitor, overlapping: 0...now, openDuration: 3_600)
            #expect(unlinked.map(\.timeIn) == [old], "the old visit lost its person")
            #expect(try await node.store.visits(of: persons[2].id.rawValue, overlapping: 0...now, openDuration: 3_600).count == 1)
            let events = try await node.audit()
            #expect(events.map(\.action) == ["retention.start", "retention.run"])
            #expect(events.allSatisfy { $0.actor.hasPrefix("cli:") && $0.purpose == "retention" })
            #expect(events[1].resource.hasPrefix("retention?visits=1&persons=1&merged=0&records=1&"), "\(events[1].resource)")

            let again = try node.run(arguments)
            #expect(again.status == 0 && again.stdout.contains(": 2 read, 0 anonymised\nfiles closed") && again.stdout.contains("3 read, 0 anonymised\n"))
            #expect(try await node.store.person(persons[0].id) == closed, "a second run changes nothing")
            #expect(try await node.audit().count == 4, "but is audited")

            let invalid = try node.run(["retention", "run", "--config", node.config, "--visit-days", "7"])
            #expect(invalid.status == 64 && invalid.stderr.contains("contact tracing looks back 14"), "\(invalid.stderr)")
        }
    }
}
