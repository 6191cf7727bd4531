import ArgumentParser
import Crypto
import Foundation
import Synchronization
import VigilLedger
import VigilServer

/// `vigil bench network`: committed entries per second and submit-to-final latency through a
/// network of separate node processes on loopback, beside the Ed25519 verification bound
/// measured in the same run.
struct NetworkBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Throughput and latency of a network of node processes on loopback, beside the Ed25519 bound.",
        discussion: """
            Starts N nodes (`vigil serve`, one chain whose N members all vote, SQLite stores) from \
            this executable — build it in release mode: `swift run -c release vigil bench network`. \
            Measures latency one entry at a time (submit to the author's node, until that node \
            reports it committed under a final checkpoint), then throughput with many submissions \
            in flight, sampling latency under load, and each node's resident memory. The ceiling: \
            every node verifies every entry's Ed25519 signature at least once, so the network can \
            commit at most (cores × Ed25519 verifications/s) / N entries per second; checkpoint, vote \
            and message signatures come on top and are not counted, so the true ceiling is lower.
            """
    )

    @Option(help: "Voting members (nodes).") var nodes: Int = 4
    @Option(help: "Entries in the throughput phase of each run.") var entries: Int = 3000
    @Option(help: "Submissions in flight in the throughput phase.") var concurrency: Int = 64
    @Option(help: "Entries in the one-at-a-time latency phase.") var latencyEntries: Int = 100
    @Option(help: "Throughput runs (the median is reported).") var runs: Int = 3
    @Option(help: "Directory for the network (default: a new temporary directory, removed after).") var dir: String?
    @Option(help: "The nodes' log level (logs in DIR/logs).") var logLevel: String = "warning"

    func run() async throws {
        guard (4...16).contains(nodes) else { throw ValidationError("--nodes must be 4 to 16") }
        guard entries > 0, concurrency > 0, latencyEntries > 0, runs > 0 else { throw ValidationError("counts must be positive") }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        say("== physical limits on this machine (one core)")
        let ed25519 = Self.ed25519VerifyRate()
        let sha256 = Timing.median((0..<3).map { _ in Self.sha256Rate() })
        say("   Ed25519 verify: \(Timing.format(ed25519))   SHA-256 (256-byte messages): \(Timing.format(sha256))   cores: \(cores)")
        let ceiling = Double(cores) * ed25519 / Double(nodes)
        say("   ceiling: \(cores) × \(Timing.format(ed25519)) / \(nodes) entry-signature checks per entry = \(Timing.format(ceiling)) entries/s")

        let directory = try dir ?? Demo.temporaryDirectory()
        let names = (1...nodes).map { "node.\($0)" }
        guard let base = Demo.freePortRange(from: 7500, count: nodes) else { throw IO.failure("no \(nodes) free ports above 7500") }
        let origin = "vigil.local/bench"
        let keys = try IO.checking("write the network") {
            try Network.writeSingleChain(to: directory, origin: origin, slug: "bench", names: names, host: "127.0.0.1", basePort: base)
        }
        let network = try LocalNetwork(directory: directory, executable: LocalNetwork.currentExecutable, serveArguments: ["--log-level", logLevel])
        let load = BenchLoad(network: network, keys: keys, origin: origin, slug: "bench", names: names)
        do {
            try network.startAll()
            try await network.waitReady()
            say("== \(nodes) nodes on loopback, ports \(base)-\(base + nodes - 1), in \(directory)")
            _ = try await load.throughput(count: 20, concurrency: 4, sampleEvery: 0)

            say("== latency, one entry at a time (\(latencyEntries) entries)")
            let quiet = try await load.sequential(count: latencyEntries)
            say("   submit → final: median \(Self.ms(Self.percentile(quiet, 0.5))), p99 \(Self.ms(Self.percentile(quiet, 0.99)))")

            say("== throughput: \(entries) entries, \(concurrency) in flight, \(runs) runs")
            var rates: [Double] = []
            var loaded: [Double] = []
            for run in 1...runs {
                let result = try await load.throughput(count: entries, concurrency: concurrency, sampleEvery: 10)
                rates.append(result.rate)
                loaded += result.latencies
                say("   run \(run): \(Timing.format(result.rate)) committed entries/s (\(String(format: "%.2f", result.seconds)) s)")
            }
            let rate = Timing.median(rates)
            say("   median \(Timing.format(rate)); latency under load: median \(Self.ms(Self.percentile(loaded, 0.5))), p99 \(Self.ms(Self.percentile(loaded, 0.99)))")
            say("== memory per node (resident now / peak)")
            for name in names {
                let (rss, peak) = Self.memory(pid: network.pid(name) ?? 0)
                say("   \(name): \(rss / 1024) MiB / \(peak / 1024) MiB")
            }
            say("== result")
            say("   \(Timing.format(rate)) committed entries/s = \(String(format: "%.1f", 100 * rate / ceiling))% of the Ed25519 ceiling \(Timing.format(ceiling))")
        } catch {
            await network.stopAll()
            throw IO.failure("the benchmark stopped: \(error)")
        }
        await network.stopAll()
        if dir == nil { try? FileManager.default.removeItem(atPath: directory) }
    }

    private func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func ms(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    /// Resident and peak resident memory of `pid` in KiB, from /proc.
    static func memory(pid: Int32) -> (Int, Int) {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Int {
            text.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") } ?? 0
        }
        return (field("VmRSS"), field("VmHWM"))
    }

    static func ed25519VerifyRate() -> Double {
        let key = Curve25519.Signing.PrivateKey()
        let message = Data(repeating: 0x5A, count: 400)
        let signature = try! key.signature(for: message)
        let publicKey = key.publicKey
        var rates: [Double] = []
        for _ in 0..<3 {
            var ok = 0
            rates.append(Timing.rate(work: 4000) {
                for _ in 0..<4000 where publicKey.isValidSignature(signature, for: message) { ok += 1 }
            })
            precondition(ok == 4000)
        }
        return Timing.median(rates)
    }

    static func sha256Rate() -> Double {
        var data = [UInt8](repeating: 1, count: 256)
        return Timing.rate(work: 100_000) {
            for i in 0..<100_000 {
                data[0] = UInt8(truncatingIfNeeded: i)
                data[1] = SHA256.hash(data: data).withUnsafeBytes { $0[0] }
            }
        }
    }
}

