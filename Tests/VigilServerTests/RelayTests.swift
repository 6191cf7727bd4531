import Foundation
import Testing
import VigilLedger
import VigilServer
import VigilStore
import VigilTestSupport

/// A community chain and its district chain on loopback: the community's supervisor relays an
/// accepted report upward by itself, also when a member admitted after the genesis endorsed it.
@Suite(.serialized) struct RelayTests {
    static let district = "vigil.test/district"

    @Test func anAcceptedReportEndorsedByALaterMemberIsRelayedToTheParent() async throws {
        var child = try ChainFixture(
            origin: "vigil.test/community", members: Chains.names.map { ($0, $0 == "cdc.district" ? .supervisor : .member) }, leader: "clinic.river",
            startTime: Int64(Date().timeIntervalSince1970) - 60
        ) { $0.parent = Self.district }
        let childPolicy = NodeMachine.checkpointPolicy(for: child.state)
        let parentNames = ["cdc.district", "police.district", "transport.district"]
        let parent = try ChainFixture(
            origin: Self.district, members: parentNames.map { ($0, .member) }, leader: "police.district",
            startTime: Int64(Date().timeIntervalSince1970) - 60
        ) { $0.children = [LinkedChain(origin: child.state.origin, policy: childPolicy)] }
        let childSetup = Chains.setup(child, slug: "community")
        let parentSetup = Chains.setup(parent, slug: "district")

        var nodes: [String: RunningNode] = [:]
        for name in Set(Chains.names + parentNames).sorted() {
            let chains = (Chains.names.contains(name) ? [childSetup] : []) + (parentNames.contains(name) ? [parentSetup] : [])
            nodes[name] = try await RunningNode.start(name, chains: chains, store: InMemoryLedgerStore())
        }
        connect(Chains.names.map { nodes[$0]! }, origin: child.state.origin)
        connect(parentNames.map { nodes[$0]! }, origin: Self.district)

        /// Signs `entry` and submits it through the author's node (the newcomer has none: the
        /// leader's), then waits until every child node has committed it.
        func commit(_ entry: Entry) async throws {
            let via = nodes[entry.author] ?? nodes["clinic.river"]!
            let answer = try await HTTP.post("\(via.url)/node/v1/chains/community/entries", body: entry.bytes)
            #expect(answer.status == 202, "\(answer.text)")
            for name in Chains.names {
                let done = try await eventually {
                    try await HTTP.get("\(nodes[name]!.url)/node/v1/chains/community/entries/\(entry.hash.hex)").json()["status"] as? String == "committed"
                }
                #expect(done, "\(name) did not commit \(entry.kind)")
            }
        }

        // The community admits clinic.new (two thirds of four), then clinic.new endorses a report.
        let newcomer = ChainFixture.member("clinic.new")
        let admission = try child.sign(
            .proposal, by: "community.a",
            body: ["subject": "admit-member", "data": ["name": "clinic.new", "key": .string(newcomer.key.description), "role": "member"]])
        try await commit(admission)
        for voter in ["clinic.hill", "clinic.river"] {
            try await commit(try child.sign(.vote, by: voter, body: ["proposal": .string(admission.hash.hex), "approve": true]))
        }
        let report = try child.sign(.proposal, by: "clinic.hill", body: ["subject": "suspected-case", "data": ChainFixture.suspectedCase(nationalID: "relay-1")])
        try await commit(report)
        try await commit(try child.sign(.vote, by: "clinic.new", body: ["proposal": .string(report.hash.hex), "approve": true]))
        try await commit(try child.sign(.vote, by: "community.a", body: ["proposal": .string(report.hash.hex), "approve": true]))
        let state = try await HTTP.get("\(nodes["clinic.hill"]!.url)/node/v1/chains/community/state").json()
        let proposals = state["proposals"] as? [[String: Any]] ?? []
        #expect(proposals.first { $0["id"] as? String == report.hash.hex }?["approvers"] as? [String] == ["clinic.new", "community.a"])

        // cdc.district relays it; the district members see it as a pending report.
        var relayed: [String: Any]?
        let arrived = try await eventually {
            let district = try await HTTP.get("\(nodes["transport.district"]!.url)/node/v1/chains/district/state").json()
            relayed = (district["proposals"] as? [[String: Any]])?.first { $0["relayedFrom"] as? String == "vigil.test/community" }
            return relayed != nil
        }
        #expect(arrived, "the report was not relayed to the district chain")
        #expect(relayed?["author"] as? String == "cdc.district")
        for node in nodes.values { try await node.stop() }
    }
}
