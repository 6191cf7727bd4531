import Foundation
import VigilLedger
import VigilServer

/// The shape of a local network: community chains under one district chain, whose leader is the
/// community chains' supervisor and relays their accepted reports upwards.
struct NetworkTopology {
    struct ChainPlan {
        var slug: String
        var origin: String
        var members: [(String, MemberRole)]
        var leader: String
    }

    var communities: [ChainPlan]
    var district: ChainPlan
    /// The area secret the community chains share (so that pseudonyms agree across the district),
    /// relative to the network's directory.
    var areaSecretFile: String
    /// Health-code settings by node name.
    var codes: [String: NodeConfiguration.Codes] = [:]

    /// Every node, sorted.
    var names: [String] { Set((communities.flatMap(\.members) + district.members).map(\.0)).sorted() }

    /// Writes keys, genesis entries and node configurations to `dir`; each node listens on
    /// `ports[name]`. Returns the paths written.
    func write(to dir: String, host: String, ports: [String: Int], overwrite: Bool) throws -> [String] {
        var written: [String] = []
        let keys = try Network.writeKeys(names, to: dir, overwrite: overwrite, written: &written)
        let time = Int64(Date().timeIntervalSince1970)
        let member = { (name: String, role: MemberRole) in Member(name: name, key: keys[name]!.verifierKey, role: role) }

        var genesisEntries: [(String, Entry)] = []
        var communityPolicies: [String: Policy] = [:]
        var children: [LinkedChain] = []
        for chain in communities {
            var genesis = Genesis(origin: chain.origin, members: chain.members.map(member), leader: chain.leader)
            genesis.parent = district.origin
            let entry = try Entry.sign(chain: chain.origin, kind: .config, author: keys[chain.leader]!, time: time, body: genesis.json)
            let policy = NodeMachine.checkpointPolicy(for: try ChainState(genesis: entry))
            communityPolicies[chain.origin] = policy
            children.append(LinkedChain(origin: chain.origin, policy: policy))
            genesisEntries.append((chain.slug, entry))
        }
        var districtGenesis = Genesis(origin: district.origin, members: district.members.map(member), leader: district.leader)
        districtGenesis.children = children
        genesisEntries.append(
            (district.slug, try Entry.sign(chain: district.origin, kind: .config, author: keys[district.leader]!, time: time, body: districtGenesis.json)))
        for (slug, entry) in genesisEntries {
            let path = "\(dir)/genesis/\(slug).json"
            try Data(entry.bytes + [0x0A]).write(to: URL(fileURLWithPath: path))
            written.append(path)
        }

        // The area secret: the community chains' members' pseudonyms of national ids agree, so
        // each can match a reported case to its own records (mode 0600, like the keys).
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        try IO.writePrivate(secret + "\n", to: "\(dir)/\(areaSecretFile)", overwrite: overwrite)
        written.append("\(dir)/\(areaSecretFile)")

        let url = { (name: String) in "http://\(host):\(ports[name]!)" }
        let chains = communities.map { ($0, true) } + [(district, false)]
        for name in names {
            var configured: [NodeConfiguration.Chain] = []
            for (chain, isCommunity) in chains where chain.members.contains(where: { $0.0 == name }) {
                let peers = Dictionary(uniqueKeysWithValues: chain.members.map(\.0).filter { $0 != name }.map { ($0, url($0)) })
                // A node's API reports cases to one chain: its first community chain.
                let reportsHere = isCommunity && !configured.contains { $0.areaSecretFile != nil }
                configured.append(
                    NodeConfiguration.Chain(
                        slug: chain.slug, genesis: "genesis/\(chain.slug).json", peers: peers, areaSecretFile: reportsHere ? areaSecretFile : nil,
                        bulletins: !isCommunity && name == district.leader ? true : nil))
            }
            // District members not on a community chain witness its checkpoints as plain C2SP witnesses.
            let witnessFor: [NodeConfiguration.WitnessedLog] = communities.compactMap { chain in
                guard !chain.members.contains(where: { $0.0 == name }), district.members.contains(where: { $0.0 == name }) else { return nil }
                return .init(origin: chain.origin, keys: communityPolicies[chain.origin]!.logs.map { $0.key.description })
            }
            var configuration = NodeConfiguration(
                name: name, keyFile: "keys/\(name).key", http: .init(host: host, port: ports[name]!), store: "sqlite:data/\(name).sqlite",
                chains: configured, witnessFor: witnessFor)
            configuration.codes = codes[name]
            let path = "\(dir)/\(name).json"
            try Data(try configuration.encoded()).write(to: URL(fileURLWithPath: path))
            written.append(path)
        }
        return written
    }
}
