import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import VigilLedger
import VigilServer
import VigilStore
import VigilTestSupport

/// A node running on loopback with a port picked by the system.
final class RunningNode: Sendable {
    let node: Node
    let port: Int
    let group: ServiceGroup
    let task: Task<Void, any Error>

    init(node: Node, port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.node = node
        self.port = port
        self.group = group
        self.task = task
    }

    var name: String { node.setup.name }
    var url: String { "http://127.0.0.1:\(port)" }

    /// Starts `name` with `store`, serving `chains`; returns once its chains are loaded.
    static func start(
        _ name: String, chains: [ChainSetup], store: any LedgerStore, witnessFor: [String: [VerifierKey]] = [:],
        maxMessageBytes: Int = MessageEnvelope.defaultMaxBytes, community: CommunityAPI? = nil,
        codes: ((Node) throws -> CodeService)? = nil
    ) async throws -> RunningNode {
        var logger = Logger(label: "test.\(name)")
        logger.logLevel = .warning
        let setup = NodeSetup(
            name: name, key: ChainFixture.key(for: name), chains: chains, witnessFor: witnessFor, tickInterval: .milliseconds(50),
            maxMessageBytes: maxMessageBytes, sendTimeout: .seconds(2))
        let node = Node(setup: setup, store: store, logger: logger)
        var community = community
        let codeService = try codes?(node)
        if let codeService { community?.codes = codeService }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = buildApplication(node: node, community: community, host: "127.0.0.1", port: 0, logger: logger) { port in continuation.yield(port) }
        let group = ServiceGroup(services: [node] + (codeService.map { [$0] } ?? []) + [app], logger: logger)
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestError("no port") }
        try await node.waitUntilLoaded()
        return RunningNode(node: node, port: port, group: group, task: task)
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}

struct TestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Tells every node where the others are.
func connect(_ nodes: [RunningNode], origin: String) {
    for node in nodes {
        for peer in nodes where peer !== node { node.node.peers.set(peer.url, for: peer.name, in: origin) }
    }
}

/// HTTP calls for the tests.
enum HTTP {
    static let client = HTTPClient.shared

    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { throw TestError("not a JSON object: \(text)") }
            return object
        }
    }

    static func get(_ url: String) async throws -> Answer {
        try await send(HTTPClientRequest(url: url))
    }

    static func post(_ url: String, body: [UInt8], headers: [(String, String)] = []) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        return try await send(request)
    }

    static func request(
        _ method: HTTPMethod, _ url: String, body: [UInt8]? = nil, headers: [(String, String)] = []
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        return try await send(request)
    }

    static func send(_ request: HTTPClientRequest) async throws -> Answer {
        let response = try await client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 64 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: Array(buffer: body))
    }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

/// Chains for the tests.
enum Chains {
    /// Four voting members, the supervisor among them; leader clinic.river.
    static let names = ["cdc.district", "clinic.hill", "clinic.river", "community.a"]

    static func community(origin: String = "vigil.test/community") throws -> ChainFixture {
        try ChainFixture(
            origin: origin, members: names.map { ($0, $0 == "cdc.district" ? .supervisor : .member) }, leader: "clinic.river",
            startTime: Int64(Date().timeIntervalSince1970) - 60)
    }

    /// One member, so that one node commits alone.
    static func solo(origin: String = "vigil.test/solo") throws -> ChainFixture {
        try ChainFixture(origin: origin, members: [("solo.node", .member)], leader: "solo.node", startTime: Int64(Date().timeIntervalSince1970) - 60)
    }

    static func setup(_ fixture: ChainFixture, slug: String) -> ChainSetup {
        ChainSetup(slug: slug, origin: fixture.state.origin, genesis: fixture.entries[0], peers: [:])
    }

    static func suspectedCase(_ fixture: inout ChainFixture, by author: String, id: String) throws -> Entry {
        try fixture.sign(.proposal, by: author, body: ["subject": "suspected-case", "data": ChainFixture.suspectedCase(nationalID: id)])
    }
}
