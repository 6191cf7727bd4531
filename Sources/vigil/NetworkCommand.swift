import ArgumentParser
import Foundation
import VigilLedger
import VigilServer

/// `vigil network ...`: set up networks of nodes.
struct NetworkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Set up a network of Vigil nodes.",
        subcommands: [Init.self]
    )

    /// `vigil network init --dir DIR [--base-port 7400] [--host 127.0.0.1] [--force]`.
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write keys, genesis entries and node configurations for a local network.",
            discussion: """
                The network has a community chain (community committee, two clinics, a hospital \
                and the district CDC as supervisor: five voting members) and the district chain \
                the CDC leads (with the district health commission as supervisor, the police and \
                transport: four members). Each node listens on its own port from --base-port; run \
                each with `vigil serve --config DIR/NAME.json`.
                """
        )

        @Option(help: "The directory to write to (created if missing; must be empty unless --force).") var dir: String
        @Option(help: "The first node's port; the others follow.") var basePort: Int = 7400
        @Option(help: "The host the nodes listen on and reach each other at.") var host: String = "127.0.0.1"
        @Flag(help: "Write into a non-empty directory, replacing files of the same names.") var force = false

        func run() throws {
            guard (1...65535).contains(basePort), basePort + Network.names.count - 1 <= 65535 else {
                throw ValidationError("--base-port must leave room for \(Network.names.count) ports")
            }
            let fm = FileManager.default
            if let contents = try? fm.contentsOfDirectory(atPath: dir), !contents.isEmpty, !force {
                throw IO.failure("\(dir) is not empty (use --force to write into it)")
            }
            let written = try IO.checking("network init") {
                try Network.write(to: dir, host: host, basePort: basePort, overwrite: force)
            }
            for path in written { print("wrote \(path)") }
            print("")
            print("Start each node in its own terminal, for example:")
            for name in Network.names { print("  vigil serve --config \(dir)/\(name).json") }
        }
    }
}

/// The local network `vigil network init` writes.
enum Network {
    static let community = (slug: "riverside", origin: "vigil.local/district-1/riverside")
    static let district = (slug: "district", origin: "vigil.local/district-1")
    static let communityMembers: [(String, MemberRole)] = [
        ("community.riverside", .member), ("clinic.hill", .member), ("clinic.river", .member), ("hospital.east", .member),
        ("cdc.district", .supervisor),
    ]
    static let districtMembers: [(String, MemberRole)] = [
        ("cdc.district", .member), ("health.commission", .supervisor), ("police.district", .member), ("transport.district", .member),
    ]
    static let names = Set((communityMembers + districtMembers).map(\.0)).sorted()

    /// Writes the network; returns the paths written.
    static func write(to dir: String, host: String, basePort: Int, overwrite: Bool) throws -> [String] {
        var written: [String] = []
        let keys = try writeKeys(names, to: dir, overwrite: overwrite, written: &written)
        let time = Int64(Date().timeIntervalSince1970)
        let member = { (name: String, role: MemberRole) in Member(name: name, key: keys[name]!.verifierKey, role: role) }

        var communityGenesis = Genesis(origin: community.origin, members: communityMembers.map(member), leader: "community.riverside")
        communityGenesis.parent = district.origin
        let communityEntry = try Entry.sign(
            chain: community.origin, kind: .config, author: keys["community.riverside"]!, time: time, body: communityGenesis.json)
        let communityPolicy = NodeMachine.checkpointPolicy(for: try ChainState(genesis: communityEntry))

        var districtGenesis = Genesis(origin: district.origin, members: districtMembers.map(member), leader: "cdc.district")
        districtGenesis.children = [LinkedChain(origin: community.origin, policy: communityPolicy)]
        let districtEntry = try Entry.sign(
            chain: district.origin, kind: .config, author: keys["cdc.district"]!, time: time, body: districtGenesis.json)

        for (slug, entry) in [(community.slug, communityEntry), (district.slug, districtEntry)] {
            let path = "\(dir)/genesis/\(slug).json"
            try Data(entry.bytes + [0x0A]).write(to: URL(fileURLWithPath: path))
            written.append(path)
        }

        // The community chain's area secret: its members' pseudonyms of national ids agree, so
        // each can match a reported case to its own records (mode 0600, like the keys).
        let secretFile = "keys/\(community.slug).area-secret"
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        try IO.writePrivate(secret + "\n", to: "\(dir)/\(secretFile)", overwrite: overwrite)
        written.append("\(dir)/\(secretFile)")

        let url = { (name: String) in "http://\(host):\(basePort + names.firstIndex(of: name)!)" }
        for name in names {
            var chains: [NodeConfiguration.Chain] = []
            for (slug, members) in [(community.slug, communityMembers), (district.slug, districtMembers)] where members.contains(where: { $0.0 == name }) {
                let peers = Dictionary(uniqueKeysWithValues: members.map(\.0).filter { $0 != name }.map { ($0, url($0)) })
                chains.append(
                    NodeConfiguration.Chain(
                        slug: slug, genesis: "genesis/\(slug).json", peers: peers, areaSecretFile: slug == community.slug ? secretFile : nil))
            }
            // The district members not on the community chain witness its checkpoints as plain
            // C2SP witnesses.
            let witnessFor: [NodeConfiguration.WitnessedLog] =
                communityMembers.contains(where: { $0.0 == name }) ? [] : [.init(origin: community.origin, keys: communityPolicy.logs.map { $0.key.description })]
            let configuration = NodeConfiguration(
                name: name, keyFile: "keys/\(name).key", http: .init(host: host, port: basePort + names.firstIndex(of: name)!),
                store: "sqlite:data/\(name).sqlite", chains: chains, witnessFor: witnessFor)
            let path = "\(dir)/\(name).json"
            try Data(try configuration.encoded()).write(to: URL(fileURLWithPath: path))
            written.append(path)
        }
        return written
    }

    /// Creates `dir` with its `keys`, `genesis` and `data` folders and writes a new key for each
    /// name to `dir/keys/NAME.key` (mode 0600).
    static func writeKeys(_ names: [String], to dir: String, overwrite: Bool, written: inout [String]) throws -> [String: SignerKey] {
        for sub in ["", "keys", "genesis", "data"] {
            try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true)
        }
        var keys: [String: SignerKey] = [:]
        for name in names {
            let key = try SignerKey.generate(name: name)
            keys[name] = key
            let path = "\(dir)/keys/\(name).key"
            try IO.writePrivate(key.text + "\n", to: path, overwrite: overwrite)
            written.append(path)
        }
        return keys
    }

    /// Loads every node configuration in `dir` (what `vigil serve` would).
    static func load(from dir: String) throws -> [NodeSetup] {
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".json") }.sorted()
        return try files.map { try NodeConfiguration.load(path: "\(dir)/\($0)") }
    }
}
