import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import VigilLedger

/// The base URLs of the peers' nodes, per chain origin and member name. Starts from the
/// configuration; tests that bind port 0 fill it in once the ports are known.
public final class PeerDirectory: Sendable {
    private let urls: Mutex<[String: [String: String]]>

    public init(_ urls: [String: [String: String]] = [:]) {
        self.urls = Mutex(urls)
    }

    /// Sets the base URL of `peer` for chain `origin`.
    public func set(_ url: String, for peer: String, in origin: String) {
        urls.withLock { $0[origin, default: [:]][peer] = url }
    }

    public func url(of peer: String, in origin: String) -> String? {
        urls.withLock { $0[origin]?[peer] }
    }
}

/// Delivers node messages over HTTP: seals each in a signed ``MessageEnvelope`` and POSTs it
/// to the peer's `/node/v1/messages`, once, with a short timeout. The protocol resends what is
/// not answered, so a failure is logged and counted, never retried here.
final class PeerTransport: Sendable {
    let name: String
    let key: SignerKey
    let peers: PeerDirectory
    let client: HTTPClient
    let timeout: Duration
    let metrics: NodeMetrics
    let logger: Logger
    let clock: @Sendable () -> Int64

    init(
        name: String, key: SignerKey, peers: PeerDirectory, client: HTTPClient, timeout: Duration, metrics: NodeMetrics, logger: Logger,
        clock: @escaping @Sendable () -> Int64
    ) {
        self.name = name
        self.key = key
        self.peers = peers
        self.client = client
        self.timeout = timeout
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
    }

    func deliver(_ outgoing: OutgoingMessage) async {
        let kind = outgoing.message.kind
        var logger = logger
        logger[metadataKey: "chain.origin"] = "\(outgoing.origin)"
        logger[metadataKey: "peer"] = "\(outgoing.to)"
        logger[metadataKey: "message.kind"] = "\(kind)"
        guard let base = peers.url(of: outgoing.to, in: outgoing.origin) else {
            metrics.sendFailed(chain: outgoing.slug, kind: kind)
            logger.warning("No URL for peer; message dropped")
            return
        }
        do {
            let envelope = MessageEnvelope(chain: outgoing.origin, from: name, to: outgoing.to, time: clock(), message: outgoing.message)
            let (body, signature) = try envelope.sealed(by: key)
            var request = HTTPClientRequest(url: Self.messagesURL(base))
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: MessageEnvelope.signatureHeader, value: Data(signature).base64EncodedString())
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await client.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
            let answer = try await response.body.collect(upTo: 64 * 1024)
            guard (200..<300).contains(response.status.code) else {
                metrics.sendFailed(chain: outgoing.slug, kind: kind)
                logger.info(
                    "Peer refused message",
                    metadata: ["http.status": "\(response.status.code)", "detail": "\(String(buffer: answer).prefix(300))"])
                return
            }
            metrics.messageSent(chain: outgoing.slug, kind: kind)
            logger.trace("Message delivered")
        } catch {
            metrics.sendFailed(chain: outgoing.slug, kind: kind)
            logger.debug("Message not delivered", metadata: ["error.type": "\(type(of: error))"])
        }
    }

    static func messagesURL(_ base: String) -> String {
        (base.hasSuffix("/") ? String(base.dropLast()) : base) + NodeAPI.prefix + "/messages"
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
