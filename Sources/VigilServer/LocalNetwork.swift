public import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A local network of nodes run as separate `vigil serve` processes on loopback, from the
/// configurations `vigil network init` wrote to ``directory``: for `vigil demo`, the
/// integration tests and the network benchmark.
///
/// Each node's standard output and error go to `DIRECTORY/logs/NAME.log` (appended, so a
/// restarted node's log continues).
public final class LocalNetwork: Sendable {
    public let directory: String
    /// The `vigil` executable.
    public let executable: URL
    /// Node names and their base URLs, from the configurations.
    public let urls: [String: String]
    /// Extra arguments for every `vigil serve` (e.g. `--log-level warning`).
    public let serveArguments: [String]
    private let processes = Mutex<[String: Process]>([:])

    /// - Parameter names: the nodes to manage (default: every `*.json` configuration in `directory`).
    public init(directory: String, executable: URL, names: [String]? = nil, serveArguments: [String] = []) throws {
        self.directory = directory
        self.executable = executable
        self.serveArguments = serveArguments
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        var urls: [String: String] = [:]
        for file in files {
            let setup = try NodeConfiguration.load(path: directory + "/" + file)
            if let names, !names.contains(setup.name) { continue }
            urls[setup.name] = "http://\(setup.host):\(setup.port)"
        }
        self.urls = urls
    }

    public var names: [String] { urls.keys.sorted() }

    /// The running executable, for a tool that starts its own nodes.
    public static var currentExecutable: URL {
        URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
    }

    /// Starts node `name` (no-op if it runs).
    public func start(_ name: String) throws {
        if processes.withLock({ $0[name]?.isRunning ?? false }) { return }
        let logs = directory + "/logs"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let logPath = "\(logs)/\(name).log"
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try log.seekToEnd()
        let process = Process()
        process.executableURL = executable
        process.arguments = ["serve", "--config", "\(directory)/\(name).json", "--stop-with-parent"] + serveArguments
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? log.close()
        processes.withLock { $0[name] = process }
    }

    public func startAll() throws {
        for name in names { try start(name) }
    }

    /// The process id of node `name` while it runs.
    public func pid(_ name: String) -> Int32? {
        processes.withLock { $0[name].flatMap { $0.isRunning ? $0.processIdentifier : nil } }
    }

    public func isRunning(_ name: String) -> Bool { pid(name) != nil }

    /// Sends `signal` (default SIGTERM) to node `name` and waits up to `timeout` for it to exit; SIGKILL after that.
    /// - Returns: the exit status, or nil if it was not running.
    @discardableResult
    public func stop(_ name: String, signal: Int32 = 15, timeout: Duration = .seconds(15)) async -> Int32? {
        guard let process = processes.withLock({ $0[name] }), process.isRunning else { return nil }
        kill(process.processIdentifier, signal)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        }
        return process.terminationStatus
    }

    /// Stops every node: SIGTERM (graceful shutdown), SIGKILL after `timeout`.
    public func stopAll(timeout: Duration = .seconds(15)) async {
        await withTaskGroup(of: Void.self) { group in
            for name in names { group.addTask { await self.stop(name, timeout: timeout) } }
        }
    }

    /// A client of node `name`.
    public func client(_ name: String) -> NodeClient {
        NodeClient(base: urls[name]!)
    }

    /// Waits until every node in `names` answers `/readyz`.
    /// - Throws: ``LocalNetworkError`` naming the nodes not ready, with their logs' last lines.
    public func waitReady(_ names: [String]? = nil, timeout: Duration = .seconds(60)) async throws {
        var waiting = Set(names ?? self.names)
        let deadline = ContinuousClock.now + timeout
        while !waiting.isEmpty, ContinuousClock.now < deadline {
            for name in waiting {
                if await client(name).isReady() { waiting.remove(name) }
                else if !isRunning(name), processes.withLock({ $0[name] }) != nil {
                    throw LocalNetworkError("node \(name) exited before it was ready:\n" + logTail(name))
                }
            }
            if !waiting.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        }
        guard waiting.isEmpty else {
            throw LocalNetworkError("not ready after \(timeout): \(waiting.sorted().joined(separator: ", "))\n" + waiting.sorted().map { logTail($0) }.joined(separator: "\n"))
        }
    }

    /// The last lines of node `name`'s log.
    public func logTail(_ name: String, lines: Int = 12) -> String {
        let text = (try? String(contentsOfFile: "\(directory)/logs/\(name).log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).map { "  \(name): \($0)" }.joined(separator: "\n")
    }
}

public struct LocalNetworkError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Unblocks the termination signals on the calling thread. A process started by a parent that
/// blocks them (a test runner does) inherits the mask; `vigil` calls this first on its main
/// thread so SIGTERM and SIGINT start a graceful shutdown.
public func unblockTerminationSignals() {
    var set = sigset_t()
    sigemptyset(&set)
    for signal in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&set, signal) }
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
}
