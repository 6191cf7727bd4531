import Testing
import VigilLedger
import VigilTestSupport

/// The seed paper's own examples, as scenario tests.
@Suite struct ChainScenarioTests {
    /// Fig. 1: four nodes; N3 submits a suspected case M and N1, N2 and N4 endorse it.
    @Test func fourNodesEndorseASuspectedCase() throws {
        var chain = try ChainFixture(
            origin: "vigil.example/fig1", members: [("N1", .member), ("N2", .member), ("N3", .member), ("N4", .supervisor)], leader: "N1"
        ) { genesis in
            genesis.policies[.suspectedCase]!.threshold = .fraction(1, 1)  // every other node endorses
        }
        let m = try chain.propose(.suspectedCase, by: "N3", data: ChainFixture.suspectedCase(nationalID: "110101199001011234"))
        try chain.vote(m, by: "N1")
        try chain.vote(m, by: "N2")
        #expect(chain.state.proposals[m]!.status == .pending)
        try chain.vote(m, by: "N4")
        let proposal = chain.state.proposals[m]!
        #expect(proposal.status == .accepted)
        #expect(proposal.approvers == ["N1", "N2", "N4"])
        let rules = chain.state.genesis.credits
        #expect(chain.state.credits["N3"] == rules.reportAccepted)
        #expect(chain.state.credits["N1"] == rules.endorsementAccepted)
        // The hospital (N4 here) confirms the case later: the reporter and endorsers earn more.
        try chain.append(.outcome, by: "N4", body: ["proposal": .string(m.hex), "result": "confirmed"])
        #expect(chain.state.credits["N3"] == rules.reportAccepted + rules.outcomeConfirmed)
        #expect(chain.state.credits["N2"] == rules.endorsementAccepted + rules.endorsementConfirmed)
        // Nothing personal went on the chain: the national id is not in any entry.
        #expect(!chain.entries.contains { String(decoding: $0.bytes, as: UTF8.self).contains("110101199001011234") })
    }

    /// Fig. 3: A is the dominant node in stage 1; in stage 2 B is voted dominant and E admitted.
    @Test func dynamicAutonomyVotesStageLeaderAndNewMember() throws {
        var chain = try ChainFixture(
            origin: "vigil.example/fig3", members: [("A", .member), ("B", .member), ("C", .member), ("D", .supervisor)], leader: "A")
        #expect(chain.state.leader == "A")
        #expect(chain.state.stage == .prevention)

        let toAlert = try chain.propose(.stage, by: "A", data: ["stage": "alert"])
        try chain.vote(toAlert, by: "B")
        try chain.vote(toAlert, by: "C")
        // A majority, but the stage also needs every supervisor.
        #expect(chain.state.stage == .prevention)
        try chain.vote(toAlert, by: "D")
        #expect(chain.state.stage == .alert)

        let leaderB = try chain.propose(.leader, by: "C", data: ["leader": "B"])
        try chain.vote(leaderB, by: "A")
        try chain.vote(leaderB, by: "D")
        #expect(chain.state.leader == "B")

        let e = ChainFixture.member("E")
        let admitE = try chain.propose(.admitMember, by: "B", data: ["name": "E", "key": .string(e.key.description), "role": "member"])
        try chain.vote(admitE, by: "A")
        #expect(chain.state.members["E"] == nil)
        try chain.vote(admitE, by: "C")
        #expect(chain.state.members["E"] == e)
        // E now votes like any member.
        let report = try chain.propose(.suspectedCase, by: "E", data: ChainFixture.suspectedCase(nationalID: "E-1"))
        try chain.vote(report, by: "B")
        try chain.vote(report, by: "C")
        #expect(chain.state.proposals[report]!.status == .accepted)
    }

    /// Fig. 4: agencies A and B with supervisor R on chain N1; R vetoes a false report; R relays
    /// an accepted case to chain N2, supervised by T; then the response stage, where R's orders
    /// go to every member.
    @Test func supervisionVetoRelayAndResponseStage() throws {
        var n1 = try ChainFixture(origin: "vigil.example/n1", members: [("A", .member), ("B", .member), ("R", .supervisor)], leader: "A")

        // A false report: R vetoes it at once; A carries the stain.
        let falseReport = try n1.propose(.suspectedCase, by: "A", data: ChainFixture.suspectedCase(nationalID: "false-1"))
        try n1.veto(falseReport, by: "R", reason: "the person was out of the district")
        #expect(n1.state.proposals[falseReport]!.status == .vetoed(by: "R", reason: "the person was out of the district"))
        #expect(n1.state.credits["A"] == n1.state.genesis.credits.reportVetoed)
        #expect(throws: LedgerError(.rejectedEntry)) { try n1.vote(falseReport, by: "B") }

        // A true report by B, endorsed by A and R.
        let caseY = try n1.propose(.suspectedCase, by: "B", data: ChainFixture.suspectedCase(nationalID: "case-Y"))
        try n1.vote(caseY, by: "A")
        try n1.vote(caseY, by: "R")
        #expect(n1.state.proposals[caseY]!.status == .accepted)

        // Chain N2 registers N1 as a child with N1's policy: 2 of N1's 3 members must cosign.
        var n2 = try ChainFixture(origin: "vigil.example/n2", members: [("R", .member), ("T", .supervisor), ("V", .member)], leader: "T") { genesis in
            genesis.children = [LinkedChain(origin: "vigil.example/n1", policy: try! n1.policy(quorum: 2))]
        }
        let checkpoint = try n1.checkpoint(cosigners: ["A", "R"])
        let proposalIndex = n1.entries.firstIndex { $0.hash == caseY }!
        let votes = n1.entries.indices.filter { n1.entries[$0].kind == .vote && n1.entries[$0].body["proposal"] == .string(caseY.hex) }
        // The child's genesis, the proposal and the votes that accepted it, with their proofs.
        let records = [0, proposalIndex] + votes
        let body = try RecordBundle.body(
            from: "vigil.example/n1", entries: records.map { n1.entries[$0] },
            indices: records.map { LeafIndex(UInt64($0)) }, store: n1.store, checkpoint: checkpoint)
        let relay = try n2.append(.relay, by: "R", body: body)
        let relayed = n2.state.proposals[relay.hash]!
        #expect(relayed.relayedFrom == "vigil.example/n1")
        #expect(relayed.status == .pending)
        try n2.vote(relay.hash, by: "T")
        try n2.vote(relay.hash, by: "V")
        #expect(n2.state.proposals[relay.hash]!.status == .accepted)
        // The same record cannot be relayed twice.
        #expect(throws: LedgerError(.rejectedEntry)) { try n2.append(.relay, by: "R", body: body) }

        // N1 enters the response stage (majority and the supervisor).
        let response = try n1.propose(.stage, by: "A", data: ["stage": "response"])
        try n1.vote(response, by: "B")
        try n1.vote(response, by: "R")
        #expect(n1.state.stage == .response)
        // R organises: its order goes to every member, whatever it names.
        let order = try n1.order(by: "R", to: ["A"], text: "close the riverside market; screen building 3")
        #expect(n1.state.orders.last!.recipients == ["A", "B"])
        // A member's cosignature of a checkpoint covering the order is its receipt.
        n1.recordReceipts(cosigners: ["B"])
        #expect(n1.state.orders.last!.receipts == ["B"])
        #expect(n1.state.orders.last!.id == order.hash)
        // An ordinary member cannot order.
        #expect(throws: LedgerError(.rejectedEntry)) { try n1.order(by: "B", to: ["all"], text: "no") }
    }
}
