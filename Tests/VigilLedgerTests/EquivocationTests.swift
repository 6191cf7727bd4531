import Foundation
import Testing
import VigilLedger
import VigilTestSupport

/// Equivocation evidence made by nodes, the rotation that skips a convicted leader, and a leader
/// chosen by vote taking over at a checkpoint boundary (docs/protocol.md).
@Suite struct EquivocationTests {
    static let origin = Simulation.origin
    static let genesis: Entry = {
        let members = Simulation.names.map { ChainFixture.member($0, $0 == "cdc.district" ? .supervisor : .member) }
        return try! Entry.sign(
            chain: origin, kind: .config, author: ChainFixture.key(for: Simulation.leader), time: 0,
            body: Genesis(origin: origin, members: members, leader: Simulation.leader).json)
    }()

    static func machine(_ name: String, durable: NodeMachine.Durable? = nil) throws -> NodeMachine {
        try NodeMachine(name: name, key: ChainFixture.key(for: name), genesis: genesis, durable: durable)
    }

    static func caseEntry(by author: String, _ id: String, time: Int64 = 1) throws -> Entry {
        try Entry.sign(
            chain: origin, kind: .proposal, author: ChainFixture.key(for: author), time: time,
            body: ["subject": "suspected-case", "data": ChainFixture.suspectedCase(nationalID: id)])
    }

    /// A proposal by `leader` of the genesis plus `entries`, signed as leader in `view`.
    static func proposal(_ entries: [Entry], by leader: String = Simulation.leader, view: UInt64 = 0) throws -> CheckpointProposal {
        var store = InMemoryHashStore()
        store.append(genesis.hash)
        store.append(contentsOf: entries.map(\.hash))
        let note = try Checkpoint(origin: origin, size: store.tree.size, root: store.tree.root, extensions: view == 0 ? [] : ["view \(view)"])
            .signed(by: [try ChainFixture.key(for: leader).renamed(origin)])
        let proof = try MerkleProof.consistencyProof(from: 1, to: store.tree.size, store: store)
        return CheckpointProposal(request: AddCheckpointRequest(oldSize: 1, proof: proof, checkpoint: note), entries: entries)
    }

    static func viewChange(_ view: UInt64, from sender: String) throws -> ViewChange {
        var change = ViewChange(view: view, sender: sender, lock: nil, final: nil, signature: [])
        change.signature = try ChainFixture.key(for: sender).sign(text: change.statement(origin: origin)).signature
        return change
    }

    @Test func aWitnessShownTwoCheckpointsOfOneSizeAccusesTheLeaderAndTheNextLeaderSequencesTheEvidence() throws {
        // community.a leads view 1 after clinic.river.
        var node = try Self.machine("community.a")
        let a = try Self.proposal([try Self.caseEntry(by: "clinic.hill", "a")])
        let b = try Self.proposal([try Self.caseEntry(by: "cdc.district", "b")])
        let voted = node.receive(.propose(a), from: Simulation.leader, now: 1)
        #expect(voted.contains { if case .send(Simulation.leader, .prepare) = $0 { true } else { false } })
        #expect(node.durable.checkpoints.count == 1)
        // Another witness echoes what the leader showed it: same size, another root.
        let echo = Note(b.request.checkpoint)
        let effects = node.receive(.final(echo), from: "clinic.hill", now: 2)
        // Both checkpoints go to every other member, and the node leaves the liar's view.
        for peer in ["cdc.district", "clinic.hill", "clinic.river"] {
            let sent = effects.compactMap { effect -> Note? in
                if case .send(peer, .final(let note)) = effect { note } else { nil }
            }
            #expect(Set(sent.map(\.text)) == [a.request.checkpoint.text, b.request.checkpoint.text], "to \(peer)")
        }
        #expect(node.view == 1 && node.changing)
        #expect(node.durable.checkpoints.count == 2)
        // A second echo of the same lie accuses no one again.
        let again = node.receive(.final(echo), from: "cdc.district", now: 3)
        #expect(!again.contains { if case .viewChanged = $0 { true } else { false } })
        // With a quorum of view changes it starts view 1 and proposes the evidence.
        _ = node.receive(.viewChange(try Self.viewChange(1, from: "cdc.district")), from: "cdc.district", now: 4)
        let started = node.receive(.viewChange(try Self.viewChange(1, from: "clinic.hill")), from: "clinic.hill", now: 4)
        #expect(node.isLeader && !node.changing)
        let proposed = started.compactMap { effect -> CheckpointProposal? in
            if case .send("clinic.hill", .propose(let proposal)) = effect { proposal } else { nil }
        }
        let evidence = try #require(proposed.first?.entries.first { $0.kind == .evidence })
        #expect(evidence.author == "community.a")
        var state = try ChainState(genesis: Self.genesis)
        try state.apply(evidence)
        #expect(state.equivocations.map(\.offender) == [Simulation.leader])
        #expect(state.equivocations.first?.size == 2)
    }

    @Test func theMemoryOfCheckpointsSurvivesARestartAndStillAccuses() throws {
        var node = try Self.machine("cdc.district")
        let a = try Self.proposal([try Self.caseEntry(by: "clinic.hill", "a")])
        _ = node.receive(.propose(a), from: Simulation.leader, now: 1)
        var restarted = try Self.machine("cdc.district", durable: node.durable)
        let b = try Self.proposal([try Self.caseEntry(by: "community.a", "b")])
        let effects = restarted.receive(.commit(PrepareCertificate(view: 0, checkpoint: b.request.checkpoint, votes: [:])), from: Simulation.leader, now: 2)
        #expect(effects.contains { if case .viewChanged(1, _) = $0 { true } else { false } })
    }