/// The benchmark's load: signed suspected-case reports submitted to their authors' nodes.
final class BenchLoad: Sendable {
    let network: LocalNetwork
    let keys: [String: SignerKey]
    let origin: String
    let slug: String
    let names: [String]
    private let serial = Atomic<Int>(0)

    init(network: LocalNetwork, keys: [String: SignerKey], origin: String, slug: String, names: [String]) {
        self.network = network
        self.keys = keys
        self.origin = origin
        self.slug = slug
        self.names = names
    }

    func entry() throws -> Entry {
        let n = serial.add(1, ordering: .relaxed).newValue
        let author = names[n % names.count]
        let data: JSONValue = .object([
            "pseudonym": .string(Privacy.pseudonym(areaSecret: Array("bench area secret".utf8), nationalID: "bench-\(n)").hex),
            "commitment": .string(Privacy.commitment(salt: Array("bench salt of sixteen bytes".utf8), record: Array("record \(n)".utf8)).hex),
            "syndrome": .string("ili"), "community": .string("bench"), "onset": .string("2026-11-20"), "ageBand": .string("30-39"),
        ])
        return try Entry.sign(
            chain: origin, kind: .proposal, author: keys[author]!, time: Int64(Date().timeIntervalSince1970),
            body: .object(["subject": .string(Subject.suspectedCase.rawValue), "data": data]))
    }

