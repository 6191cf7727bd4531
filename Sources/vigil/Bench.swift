import ArgumentParser
import Crypto
import Foundation
import VigilLedger

/// `vigil bench`: hot-path benchmarks, each beside the machine's physical limit measured in the
/// same run (SHA-256 and Ed25519 rates, a plain loop), with the ratio.
///
/// Build in release mode: `swift run -c release vigil bench`.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmark the hot paths beside the machine's physical limits (run with -c release).",
        subcommands: [LedgerBench.self],
        defaultSubcommand: LedgerBench.self
    )
}

/// Timing helpers shared by the benchmarks.
enum Timing {
    /// Runs `body` `repetitions` times and returns the median of the per-run rates (`work` units
    /// per second).
    static func medianRate(repetitions: Int, work: Double, _ body: () -> Void) -> Double {
        var rates: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<repetitions {
            let elapsed = clock.measure(body)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            rates.append(work / seconds)
        }
        rates.sort()
        return rates[rates.count / 2]
    }

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
        var rows: [(String, Double, String, Double)] = []  // name, rate, bound name, bound rate

        // Physical limits.
        let shaRate = Limits.sha256Rate(repetitions: repetitions)
        let (signRate, verifyRate) = Limits.ed25519Rates(repetitions: repetitions)
        let loopRate = Limits.plainLoopRate(repetitions: repetitions)
        let readRate = Limits.randomReadRate(repetitions: repetitions)
        print("physical limits (one core):")
        print("  SHA-256 of 64 bytes   \(Timing.format(shaRate))")
        print("  Ed25519 sign          \(Timing.format(signRate))")
        print("  Ed25519 verify        \(Timing.format(verifyRate))")
        print("  plain loop (xorshift) \(Timing.format(loopRate))")
        print("  random read, 64 MiB   \(Timing.format(readRate))")

        // Append.
        var generator = SplitMix64(state: 42)
        let leafHashes = (0..<leaves).map { _ in
            MerkleHasher.leafHash((0..<4).flatMap { _ in withUnsafeBytes(of: generator.next()) { Array($0) } })
        }
        let appendRate = Timing.medianRate(repetitions: repetitions, work: Double(leaves)) {
            var tree = CompactTree()
            for leaf in leafHashes { tree.append(leaf) }
            blackHole(tree.root)
        }
        rows.append(("append leaf hash (compact tree)", appendRate, "SHA-256/64B", shaRate))
        let storeRate = Timing.medianRate(repetitions: repetitions, work: Double(leaves)) {
            var store = InMemoryHashStore()
            store.append(contentsOf: leafHashes)
            blackHole(store.tree.size)
        }
        rows.append(("append leaf hash + store nodes", storeRate, "SHA-256/64B", shaRate))
        let entries = (0..<leaves).map { i in Array("entry \(i) of the benchmark log".utf8) }
        let entryRate = Timing.medianRate(repetitions: repetitions, work: Double(leaves)) {
            var tree = CompactTree()
            for entry in entries { tree.append(MerkleHasher.leafHash(entry)) }
            blackHole(tree.root)
        }
        rows.append(("append entry (leaf hash + append)", entryRate, "SHA-256/64B", shaRate))

        // Proofs at full size.
        var store = InMemoryHashStore()
        store.append(contentsOf: leafHashes)
        let size = store.tree.size
        let root = store.tree.root
        let indices = (0..<proofs).map { _ in LeafIndex(generator.next() % UInt64(leaves)) }
        var inclusion: [[Hash]] = []
        let inclusionGenRate = Timing.medianRate(repetitions: repetitions, work: Double(proofs)) {
            inclusion = indices.map { try! MerkleProof.inclusionProof(index: $0, size: size, store: store) }
        }
        // Generation hashes only the folds of ragged elements; its limit is fetching the nodes from
        // a store larger than the caches, so it is shown against random reads of a 64 MiB table.
        let nodesPerInclusion = Double(indices.map { try! MerkleProof.inclusionPlan(index: $0, size: size).nodes.count }.reduce(0, +)) / Double(proofs)
        rows.append((String(format: "inclusion proof generation (%.1f nodes read)", nodesPerInclusion), inclusionGenRate, "random read ÷ nodes", readRate / nodesPerInclusion))
        let pathLength = Double(inclusion.map(\.count).reduce(0, +)) / Double(proofs)
        let inclusionVerifyRate = Timing.medianRate(repetitions: repetitions, work: Double(proofs)) {
            for (i, index) in indices.enumerated() {
                try! MerkleProof.verifyInclusion(
                    index: index, size: size, leafHash: leafHashes[Int(index.rawValue)], proof: inclusion[i], root: root)
            }
        }
        rows.append(("inclusion proof verification", inclusionVerifyRate, String(format: "SHA-256/64B ÷ %.1f hashes", pathLength), shaRate / pathLength))

        let oldSizes = (0..<proofs).map { _ in TreeSize(1 + generator.next() % (UInt64(leaves) - 1)) }
        let oldRoots = oldSizes.map { try! MerkleProof.root(size: $0, store: store) }
        var consistency: [[Hash]] = []
        let consistencyGenRate = Timing.medianRate(repetitions: repetitions, work: Double(proofs)) {
            consistency = oldSizes.map { try! MerkleProof.consistencyProof(from: $0, to: size, store: store) }
        }
        let nodesPerConsistency = Double(oldSizes.map { try! MerkleProof.consistencyPlan(from: $0, to: size).nodes.count }.reduce(0, +)) / Double(proofs)
        rows.append((String(format: "consistency proof generation (%.1f nodes read)", nodesPerConsistency), consistencyGenRate, "random read ÷ nodes", readRate / nodesPerConsistency))
        let hashesPerConsistency = Double(oldSizes.map { consistencyHashCount(from: $0.rawValue, to: size.rawValue) }.reduce(0, +)) / Double(proofs)
        let consistencyVerifyRate = Timing.medianRate(repetitions: repetitions, work: Double(proofs)) {
            for (i, old) in oldSizes.enumerated() {
                try! MerkleProof.verifyConsistency(from: old, to: size, proof: consistency[i], oldRoot: oldRoots[i], newRoot: root)
            }
        }
        rows.append((
            "consistency proof verification", consistencyVerifyRate,
            String(format: "SHA-256/64B ÷ %.1f hashes", hashesPerConsistency), shaRate / hashesPerConsistency
        ))

