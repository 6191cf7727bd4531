import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import VigilLedger

/// The demo's HTTP calls to the nodes' community APIs, as one user of one node.
struct DemoClient: Sendable {
    let client: HTTPClient
    /// The node's base URL.
    let base: String
    let token: String

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Calls `method path` under `/api/v1` and answers the status and body.
    func call(
        _ method: HTTPMethod, _ path: String, json: JSONValue? = nil, csv: String? = nil, headers: [(String, String)] = []
    ) async throws -> (status: Int, body: [UInt8]) {
        var request = HTTPClientRequest(url: base + "/api/v1" + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Vigil-Purpose", value: "demo")
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: json.canonicalBytes()))
        } else if let csv {
            request.headers.add(name: "Content-Type", value: "text/csv")
            request.body = .bytes(ByteBuffer(string: csv))
        }
        let response = try await client.execute(request, timeout: .seconds(120))
        let body = try await response.body.collect(upTo: 256 << 20)
        return (Int(response.status.code), Array(buffer: body))
    }

    /// Calls and answers the JSON body of a success; throws the problem's detail otherwise.
    @discardableResult
    func json(
        _ method: HTTPMethod, _ path: String, json body: JSONValue? = nil, csv: String? = nil, headers: [(String, String)] = []
    ) async throws -> JSONValue {
        let (status, bytes) = try await call(method, path, json: body, csv: csv, headers: headers)
        guard (200..<300).contains(status) else {
            let detail = (try? JSONValue(parsing: bytes))?["detail"]?.stringValue ?? String(decoding: bytes.prefix(300), as: UTF8.self)
            throw Failure(description: "\(method) \(path.prefix(80)): \(status) \(detail)")
        }
        return bytes.isEmpty ? .null : try JSONValue(parsing: bytes)
    }

    /// The text of a success.
    func text(_ path: String) async throws -> String {
        let (status, bytes) = try await call(.GET, path)
        guard (200..<300).contains(status) else { throw Failure(description: "GET \(path.prefix(80)): \(status)") }
        return String(decoding: bytes, as: UTF8.self)
    }
}
