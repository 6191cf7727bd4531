import ArgumentParser
import Foundation
import Logging
import VigilCommunity
import VigilServer
import VigilStore

/// `vigil user add|list|disable`: the users of a node's community API.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage the users of a node's community API (docs/api.md).",
        subcommands: [Add.self, List.self, Disable.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user, or change an existing user's role and jurisdiction.",
            discussion: "Roles: \(Role.allCases.map(\.rawValue).joined(separator: ", ")). Tokens issued before a change stop working."
        )
        @Option(help: "The node's configuration file.") var config: String
        @Option(help: "The user name: letters, digits, '.', '_', '-'.") var name: String
        @Option(help: "The role.") var role: String
        @Option(help: "The jurisdiction path the user works in, like sz/ft/c1.") var jurisdiction: String

        func run() async throws {
            guard let role = Role(rawValue: role) else {
                throw ValidationError("unknown role \(role): use one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let path: JurisdictionPath
            do {
                _ = try StaffID(name)
                path = try JurisdictionPath(jurisdiction)
            } catch let error as CommunityError { throw ValidationError(error.message) }
            let user = UserRecord(name: name, role: role, jurisdiction: path, createdAt: Int64(Date().timeIntervalSince1970))
            try await UserCommand.withStore(config) { store in try await store.saveUser(user) }
            print("user \(user.name): \(role) in \(path)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the users: name, role, jurisdiction, active.")
        @Option(help: "The node's configuration file.") var config: String

        func run() async throws {
            let users = try await UserCommand.withStore(config) { store in try await store.users() }
            for user in users { print("\(user.name)\t\(user.role)\t\(user.jurisdiction)\t\(user.active ? "active" : "disabled")") }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a user: their tokens are refused from now on.")
        @Option(help: "The node's configuration file.") var config: String
        @Option(help: "The user name.") var name: String

        func run() async throws {
            let name = self.name
            try await UserCommand.withStore(config) { store in
                guard var user = try await store.user(name) else { throw IO.failure("no user \(name)") }
                user.active = false
                try await store.saveUser(user)
            }
            print("user \(name) disabled")
        }
    }

    /// Runs `body` on the community store of the node configured in `config`.
    static func withStore<T: Sendable>(_ config: String, _ body: @Sendable (any CommunityStore) async throws -> T) async throws -> T {
        let setup: NodeSetup
        do { setup = try NodeConfiguration.load(path: config) } catch { throw IO.failure(error.message) }
        var logger = Logger(label: "vigil.user")
        logger.logLevel = .warning
        return try await setup.store.withCommunityStore(logger: logger, body)
    }
}

/// `vigil token issue`: a bearer token for the community API.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Issue bearer tokens for a node's community API.",
        subcommands: [Issue.self]
    )

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a token for a user (EdDSA JWS signed with a key derived from the node's key).",
            discussion: "Send it as `Authorization: Bearer TOKEN`. It stops working when it expires, the user is disabled, or their role or jurisdiction changes."
        )
        @Option(help: "The node's configuration file.") var config: String
        @Option(help: "The user name.") var user: String
        @Option(help: "Lifetime in seconds (60 to 2592000).") var ttl: Int64 = 28_800

        func run() async throws {
            guard (60...2_592_000).contains(ttl) else { throw ValidationError("--ttl must be 60 to 2592000 seconds") }
            let setup: NodeSetup
            do { setup = try NodeConfiguration.load(path: config) } catch { throw IO.failure(error.message) }
            let name = self.user
            guard let record = try await UserCommand.withStore(config, { store in try await store.user(name) }) else {
                throw IO.failure("no user \(name): add one with vigil user add")
            }
            guard record.active else { throw IO.failure("user \(name) is disabled") }
            let tokens = try await APITokens(nodeKey: setup.key)
            print(try await tokens.issue(for: record, lifetime: ttl, now: Int64(Date().timeIntervalSince1970)))
        }
    }
}
