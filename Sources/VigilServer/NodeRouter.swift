import Foundation
import HTTPTypes
public import Hummingbird
import Logging
import VigilLedger
import VigilStore

/// The node's HTTP API (docs/node-server.md):
///
/// | method | path | |
/// |---|---|---|
/// | GET | `/healthz`, `/readyz`, `/metrics` | liveness, readiness, Prometheus text |
/// | GET | `/node/v1/status` | the node and its chains |
/// | POST | `/node/v1/messages` | a signed node-to-node message envelope |
/// | POST | `/node/v1/add-checkpoint` | C2SP tlog-witness, for the `witnessFor` logs |
/// | POST | `/node/v1/chains/{slug}/entries` | submit a signed entry |
/// | GET | `/node/v1/chains/{slug}/entries/{hash}` | an entry's status |
/// | GET | `/node/v1/chains/{slug}/checkpoint` | C2SP tlog-tiles: the latest final checkpoint |
/// | GET | `/node/v1/chains/{slug}/state` | the committed state: leader, stage, members, credits, proposals |
/// | GET | `/node/v1/chains/{slug}/tile/...` | C2SP tlog-tiles: hash tiles and entry bundles |
/// | GET, POST | `/`, `/login`, `/logout`, `/console`, `/console/votes`, `/public` | the command centre and the public page (``CommandCentre``, docs/web.md), with the community API |
/// | * | `/api/v1/...` | the community data platform (``CommunityAPI``, docs/api.md), when given; it reports cases to the node's chain with an area secret (``CaseLedger``) unless it has a ledger already |
public func buildRouter(node: Node, community: CommunityAPI? = nil) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: RequestMetricsMiddleware(metrics: node.metrics))
    router.add(middleware: ProblemMiddleware())
    let api = NodeRoutes(node: node)

    router.get("/healthz") { _, _ in Response.text("ok\n") }
    router.get("/readyz") { _, _ in try await api.ready() }
    router.get("/metrics") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: node.metrics.render())))
    }
    router.get("\(NodeAPI.prefix)/status") { _, _ in try await api.status() }
    router.post("\(NodeAPI.prefix)/messages") { request, context in try await api.message(request, context: context) }
    router.post("\(NodeAPI.prefix)/add-checkpoint") { request, _ in
        await node.witness.addCheckpoint(try await NodeRoutes.collect(request, limit: LogWitness.maxRequestBytes))
    }
    router.post("\(NodeAPI.prefix)/chains/{slug}/entries") { request, context in try await api.submit(request, context: context) }
    router.get("\(NodeAPI.prefix)/chains/{slug}/entries/{hash}") { _, context in try await api.entry(context: context) }
    router.get("\(NodeAPI.prefix)/chains/{slug}/checkpoint") { _, context in try await api.checkpoint(context: context) }
    router.get("\(NodeAPI.prefix)/chains/{slug}/state") { _, context in try NodeRoutes.json(await api.chain(context).summary()) }
    router.get("\(NodeAPI.prefix)/chains/{slug}/tile/**") { _, context in try await api.tile(context: context) }
    if var community {
        if community.ledger == nil { community.ledger = CaseLedger.forNode(node) }
        if community.bulletins == nil { community.bulletins = CaseLedger.bulletinChain(of: node) }
        community.register(on: router)
        CommandCentre(api: community, node: node).register(on: router)
    }
    return router
}

/// The handlers behind ``buildRouter(node:community:)``.
struct NodeRoutes: Sendable {
    let node: Node

    // MARK: Node messages

    func message(_ request: Request, context: some RequestContext) async throws -> Response {
        do {
            return try await verifiedMessage(request, context: context)
        } catch let problem as Problem {
            node.metrics.messageRefused(reason: problem.code)
            context.logger.info("Message refused", metadata: ["http.status": "\(problem.status.code)", "reason": "\(problem.detail)"])
            throw problem
        }
    }

