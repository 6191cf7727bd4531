import Testing
import VigilLedger

/// The C2SP tlog-witness `add-checkpoint` rules, status by status.
@Suite struct WitnessTests {
    static let origin = "vigil.example/witnessed"
    static let log = try! SignerKey(name: origin, seed: Array(repeating: 21, count: 32))
    static let witness = try! Witness(
        key: SignerKey(name: "witness.example/w1", type: .cosignature, seed: Array(repeating: 22, count: 32)),
        logs: [origin: [log.verifierKey]])
    static let store: InMemoryHashStore = {
        var store = InMemoryHashStore()
        store.append(contentsOf: (0..<20).map { MerkleHasher.leafHash(Array("leaf \($0)".utf8)) })
        return store
    }()

    static func checkpoint(_ size: UInt64, root: Hash? = nil, signer: SignerKey = log) throws -> Note {
        let root = try root ?? MerkleProof.root(size: TreeSize(size), store: store)
        return try Checkpoint(origin: origin, size: TreeSize(size), root: root).signed(by: [signer])
    }

    static func record(_ size: UInt64) throws -> WitnessRecord {
        WitnessRecord(origin: origin, size: TreeSize(size), root: try MerkleProof.root(size: TreeSize(size), store: store))
    }

    static func request(old: UInt64, new: UInt64) throws -> AddCheckpointRequest {
        let proof = old == 0 || old == new ? [] : try MerkleProof.consistencyProof(from: TreeSize(old), to: TreeSize(new), store: store)
        return AddCheckpointRequest(oldSize: TreeSize(old), proof: proof, checkpoint: try checkpoint(new))
    }

    @Test func aConsistentCheckpointIsCosignedAndTheRecordAdvances() throws {
        let outcome = Self.witness.addCheckpoint(try Self.request(old: 5, new: 12), current: try Self.record(5), timestamp: 1_700_000_100)
        guard case .cosigned(let signatures, let record) = outcome else {
            Issue.record("not cosigned: \(outcome)")
            return
        }
        #expect(outcome.status == 200)
        #expect(record == (try Self.record(12)))
        // The cosignature verifies with the witness's 0x04 key over the checkpoint.
        var note = try Self.checkpoint(12)
        note.signatures += signatures
        let verified = try VerifierSet([Self.log.verifierKey, Self.witness.key.verifierKey]).verify(note)
        #expect(verified.verified.map(\.timestamp) == [nil, 1_700_000_100])
    }

    @Test func theFirstCheckpointNeedsOldSizeZeroAndNoProof() throws {
        #expect(Self.witness.addCheckpoint(try Self.request(old: 0, new: 7), current: nil, timestamp: 1).status == 200)
        var withProof = try Self.request(old: 0, new: 7)
        withProof.proof = [MerkleHasher.emptyRoot]
        #expect(Self.witness.addCheckpoint(withProof, current: nil, timestamp: 1).status == 422)
    }

    @Test func aStaleOldSizeIsAConflictCarryingTheWitnessSize() throws {
        let outcome = Self.witness.addCheckpoint(try Self.request(old: 5, new: 12), current: try Self.record(9), timestamp: 1)
        #expect(outcome.status == 409)
        guard case .conflict(let size, _) = outcome else { return }
        #expect(size == 9)
    }

    @Test func equalSizesNeedEqualRoots() throws {
        #expect(Self.witness.addCheckpoint(try Self.request(old: 9, new: 9), current: try Self.record(9), timestamp: 1).status == 200)
        let other = AddCheckpointRequest(oldSize: 9, proof: [], checkpoint: try Self.checkpoint(9, root: MerkleHasher.emptyRoot))
        #expect(Self.witness.addCheckpoint(other, current: try Self.record(9), timestamp: 1).status == 409)
    }

    @Test func anInconsistentCheckpointIsRefusedWith422() throws {
        var request = try Self.request(old: 5, new: 12)
        request.checkpoint = try Self.checkpoint(12, root: MerkleHasher.emptyRoot)
        let outcome = Self.witness.addCheckpoint(request, current: try Self.record(5), timestamp: 1)
        #expect(outcome.status == 422)
        var tampered = try Self.request(old: 5, new: 12)
        tampered.proof[0] = MerkleHasher.emptyRoot
        #expect(Self.witness.addCheckpoint(tampered, current: try Self.record(5), timestamp: 1).status == 422)
    }

    @Test func unknownOriginsUntrustedKeysAndShrinkingSizesAreRefused() throws {
        let stranger = try SignerKey(name: Self.origin, seed: Array(repeating: 99, count: 32))
        let untrusted = AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: try Self.checkpoint(3, signer: stranger))
        #expect(Self.witness.addCheckpoint(untrusted, current: nil, timestamp: 1).status == 403)
        let otherLog = try SignerKey(name: "vigil.example/other", seed: Array(repeating: 23, count: 32))
        let unknown = AddCheckpointRequest(
            oldSize: 0, proof: [], checkpoint: try Checkpoint(origin: otherLog.name, size: 1, root: MerkleHasher.emptyRoot).signed(by: [otherLog]))
        #expect(Self.witness.addCheckpoint(unknown, current: nil, timestamp: 1).status == 404)
        let shrinking = AddCheckpointRequest(oldSize: 12, proof: [], checkpoint: try Self.checkpoint(5))
        #expect(Self.witness.addCheckpoint(shrinking, current: try Self.record(12), timestamp: 1).status == 400)
    }

    @Test func theValidationHookRefusesWhatAReplicaCannotConfirm() throws {
        let outcome = Self.witness.addCheckpoint(try Self.request(old: 5, new: 12), current: try Self.record(5), timestamp: 1) { checkpoint in
            LedgerError(.rejectedEntry, "entry at size \(checkpoint.size) is not valid")
        }
        #expect(outcome.status == 422)
    }

    @Test func requestsRoundTripAndMalformedOnesAreRejected() throws {
        let request = try Self.request(old: 5, new: 12)
        #expect(try AddCheckpointRequest(parsing: request.body) == request)
        let text = String(decoding: request.body, as: UTF8.self)
        #expect(text.hasPrefix("old 5\n"))
        let bad = ["", "old 05\n\n", "old 5\nnot base64\n\n" + (try Self.checkpoint(12)).formatted, "old 5\n" + (try Self.checkpoint(12)).formatted]
        for body in bad {
            #expect(throws: LedgerError.self) { try AddCheckpointRequest(parsing: Array(body.utf8)) }
        }
        let tooLong = "old 5\n" + String(repeating: MerkleHasher.emptyRoot.base64 + "\n", count: 64) + "\n" + (try Self.checkpoint(12)).formatted
        #expect(throws: LedgerError(.malformedProofFile)) { try AddCheckpointRequest(parsing: Array(tooLong.utf8)) }
    }
}
