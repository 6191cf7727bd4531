import Foundation
import Synchronization
import Testing
import VigilLedger
import VigilServer
import VigilTestSupport

@testable import vigil

private let community = Network.community

/// A flag one task raises and another reads.
final class StopFlag: Sendable {
    private let raised = Atomic(false)
    func raise() { raised.store(true, ordering: .relaxed) }
    var isRaised: Bool { raised.load(ordering: .relaxed) }
}

/// The node network as separate `vigil serve` processes on loopback: the demo's episode, a
/// leader and a witness killed with SIGKILL under load, and one byte changed in a node's
/// database.
@Suite(.serialized) struct NetworkProcessTests {

    /// A network written to a fresh directory on free ports, with the community chain's nodes
    /// (the district chain's nodes are not started: the community chain does not need them).
    struct Harness {
        let directory: URL
        let network: LocalNetwork
        let keys: [String: SignerKey]

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-net-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let base = try #require(Demo.freePortRange(from: Int.random(in: 20000...40000), count: Network.names.count))
            _ = try Network.write(to: directory.path, host: "127.0.0.1", basePort: base, overwrite: false)
            network = try LocalNetwork(
                directory: directory.path, executable: try VigilBinary.location.get(), names: Network.communityMembers.map(\.0),
                serveArguments: ["--log-level", "notice"])
            var keys: [String: SignerKey] = [:]
            for name in network.names {
                keys[name] = try SignerKey(String(contentsOf: directory.appendingPathComponent("keys/\(name).key"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
            }
            self.keys = keys
        }

        /// A suspected-case report by `author`, unique by `serial`.
        func report(by author: String, serial: Int) throws -> Entry {
            try Entry.sign(
                chain: community.origin, kind: .proposal, author: keys[author]!, time: Int64(Date().timeIntervalSince1970),
                body: .object([
                    "subject": .string(Subject.suspectedCase.rawValue),
                    "data": ChainFixture.suspectedCase(nationalID: "\(author)-\(serial)"),
                ]))
        }

        /// Submits `entry` to its author's node, retrying while the node refuses for a moment
        /// (it may be changing views).
        func submit(_ entry: Entry) async throws {
            let client = network.client(entry.author)
            var lastError: (any Error)?
            for _ in 0..<50 {
                do {
                    try await client.submit(entry, slug: community.slug)
                    return
                } catch {
                    lastError = error
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
            throw lastError!
        }

        func status(_ name: String) async throws -> ChainStatus {
            try #require(try await network.client(name).status().chains.first { $0.slug == community.slug })
        }

        /// Waits until every node in `names` has committed at least `size` entries.
        func waitCommitted(_ names: [String], size: UInt64, timeout: Duration = .seconds(120)) async throws {
            let deadline = ContinuousClock.now + timeout
            var behind = names
            while ContinuousClock.now < deadline {
                var still: [String] = []
                for name in behind where (try? await status(name).committedSize).map({ $0 < size }) ?? true { still.append(name) }
                behind = still
                if behind.isEmpty { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            let logs = behind.map { network.logTail($0) }.joined(separator: "\n")
            Issue.record("not at \(size) committed entries after \(timeout): \(behind)\n\(logs)")
            throw LocalNetworkError("timeout")
        }

        /// Submits reports from `authors` in turn until `stop` is set; returns them.
        func load(authors: [String], stop: StopFlag, every interval: Duration = .milliseconds(50)) async throws -> [Entry] {
            var submitted: [Entry] = []
            var serial = 0
            while !stop.isRaised {
                let entry = try report(by: authors[serial % authors.count], serial: 100_000 + serial)
                try await submit(entry)
                submitted.append(entry)
                serial += 1
                try await Task.sleep(for: interval)
            }
            return submitted
        }

        func cleanUp() async {
            await network.stopAll()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// `vigil demo` plays the whole episode; then one byte changed in a node's database is
    /// reported by `vigil verify chain`, with the entry it falls in.
    @Test func theDemoPlaysTheEpisodeAndAChangedByteInANodeDatabaseIsFound() throws {
        try withTemporaryDirectory { directory in
            let demo = try VigilBinary.run(["demo", "--scripted", "--dir", directory.appendingPathComponent("net").path], in: directory)
            #expect(demo.status == 0, "stderr: \(demo.stderr)\nstdout: \(demo.stdout)")
            for step in [
                "report", "is entry 1, committed", "clinic.river endorses it", "hospital.east endorses it",
                "accepted on vigil.local/district-1/riverside: approved by clinic.river, hospital.east",
                "relay entry 1 on the district chain, by cdc.district", "accepted on vigil.local/district-1\n",
                "valid: chain vigil.local/district-1/riverside: 4 entries", "valid: chain vigil.local/district-1: 4 entries",
                "entries: 1 config, 2 vote, 1 relay",
            ] {
                #expect(demo.stdout.contains(step), "the demo's output lacks \"\(step)\":\n\(demo.stdout)")
            }
            let database = directory.appendingPathComponent("net/data/clinic.hill.sqlite")
            let valid = try VigilBinary.run(["verify", "chain", "--dir", database.path], in: directory)
            #expect(valid.status == 0, "stderr: \(valid.stderr)")
            #expect(valid.stdout.contains("valid: chain vigil.local/district-1/riverside: 4 entries"))

            // One byte of the report's syndrome in the stored entry (the nodes have stopped).
            try VerifyChainTests.corrupt(database, at: "\"syndrome\":\"ili\"", offset: 12)
            let broken = try VigilBinary.run(["verify", "chain", "--dir", database.path], in: directory)
            #expect(broken.status == 1, "stdout: \(broken.stdout)")
            #expect(broken.stderr.hasPrefix("vigil: "), "stderr: \(broken.stderr)")
            #expect(broken.stderr.contains("entry 1"), "stderr: \(broken.stderr)")
        }
    }

    /// SIGKILL of the leader under load: a new leader continues, no committed entry is lost,
    /// and the killed node restarts and catches up to the same history.
    @Test func aKilledLeaderIsReplacedAndCatchesUpAfterRestart() async throws {
        let harness = try Harness()
        let network = harness.network
        do {
            try network.startAll()
            try await network.waitReady()
            let leader = try await harness.status("clinic.hill").leader
            #expect(leader == "community.riverside")

            let stop = StopFlag()
            let authors = ["clinic.hill", "clinic.river", "hospital.east"]
            let loader = Task { try await harness.load(authors: authors, stop: stop) }
            try await harness.waitCommitted(["clinic.hill"], size: 15, timeout: .seconds(60))
            let before = try await harness.status("clinic.hill").committedSize
            var committedBefore: [(EntryHash, UInt64)] = []
            let client = network.client("clinic.hill")
            // Entries committed before the kill, with their positions.
            let summary = try await client.state(slug: community.slug)
            for proposal in summary.proposals { committedBefore.append((try Hash(hex: proposal.id), UInt64(proposal.index))) }
            #expect(UInt64(committedBefore.count) >= before / 2)

            #expect(await network.stop(leader, signal: SIGKILL) == SIGKILL)
            // Keep the load on for a while after the kill, then stop it and let everything commit.
            try await Task.sleep(for: .seconds(3))
            stop.raise()
            let submitted = try await loader.value
            let survivors = network.names.filter { $0 != leader }
            let committedAll = UInt64(submitted.count + 1)
            try await harness.waitCommitted(survivors, size: committedAll)
            let after = try await harness.status("clinic.hill")
            #expect(after.leader != leader && after.view >= 1, "leader \(after.leader), view \(after.view)")
            for entry in submitted {
                let answer = try await client.entry(entry.hash, slug: community.slug)
                #expect(answer?.status == "committed", "entry by \(entry.author) is \(answer?.status ?? "unknown")")
            }
            for (hash, index) in committedBefore {
                #expect(try await client.entry(hash, slug: community.slug)?.index == index, "a committed entry moved or was lost")
            }

            // The killed leader restarts from its store and catches up.
            try network.start(leader)
            try await network.waitReady([leader])
            try await harness.waitCommitted([leader], size: committedAll)
            let restarted = network.client(leader)
            for (hash, index) in committedBefore {
                #expect(try await restarted.entry(hash, slug: community.slug)?.index == index)
            }
            let a = try await restarted.checkpoint(slug: community.slug)
            let b = try await client.checkpoint(slug: community.slug)
            #expect(a.map(Self.sizeAndRoot) == b.map(Self.sizeAndRoot), "the restarted node's checkpoint differs")
        } catch {
            await harness.cleanUp()
            throw error
        }
        await harness.cleanUp()
    }

    /// SIGKILL of a witness while it writes: it restarts without losing anything it had
    /// acknowledged, and catches up.
    @Test func aWitnessKilledMidWriteKeepsWhatItAcknowledged() async throws {
        let harness = try Harness()
        let network = harness.network
        do {
            try network.startAll()
            try await network.waitReady()
            let witness = "clinic.river"
            let stop = StopFlag()
            let loader = Task { try await harness.load(authors: ["clinic.hill", "hospital.east"], stop: stop, every: .milliseconds(20)) }
            try await harness.waitCommitted([witness], size: 10, timeout: .seconds(60))
            // What the witness acknowledged as committed just before it dies, under load.
            let acknowledged = try await harness.status(witness).committedSize
            #expect(await network.stop(witness, signal: SIGKILL) == SIGKILL)
            try await Task.sleep(for: .seconds(1))
            try network.start(witness)
            try await network.waitReady([witness])
            let restarted = try await harness.status(witness).committedSize
            #expect(restarted >= acknowledged, "the witness had committed \(acknowledged) entries and restarted with \(restarted)")
            stop.raise()
            let submitted = try await loader.value
            try await harness.waitCommitted(network.names, size: UInt64(submitted.count + 1))
            let client = network.client(witness)
            for entry in submitted {
                #expect(try await client.entry(entry.hash, slug: community.slug)?.status == "committed")
            }
        } catch {
            await harness.cleanUp()
            throw error
        }
        // Its database verifies offline after a graceful stop.
        await harness.network.stopAll()
        let run = try VigilBinary.run(
            ["verify", "chain", "--dir", harness.directory.appendingPathComponent("data/clinic.river.sqlite").path], in: harness.directory)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        await harness.cleanUp()
    }

    static func sizeAndRoot(_ note: String) -> String {
        note.split(separator: "\n").dropFirst().prefix(2).joined(separator: " ")
    }
}
