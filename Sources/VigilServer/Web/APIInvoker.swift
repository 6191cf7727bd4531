import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import VigilLedger

/// What one in-process API call answered: its status and its JSON body (nil for an empty body).
struct APIAnswer: Sendable {
    var status: Int
    var json: JSONValue?
    /// A problem's `detail`, when the call failed.
    var problem: String?

    var ok: Bool { (200..<300).contains(status) }

    /// The `items` of a list answer.
    var items: [[String: JSONValue]] { json?["items"]?.arrayValue?.compactMap(\.objectValue) ?? [] }
}

extension CommunityAPI {
    /// Calls the API route that serves `method path` as `caller`, in process: the same handler,
    /// the same role and jurisdiction checks and the same audit events as over HTTP, so the
    /// command centre shows exactly what its user may see through the API.
    /// - Parameters:
    ///   - target: the path below ``prefix`` with its query, like `/supplies/stock?scope=sz/ft`.
    ///   - body: a JSON body for a write.
    func invoke(
        _ method: HTTPRequest.Method, _ target: String, as caller: Caller, body: [UInt8]? = nil, context: BasicRequestContext
    ) async -> APIAnswer {
        let path = String(target.prefix { $0 != "?" })
        guard let (route, parameters) = Self.route(method, path) else {
            return APIAnswer(status: 404, json: nil, problem: "no route \(method) \(path)")
        }
        var head = HTTPRequest(method: method, scheme: "http", authority: "localhost", path: Self.prefix + target)
        if body != nil { head.headerFields[.contentType] = "application/json" }
        head.headerFields[HTTPField.Name("Vigil-Purpose")!] = caller.purpose
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer(bytes: body ?? [])))
        var context = context
        context.coreContext.parameters = parameters
        do {
            let response = try await route.handler(self, request, context, caller)
            let bytes = try await Self.collect(response.body)
            let json = bytes.isEmpty ? nil : try? JSONValue(parsing: bytes)
            return APIAnswer(status: response.status.code, json: json, problem: nil)
        } catch {
            switch Self.problem(for: error) {
            case let problem as Problem: return APIAnswer(status: problem.status.code, json: nil, problem: problem.detail)
            default:
                logger.error("Command centre call failed", metadata: ["http.path": "\(path)", "error.type": "\(type(of: error))"])
                return APIAnswer(status: 500, json: nil, problem: "the node failed to answer \(path)")
            }
        }
    }

    /// The route serving `method path` and the path's parameters; a literal segment wins over
    /// a parameter (`/plans/activations` over `/plans/{id}`), as in the router.
    static func route(_ method: HTTPRequest.Method, _ path: String) -> (APIRoute, Parameters)? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        var best: (route: APIRoute, parameters: Parameters, count: Int)?
        for route in routes where route.method == method {
            let pattern = route.path.split(separator: "/", omittingEmptySubsequences: true)
            guard pattern.count == segments.count else { continue }
            var parameters = Parameters()
            var count = 0
            var matched = true
            for (part, segment) in zip(pattern, segments) {
                if part.hasPrefix("{"), part.hasSuffix("}") {
                    parameters.append(key: part.dropFirst().dropLast(), value: Substring(segment.removingPercentEncoding ?? String(segment)))
                    count += 1
                } else if part != segment {
                    matched = false
                    break
                }
            }
            if matched, count < (best?.count ?? .max) { best = (route, parameters, count) }
        }
        return best.map { ($0.route, $0.parameters) }
    }

    /// The bytes a response body writes.
    static func collect(_ body: ResponseBody) async throws -> [UInt8] {
        let sink = BodySink()
        try await body.write(sink)
        return sink.bytes
    }
}

/// A response body writer that keeps what is written (one request at a time).
private final class BodySink: ResponseBodyWriter, @unchecked Sendable {
    var bytes: [UInt8] = []

    func write(_ buffer: ByteBuffer) async throws { bytes += buffer.readableBytesView }

    func write(contentsOf buffers: some Sequence<ByteBuffer>) async throws {
        for buffer in buffers { bytes += buffer.readableBytesView }
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
