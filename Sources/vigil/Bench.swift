import ArgumentParser
import Crypto
import Foundation
import VigilLedger

/// `vigil bench`: hot-path benchmarks, each beside the machine's physical limit measured in the
/// same run (SHA-256 and Ed25519 rates, a plain loop), with the ratio.
///
/// Build in release mode: `swift run -c release vigil bench`.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmark the hot paths beside the machine's physical limits (run with -c release).",
        subcommands: [LedgerBench.self, ChainBench.self, SurveillanceBenchCommand.self, NetworkBench.self, CommunityBench.self, ResourcesBench.self, CodesBench.self],
        defaultSubcommand: LedgerBench.self
    )
}

/// Timing helpers shared by the benchmarks.
enum Timing {
    /// The rate of one run of `body`.
    static func rate(work: Double, _ body: () -> Void) -> Double {
        let elapsed = ContinuousClock().measure(body)
        return work / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    static func format(_ rate: Double) -> String {
        switch rate {
        case 1e6...: String(format: "%.2f M/s", rate / 1e6)
        case 1e3...: String(format: "%.1f k/s", rate / 1e3)
        default: String(format: "%.1f /s", rate)
        }
    }
}

/// A deterministic generator for benchmark inputs (SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct SurveillanceBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "surveillance",
        abstract: "Early warning and Rt on the synthetic inputs of ../shared/refdata/timing, beside R's timings."
    )

    @Option(help: "Folder of the timing inputs.") var timing: String = "../shared/refdata/timing"
    @Option(help: "Repetitions (the median is reported).") var repetitions: Int = 5

    func run() throws {
        guard FileManager.default.fileExists(atPath: timing) else {
            throw IO.failure("timing inputs not found at \(timing) (give --timing DIR)")
        }
        print(try runSurveillanceBenchmarks(timingDirectory: timing, repetitions: repetitions))
    }
}

struct ChainBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chain",
        abstract: "Chain replay from stored entries (parse, verify the signature, apply) against Ed25519 verify."
    )

    @Option(help: "Entries in the replayed history.") var entries: Int = 3_000
    @Option(help: "Repetitions (the median is reported).") var repetitions: Int = 5

    func run() throws {
        #if DEBUG
        print("warning: debug build; run `swift run -c release vigil bench chain` for meaningful numbers")
        #endif
        let history = try BenchHistory.make(entries: entries)
        let lines = history.map(\.bytes)
        var table = BenchTable(repetitions: repetitions)
        // Each replay verifies every signature, as a fresh node does: the process remembers the
        // entries it has checked (SignatureMemo), so that memory is cleared first.
        table.measure("chain replay: parse + verify + apply (\(lines.count) entries)", work: Double(lines.count), limit: Limit.ed25519Verify) {
            Entry.forgetVerifiedSignatures()
            let parsed = lines.map { try! Entry(parsing: $0) }
            let result = ChainState.replay(parsed)
            precondition(result.rejection == nil, "benchmark history must be valid")
            blackHole(result.state!.size)
        }
        let parsed = lines.map { try! Entry(parsing: $0) }
        table.measure("chain replay: verify + apply (\(lines.count) entries)", work: Double(lines.count), limit: Limit.ed25519Verify) {
            Entry.forgetVerifiedSignatures()
            blackHole(ChainState.replay(parsed).state!.size)
        }
        table.print()
    }
}

/// A valid history for the replay benchmark: five members; each report is endorsed by two
/// others, with an order now and then.
enum BenchHistory {
    static func make(entries count: Int) throws -> [Entry] {
        let names = ["cdc.district", "clinic.riverside", "clinic.hillside", "community.riverside", "hospital.city"]
        let keys = try names.enumerated().map { try SignerKey(name: $0.element, seed: Array(repeating: UInt8($0.offset + 11), count: 32)) }
        let origin = "vigil.example/bench-chain"
        let genesis = Genesis(
            origin: origin, members: keys.enumerated().map { Member(name: $0.element.name, key: $0.element.verifierKey, role: $0.offset == 0 ? .supervisor : .member) },
            leader: names[1])
        var time: Int64 = 1_700_000_000
        var entries = [try Entry.sign(chain: origin, kind: .config, author: keys[1], time: time, body: genesis.json)]
        var n = 0
        while entries.count < count {
            time += 1
            let author = 1 + n % 4
            let data: JSONValue = .object([
                "pseudonym": .string(MerkleHasher.leafHash(Array("subject \(n)".utf8)).hex),
                "commitment": .string(MerkleHasher.leafHash(Array("record \(n)".utf8)).hex),
                "syndrome": "ili", "community": "riverside", "onset": "2026-11-20", "ageBand": "30-39",
            ])
            let proposal = try Entry.sign(chain: origin, kind: .proposal, author: keys[author], time: time, body: ["subject": "suspected-case", "data": data])
            entries.append(proposal)
            for voter in [(author % 4) + 1, 0] where entries.count < count {
                time += 1
                entries.append(try Entry.sign(chain: origin, kind: .vote, author: keys[voter], time: time, body: ["proposal": .string(proposal.hash.hex), "approve": true]))
            }
            if n % 10 == 9, entries.count < count {
                time += 1
                entries.append(try Entry.sign(chain: origin, kind: .order, author: keys[0], time: time, body: ["to": ["all"], "text": "report zero cases daily"]))
            }
            n += 1
        }
        return entries
    }
}

