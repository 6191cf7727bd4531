import ArgumentParser
import AsyncHTTPClient
import Foundation
import VigilLedger
import VigilServer
import VigilStore

#if canImport(Glibc)
import Glibc
#endif

/// `vigil demo`: the main job. A synthetic city with a seeded outbreak drives the network of its
/// organisations' nodes (separate processes on loopback, SQLite stores); `--scripted` plays the
/// short scripted ledger episode instead.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a simulated city outbreak through a local network of Vigil nodes, with the command centre.",
        discussion: """
            Generates a city (one district, several communities, residents in households, venues \
            with checkpoints, clinics, a designated hospital), writes a network for it (a community \
            chain per community with its committee, its clinic, the hospital and the district CDC as \
            supervisor; the district chain under the CDC), starts every node with `vigil serve`, and \
            plays a seeded outbreak day by day through the nodes' APIs: registry import, visits at \
            checkpoints, suspected-case reports endorsed by other nodes, a false report vetoed, \
            outcomes, contact tracing and quarantine, escalation to the district chain, daily and \
            zero reports reviewed by two people and published. The district CDC's node serves the \
            command centre on --port (http://127.0.0.1:8080/console) and the public page (/public); \
            a login for each role is printed at start. Everything is kept in --data-dir.

            With --scripted: the short scripted episode on the standard network (`vigil network \
            init`): a report, two endorsements, the relay, offline verification.
            """
    )

    @Option(help: "The outbreak's and the city's seed.") var seed: UInt64 = 1
    @Option(help: "Simulated days.") var days: Int = 60
    @Option(help: "Residents in the city.") var residents: Int = 2000
    @Option(help: "Communities in the district (1-8).") var communities: Int = 3
    @Option(help: "Simulated days per minute of real time (0: as fast as the nodes go).") var speed: Double = 30
    @Option(help: "Directory for the network, its keys, logs and databases (default: a new temporary directory).") var dataDir: String?
    @Option(help: "The port of the command centre (the district CDC's node).") var port: Int = 8080
    @Flag(inversion: .prefixedNo, help: "Keep the nodes and the command centre running after the simulation, until Ctrl-C.") var keepRunning = true
    @Flag(help: "Play the short scripted ledger episode instead of the city.") var scripted = false
    @Option(help: "With --scripted: directory for the network (as --data-dir).") var dir: String?
    @Option(help: "The first port of the nodes other than the command centre's; the others follow (default: the first free range from 7400).") var basePort: Int?

    func validate() throws {
        guard days >= 1, days <= 366 else { throw ValidationError("--days must be 1 to 366") }
        guard (1...8).contains(communities) else { throw ValidationError("--communities must be 1 to 8") }
        guard speed >= 0, speed.isFinite else { throw ValidationError("--speed must be 0 or more") }
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1 to 65535") }
    }

    func run() async throws {
        if scripted { return try await runScripted() }
        let directory = try dataDir ?? Self.temporaryDirectory()
        if let contents = try? FileManager.default.contentsOfDirectory(atPath: directory), !contents.isEmpty {
            throw IO.failure("\(directory) is not empty: give a new or empty --data-dir")
        }
        let options = CityDemo.Options(
            seed: seed, days: days, residents: residents, communities: communities, speed: speed, directory: directory, consolePort: port,
            basePort: basePort, keepRunning: keepRunning)
        try await CityDemo(options: options, say: { line in FileHandle.standardOutput.write(Data((line + "\n").utf8)) }).run()
    }

    func runScripted() async throws {
        let directory = try dir ?? dataDir ?? Self.temporaryDirectory()
        if let contents = try? FileManager.default.contentsOfDirectory(atPath: directory), !contents.isEmpty {
            throw IO.failure("\(directory) is not empty: give a new or empty --dir")
        }
        let count = Network.names.count
        let port: Int
        if let basePort {
            guard (1...65535).contains(basePort), basePort + count - 1 <= 65535 else { throw ValidationError("--base-port must leave room for \(count) ports") }
            guard Self.portsFree(basePort, count: count) else { throw IO.failure("ports \(basePort)-\(basePort + count - 1) are not all free") }
            port = basePort
        } else {
            guard let free = Self.freePortRange(from: 7400, count: count) else { throw IO.failure("no \(count) consecutive free ports above 7400") }
            port = free
        }
        _ = try IO.checking("network init") { try Network.write(to: directory, host: "127.0.0.1", basePort: port, overwrite: false) }
        say("== network: \(count) nodes in \(directory), ports \(port)-\(port + count - 1)")

        let network = try LocalNetwork(directory: directory, executable: LocalNetwork.currentExecutable, serveArguments: ["--log-level", "notice"])
        do {
            try network.startAll()
            try await network.waitReady()
            for name in network.names { say("   started \(name) (pid \(network.pid(name) ?? 0)) at \(network.urls[name]!)") }
            try await DemoEpisode(network: network, directory: directory, say: say).play()
        } catch {
            await network.stopAll()
            throw IO.failure("the demo stopped: \(error)")
        }
        say("\n== stopping the nodes (SIGTERM, graceful shutdown)")
        await network.stopAll()
        say("   stopped. Verify a node's database offline:")
        say("   vigil verify chain --dir \(directory)/data/clinic.hill.sqlite")
    }

    private func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func temporaryDirectory() throws -> String {
        let stamp = Int(Date().timeIntervalSince1970)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-demo-\(stamp)-\(getpid())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The first `count` consecutive free loopback ports from `start`.
    static func freePortRange(from start: Int, count: Int) -> Int? {
        var base = start
        while base + count - 1 <= 65535, base < start + 2000 {
            if portsFree(base, count: count) { return base }
            base += count
        }
        return nil
    }

    static func portsFree(_ base: Int, count: Int) -> Bool {
        (base..<(base + count)).allSatisfy(portFree)
    }

    /// Whether a TCP socket can bind 127.0.0.1:`port`.
    static func portFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Waits for SIGINT or SIGTERM (Ctrl-C reaches the demo and its nodes together, as one
    /// process group; a signal to the demo alone also ends the wait), so that the demo then
    /// stops its nodes gracefully instead of leaving them running.
    static func waitForInterrupt() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            SignalWait.shared.wait(continuation)
        }
    }
}

