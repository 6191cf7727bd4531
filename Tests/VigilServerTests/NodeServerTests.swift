import Foundation
import NIOHTTP1
import Testing
import VigilLedger
import VigilServer
import VigilStore
import VigilTestSupport

@Suite(.serialized) struct NodeServerTests {
    // MARK: Commit over HTTP

    @Test func submittedEntryCommitsOnEveryNode() async throws {
        var fixture = try Chains.community()
        let chain = Chains.setup(fixture, slug: "community")
        var nodes: [RunningNode] = []  // stopped at the end
        for name in Chains.names { nodes.append(try await RunningNode.start(name, chains: [chain], store: InMemoryLedgerStore())) }
        connect(nodes, origin: chain.origin)

        let entry = try Chains.suspectedCase(&fixture, by: "clinic.hill", id: "commit-1")
        let hill = nodes[1]
        let answer = try await HTTP.post("\(hill.url)/node/v1/chains/community/entries", body: entry.bytes)
        #expect(answer.status == 202, "\(answer.text)")
        let hash = try answer.json()["hash"] as? String
        #expect(hash == entry.hash.hex)

        for node in nodes {
            let committed = try await eventually {
                let status = try await HTTP.get("\(node.url)/node/v1/chains/community/entries/\(entry.hash.hex)")
                guard status.status == 200 else { return false }
                return try status.json()["status"] as? String == "committed"
            }
            #expect(committed, "\(node.name) did not commit the entry")
        }
        let status = try await HTTP.get("\(nodes[0].url)/node/v1/status").json()
        let chains = try #require(status["chains"] as? [[String: Any]])
        #expect(chains.first?["committedSize"] as? Int == 2)
        #expect(chains.first?["leader"] as? String == "clinic.river")
        let metrics = try await HTTP.get("\(nodes[2].url)/metrics").text
        #expect(metrics.contains("vigil_entries_committed_total{chain=\"community\"} 1"))
        #expect(metrics.contains("vigil_chain_size{chain=\"community\"} 2"))
        for node in nodes { try await node.stop() }
    }

    @Test func anEntryTheChainRefusesGets422AndAnUnknownEntry404() async throws {
        var fixture = try Chains.solo()
        let node = try await RunningNode.start("solo.node", chains: [Chains.setup(fixture, slug: "solo")], store: InMemoryLedgerStore())
        let outsider = try fixture.sign(.proposal, by: "outsider", body: ["subject": "suspected-case", "data": ChainFixture.suspectedCase(nationalID: "o")])
        let refused = try await HTTP.post("\(node.url)/node/v1/chains/solo/entries", body: outsider.bytes)
        #expect(refused.status == 422, "\(refused.text)")
        #expect(refused.headers["Content-Type"].first == "application/problem+json")
        let malformed = try await HTTP.post("\(node.url)/node/v1/chains/solo/entries", body: Array("{\"v\":1}".utf8))
        #expect(malformed.status == 400)
        let unknown = try await HTTP.get("\(node.url)/node/v1/chains/solo/entries/\(outsider.hash.hex)")
        #expect(unknown.status == 404)
        let noChain = try await HTTP.get("\(node.url)/node/v1/chains/elsewhere/checkpoint")
        #expect(noChain.status == 404)
        try await node.stop()
    }

    // MARK: Signed messages

