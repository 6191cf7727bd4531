import ArgumentParser
import Foundation
import VigilSimulation

#if canImport(Glibc)
import Glibc
#endif

/// Runs the deterministic protocol simulator over many seeds (CI runs 10,000 per scenario with
/// a release build: `swift run -c release vigil-sim --seeds 10000`). A failing seed prints
/// itself with the command that replays it.
@main
struct VigilSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil-sim",
        abstract: "Run the node protocol's deterministic simulator over many seeds.",
        discussion: """
            Scenarios: 'faults' (loss, duplication, delay, reordering, partitions, crashes and \
            restarts, a Byzantine witness that withholds votes, sends invalid cosignatures and \
            lies in view changes), 'dead-leader' (the first leader crashes and never \
            restarts) and 'equivocating-leader' (the first leader shows witnesses conflicting \
            checkpoints of one size, withholds final checkpoints and censors evidence: the \
            evidence must be committed and the leader replaced). Safety is checked after every \
            step, liveness once the faults stop.
            """)

    enum Scenario: String, ExpressibleByArgument, CaseIterable {
        case faults
        case deadLeader = "dead-leader"
        case equivocatingLeader = "equivocating-leader"
    }

    @Option(help: "How many seeds per scenario, from --first.")
    var seeds = 1_000

    @Option(help: "The first seed.")
    var first: UInt64 = 1

    @Option(help: "Run one scenario only (faults, dead-leader, equivocating-leader); default all.")
    var scenario: Scenario?

    @Option(help: "Parallel workers (default: the number of cores).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Print the message trace of the first seed (use with --seeds 1).")
    var trace = false

    func validate() throws {
        guard seeds > 0 else { throw ValidationError("--seeds must be positive") }
        guard jobs > 0 else { throw ValidationError("--jobs must be positive") }
    }

    /// Swift seeds its hash function per process, and the order of dictionary iteration inside
    /// the nodes shapes a run: the simulator is deterministic per seed only with deterministic
    /// hashing. Without `SWIFT_DETERMINISTIC_HASHING`, the tool starts itself again with it, so
    /// that every run of a seed — CI's and its replay — is the same run.
    static func main() {
        if ProcessInfo.processInfo.environment["SWIFT_DETERMINISTIC_HASHING"] == nil {
            setenv("SWIFT_DETERMINISTIC_HASHING", "1", 1)
            let arguments = CommandLine.arguments
            var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
            execv("/proc/self/exe", &argv)
            // execv returns only on failure: go on with per-process hashing.
        }
        let command = Self.parseOrExit()
        do { try command.run() } catch { Self.exit(withError: error) }
    }

    func run() throws {
        var failed = 0
        for scenario in scenario.map({ [$0] }) ?? Scenario.allCases {
            let started = Date()
            let failures = try runScenario(scenario)
            let seconds = Date().timeIntervalSince(started)
            print("\(scenario.rawValue): \(seeds) seeds from \(first), \(failures.count) failed, "
                + String(format: "%.1f s (%.2f ms per seed)", seconds, seconds * 1000 / Double(seeds)))
            for failure in failures.prefix(20) {
                print("  FAILED \(failure.report)")
                print("  replay: swift run -c release vigil-sim --scenario \(scenario.rawValue) --first \(failure.seed) --seeds 1 --trace")
            }
            failed += failures.count
        }
        if failed > 0 { throw ExitCode(1) }
    }

    static func simulation(_ scenario: Scenario, seed: UInt64) throws -> Simulation {
        switch scenario {
        case .faults:
            return try Simulation(seed: seed)
        case .deadLeader:
            var faults = Simulation.Faults()
            faults.byzantineWitness = false
            faults.leaderCrashesForever = true
            return try Simulation(seed: seed, faults: faults, faultsEnd: 60, horizon: 240)
        case .equivocatingLeader:
            return try Simulation(seed: seed, faults: Simulation.Faults.equivocatingLeader, faultsEnd: 60, horizon: 200)
        }
    }

    func runScenario(_ scenario: Scenario) throws -> [(seed: UInt64, report: String)] {
        if trace {
            var simulation = try Self.simulation(scenario, seed: first)
            simulation.trace = []
            let report = simulation.run()
            print(simulation.trace!.joined(separator: "\n"))
            print(report)
            return report.violations.isEmpty ? [] : [(first, report.description)]
        }
        let results = Results()
        let seeds = self.seeds
        let first = self.first
        let jobs = min(self.jobs, seeds)
        let progress = Progress(total: seeds)
        DispatchQueue.concurrentPerform(iterations: jobs) { worker in
            var index = worker
            while index < seeds {
                let seed = first + UInt64(index)
                do {
                    var simulation = try Self.simulation(scenario, seed: seed)
                    let report = simulation.run()
                    if !report.violations.isEmpty { results.add(seed, report.description) }
                } catch {
                    results.add(seed, "seed \(seed): setup failed: \(error)")
                }
                progress.step()
                index += jobs
            }
        }
        return results.all
    }
}

/// Failed reports collected from the workers.
final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var failures: [(seed: UInt64, report: String)] = []
    func add(_ seed: UInt64, _ report: String) { lock.withLock { failures.append((seed, report)) } }
    var all: [(seed: UInt64, report: String)] { lock.withLock { failures.sorted { $0.seed < $1.seed } } }
}

/// A progress line on stderr every 10%.
final class Progress: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int
    private var done = 0
    init(total: Int) { self.total = total }
    func step() {
        lock.withLock {
            done += 1
            if total >= 100, done % (total / 10) == 0 {
                FileHandle.standardError.write(Data("  \(done)/\(total) seeds\n".utf8))
            }
        }
    }
}
