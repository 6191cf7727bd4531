import Crypto
import Foundation
import Testing
import VigilCodes
import VigilCommunity
import VigilLedger
import VigilServer
import VigilTestSupport

@Suite struct ConfigurationTests {
    @Test func aConfigurationFileLoadsWithItsKeyAndGenesis() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fixture = try Chains.community()
        try Data((ChainFixture.key(for: "clinic.hill").text + "\n").utf8).write(to: dir.appendingPathComponent("hill.key"))
        try Data(fixture.entries[0].bytes).write(to: dir.appendingPathComponent("genesis.json"))
        let text = """
            {"name": "clinic.hill", "keyFile": "hill.key", "http": {"host": "127.0.0.1", "port": 7401},
             "chains": [{"slug": "community", "genesis": "genesis.json", "peers": {"clinic.river": "http://127.0.0.1:7402"}}]}
            """
        try Data(text.utf8).write(to: dir.appendingPathComponent("node.json"))
        let setup = try NodeConfiguration.load(path: dir.appendingPathComponent("node.json").path)
        #expect(setup.name == "clinic.hill" && setup.port == 7401)
        #expect(setup.chains.first?.origin == fixture.state.origin)
        #expect(setup.store == .sqlite(path: dir.appendingPathComponent("clinic.hill.sqlite").path))

        try Data(text.replacingOccurrences(of: "\"http\"", with: "\"htp\"").utf8).write(to: dir.appendingPathComponent("typo.json"))
        #expect(throws: ConfigurationError.self) { try NodeConfiguration.load(path: dir.appendingPathComponent("typo.json").path) }
        try Data(text.replacingOccurrences(of: "clinic.hill\"", with: "clinic.river\"").utf8).write(to: dir.appendingPathComponent("other.json"))
        #expect(throws: ConfigurationError.self) { try NodeConfiguration.load(path: dir.appendingPathComponent("other.json").path) }

        // Health codes: the key derived from the node's key, its id from the node's name.
        func load(_ codes: String) throws -> NodeSetup {
            let file = dir.appendingPathComponent("codes-\(UUID().uuidString).json")
            try Data(text.replacingOccurrences(of: "\"chains\"", with: "\"codes\": \(codes), \"chains\"").utf8).write(to: file)
            return try NodeConfiguration.load(path: file.path)
        }
        let codes = try #require(try load(#"{"region": "sz/ft", "keyEpoch": 2, "lifetimeSeconds": 120}"#).codes)
        #expect(codes.keyID.value == "clinic.hill.code-2" && codes.lifetime == 120 && codes.region.description == "sz/ft")
        #expect(codes.admissionLimit == 256 && codes.refreshSeconds == 60 && codes.utcOffsetSeconds == 28_800)
        let again = try #require(try load(#"{"region": "sz/ft", "keyEpoch": 2}"#).codes)
        #expect(again.signingKey.rawRepresentation == codes.signingKey.rawRepresentation, "derived, so the same every time")
        let rotated = try #require(try load(#"{"region": "sz/ft", "keyEpoch": 3}"#).codes)
        #expect(rotated.signingKey.rawRepresentation != codes.signingKey.rawRepresentation)
        for bad in [
            #"{"region": "sz/ft", "admisionLimit": 5}"#, #"{"region": "not a path!"}"#, #"{"region": "sz/ft", "lifetimeSeconds": 0}"#,
            #"{"region": "sz/ft", "trustListFile": "missing.json"}"#, #"{"region": "sz/ft", "utcOffsetSeconds": 90000}"#,
        ] {
            #expect(throws: ConfigurationError.self, "\(bad)") { try load(bad) }
        }
    }

    @Test func oneChainOfANodeMayTakeItsBulletins() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data((ChainFixture.key(for: "clinic.hill").text + "\n").utf8).write(to: dir.appendingPathComponent("hill.key"))
        try Data(try Chains.community().entries[0].bytes).write(to: dir.appendingPathComponent("community.json"))
        try Data(try Chains.community(origin: "vigil.test/district").entries[0].bytes).write(to: dir.appendingPathComponent("district.json"))
        func load(community: String, district: String) throws -> NodeSetup {
            let text = """
                {"name": "clinic.hill", "keyFile": "hill.key",
                 "chains": [{"slug": "community", "genesis": "community.json", "peers": {}\(community)},
                            {"slug": "district", "genesis": "district.json", "peers": {}\(district)}]}
                """
            let file = dir.appendingPathComponent("node-\(UUID().uuidString).json")
            try Data(text.utf8).write(to: file)
            return try NodeConfiguration.load(path: file.path)
        }
        // Absent is false; true marks the chain; false is allowed and means false.
        #expect(try load(community: "", district: "").chains.map(\.bulletins) == [false, false])
        #expect(try load(community: "", district: #", "bulletins": true"#).chains.map(\.bulletins) == [false, true])
        #expect(try load(community: #", "bulletins": false"#, district: #", "bulletins": true"#).chains.map(\.bulletins) == [false, true])
        // Two bulletin chains, a value that is not a boolean, and a misspelt key are refused.
        #expect(throws: ConfigurationError.self) { try load(community: #", "bulletins": true"#, district: #", "bulletins": true"#) }
        #expect(throws: ConfigurationError.self) { try load(community: #", "bulletins": "yes""#, district: "") }
        #expect(throws: ConfigurationError.self) { try load(community: #", "bulletin": true"#, district: "") }
        // Written back, an absent field stays absent and a set one round-trips.
        let chain = NodeConfiguration.Chain(slug: "district", genesis: "district.json", peers: [:], bulletins: true)
        let written = try NodeConfiguration(name: "clinic.hill", chains: [chain, NodeConfiguration.Chain(slug: "c", genesis: "c.json", peers: [:])]).encoded()
        #expect(String(decoding: written, as: UTF8.self).components(separatedBy: "\"bulletins\"").count == 2)
        #expect(try JSONDecoder().decode(NodeConfiguration.self, from: Data(written)).chains.map(\.bulletins) == [true, nil])
    }

    @Test func storeLocationsParse() throws {
        #expect(try StoreLocation(parsing: "sqlite:data/n.sqlite", relativeTo: "/srv") == .sqlite(path: "/srv/data/n.sqlite"))
        #expect(try StoreLocation(parsing: "memory:", relativeTo: "/") == .memory)
        let postgres = try StoreLocation(parsing: "postgres://vigil:secret@db:5432/vigil", relativeTo: "/")
        #expect(!postgres.description.contains("secret"))
        #expect(throws: ConfigurationError.self) { try StoreLocation(parsing: "mysql://x", relativeTo: "/") }
    }
}