    @Test func unsignedMisSignedOversizedAndMalformedMessagesAreRefusedAndChangeNothing() async throws {
        let fixture = try Chains.community()
        let chain = Chains.setup(fixture, slug: "community")
        let node = try await RunningNode.start("clinic.hill", chains: [chain], store: InMemoryLedgerStore(), maxMessageBytes: 64 * 1024)
        let url = "\(node.url)/node/v1/messages"
        let before = try await HTTP.get("\(node.url)/node/v1/status").text

        let now = Int64(Date().timeIntervalSince1970)
        let message = NodeMessage.fetch(from: 1)
        func sealed(from: String = "clinic.river", to: String = "clinic.hill", time: Int64 = now, key: String? = nil) throws -> ([UInt8], String) {
            let envelope = MessageEnvelope(chain: chain.origin, from: from, to: to, time: time, message: message)
            let (body, signature) = try envelope.sealed(by: ChainFixture.key(for: key ?? from))
            return (body, Data(signature).base64EncodedString())
        }
        func post(_ body: [UInt8], signature: String?) async throws -> HTTP.Answer {
            try await HTTP.post(url, body: body, headers: signature.map { [("Vigil-Signature", $0)] } ?? [])
        }
        func code(_ answer: HTTP.Answer) -> String? { (try? answer.json())?["code"] as? String }

        let (body, signature) = try sealed()
        let unsigned = try await post(body, signature: nil)
        #expect(unsigned.status == 401 && code(unsigned) == "unsigned", "\(unsigned.text)")

        let (_, wrongKey) = try sealed(key: "community.a")
        let misSigned = try await post(body, signature: wrongKey)
        #expect(misSigned.status == 403 && code(misSigned) == "bad-signature", "\(misSigned.text)")

        var tampered = body
        tampered[tampered.count - 3] ^= 0x01
        let altered = try await post(tampered, signature: signature)
        #expect([400, 403].contains(altered.status), "\(altered.text)")

        let (outsiderBody, outsiderSignature) = try sealed(from: "outsider")
        let outsider = try await post(outsiderBody, signature: outsiderSignature)
        #expect(outsider.status == 403 && code(outsider) == "not-a-member", "\(outsider.text)")

        let (otherBody, otherSignature) = try sealed(to: "community.a")
        let misdirected = try await post(otherBody, signature: otherSignature)
        #expect(misdirected.status == 421, "\(misdirected.text)")

        let (staleBody, staleSignature) = try sealed(time: now - 3600)
        let stale = try await post(staleBody, signature: staleSignature)
        #expect(stale.status == 403 && code(stale) == "stale", "\(stale.text)")

        let oversized = try await post(Array(repeating: 0x20, count: 65 * 1024), signature: signature)
        #expect(oversized.status == 413, "\(oversized.text)")

        let malformed = try await post(Array("{\"v\":1,\"chain\":".utf8), signature: signature)
        #expect(malformed.status == 400 && code(malformed) == "malformed", "\(malformed.text)")

        let badMessage = ChainFixture.key(for: "clinic.river").withType(.ed25519)
        let garbage = Array(
            "{\"chain\":\"\(chain.origin)\",\"from\":\"clinic.river\",\"message\":{\"type\":\"cosign\"},\"time\":\(now),\"to\":\"clinic.hill\",\"v\":1}".utf8)
        let garbageSignature = Data(try badMessage.sign(text: MessageEnvelope.domain + garbage).signature).base64EncodedString()
        let incomplete = try await post(garbage, signature: garbageSignature)
        #expect(incomplete.status == 400, "\(incomplete.text)")

        let after = try await HTTP.get("\(node.url)/node/v1/status").text
        #expect(before == after)
        #expect(node.node.metrics.counter("vigil_messages_received_total") == 0)

        let good = try await post(body, signature: signature)
        #expect(good.status == 202, "\(good.text)")
        #expect(node.node.metrics.counter("vigil_messages_received_total") == 1)
        try await node.stop()
    }

    @Test func everyMessageKindSurvivesTheWireCodec() throws {
        var fixture = try Chains.community()
        let entry = try Chains.suspectedCase(&fixture, by: "clinic.hill", id: "wire")
        try fixture.apply(entry)
        let note = try fixture.checkpoint(cosigners: ["clinic.hill", "cdc.district"])
        let signature = note.signatures[1]
        let certificate = PrepareCertificate(view: 2, checkpoint: note, votes: ["clinic.hill": Array(repeating: 7, count: 64)])
        let change = ViewChange(view: 3, sender: "clinic.hill", lock: certificate, final: note, signature: Array(repeating: 9, count: 64))
        let request = AddCheckpointRequest(oldSize: 1, proof: [entry.hash], checkpoint: note)
        let messages: [NodeMessage] = [
            .submit(entry), .propose(CheckpointProposal(request: request, entries: [entry])),
            .prepare(view: 1, size: 2, signature: Array(repeating: 1, count: 64)), .commit(certificate), .cosign(size: 2, signature: signature),
            .conflict(size: 5), .final(note), .fetch(from: 1), .catchUp(start: 1, entries: [entry], final: note), .viewChange(change),
            .newView(NewView(view: 3, changes: [change], start: 1, entries: [entry])), .fetchPrepared(from: 1, size: 2),
            .prepared(start: 1, entries: [entry]),
        ]
        for message in messages {
            let envelope = MessageEnvelope(chain: fixture.state.origin, from: "a", to: "b", time: 1, message: message)
            let (body, _) = try envelope.sealed(by: ChainFixture.key(for: "a"))
            let decoded = try JSONDecoder().decode(MessageEnvelope.self, from: Data(body))
            #expect(try NodeMessage(wire: decoded.message) == message, "\(message.kind)")
        }
    }