    private func verifiedMessage(_ request: Request, context: some RequestContext) async throws -> Response {
        let body = try await Self.collect(request, limit: node.setup.maxMessageBytes)
        guard let header = request.headers[HTTPField.Name(MessageEnvelope.signatureHeader)!] else {
            throw Problem(
                .unauthorized, "unsigned", "the message has no \(MessageEnvelope.signatureHeader) header",
                headers: [.wwwAuthenticate: MessageEnvelope.signatureHeader])
        }
        guard let signature = Data(base64Encoded: header), signature.count == 64 else {
            throw Problem(.unauthorized, "bad-signature", "the \(MessageEnvelope.signatureHeader) header is not a base64 Ed25519 signature")
        }
        let envelope = try MessageEnvelope.decode(body)
        guard let driver = node.chain(origin: envelope.chain) else {
            throw try notLoaded() ?? Problem(.notFound, "unknown-chain", "this node does not serve chain \(envelope.chain.prefix(100))")
        }
        guard envelope.to == node.setup.name else {
            throw Problem(.misdirectedRequest, "misdirected", "the message is for \(envelope.to.prefix(60)), this node is \(node.setup.name)")
        }
        guard let key = await driver.memberKey(envelope.from) else {
            throw Problem(.forbidden, "not-a-member", "\(envelope.from.prefix(60)) is not a member of \(envelope.chain.prefix(100))")
        }
        guard MessageEnvelope.verify(body: body, signature: Array(signature), key: key) else {
            throw Problem(.forbidden, "bad-signature", "the signature does not verify with \(envelope.from.prefix(60))'s key")
        }
        let skew = envelope.time - node.clock()
        guard abs(skew) <= MessageEnvelope.maxSkew else {
            throw Problem(
                .forbidden, "stale", "the message is dated \(skew) s from this node's clock (at most ±\(MessageEnvelope.maxSkew) s)")
        }
        let message: NodeMessage
        do { message = try NodeMessage(wire: envelope.message) } catch {
            throw Problem.badRequest("malformed", "message: \(error.message)")
        }
        node.metrics.messageReceived(chain: driver.slug, kind: message.kind)
        switch await driver.receive(message, from: envelope.from) {
        case .unavailable(let reason):
            throw Problem.unavailable(reason)
        case .handled(let refusals):
            return try Self.json(MessageAnswer(refusals: refusals), status: .accepted)
        }
    }

    struct MessageAnswer: Codable {
        var refusals: [String]
    }

    // MARK: Entries

    func submit(_ request: Request, context: some RequestContext) async throws -> Response {
        let driver = try chain(context)
        let body = try await Self.collect(request, limit: Entry.maxSize + 4096)
        let entry: Entry
        do { entry = try Entry(parsing: Self.trimmed(body)) } catch {
            throw Problem.badRequest("malformed", "not an entry: \(error.message)")
        }
        guard entry.chain == driver.origin else {
            throw Problem(.unprocessableContent, "wrong-chain", "the entry is for chain \(entry.chain.prefix(100)), not \(driver.origin.prefix(100))")
        }
        switch await driver.submit(entry) {
        case .unavailable(let reason):
            throw Problem.unavailable(reason)
        case .handled(let refusals) where !refusals.isEmpty:
            throw Problem(.unprocessableContent, "refused", refusals.joined(separator: "; "))
        case .handled:
            node.metrics.entrySubmitted(chain: driver.slug)
            let location = "\(NodeAPI.chainPath(driver.slug))/entries/\(entry.hash.hex)"
            let status = await driver.entryStatus(entry.hash) ?? .pending
            var response = try Self.json(EntryAnswer(hash: entry.hash, status: status, location: location), status: .accepted)
            response.headers[.location] = location
            return response
        }
    }

    func entry(context: some RequestContext) async throws -> Response {
        let driver = try chain(context)
        let text = try context.parameters.require("hash")
        let hash: EntryHash
        do { hash = try Hash(hex: text) } catch { throw Problem.badRequest("malformed", "the entry hash must be 64 hex digits") }
        guard let status = await driver.entryStatus(hash) else {
            throw Problem.notFound("this node does not know entry \(hash.hex) of \(driver.origin.prefix(100))")
        }
        return try Self.json(EntryAnswer(hash: hash, status: status, location: nil))
    }

    struct EntryAnswer: Codable {
        var hash: String
        var status: String
        var index: UInt64?
        var checkpoint: String?
        var location: String?

        init(hash: EntryHash, status: EntryStatus, location: String?) {
            self.hash = hash.hex
            self.location = location
            switch status {
            case .pending:
                self.status = "pending"
            case .sequenced(let index):
                self.status = "sequenced"
                self.index = index
            case .committed(let index, let note):
                self.status = "committed"
                self.index = index
                checkpoint = note?.formatted
            }
        }
    }

