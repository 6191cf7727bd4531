import Foundation
import NIOHTTP1
import Testing
import VigilLedger
import VigilServer
import VigilStore
import VigilTestSupport

/// The C2SP tlog-witness `add-checkpoint` endpoint for the logs under `witnessFor`.
@Suite(.serialized) struct WitnessEndpointTests {
    static let logOrigin = "example.org/witnessed-log"
    static let logKey = ChainFixture.key(for: "example.org/witnessed-log")

    /// A log of `size` leaves and its signed checkpoint.
    static func log(size: Int) throws -> (store: InMemoryHashStore, note: Note) {
        var store = InMemoryHashStore()
        for i in 0..<size { store.append(MerkleHasher.leafHash(Array("leaf \(i)".utf8))) }
        let note = try Checkpoint(origin: logOrigin, size: store.tree.size, root: store.tree.root).signed(by: [logKey])
        return (store, note)
    }

    @Test func addCheckpointCosignsThenAnswers409And422And404() async throws {
        let fixture = try Chains.solo()
        let node = try await RunningNode.start(
            "solo.node", chains: [Chains.setup(fixture, slug: "solo")], store: InMemoryLedgerStore(),
            witnessFor: [Self.logOrigin: [Self.logKey.verifierKey]])
        let url = "\(node.url)/node/v1/add-checkpoint"

        let (small, first) = try Self.log(size: 3)
        let ok = try await HTTP.post(url, body: AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: first).body)
        #expect(ok.status == 200, "\(ok.text)")
        let cosigned = try Note(parsing: first.formatted + ok.text)
        let witnessKey = ChainFixture.key(for: "solo.node").withType(.cosignature).verifierKey
        let verified = try VerifierSet([witnessKey, Self.logKey.verifierKey]).verify(cosigned)
        #expect(verified.verified.contains { $0.name == "solo.node" })

        let (big, second) = try Self.log(size: 7)
        let stale = try await HTTP.post(url, body: AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: second).body)
        #expect(stale.status == 409)
        #expect(stale.headers["Content-Type"].first == "text/x.tlog.size")
        #expect(stale.text == "3\n")

        let proof = try MerkleProof.consistencyProof(from: 3, to: 7, store: big)
        var wrong = proof
        wrong[0] = MerkleHasher.leafHash(Array("forged".utf8))
        let badProof = try await HTTP.post(url, body: AddCheckpointRequest(oldSize: 3, proof: wrong, checkpoint: second).body)
        #expect(badProof.status == 422, "\(badProof.text)")

        let good = try await HTTP.post(url, body: AddCheckpointRequest(oldSize: 3, proof: proof, checkpoint: second).body)
        #expect(good.status == 200, "\(good.text)")
        #expect(try await node.node.store.witnessState(for: Self.logOrigin)?.size == 7)
        _ = small

        let other = try Checkpoint(origin: "example.org/other", size: 1, root: big.tree.root).signed(by: [ChainFixture.key(for: "example.org/other")])
        let unknown = try await HTTP.post(url, body: AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: other).body)
        #expect(unknown.status == 404)

        let forged = try Checkpoint(origin: Self.logOrigin, size: 9, root: big.tree.root).signed(by: [ChainFixture.key(for: Self.logOrigin + "x").renamed(Self.logOrigin)])
        let untrusted = try await HTTP.post(url, body: AddCheckpointRequest(oldSize: 7, proof: [], checkpoint: forged).body)
        #expect(untrusted.status == 403, "\(untrusted.text)")

        let malformed = try await HTTP.post(url, body: Array("old x\n\nnot a note".utf8))
        #expect(malformed.status == 400)
        try await node.stop()
    }
}
