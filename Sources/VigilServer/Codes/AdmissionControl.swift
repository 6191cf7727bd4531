import HTTPTypes
public import NIOCore
public import NIOHTTPTypes
import Synchronization

/// Admission control for the health-code endpoints (issue and scan), DESIGN §6: at most
/// ``limit`` such requests are in progress at once; one more is answered at once with
/// `503 Service Unavailable` and `Retry-After`, on the event loop that read it, before any
/// signature work or handler runs — so beyond capacity the server answers quickly instead of
/// slowing down for everyone, and recovers by itself as soon as the requests in progress drain.
///
/// It counts requests from their head to the end of their response, across every connection.
/// Other endpoints (the trust list, status, risk places, everything else) pass through uncounted.
public final class AdmissionControl: Sendable {
    /// Requests in progress at once, across connections.
    public let limit: Int
    /// Seconds a refused client is told to wait.
    public let retryAfterSeconds: Int
    /// The paths it guards (without the query).
    let paths: [String]
    private let guardedSegments: [[[UInt8]]]
    private let inFlight = Atomic<Int>(0)
    private let admittedCount = Atomic<Int>(0)
    private let rejectedCount = Atomic<Int>(0)

    public init(limit: Int, retryAfterSeconds: Int = 1, paths: [String] = AdmissionControl.codePaths) {
        precondition(limit >= 1, "an admission limit of at least one request")
        self.limit = limit
        self.retryAfterSeconds = retryAfterSeconds
        self.paths = paths
        guardedSegments = paths.map { Array($0.utf8).split(separator: UInt8(ascii: "/")).map(Array.init) }
    }

    /// The health-code endpoints that take surges: issuance, scans and scan uploads.
    public static let codePaths = ["/api/v1/codes", "/api/v1/scans", "/api/v1/scans/batch"]

    /// Requests admitted and refused so far, and in progress now.
    public var counts: (admitted: Int, rejected: Int, inFlight: Int) {
        (admittedCount.load(ordering: .relaxed), rejectedCount.load(ordering: .relaxed), inFlight.load(ordering: .relaxed))
    }

    /// Whether `uri` is one of ``paths``, compared as the router does: by non-empty segments,
    /// so `/api/v1//scans/` is `/api/v1/scans` too.
    func guards(_ uri: String) -> Bool {
        let bytes = uri.utf8
        let end = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.endIndex
        let segments = bytes[..<end].split(separator: UInt8(ascii: "/"))
        return guardedSegments.contains { $0.count == segments.count && zip($0, segments).allSatisfy { $0.elementsEqual($1) } }
    }

    /// Takes a place, or refuses when ``limit`` are taken.
    func enter() -> Bool {
        let now = inFlight.wrappingAdd(1, ordering: .acquiring).newValue
        guard now <= limit else {
            inFlight.wrappingSubtract(1, ordering: .releasing)
            rejectedCount.wrappingAdd(1, ordering: .relaxed)
            return false
        }
        admittedCount.wrappingAdd(1, ordering: .relaxed)
        return true
    }

    func leave() { inFlight.wrappingSubtract(1, ordering: .releasing) }

    /// A new handler for one connection's pipeline (after HTTP decoding).
    public func handler() -> AdmissionHandler { AdmissionHandler(control: self) }
}

/// The per-connection half of ``AdmissionControl``: sees each request head and each response's
/// end. A refused request's parts are dropped and a 503 is written in its place. A request is
/// refused only when the connection has nothing else in progress, so pipelined responses keep
/// their order.
public final class AdmissionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart

    private let control: AdmissionControl
    /// Guarded requests of this connection whose responses have not ended, oldest first
    /// (`true` = holds a place in ``AdmissionControl``).
    private var pending: [Bool] = []
    /// Requests of this connection whose responses have not ended.
    private var open = 0
    /// Dropping the parts of a refused request until its end.
    private var dropping = false

    init(control: AdmissionControl) { self.control = control }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head(let head):
            if control.guards(head.path ?? "") {
                if open == 0, !control.enter() {
                    dropping = true
                    refuse(context: context, head: head)
                    return
                }
                // With a response of this connection still in progress the request is let
                // through uncounted: refusing it would answer out of order.
                pending.append(open == 0)
            } else {
                pending.append(false)
            }
            open += 1
            context.fireChannelRead(data)
        case .body:
            if !dropping { context.fireChannelRead(data) }
        case .end:
            if dropping {
                dropping = false
            } else {
                context.fireChannelRead(data)
            }
        }
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), !pending.isEmpty {
            open -= 1
            if pending.removeFirst() { control.leave() }
        }
        context.write(data, promise: promise)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        for held in pending where held { control.leave() }
        pending.removeAll()
        open = 0
        context.fireChannelInactive()
    }

    private func refuse(context: ChannelHandlerContext, head: HTTPRequest) {
        let body = #"{"type":"about:blank","title":"Service Unavailable","status":503,"code":"overloaded","detail":"the node is at its limit of health-code requests in progress: retry after Retry-After seconds"}"#
        let close = head.headerFields[.connection]?.lowercased().contains("close") ?? false
        var fields: HTTPFields = [
            .contentType: "application/problem+json", .contentLength: String(body.utf8.count), .retryAfter: String(control.retryAfterSeconds),
        ]
        if close { fields[.connection] = "close" }
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .serviceUnavailable, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(string: body))), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if close {
            let channel = context.channel
            written.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