    // MARK: tlog-tiles

    func checkpoint(context: some RequestContext) async throws -> Response {
        let driver = try chain(context)
        guard let stored = try await node.store.latestCheckpoint(of: driver.origin) else {
            throw Problem.notFound("\(driver.origin.prefix(100)) has no final checkpoint yet")
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-cache"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: stored.note.bytes)))
    }

    func tile(context: some RequestContext) async throws -> Response {
        let driver = try chain(context)
        let path = "tile/" + context.parameters.getCatchAll().joined(separator: "/")
        let isEntries = path.hasPrefix("tile/entries/")
        let id: TileID
        do { id = isEntries ? try TileID(entriesPath: path) : try TileID(path: path) } catch {
            throw Problem.notFound("not a tile path: \(error.message)")
        }
        // Serve only what the latest final checkpoint covers.
        let final = await driver.finalSize()
        let (first, overflow) = id.index.multipliedReportingOverflow(by: UInt64(TileID.fullWidth))
        let shift = UInt64(id.level) * UInt64(TileID.height)
        let end = first.addingReportingOverflow(UInt64(id.width))
        guard !overflow, !end.overflow, shift < 64, end.partialValue <= (final.rawValue >> shift) else {
            throw Problem.notFound("\(path) is beyond the final checkpoint of size \(final)")
        }
        let bytes: [UInt8]
        do {
            bytes = isEntries ? try await node.store.entryBundle(id, of: driver.origin) : try await node.store.tile(id, of: driver.origin)
        } catch let error as StoreError where error.code == .notFound || error.code == .invalidArgument {
            throw Problem.notFound("\(path) is not stored")
        }
        return Response(
            status: .ok, headers: [.contentType: "application/octet-stream", .cacheControl: "public, max-age=31536000, immutable"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: Status and health

    struct NodeStatus: Codable {
        var node: String
        var ready: Bool
        var chains: [ChainStatus]
    }

    func status() async throws -> Response {
        var chains: [ChainStatus] = []
        for driver in node.chains { chains.append(await driver.status()) }
        let (loaded, failure) = node.readiness
        return try Self.json(NodeStatus(node: node.setup.name, ready: loaded && failure == nil && chains.allSatisfy { $0.halted == nil }, chains: chains))
    }

    func ready() async throws -> Response {
        let (loaded, failure) = node.readiness
        if let failure { throw Problem.unavailable("the chains could not be loaded: \(failure)") }
        guard loaded else { throw Problem.unavailable("the node is loading its chains") }
        for driver in node.chains {
            if await driver.isHalted { throw Problem.unavailable("chain \(driver.slug) stopped after a store failure") }
        }
        do {
            _ = try await node.store.size(of: node.setup.chains[0].origin)
        } catch {
            throw Problem.unavailable("the store is not reachable")
        }
        return Response.text("ready\n")
    }

    // MARK: Helpers

    func chain(_ context: some RequestContext) throws -> ChainDriver {
        let slug = try context.parameters.require("slug")
        if let driver = node.chain(slug: slug) { return driver }
        throw try notLoaded() ?? Problem(.notFound, "unknown-chain", "this node serves no chain \(slug.prefix(64))")
    }

    private func notLoaded() throws -> Problem? {
        let (loaded, failure) = node.readiness
        if let failure { return Problem.unavailable("the chains could not be loaded: \(failure)") }
        return loaded ? nil : Problem.unavailable("the node is loading its chains")
    }

    /// The request body, refusing more than `limit` bytes (413).
    static func collect(_ request: Request, limit: Int) async throws -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw Problem(.contentTooLarge, "too-large", "the body is \(length) bytes, at most \(limit)")
        }
        var bytes: [UInt8] = []
        for try await buffer in request.body {
            guard bytes.count + buffer.readableBytes <= limit else {
                throw Problem(.contentTooLarge, "too-large", "the body is more than \(limit) bytes")
            }
            bytes += buffer.readableBytesView
        }
        return bytes
    }

    static func trimmed(_ bytes: [UInt8]) -> [UInt8] {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        return Array(bytes.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: Array(try encoder.encode(value)))))
    }
}

extension Response {
    static func text(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