struct LedgerBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Merkle append, proofs, note and cosigned-checkpoint verification."
    )

    @Option(help: "Leaves in the tree.") var leaves: Int = 1_000_000
    @Option(help: "Repetitions per measurement (the median is reported).") var repetitions: Int = 5
    @Option(help: "Proofs generated and verified per repetition.") var proofs: Int = 20_000

    func validate() throws {
        guard leaves >= 2, repetitions >= 1, proofs >= 1 else { throw ValidationError("need --leaves >= 2, --repetitions >= 1, --proofs >= 1") }
    }

    func run() throws {
        #if DEBUG
        print("warning: debug build; run `swift run -c release vigil bench` for meaningful numbers")
        #endif
        var table = BenchTable(repetitions: repetitions)
        print("physical limits on one core, median of \(repetitions) (each is re-measured beside every benchmark):")
        let sha = Limit.sha256
        let verify = Limit.ed25519Verify
        let read = Limit.randomRead
        print("  SHA-256 of 64 bytes   \(Timing.format(Timing.median((0..<repetitions).map { _ in sha.once() })))")
        let sign = Limit.ed25519Sign
        let loop = Limit.plainLoop
        print("  Ed25519 sign          \(Timing.format(Timing.median((0..<repetitions).map { _ in sign.once() })))")
        print("  Ed25519 verify        \(Timing.format(Timing.median((0..<repetitions).map { _ in verify.once() })))")
        print("  plain loop (xorshift) \(Timing.format(Timing.median((0..<repetitions).map { _ in loop.once() })))")
        print("  random read, 64 MiB   \(Timing.format(Timing.median((0..<repetitions).map { _ in read.once() })))")

        // Append.
        var generator = SplitMix64(state: 42)
        let leafHashes = (0..<leaves).map { _ in
            MerkleHasher.leafHash((0..<4).flatMap { _ in withUnsafeBytes(of: generator.next()) { Array($0) } })
        }
        table.measure("append leaf hash (compact tree)", work: Double(leaves), limit: sha) {
            var tree = CompactTree()
            for leaf in leafHashes { tree.append(leaf) }
            blackHole(tree.root)
        }
        table.measure("append leaf hash + store nodes", work: Double(leaves), limit: sha) {
            var store = InMemoryHashStore()
            store.append(contentsOf: leafHashes)
            blackHole(store.tree.size)
        }
        let entries = (0..<leaves).map { i in Array("entry \(i) of the benchmark log".utf8) }
        table.measure("append entry (leaf hash + append)", work: Double(leaves), limit: sha) {
            var tree = CompactTree()
            for entry in entries { tree.append(MerkleHasher.leafHash(entry)) }
            blackHole(tree.root)
        }

        // Proofs at full size.
        var store = InMemoryHashStore()
        store.append(contentsOf: leafHashes)
        let size = store.tree.size
        let root = store.tree.root
        let indices = (0..<proofs).map { _ in LeafIndex(generator.next() % UInt64(leaves)) }
        // Generation hashes only the folds of ragged elements; its limit is fetching the nodes from
        // a store larger than the caches, so it is shown against random reads of a 64 MiB table
        // (a pessimistic limit: the upper levels of the tree stay in cache).
        let nodesPerInclusion = Double(indices.map { try! MerkleProof.inclusionPlan(index: $0, size: size).nodes.count }.reduce(0, +)) / Double(proofs)
        var inclusion: [[Hash]] = []
        table.measure(
            String(format: "inclusion proof generation (%.1f nodes)", nodesPerInclusion), work: Double(proofs), limit: read, divisor: nodesPerInclusion
        ) {
            inclusion = indices.map { try! MerkleProof.inclusionProof(index: $0, size: size, store: store) }
        }
        let pathLength = Double(inclusion.map(\.count).reduce(0, +)) / Double(proofs)
        table.measure("inclusion proof verification", work: Double(proofs), limit: sha, divisor: pathLength) {
            for (i, index) in indices.enumerated() {
                try! MerkleProof.verifyInclusion(
                    index: index, size: size, leafHash: leafHashes[Int(index.rawValue)], proof: inclusion[i], root: root)
            }
        }

        let oldSizes = (0..<proofs).map { _ in TreeSize(1 + generator.next() % (UInt64(leaves) - 1)) }
        let oldRoots = oldSizes.map { try! MerkleProof.root(size: $0, store: store) }
        let nodesPerConsistency = Double(oldSizes.map { try! MerkleProof.consistencyPlan(from: $0, to: size).nodes.count }.reduce(0, +)) / Double(proofs)
        var consistency: [[Hash]] = []
        table.measure(
            String(format: "consistency proof generation (%.1f nodes)", nodesPerConsistency), work: Double(proofs), limit: read,
            divisor: nodesPerConsistency
        ) {
            consistency = oldSizes.map { try! MerkleProof.consistencyProof(from: $0, to: size, store: store) }
        }
        let hashesPerConsistency = Double(oldSizes.map { consistencyHashCount(from: $0.rawValue, to: size.rawValue) }.reduce(0, +)) / Double(proofs)
        table.measure("consistency proof verification", work: Double(proofs), limit: sha, divisor: hashesPerConsistency) {
            for (i, old) in oldSizes.enumerated() {
                try! MerkleProof.verifyConsistency(from: old, to: size, proof: consistency[i], oldRoot: oldRoots[i], newRoot: root)
            }
        }

        // Notes and cosigned checkpoints.
        let log = try SignerKey(name: "vigil.example/bench", seed: Array(repeating: 1, count: 32))
        let witnesses = try (1...5).map { try SignerKey(name: "witness\($0).example", type: .cosignature, seed: Array(repeating: UInt8($0 + 1), count: 32)) }
        let checkpoint = try Checkpoint(origin: log.name, size: size, root: root)
        let logOnly = try checkpoint.signed(by: [log]).bytes
        let verifiers = try VerifierSet([log.verifierKey])
        let noteCount = 2_000
        table.measure("signed note verification (1 signature)", work: Double(noteCount), limit: verify) {
            for _ in 0..<noteCount { blackHole(try! verifiers.verify(logOnly)) }
        }
        let cosigned = try checkpoint.signed(by: [log]).signed(by: witnesses, timestamp: 1_700_000_000).bytes
        let policy = try VigilLedger.Policy(
            logs: [log.verifierKey], witnesses: witnesses.enumerated().map { ("w\($0.offset + 1)", $0.element.verifierKey) },
            groups: [.init(name: "members", threshold: 4, members: (1...5).map { "w\($0)" })], quorum: "members")
        table.measure("cosigned checkpoint, 5-witness policy (6 signatures)", work: Double(noteCount), limit: verify, divisor: 6) {
            for _ in 0..<noteCount { blackHole(try! policy.evaluate(cosigned)) }
        }

        print("\nhot paths at \(leaves) leaves:")
        table.print()
    }
}

