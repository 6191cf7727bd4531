import ArgumentParser
import Foundation
import Logging
import VigilServer

/// `vigil serve --config FILE`: runs one node until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a Vigil node: its chains, the node protocol and the tlog-tiles over HTTP, until SIGTERM or SIGINT.",
        discussion: """
            FILE is the node's JSON configuration (docs/node-server.md); `vigil network init` \
            writes one per node of a local network. Logs go to standard error.
            """
    )

    @Option(help: "The node's configuration file.") var config: String
    @Option(help: "Listen on this port instead of the configured one.") var port: Int?
    @Option(help: "Listen on this host instead of the configured one.") var host: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: String?
    @Flag(help: "Shut down gracefully when the parent process exits (for nodes a tool starts).") var stopWithParent = false

    func run() async throws {
        var setup: NodeSetup
        do { setup = try NodeConfiguration.load(path: config) } catch { throw IO.failure(error.message) }
        if let port { setup.port = port }
        if let host { setup.host = host }
        var level = Logger.Level.info
        if let logLevel {
            guard let parsed = Logger.Level(rawValue: logLevel) else { throw ValidationError("unknown log level \(logLevel)") }
            level = parsed
        }
        let chosenLevel = level
        let chosenSetup = setup
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = chosenLevel
            return handler
        }
        let logger = Logger(label: "vigil.node")
        if stopWithParent { Self.watchParent(logger: logger) }
        do {
            try await runNode(setup: chosenSetup, logger: logger)
        } catch {
            throw IO.failure((error as? ConfigurationError)?.message ?? "the node stopped: \(error)")
        }
    }

    /// Sends this process SIGTERM (a graceful shutdown) once its parent is gone.
    static func watchParent(logger: Logger) {
        let parent = getppid()
        Task.detached {
            while getppid() == parent { try? await Task.sleep(for: .milliseconds(500)) }
            logger.notice("The parent process exited; shutting down")
            kill(getpid(), SIGTERM)
        }
    }
}