    @Test func checkpointsOfOneLeaderInDifferentViewsAreNoEquivocation() throws {
        var node = try Self.machine("cdc.district")
        let a = try Self.proposal([try Self.caseEntry(by: "clinic.hill", "a")])
        // clinic.river leads views 0 and 4: a new view may re-sequence what was never final.
        let b = try Self.proposal([try Self.caseEntry(by: "community.a", "b")], view: 4)
        _ = node.receive(.propose(a), from: Simulation.leader, now: 1)
        let effects = node.receive(.final(Note(b.request.checkpoint)), from: "clinic.hill", now: 2)
        #expect(effects.allSatisfy { if case .persist = $0 { true } else { false } }, "\(effects)")
        #expect(node.view == 0 && !node.changing)
        // And the chain refuses such a pair as evidence.
        var state = try ChainState(genesis: Self.genesis)
        let entry = try Entry.sign(
            chain: Self.origin, kind: .evidence, author: ChainFixture.key(for: "cdc.district"), time: 3,
            body: ["checkpoints": .array([.string(a.request.checkpoint.formatted), .string(b.request.checkpoint.formatted)])])
        #expect(throws: LedgerError.self) { try state.apply(entry) }
        #expect(state.equivocations.isEmpty)
    }

    @Test func committedEvidenceTakesTheOffenderOutOfTheRotation() throws {
        let a = try Self.proposal([try Self.caseEntry(by: "clinic.hill", "a")])
        let b = try Self.proposal([try Self.caseEntry(by: "cdc.district", "b")])
        let evidence = try Entry.sign(
            chain: Self.origin, kind: .evidence, author: ChainFixture.key(for: "clinic.hill"), time: 3,
            body: ["checkpoints": .array([.string(a.request.checkpoint.formatted), .string(b.request.checkpoint.formatted)])])
        let before = try Self.machine("clinic.hill")
        #expect((0..<8).map { before.leader(of: $0) } == [
            "clinic.river", "community.a", "cdc.district", "clinic.hill", "clinic.river", "community.a", "cdc.district", "clinic.hill",
        ])
        let after = try Self.machine("clinic.hill", durable: NodeMachine.Durable(entries: [Self.genesis, evidence]))
        #expect((0..<8).map { after.leader(of: $0) } == [
            "community.a", "community.a", "cdc.district", "clinic.hill", "community.a", "community.a", "cdc.district", "clinic.hill",
        ])
    }

    @Test func aLeaderVotedTakesOverFromTheCheckpointThatCommitsTheVote() throws {
        var network = try Network()
        let proposal = try Entry.sign(
            chain: Self.origin, kind: .proposal, author: ChainFixture.key(for: "cdc.district"), time: 1,
            body: ["subject": "leader", "data": ["leader": "clinic.hill"]])
        network.submit(proposal, at: "cdc.district")
        network.run(seconds: 4)
        #expect(network.machines.values.allSatisfy { $0.committedState.proposals[proposal.hash] != nil })
        for voter in ["clinic.river", "community.a"] {
            network.submit(
                try Entry.sign(
                    chain: Self.origin, kind: .vote, author: ChainFixture.key(for: voter), time: 5,
                    body: ["proposal": .string(proposal.hash.hex), "approve": true]), at: voter)
        }
        network.run(seconds: 20)
        for (name, machine) in network.machines {
            #expect(machine.committedState.leader == "clinic.hill", "\(name)")
            // View 4 is the first after view 0 that the new rotation gives clinic.hill.
            #expect(machine.view == 4 && !machine.changing && machine.leader == "clinic.hill", "\(name): view \(machine.view)")
        }
        // And the new leader sequences: an entry submitted anywhere commits everywhere.
        let later = try Self.caseEntry(by: "community.a", "later", time: 30)
        network.submit(later, at: "community.a")
        network.run(seconds: 10)
        for (name, machine) in network.machines {
            #expect(machine.committedState.contains(entry: later.hash), "\(name)")
            let final = try #require(machine.durable.final)
            let signer = try ChainFixture.key(for: "clinic.hill").renamed(Self.origin).verifierKey
            #expect(final.signatures.contains { $0.keyID == signer.keyID }, "\(name): the final checkpoint is clinic.hill's")
        }
    }

    /// Four honest nodes over a perfect network, one step per second.
    struct Network {
        var machines: [String: NodeMachine] = [:]
        var queue: [(from: String, to: String, message: NodeMessage)] = []
        var now: Int64 = 0

        init() throws {
            for name in Simulation.names { machines[name] = try EquivocationTests.machine(name) }
        }

        mutating func perform(_ name: String, _ effects: [NodeEffect]) {
            for case .send(let to, let message) in effects { queue.append((name, to, message)) }
        }

        mutating func submit(_ entry: Entry, at name: String) {
            let effects = machines[name]!.submit(entry, now: now)
            perform(name, effects)
        }

        mutating func run(seconds: Int64) {
            for _ in 0..<seconds {
                now += 1
                var rounds = 0
                while !queue.isEmpty, rounds < 50 {
                    let due = queue
                    queue = []
                    for item in due { perform(item.to, machines[item.to]!.receive(item.message, from: item.from, now: now)) }
                    rounds += 1
                }
                for name in Simulation.names { perform(name, machines[name]!.tick(now: now)) }
            }
        }
    }
}

extension Note {
    /// The note with its first signature only.
    init(_ note: Note) { try! self.init(text: note.text, signatures: Array(note.signatures.prefix(1))) }
}