    // MARK: tlog-tiles

    @Test func servedTilesMatchTheStoreAndTheCheckpointRoot() async throws {
        var fixture = try Chains.solo()
        let store = InMemoryLedgerStore()
        let node = try await RunningNode.start("solo.node", chains: [Chains.setup(fixture, slug: "solo")], store: store)
        var hashes: [EntryHash] = []
        for i in 0..<3 {
            let entry = try Chains.suspectedCase(&fixture, by: "solo.node", id: "tile-\(i)")
            let answer = try await HTTP.post("\(node.url)/node/v1/chains/solo/entries", body: entry.bytes)
            #expect(answer.status == 202, "\(answer.text)")
            hashes.append(entry.hash)
        }
        let committed = try await eventually {
            let answer = try await HTTP.get("\(node.url)/node/v1/chains/solo/checkpoint")
            guard answer.status == 200 else { return false }
            return try Checkpoint(text: try Note(parsing: answer.body).text).size == 4
        }
        #expect(committed)
        let note = try Note(parsing: try await HTTP.get("\(node.url)/node/v1/chains/solo/checkpoint").body)
        let checkpoint = try Checkpoint(text: note.text)
        #expect(!note.signatures.isEmpty)

        let tile = try await HTTP.get("\(node.url)/node/v1/chains/solo/tile/0/000.p/4")
        #expect(tile.status == 200)
        let id = try TileID(level: 0, index: 0, width: 4)
        #expect(tile.body == (try await store.tile(id, of: checkpoint.origin)))
        var tree = InMemoryHashStore()
        for i in 0..<4 { tree.append(try Hash(bytes: tile.body[(i * 32)..<(i * 32 + 32)])) }
        #expect(tree.tree.root == checkpoint.root)

        let bundle = try await HTTP.get("\(node.url)/node/v1/chains/solo/tile/entries/000.p/4")
        #expect(bundle.status == 200)
        #expect(bundle.body == (try await store.entryBundle(id, of: checkpoint.origin)))
        let entries = try EntryBundle.parse(bundle.body).map { try Entry(parsing: $0) }
        #expect(entries.dropFirst().map(\.hash) == hashes)
        #expect(entries.map(\.hash) == (0..<4).map { i in (try? Hash(bytes: tile.body[(i * 32)..<(i * 32 + 32)])) ?? entries[0].hash })

        let beyond = try await HTTP.get("\(node.url)/node/v1/chains/solo/tile/0/000.p/5")
        #expect(beyond.status == 404)
        let notATile = try await HTTP.get("\(node.url)/node/v1/chains/solo/tile/x/y")
        #expect(notATile.status == 404)
        try await node.stop()
    }

    // MARK: Restart