/// A physical limit: one run's rate of the simplest work the machine can do of that kind.
struct Limit {
    var name: String
    var once: () -> Double

    static var sha256: Limit {
        let block = [UInt8](repeating: 0xab, count: 64)
        return Limit(name: "SHA-256/64B") {
            Timing.rate(work: 1_000_000) {
                block.withUnsafeBytes { buffer in
                    for _ in 0..<1_000_000 {
                        var hasher = SHA256()
                        hasher.update(bufferPointer: buffer)
                        blackHole(hasher.finalize())
                    }
                }
            }
        }
    }

    static var ed25519Verify: Limit {
        let key = Curve25519.Signing.PrivateKey()
        let publicKey = key.publicKey
        let message = [UInt8](repeating: 7, count: 100)
        let signature = try! key.signature(for: message)
        return Limit(name: "Ed25519 verify") {
            Timing.rate(work: 2_000) { for _ in 0..<2_000 { blackHole(publicKey.isValidSignature(signature, for: message)) } }
        }
    }

    static var ed25519Sign: Limit {
        let key = Curve25519.Signing.PrivateKey()
        let message = [UInt8](repeating: 7, count: 100)
        return Limit(name: "Ed25519 sign") {
            Timing.rate(work: 5_000) { for _ in 0..<5_000 { blackHole(try! key.signature(for: message)) } }
        }
    }

