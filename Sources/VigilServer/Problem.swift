public import Hummingbird
import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An RFC 9457 problem: the answer to a request the node will not carry out, with the reason.
///
/// The body is `application/problem+json`:
/// `{"type":"about:blank","title":"Forbidden","status":403,"code":"bad-signature","detail":"..."}`.
/// `code` is a stable, machine-readable name for the failure; `detail` explains it with the
/// numbers involved. Throw it from a handler; ``ProblemMiddleware`` turns every other error into
/// one too.
public struct Problem: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    /// A short, stable name: `unsigned`, `bad-signature`, `not-a-member`, `too-large`, ...
    public var code: String
    /// What went wrong, for a person.
    public var detail: String
    /// Extra headers (`Retry-After`, `WWW-Authenticate`).
    public var headers: HTTPFields
    /// The request field at fault (`reason`, `visits[3].timeIn`, the query parameter `limit`),
    /// when there is one.
    public var field: String?

    public init(_ status: HTTPResponse.Status, _ code: String, _ detail: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(detail)" + (field.map { " (\($0))" } ?? "") }

    /// The same problem, naming the field at fault.
    public func with(field: String) -> Problem {
        var copy = self
        copy.field = field
        return copy
    }

    struct Body: Codable {
        var type: String
        var title: String
        var status: Int
        var code: String
        var detail: String
        var field: String?
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    /// The problem as a response.
    public func response() -> Response {
        let body = Body(type: "about:blank", title: status.reasonPhrase, status: status.code, code: code, detail: detail, field: field)
        let bytes = (try? JSONEncoder().encode(body)) ?? Data()
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // Common problems.
    static func badRequest(_ code: String, _ detail: String) -> Problem { Problem(.badRequest, code, detail) }
    static func notFound(_ detail: String) -> Problem { Problem(.notFound, "not-found", detail) }
    static func unavailable(_ detail: String) -> Problem {
        Problem(.serviceUnavailable, "unavailable", detail, headers: [.retryAfter: "5"])
    }
}

/// Turns every error a handler throws into an RFC 9457 problem: a ``Problem`` as it is, a
/// Hummingbird `HTTPError` with its status and message, anything else a 500 and a log line
/// (without the error's text, which may quote data).
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return problem.response()
        } catch let error as HTTPError {
            let code = error.status == .notFound ? "not-found" : "http-\(error.status.code)"
            var problem = Problem(error.status, code, error.body ?? error.status.reasonPhrase)
            problem.headers = error.headers
            problem.headers[.contentType] = nil
            return problem.response()
        } catch {
            context.logger.error("Request failed", metadata: ["error.type": "\(type(of: error))", "http.path": "\(request.uri.path)"])
            return Problem(.internalServerError, "internal", "the node failed to handle the request").response()
        }
    }
}

/// Counts HTTP requests by method and status code for `/metrics`.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: NodeMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            metrics.httpRequest(method: request.method.rawValue, status: response.status.code)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.httpRequest(method: request.method.rawValue, status: status)
            throw error
        }
    }
}