/// The signal sources `Demo.waitForInterrupt` listens on.
final class SignalWait: @unchecked Sendable {
    static let shared = SignalWait()
    private let queue = DispatchQueue(label: "vigil.demo.signals")
    private var sources: [any DispatchSourceSignal] = []
    private var continuation: CheckedContinuation<Void, Never>?

    func wait(_ continuation: CheckedContinuation<Void, Never>) {
        queue.sync {
            self.continuation = continuation
            guard sources.isEmpty else { return }
            for number in [SIGINT, SIGTERM] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler { [weak self] in
                    self?.continuation?.resume()
                    self?.continuation = nil
                }
                source.resume()
                sources.append(source)
            }
        }
    }
}

/// The scripted episode of `vigil demo`, over the nodes' HTTP APIs. Each organisation's
/// operator signs its entries with its own key (the demo holds them all) and submits them to
/// its own node.
struct DemoEpisode {
    let network: LocalNetwork
    let directory: String
    let say: (String) -> Void

    var community: String { Network.community.slug }
    var district: String { Network.district.slug }

    func key(_ name: String) throws -> SignerKey {
        try SignerKey(String(decoding: try IO.read("\(directory)/keys/\(name).key", limit: 4096), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Signs an entry as `author` and submits it to the author's node; waits until it is committed there.
    @discardableResult
    func submit(_ kind: EntryKind, by author: String, on slug: String, origin: String, body: JSONValue) async throws -> (Entry, NodeClient.EntryAnswer) {
        let entry = try Entry.sign(chain: origin, kind: kind, author: try key(author), time: Int64(Date().timeIntervalSince1970), body: body)
        let node = network.client(author)
        try await node.submit(entry, slug: slug)
        let answer = try await node.waitCommitted(entry.hash, slug: slug)
        return (entry, answer)
    }

    func vote(_ proposal: EntryHash, by voter: String, on slug: String, origin: String) async throws {
        // The voter's node must know the proposal: wait until its final checkpoint covers it.
        _ = try await network.client(voter).waitCommitted(proposal, slug: slug)
        let (_, answer) = try await submit(
            .vote, by: voter, on: slug, origin: origin, body: .object(["proposal": .string(proposal.hex), "approve": .bool(true)]))
        say("   \(voter) endorses it: entry \(answer.index ?? 0), committed")
    }

    func play() async throws {
        let started = ContinuousClock.now
        say("\n== 1. clinic.hill reports a suspected case on the community chain \(Network.community.origin)")
        let nationalID = "demo-resident-0017"
        let data: JSONValue = .object([
            "pseudonym": .string(Privacy.pseudonym(areaSecret: Array("riverside area secret (demo)".utf8), nationalID: nationalID).hex),
            "commitment": .string(Privacy.commitment(salt: Array("demo salt for record 0017".utf8), record: Array("clinic.hill record 0017".utf8)).hex),
            "syndrome": .string("ili"), "community": .string("riverside"), "onset": .string(Self.today()), "ageBand": .string("60-69"),
        ])
        say("   no personal data goes on the chain: a pseudonym, a commitment to the clinic's record, syndrome, onset, age band")
        let (report, answer) = try await submit(
            .proposal, by: "clinic.hill", on: community, origin: Network.community.origin,
            body: .object(["subject": .string(Subject.suspectedCase.rawValue), "data": data]))
        say("   report \(report.hash.hex.prefix(16))… is entry \(answer.index ?? 0), committed under a cosigned checkpoint")

        say("\n== 2. two members endorse it")
        try await vote(report.hash, by: "clinic.river", on: community, origin: Network.community.origin)
        try await vote(report.hash, by: "hospital.east", on: community, origin: Network.community.origin)
        let communityState = try await network.client("community.riverside").state(slug: community)
        guard let accepted = communityState.proposals.first(where: { $0.id == report.hash.hex }), accepted.status == "accepted" else {
            throw LocalNetworkError("the report is not accepted on the community chain")
        }
        say("   accepted on \(communityState.origin): approved by \(accepted.approvers.joined(separator: ", "))")

        say("\n== 3. the supervisor cdc.district relays it to the district chain \(Network.district.origin)")
        let relayed = try await waitRelayed(report: report, data: data)
        say("   relay entry \(relayed.index) on the district chain, by \(relayed.author); the district members check it offline against the community chain's keys")
        try await vote(try Hash(hex: relayed.id), by: "police.district", on: district, origin: Network.district.origin)
        try await vote(try Hash(hex: relayed.id), by: "transport.district", on: district, origin: Network.district.origin)
        let districtState = try await network.client("cdc.district").state(slug: district)
        let status = districtState.proposals.first { $0.id == relayed.id }?.status ?? "unknown"
        say("   \(status) on \(districtState.origin)")
        guard status == "accepted" else { throw LocalNetworkError("the relayed report is \(status) on the district chain, not accepted") }

        say("\n== 4. final checkpoints")
        for (slug, node) in [(community, "clinic.hill"), (district, "police.district")] {
            guard let note = try await network.client(node).checkpoint(slug: slug) else { throw LocalNetworkError("no checkpoint of \(slug)") }
            say("   \(slug), as \(node) serves it:")
            for line in note.split(separator: "\n") { say("     \(line)") }
        }

        say("\n== 5. each chain verified offline from its tlog-tiles (every entry, proof, replay and the quorum)")
        let client = HTTPChainSource.makeClient()
        defer { Task { try? await client.shutdown() } }
        for (slug, node) in [(community, "hospital.east"), (district, "transport.district")] {
            let prefix = "\(network.urls[node]!)/node/v1/chains/\(slug)"
            let report = await ChainVerifier().verify(HTTPChainSource(prefix: prefix, client: client))
            guard report.isValid else { throw LocalNetworkError("\(prefix): " + report.problems.map(\.message).joined(separator: "; ")) }
            for line in VerifyChain.summary(report).split(separator: "\n") { say("   \(line)") }
        }
        try await client.shutdown()
        let elapsed = ContinuousClock.now - started
        say("\n== episode played in \(elapsed.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1))))")
    }

    /// Waits until the district chain holds the relay of `report`.
    func waitRelayed(report: Entry, data: JSONValue) async throws -> ChainSummary.ProposalSummary {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let state = try? await network.client("cdc.district").state(slug: district),
                let relayed = state.proposals.first(where: { $0.relayedFrom == Network.community.origin })
            {
                return relayed
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw LocalNetworkError("cdc.district did not relay the report within 60 s:\n" + network.logTail("cdc.district"))
    }

    static func today() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date())
    }
}
