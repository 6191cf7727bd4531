import ArgumentParser
import AsyncHTTPClient
import Foundation
import VigilLedger
import VigilServer
import VigilStore

#if canImport(Glibc)
import Glibc
#endif

/// `vigil demo`: a local network of separate node processes on loopback and a scripted episode.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start a local network of Vigil nodes as separate processes and play a scripted episode.",
        discussion: """
            Writes a network (as `vigil network init`) to --dir, starts each node with `vigil serve` \
            on loopback, and plays the episode: a clinic reports a suspected case on the community \
            chain, two members endorse it, it commits under a cosigned checkpoint, and the district \
            CDC (the community chain's supervisor) relays it to the district chain, where two members \
            endorse it. Each chain is then verified offline over its tlog-tiles. Node logs are in \
            DIR/logs; the node databases stay in DIR/data for `vigil verify chain --dir`.
            """
    )

    @Option(help: "Directory for the network (default: a new temporary directory).") var dir: String?
    @Option(help: "The first node's port; the others follow (default: the first free range from 7400).") var basePort: Int?
    @Flag(help: "Keep the nodes running after the episode, until Ctrl-C.") var keepRunning = false

    func run() async throws {
        let directory = try dir ?? Self.temporaryDirectory()
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
        if keepRunning {
            say("\nThe nodes keep running; press Ctrl-C to stop them.")
            await Self.waitForInterrupt()
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

    /// Sleeps until the process is interrupted: Ctrl-C reaches the demo and its nodes together
    /// (one process group), and each node shuts down gracefully.
    static func waitForInterrupt() async {
        while true { try? await Task.sleep(for: .seconds(3600)) }
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