    /// A dependent chain of xorshift steps: one step per iteration, nothing to vectorise.
    static var plainLoop: Limit {
        Limit(name: "plain loop") {
            Timing.rate(work: 100_000_000) {
                var x = opaque(UInt64(0x2545_F491_4F6C_DD1D))
                for _ in 0..<100_000_000 {
                    x ^= x << 13
                    x ^= x >> 7
                    x ^= x << 17
                }
                blackHole(x)
            }
        }
    }

    /// Dependent reads at random places of a 64 MiB table (pointer chasing): the rate at which
    /// nodes that are not in cache can be fetched.
    static var randomRead: Limit {
        let entries = 1 << 24  // 16 Mi UInt32 = 64 MiB, the size of the benchmark's hash store
        var generator = SplitMix64(state: 7)
        // One random cycle through every entry (Sattolo's algorithm).
        var order = Array(0..<UInt32(entries))
        for i in stride(from: entries - 1, to: 0, by: -1) { order.swapAt(i, Int(generator.next() % UInt64(i))) }
        var next = [UInt32](repeating: 0, count: entries)
        for i in 0..<entries { next[Int(order[i])] = order[(i + 1) % entries] }
        return Limit(name: "random read") {
            Timing.rate(work: 2_000_000) {
                var position = UInt32(truncatingIfNeeded: opaque(0))
                for _ in 0..<2_000_000 { position = next[Int(position)] }
                blackHole(position)
            }
        }
    }
}

/// Rows of benchmarks, each measured beside its limit: every repetition runs the limit and then
/// the benchmark, so both see the same machine load, and the ratio is taken per repetition.
struct BenchTable {
    var repetitions: Int
    var rows: [(name: String, rate: Double, limit: String, limitRate: Double, ratio: Double)] = []

    mutating func measure(_ name: String, work: Double, limit: Limit, divisor: Double = 1, _ body: () -> Void) {
        var rates: [Double] = []
        var limits: [Double] = []
        var ratios: [Double] = []
        for _ in 0..<repetitions {
            let bound = limit.once() / divisor
            let rate = Timing.rate(work: work, body)
            rates.append(rate)
            limits.append(bound)
            ratios.append(rate / bound)
        }
        let limitName = divisor == 1 ? limit.name : String(format: "%@ ÷ %.1f", limit.name, divisor)
        rows.append((name, Timing.median(rates), limitName, Timing.median(limits), Timing.median(ratios)))
    }

    func print() {
        Swift.print("| benchmark | rate | physical limit | limit rate | ratio |")
        Swift.print("|---|---:|---|---:|---:|")
        for row in rows {
            Swift.print("| \(row.name) | \(Timing.format(row.rate)) | \(row.limit) | \(Timing.format(row.limitRate)) | \(String(format: "%.0f%%", 100 * row.ratio)) |")
        }
        Swift.print("(medians over \(repetitions) repetitions; the ratio is the median of per-repetition ratios)")
    }
}

/// The node hashes RFC 9162 §2.1.4.2 computes to verify a consistency proof from `old` to `new`:
/// one or two per proof element, counted with the same walk as the verifier.
func consistencyHashCount(from old: UInt64, to new: UInt64) -> Int {
    let length = MerkleProof.consistencyProofLength(from: old, to: new)
    var count = 0
    var (fn, sn) = (old - 1, new - 1)
    while fn & 1 == 1 {
        fn >>= 1
        sn >>= 1
    }
    let steps = old & (old - 1) == 0 ? length : length - 1
    for _ in 0..<steps {
        if fn & 1 == 1 || fn == sn {
            count += 2
            if fn & 1 == 0 {
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            }
        } else {
            count += 1
        }
        fn >>= 1
        sn >>= 1
    }
    return count
}

/// Where benchmark results are written so the optimiser cannot drop the work that made them.
nonisolated(unsafe) var benchmarkSink: UInt8 = 0

/// Hides a value from the optimiser, so a loop over it cannot be folded at compile time.
@inline(never)
func opaque(_ value: UInt64) -> UInt64 { value ^ UInt64(benchmarkSink) }

/// Keeps a value alive and observable, so the optimiser cannot drop the work that made it.
@inline(never)
func blackHole<T>(_ value: T) {
    withUnsafeBytes(of: value) { benchmarkSink &+= $0.first ?? 0 }
}