    /// Submits one entry at a time and waits for it; returns each latency in seconds.
    func sequential(count: Int) async throws -> [Double] {
        var latencies: [Double] = []
        for _ in 0..<count {
            let entry = try entry()
            let client = network.client(entry.author)
            let start = ContinuousClock.now
            try await client.submit(entry, slug: slug)
            try await waitCommitted(entry, client: client, poll: .milliseconds(2))
            latencies.append(Self.seconds(ContinuousClock.now - start))
        }
        return latencies
    }

    /// Submits `count` entries with `concurrency` in flight; waits until every node has committed
    /// them. Every `sampleEvery`-th entry's latency is followed.
    func throughput(count: Int, concurrency: Int, sampleEvery: Int) async throws -> (rate: Double, seconds: Double, latencies: [Double]) {
        let target = try await committedSizes().min()! + UInt64(count)
        let start = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            let next = Counter()
            for _ in 0..<min(concurrency, count) {
                group.addTask { [self] in
                    var sampled: [Double] = []
                    while true {
                        let i = next.take()
                        guard i < count else { return sampled }
                        let entry = try entry()
                        let client = network.client(entry.author)
                        let submitted = ContinuousClock.now
                        try await client.submit(entry, slug: slug)
                        if sampleEvery > 0, i % sampleEvery == 0 {
                            try await waitCommitted(entry, client: client, poll: .milliseconds(10))
                            sampled.append(Self.seconds(ContinuousClock.now - submitted))
                        }
                    }
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all
        }
        while try await committedSizes().min()! < target {
            try await Task.sleep(for: .milliseconds(20))
        }
        let seconds = Self.seconds(ContinuousClock.now - start)
        return (Double(count) / seconds, seconds, latencies)
    }

    func committedSizes() async throws -> [UInt64] {
        var sizes: [UInt64] = []
        for name in names {
            let status = try await network.client(name).status()
            sizes.append(status.chains.first { $0.slug == slug }?.committedSize ?? 0)
        }
        return sizes
    }

    /// Polls the author's node every `poll` (polling is load on the node too: keep it sparse
    /// under load).
    func waitCommitted(_ entry: Entry, client: NodeClient, poll: Duration) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            if try await client.entry(entry.hash, slug: slug)?.status == "committed" { return }
            try await Task.sleep(for: poll)
        }
        throw LocalNetworkError("entry \(entry.hash.hex.prefix(16)) not committed after 120 s")
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}

/// A shared counter handing out 0, 1, 2, ...
final class Counter: Sendable {
    private let value = Atomic<Int>(0)
    func take() -> Int { value.add(1, ordering: .relaxed).oldValue }
}

extension Network {
    /// Writes a network of one chain whose members all vote (the first leads), each node with its
    /// own port from `basePort`; returns the keys.
    static func writeSingleChain(to dir: String, origin: String, slug: String, names: [String], host: String, basePort: Int) throws -> [String: SignerKey] {
        var written: [String] = []
        let keys = try writeKeys(names, to: dir, overwrite: false, written: &written)
        let genesis = Genesis(origin: origin, members: names.map { Member(name: $0, key: keys[$0]!.verifierKey, role: .member) }, leader: names[0])
        let entry = try Entry.sign(chain: origin, kind: .config, author: keys[names[0]]!, time: Int64(Date().timeIntervalSince1970), body: genesis.json)
        try Data(entry.bytes + [0x0A]).write(to: URL(fileURLWithPath: "\(dir)/genesis/\(slug).json"))
        for (i, name) in names.enumerated() {
            let peers = Dictionary(uniqueKeysWithValues: names.enumerated().filter { $0.offset != i }.map { ($0.element, "http://\(host):\(basePort + $0.offset)") })
            let configuration = NodeConfiguration(
                name: name, keyFile: "keys/\(name).key", http: .init(host: host, port: basePort + i), store: "sqlite:data/\(name).sqlite",
                chains: [NodeConfiguration.Chain(slug: slug, genesis: "genesis/\(slug).json", peers: peers)], witnessFor: [])
            try Data(try configuration.encoded()).write(to: URL(fileURLWithPath: "\(dir)/\(name).json"))
        }
        return keys
    }
}
