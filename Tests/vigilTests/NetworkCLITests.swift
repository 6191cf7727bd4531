import ArgumentParser
import Foundation
import Testing
import VigilLedger
import VigilServer

@testable import vigil

// `vigil network init` and `vigil serve`: parsing, then the built binary writing a network that
// every node can load.

@Suite struct NetworkCLITests {
    @Test func serveAndNetworkInitParse() throws {
        let serve = try #require(try Vigil.parseAsRoot(["serve", "--config", "n.json", "--port", "9000"]) as? ServeCommand)
        #expect(serve.config == "n.json" && serve.port == 9000 && serve.host == nil)
        let initCommand = try #require(try Vigil.parseAsRoot(["network", "init", "--dir", "net"]) as? NetworkCommand.Init)
        #expect(initCommand.dir == "net" && initCommand.basePort == 7400 && !initCommand.force)
        #expect(throws: (any Error).self) { try Vigil.parseAsRoot(["serve"]) }
    }

    @Test func networkInitWritesALoadableNetwork() throws {
        try withTemporaryDirectory { directory in
            let dir = directory.appendingPathComponent("net").path
            let run = try VigilBinary.run(["network", "init", "--dir", dir, "--base-port", "17400"], in: directory)
            #expect(run.status == 0, "stderr: \(run.stderr)")
            #expect(run.stdout.contains("vigil serve --config"))

            let setups = try Network.load(from: dir)
            #expect(setups.map(\.name) == Network.names)
            #expect(Set(setups.map(\.port)).count == setups.count)
            #expect(setups.allSatisfy { (17400..<17400 + setups.count).contains($0.port) })
            let byName = Dictionary(uniqueKeysWithValues: setups.map { ($0.name, $0) })

            let community = try #require(byName["clinic.hill"]?.chains.first)
            let state = try ChainState(genesis: community.genesis)
            #expect(state.members.values.filter(\.votes).count == 5)
            #expect(state.members["cdc.district"]?.role == .supervisor)
            #expect(state.members[state.leader] != nil)
            // Every member node serves the chain with the others as peers, at their ports.
            for member in state.members.keys {
                let setup = try #require(byName[member])
                let chain = try #require(setup.chains.first { $0.origin == state.origin })
                #expect(Set(chain.peers.keys) == Set(state.members.keys).subtracting([member]))
                for (peer, url) in chain.peers { #expect(url == "http://127.0.0.1:\(byName[peer]!.port)") }
            }
            let cdc = try #require(byName["cdc.district"])
            #expect(cdc.chains.count == 2)
            let district = try ChainState(genesis: try #require(cdc.chains.first { $0.origin != state.origin }).genesis)
            #expect(district.members.count == 4)
            #expect(district.children[state.origin] != nil)

            let again = try VigilBinary.run(["network", "init", "--dir", dir], in: directory)
            #expect(again.status == 1)
            #expect(again.stderr.hasPrefix("vigil: ") && again.stderr.contains("--force"))
            let forced = try VigilBinary.run(["network", "init", "--dir", dir, "--force"], in: directory)
            #expect(forced.status == 0, "stderr: \(forced.stderr)")
        }
    }

    @Test func serveRefusesAMissingConfiguration() throws {
        try withTemporaryDirectory { directory in
            let run = try VigilBinary.run(["serve", "--config", "missing.json"], in: directory)
            #expect(run.status == 1)
            #expect(run.stderr.hasPrefix("vigil: ") && run.stderr.contains("missing.json"))
        }
    }
}
