import Foundation
import Testing
import VigilLedger
import VigilTestSupport

/// `vigil chain replay FILE` on histories built with the chain fixture.
@Suite struct ChainCLITests {
    static func history() throws -> ChainFixture {
        var chain = try ChainFixture(origin: "vigil.example/cli", members: [("A", .member), ("B", .member), ("R", .supervisor)], leader: "A")
        let report = try chain.propose(.suspectedCase, by: "B", data: ChainFixture.suspectedCase(nationalID: "cli-1"))
        try chain.vote(report, by: "A")
        try chain.vote(report, by: "R")
        let falseReport = try chain.propose(.suspectedCase, by: "A", data: ChainFixture.suspectedCase(nationalID: "cli-2"))
        try chain.veto(falseReport, by: "R", reason: "no such resident")
        try chain.order(by: "R", to: ["all"], text: "daily zero reports until further notice")
        return chain
    }

    static func file(_ entries: [Entry], in directory: URL) throws -> String {
        let url = directory.appendingPathComponent("chain-\(UUID().uuidString).jsonl")
        try Data(entries.map { String(decoding: $0.bytes, as: UTF8.self) + "\n" }.joined().utf8).write(to: url)
        return url.path
    }

    @Test func replayPrintsTheStateOfAValidChain() throws {
        let chain = try Self.history()
        let directory = FileManager.default.temporaryDirectory
        let path = try Self.file(chain.entries, in: directory)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try VigilBinary.run(["chain", "replay", path], in: directory)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("chain vigil.example/cli: 7 entries, stage prevention, leader A"))
        #expect(run.stdout.contains("digest \(chain.state.digest.hex)"))
        #expect(run.stdout.contains("proposals: 0 pending, 1 accepted, 0 rejected, 1 vetoed, 0 expired"))
        #expect(run.stdout.contains("B (member) credits \(chain.state.genesis.credits.reportAccepted)"))
        #expect(run.stdout.contains("vetoed by R (no such resident)"))
        #expect(run.stdout.contains("to A, B: daily zero reports"))
    }

    @Test func replayNamesTheFirstInvalidEntryAndWhy() throws {
        var chain = try Self.history()
        // B votes on the vetoed report: well-formed, signed, but not allowed.
        let vetoed = chain.state.proposals(withStatus: "vetoed")[0].id
        let late = try chain.sign(.vote, by: "B", body: ["proposal": .string(vetoed.hex), "approve": true])
        let directory = FileManager.default.temporaryDirectory
        let path = try Self.file(chain.entries + [late], in: directory)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try VigilBinary.run(["chain", "replay", path], in: directory)
        #expect(run.status == 1)
        #expect(run.stderr.contains("entry 7 (line 8) is invalid: vote on proposal"))
        #expect(run.stderr.contains("that is vetoed"))
        // The state up to the invalid entry is still shown.
        #expect(run.stdout.contains("7 entries"))

        let garbled = try Self.file(Array(chain.entries.prefix(2)), in: directory) + ".bad"
        try Data("{\"v\":1}\n".utf8).write(to: URL(fileURLWithPath: garbled))
        defer { try? FileManager.default.removeItem(atPath: garbled) }
        let bad = try VigilBinary.run(["chain", "replay", garbled], in: directory)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("line 1 is not an entry"))
    }
}
