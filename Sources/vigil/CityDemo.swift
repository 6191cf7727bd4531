import AsyncHTTPClient
import Foundation
import NIOHTTP1
import VigilCommunity
import VigilLedger
import VigilOutbreak
import VigilServer
import VigilStore

/// `vigil demo`: a synthetic city, a seeded outbreak, and the network of its organisations'
/// nodes as separate processes on loopback; the simulation drives the nodes' APIs day by day.
struct CityDemo {
    struct Options {
        var seed: UInt64
        var days: Int
        var residents: Int
        var communities: Int
        /// Simulated days per minute of real time; 0 runs as fast as the nodes go.
        var speed: Double
        var directory: String
        var consolePort: Int
        /// The first port of the other nodes; nil: the first free range from 7400.
        var basePort: Int?
        var keepRunning: Bool
    }

    let options: Options
    let say: @Sendable (String) -> Void

    func run() async throws {
        let plan = CityPlan(seed: options.seed, residents: options.residents, communities: options.communities)
        do { try plan.validate() } catch { throw IO.failure("the city: \(error)") }
        let city: City
        do { city = try City.generate(plan) } catch { throw IO.failure("the city: \(error)") }
        let demo = DemoCity(city: city)
        let topology = demo.topology
        let names = topology.names
        say("== Vigil demo: \(city.residents.count) residents in \(city.households.count) households, \(city.communities.count) communities, \(city.venues.count) venues; seed \(options.seed), \(options.days) days")

        // Ports: the district CDC's node serves the command centre on --port.
        guard Demo.portFree(options.consolePort) else {
            throw IO.failure("port \(options.consolePort) is in use: stop what uses it or give --port")
        }
        let others = names.filter { $0 != DemoCity.cdc }
        let base: Int
        if let first = options.basePort {
            guard first >= 1, first + others.count - 1 <= 65535, Demo.portsFree(first, count: others.count) else {
                throw IO.failure("ports \(first)-\(first + others.count - 1) are not all free")
            }
            base = first
        } else {
            guard let free = Demo.freePortRange(from: 7400, count: others.count) else { throw IO.failure("no \(others.count) consecutive free ports above 7400") }
            base = free
        }
        guard !(base...(base + others.count - 1)).contains(options.consolePort) else {
            throw IO.failure("the command centre's port \(options.consolePort) is among the nodes' ports \(base)-\(base + others.count - 1)")
        }
        var ports = Dictionary(uniqueKeysWithValues: others.enumerated().map { ($0.element, base + $0.offset) })
        ports[DemoCity.cdc] = options.consolePort
        _ = try IO.checking("network init") { try topology.write(to: options.directory, host: "127.0.0.1", ports: ports, overwrite: false) }
        let tokens = try await createUsers(demo, lifetime: 86_400)
        writeLogins(demo, tokens: tokens, ports: ports)

        let network = try LocalNetwork(directory: options.directory, executable: LocalNetwork.currentExecutable, serveArguments: ["--log-level", "warning"])
        do {
            try network.startAll()
            try await network.waitReady(timeout: .seconds(120))
            say("== \(names.count) nodes started as separate processes (logs in \(options.directory)/logs)")
            say("   command centre: http://127.0.0.1:\(options.consolePort)/console   public page: http://127.0.0.1:\(options.consolePort)/public")
            say("   logins (paste the token at /login; also in \(options.directory)/logins.txt):")
            // Every login is in logins.txt; the terminal shows one volunteer's of the many.
            let volunteers = demo.users.filter { $0.role == .volunteer }
            for user in demo.users where user.role != .admin && (user.role != .volunteer || user.name == volunteers.first?.name) {
                say("   - \(user.name) (\(user.role.rawValue), \(user.jurisdiction)) at http://127.0.0.1:\(ports[user.node]!)/login — \(user.does)")
                say("     token: \(tokens[user.name]!)")
            }
            if volunteers.count > 1 { say("   - and \(volunteers.count - 1) more volunteers (in logins.txt)") }
            var run = try await DemoRun(demo: demo, options: options, network: network, ports: ports, tokens: tokens, say: say)
            try await run.prepare()
            try await run.simulate()
            try await run.finish()
        } catch {
            await network.stopAll()
            throw IO.failure("the demo stopped: \(error)")
        }
        if options.keepRunning {
            say("\nThe nodes keep running: explore http://127.0.0.1:\(options.consolePort)/console. Press Ctrl-C to stop.")
            await Demo.waitForInterrupt()
        }
        say("\n== stopping the nodes")
        await network.stopAll()
        say("   stopped. Verify a node's chains offline: vigil verify chain --dir \(options.directory)/data/\(DemoCity.cdc).sqlite")
    }

    /// Adds the demo's users to each node's store (as `vigil user add` does) and issues their
    /// tokens with each node's key (as `vigil token issue` does).
    func createUsers(_ demo: DemoCity, lifetime: Int64) async throws -> [String: String] {
        var tokens: [String: String] = [:]
        let now = Int64(Date().timeIntervalSince1970)
        for node in Set(demo.users.map(\.node)).sorted() {
            let users = demo.users.filter { $0.node == node }
            let config = "\(options.directory)/\(node).json"
            let records = try users.map { UserRecord(name: $0.name, role: $0.role, jurisdiction: try JurisdictionPath($0.jurisdiction), createdAt: now) }
            try await UserCommand.withStore(config) { store in
                for record in records { try await store.saveUser(record) }
            }
            let setup = try NodeConfiguration.load(path: config)
            let issuer = try await APITokens(nodeKey: setup.key)
            for record in records { tokens[record.name] = try await issuer.issue(for: record, lifetime: lifetime, now: now) }
        }
        return tokens
    }

    func writeLogins(_ demo: DemoCity, tokens: [String: String], ports: [String: Int]) {
        var text = "# Vigil demo logins: open the URL, paste the token.\n"
        for user in demo.users {
            text += "\n\(user.name)  \(user.role.rawValue)  \(user.jurisdiction)  http://127.0.0.1:\(ports[user.node]!)/login\n  \(user.does)\n  \(tokens[user.name]!)\n"
        }
        try? IO.writePrivate(text, to: "\(options.directory)/logins.txt", overwrite: true)
    }
}
