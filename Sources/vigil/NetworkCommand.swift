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

    /// The network `vigil network init` writes: one community chain under the district chain.
    static var standard: NetworkTopology {
        NetworkTopology(
            communities: [.init(slug: community.slug, origin: community.origin, members: communityMembers, leader: "community.riverside")],
            district: .init(slug: district.slug, origin: district.origin, members: districtMembers, leader: "cdc.district"),
            areaSecretFile: "keys/\(community.slug).area-secret")
    }

    /// Writes the network; returns the paths written.
    static func write(to dir: String, host: String, basePort: Int, overwrite: Bool) throws -> [String] {
        let ports = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($0.element, basePort + $0.offset) })
        return try standard.write(to: dir, host: host, ports: ports, overwrite: overwrite)
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