    @Test func aNodeRestartedFromItsSQLiteStoreResumesWithTheSameSize() async throws {
        var fixture = try Chains.solo()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-node-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let chain = Chains.setup(fixture, slug: "solo")
        var node = try await RunningNode.start("solo.node", chains: [chain], store: try SQLiteLedgerStore(path: path))
        for i in 0..<3 {
            let entry = try Chains.suspectedCase(&fixture, by: "solo.node", id: "restart-\(i)")
            _ = try await HTTP.post("\(node.url)/node/v1/chains/solo/entries", body: entry.bytes)
        }
        let committed = try await eventually { await node.node.chain(slug: "solo")?.status().committedSize == 4 }
        #expect(committed)
        let before = try #require(await node.node.chain(slug: "solo")?.status())
        try await node.stop()

        node = try await RunningNode.start("solo.node", chains: [chain], store: try SQLiteLedgerStore(path: path))
        let after = try #require(await node.node.chain(slug: "solo")?.status())
        #expect(after.size == before.size && after.committedSize == before.committedSize)
        let checkpoint = try await HTTP.get("\(node.url)/node/v1/chains/solo/checkpoint")
        #expect(checkpoint.status == 200)
        let next = try Chains.suspectedCase(&fixture, by: "solo.node", id: "restart-next")
        _ = try await HTTP.post("\(node.url)/node/v1/chains/solo/entries", body: next.bytes)
        let grew = try await eventually { await node.node.chain(slug: "solo")?.status().committedSize == 5 }
        #expect(grew)
        try await node.stop()
    }

    /// A node that joins late catches up on a history larger than one message may carry: the
    /// peer sends it in pieces, each ending at a stored final checkpoint, and it asks for the rest.
    @Test func aLateNodeCatchesUpInPiecesBelowTheMessageLimit() async throws {
        var fixture = try Chains.community()
        let chain = Chains.setup(fixture, slug: "community")
        let limit = 96 << 10
        var nodes: [RunningNode] = []
        for name in Chains.names where name != "clinic.hill" {
            nodes.append(try await RunningNode.start(name, chains: [chain], store: InMemoryLedgerStore(), maxMessageBytes: limit))
        }
        connect(nodes, origin: chain.origin)
        let leader = try #require(nodes.first { $0.name == "clinic.river" })
        var entries: [Entry] = []
        for group in 0..<15 {
            for i in 0..<20 {
                let entry = try Chains.suspectedCase(&fixture, by: "community.a", id: "late-\(group)-\(i)")
                entries.append(entry)
                #expect(try await HTTP.post("\(leader.url)/node/v1/chains/community/entries", body: entry.bytes).status == 202)
            }
            let size = entries.count + 1
            #expect(try await eventually { await leader.node.chain(slug: "community")?.status().committedSize == UInt64(size) })
        }
        // The whole history would not fit in one message.
        #expect(entries.reduce(0) { $0 + $1.bytes.count } * 4 / 3 > limit)

        let late = try await RunningNode.start("clinic.hill", chains: [chain], store: InMemoryLedgerStore(), maxMessageBytes: limit)
        nodes.append(late)
        connect(nodes, origin: chain.origin)
        let caughtUp = try await eventually(timeout: .seconds(60)) {
            try await late.node.store.size(of: chain.origin) == TreeSize(UInt64(entries.count + 1))
        }
        let lateSize = try await late.node.store.size(of: chain.origin)
        #expect(caughtUp, "the late node has \(lateSize) entries")
        let lateRoot = try await late.node.store.root(at: TreeSize(UInt64(entries.count + 1)), of: chain.origin)
        let leaderRoot = try await leader.node.store.root(at: TreeSize(UInt64(entries.count + 1)), of: chain.origin)
        #expect(lateRoot == leaderRoot)
        for node in nodes { try await node.stop() }
    }

    // MARK: Health

    @Test func healthReadinessAndMetricsAnswer() async throws {
        let fixture = try Chains.solo()
        let node = try await RunningNode.start("solo.node", chains: [Chains.setup(fixture, slug: "solo")], store: InMemoryLedgerStore())
        #expect(try await HTTP.get("\(node.url)/healthz").status == 200)
        #expect(try await HTTP.get("\(node.url)/readyz").status == 200)
        let metrics = try await HTTP.get("\(node.url)/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.text.contains("# TYPE vigil_http_requests_total counter"))
        let missing = try await HTTP.get("\(node.url)/nowhere")
        #expect(missing.status == 404)
        #expect(missing.headers["Content-Type"].first == "application/problem+json")
        try await node.stop()
    }
}
