public import AsyncHTTPClient
import Foundation
public import NIOCore
import NIOHTTP1
public import VigilLedger

/// A client of one node's HTTP API (docs/node-server.md), for tools, the demo and tests.
public struct NodeClient: Sendable {
    /// The node's base URL, e.g. `http://127.0.0.1:7401`.
    public var base: String
    public var client: HTTPClient
    public var timeout: TimeAmount

    public init(base: String, client: HTTPClient = .shared, timeout: TimeAmount = .seconds(10)) {
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.client = client
        self.timeout = timeout
    }

    /// An HTTP answer other than the one expected.
    public struct Failure: Error, CustomStringConvertible {
        public var status: UInt
        public var body: String
        public var description: String { "HTTP \(status): \(body)" }
    }

    /// Where an entry stands on a node.
    public struct EntryAnswer: Codable, Hashable, Sendable {
        public var hash: String
        /// `pending`, `sequenced` or `committed`.
        public var status: String
        public var index: UInt64?
        /// The final checkpoint note that covers it, when committed.
        public var checkpoint: String?
    }

    public struct StatusAnswer: Codable, Hashable, Sendable {
        public var node: String
        public var ready: Bool
        public var chains: [ChainStatus]
    }

    /// Submits a signed entry to chain `slug`.
    /// - Throws: ``Failure`` with the problem's text when the node refuses it.
    @discardableResult
    public func submit(_ entry: Entry, slug: String) async throws -> EntryAnswer {
        let (status, body) = try await request("/node/v1/chains/\(slug)/entries", method: .POST, body: entry.bytes)
        guard status == 202 else { throw Failure(status: status, body: String(decoding: body, as: UTF8.self)) }
        return try JSONDecoder().decode(EntryAnswer.self, from: Data(body))
    }

    /// Where entry `hash` stands, or nil when the node does not know it.
    public func entry(_ hash: EntryHash, slug: String) async throws -> EntryAnswer? {
        let (status, body) = try await request("/node/v1/chains/\(slug)/entries/\(hash.hex)")
        if status == 404 { return nil }
        guard status == 200 else { throw Failure(status: status, body: String(decoding: body, as: UTF8.self)) }
        return try JSONDecoder().decode(EntryAnswer.self, from: Data(body))
    }

    /// The committed state of chain `slug`.
    public func state(slug: String) async throws -> ChainSummary {
        let (status, body) = try await request("/node/v1/chains/\(slug)/state")
        guard status == 200 else { throw Failure(status: status, body: String(decoding: body, as: UTF8.self)) }
        return try JSONDecoder().decode(ChainSummary.self, from: Data(body))
    }

    /// The latest final checkpoint of chain `slug` with its cosignatures, or nil before the first.
    public func checkpoint(slug: String) async throws -> String? {
        let (status, body) = try await request("/node/v1/chains/\(slug)/checkpoint")
        if status == 404 { return nil }
        guard status == 200 else { throw Failure(status: status, body: String(decoding: body, as: UTF8.self)) }
        return String(decoding: body, as: UTF8.self)
    }

    public func status() async throws -> StatusAnswer {
        let (status, body) = try await request("/node/v1/status")
        guard status == 200 else { throw Failure(status: status, body: String(decoding: body, as: UTF8.self)) }
        return try JSONDecoder().decode(StatusAnswer.self, from: Data(body))
    }

    /// Whether `/readyz` answers 200.
    public func isReady() async -> Bool {
        (try? await request("/readyz").status) == 200
    }

    /// Polls until entry `hash` is committed on this node; returns the answer.
    /// - Throws: ``Failure`` (status 0) when `timeout` passes first.
    public func waitCommitted(_ hash: EntryHash, slug: String, timeout: Duration = .seconds(60)) async throws -> EntryAnswer {
        let deadline = ContinuousClock.now + timeout
        var last = "unknown"
        while ContinuousClock.now < deadline {
            if let answer = try? await entry(hash, slug: slug) {
                if answer.status == "committed" { return answer }
                last = answer.status
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure(status: 0, body: "entry \(hash.hex) of \(slug) still \(last) on \(base) after \(timeout)")
    }

    func request(_ path: String, method: HTTPMethod = .GET, body: [UInt8]? = nil) async throws -> (status: UInt, body: [UInt8]) {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        let response = try await client.execute(request, timeout: timeout)
        let buffer = try await response.body.collect(upTo: 64 << 20)
        return (response.status.code, Array(buffer.readableBytesView))
    }
}