        // Notes and cosigned checkpoints.
        let log = try SignerKey(name: "vigil.example/bench", seed: Array(repeating: 1, count: 32))
        let witnesses = try (1...5).map { try SignerKey(name: "witness\($0).example", type: .cosignature, seed: Array(repeating: UInt8($0 + 1), count: 32)) }
        let checkpoint = try Checkpoint(origin: log.name, size: size, root: root)
        let logOnly = try checkpoint.signed(by: [log]).bytes
        let verifiers = try VerifierSet([log.verifierKey])
        let noteCount = 2_000
        let noteRate = Timing.medianRate(repetitions: repetitions, work: Double(noteCount)) {
            for _ in 0..<noteCount { blackHole(try! verifiers.verify(logOnly)) }
        }
        rows.append(("signed note verification (1 signature)", noteRate, "Ed25519 verify", verifyRate))
        let cosigned = try checkpoint.signed(by: [log]).signed(by: witnesses, timestamp: 1_700_000_000).bytes
        let policy = try VigilLedger.Policy(
            logs: [log.verifierKey], witnesses: witnesses.enumerated().map { ("w\($0.offset + 1)", $0.element.verifierKey) },
            groups: [.init(name: "members", threshold: 4, members: (1...5).map { "w\($0)" })], quorum: "members")
        let policyRate = Timing.medianRate(repetitions: repetitions, work: Double(noteCount)) {
            for _ in 0..<noteCount { blackHole(try! policy.evaluate(cosigned)) }
        }
        rows.append(("cosigned checkpoint vs 5-witness policy (6 sigs)", policyRate, "Ed25519 verify ÷ 6", verifyRate / 6))

        print("\nhot paths at \(leaves) leaves (median of \(repetitions)):")
        print("| benchmark | rate | physical limit | limit rate | ratio |")
        print("|---|---:|---|---:|---:|")
        for (name, rate, boundName, bound) in rows {
            print("| \(name) | \(Timing.format(rate)) | \(boundName) | \(Timing.format(bound)) | \(String(format: "%.0f%%", 100 * rate / bound)) |")
        }
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

/// The physical limits of this machine, measured in the same run as the benchmarks.
enum Limits {
    static func sha256Rate(repetitions: Int) -> Double {
        let count = 1_000_000
        let block = [UInt8](repeating: 0xab, count: 64)
        return Timing.medianRate(repetitions: repetitions, work: Double(count)) {
            block.withUnsafeBytes { buffer in
                for _ in 0..<count {
                    var hasher = SHA256()
                    hasher.update(bufferPointer: buffer)
                    blackHole(hasher.finalize())
                }
            }
        }
    }

    static func ed25519Rates(repetitions: Int) -> (sign: Double, verify: Double) {
        let key = Curve25519.Signing.PrivateKey()
        let publicKey = key.publicKey
        let message = [UInt8](repeating: 7, count: 100)
        let count = 3_000
        let signature = try! key.signature(for: message)
        let sign = Timing.medianRate(repetitions: repetitions, work: Double(count)) {
            for _ in 0..<count { blackHole(try! key.signature(for: message)) }
        }
        let verify = Timing.medianRate(repetitions: repetitions, work: Double(count)) {
            for _ in 0..<count { blackHole(publicKey.isValidSignature(signature, for: message)) }
        }
        return (sign, verify)
    }

    /// Dependent reads at random places of a 64 MiB table (pointer chasing): the rate at which
    /// a proof can fetch nodes that are not in cache.
    static func randomReadRate(repetitions: Int) -> Double {
        let entries = 1 << 24  // 16 Mi UInt32 = 64 MiB, the size of the benchmark's hash store
        var generator = SplitMix64(state: 7)
        // One random cycle through every entry (Sattolo's algorithm).
        var next = [UInt32](repeating: 0, count: entries)
        var order = Array(0..<UInt32(entries))
        for i in stride(from: entries - 1, to: 0, by: -1) {
            let j = Int(generator.next() % UInt64(i))
            order.swapAt(i, j)
        }
        for i in 0..<entries { next[Int(order[i])] = order[(i + 1) % entries] }
        let count = 2_000_000
        return Timing.medianRate(repetitions: repetitions, work: Double(count)) {
            var position = UInt32(truncatingIfNeeded: opaque(0))
            for _ in 0..<count { position = next[Int(position)] }
            blackHole(position)
        }
    }

    static func plainLoopRate(repetitions: Int) -> Double {
        // A dependent chain of xorshift steps: one step per iteration, nothing to vectorise.
        let count = 100_000_000
        return Timing.medianRate(repetitions: repetitions, work: Double(count)) {
            var x = opaque(UInt64(0x2545_F491_4F6C_DD1D))
            for _ in 0..<count {
                x ^= x << 13
                x ^= x >> 7
                x ^= x << 17
            }
            blackHole(x)
        }
    }
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
