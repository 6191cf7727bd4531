import HTTPTypes
import VigilCommunity
import VigilLedger

extension CommunityAPI {
    /// The OpenAPI 3.1 document of the API, generated from ``routes``: every served path and
    /// method is in it, with its permission (`x-vigil-permission`), parameters, body type,
    /// success statuses and the problem answers every endpoint may give.
    static func openAPI() -> JSONValue {
        var paths: [String: JSONValue] = [:]
        for route in routes {
            var parameters: [JSONValue] = pathParameters(route.path).map { name in
                .object(["name": .string(name), "in": .string("path"), "required": .bool(true), "schema": .object(["type": .string("string")])])
            }
            parameters += route.query.map { name, description in
                .object([
                    "name": .string(name), "in": .string("query"), "required": .bool(false), "description": .string(description),
                    "schema": .object(["type": .string("string")]),
                ])
            }
            if route.method == .put && route.path.hasPrefix("/persons/") {
                parameters.append(
                    .object(["name": .string("If-Match"), "in": .string("header"), "required": .bool(true), "schema": .object(["type": .string("string")])]))
            }
            parameters.append(
                .object([
                    "name": .string("Vigil-Purpose"), "in": .string("header"), "required": .bool(false),
                    "description": .string("why personal data is read, recorded in the audit log"), "schema": .object(["type": .string("string")]),
                ]))
            var responses: [String: JSONValue] = [:]
            for status in route.success { responses[String(status)] = .object(["description": .string(successText(status))]) }
            for (status, text) in [
                (400, "bad parameter or JSON"), (401, "no valid bearer token"), (403, "role or jurisdiction does not allow it"),
                (404, "not found"), (409, "conflict or invalid transition"), (412, "the version changed (If-Match)"),
                (422, "invalid field, named in `field`"),
            ] where responses[String(status)] == nil {
                responses[String(status)] = .object([
                    "description": .string(text),
                    "content": .object(["application/problem+json": .object(["schema": .object(["$ref": .string("#/components/schemas/Problem")])])]),
                ])
            }
            var operation: [String: JSONValue] = [
                "summary": .string(route.summary), "operationId": .string(operationID(route)), "parameters": .array(parameters),
                "responses": .object(responses), "x-vigil-audited": .bool(route.audited),
            ]
            if let permission = route.permission {
                operation["x-vigil-permission"] = .string(permission.rawValue)
                operation["x-vigil-roles"] = .array(Role.allCases.filter { AccessPolicy.allows($0, permission) }.map { .string($0.rawValue) })
            }
            if let body = route.body {
                operation["requestBody"] = .object(["required": .bool(true), "content": .object([body: .object([:])])])
            }
            var item: [String: JSONValue] = paths[prefix + route.path].flatMap { if case .object(let o) = $0 { o } else { nil } } ?? [:]
            item[route.method.rawValue.lowercased()] = .object(operation)
            paths[prefix + route.path] = .object(item)
        }
        let problem: JSONValue = .object([
            "type": .string("object"),
            "properties": .object([
                "type": .object(["type": .string("string")]), "title": .object(["type": .string("string")]),
                "status": .object(["type": .string("integer")]), "code": .object(["type": .string("string")]),
                "detail": .object(["type": .string("string")]), "field": .object(["type": .string("string")]),
            ]),
            "required": .array(["type", "title", "status", "code", "detail"].map { .string($0) }),
        ])
        return .object([
            "openapi": .string("3.1.0"),
            "info": .object([
                "title": .string("Vigil community data platform"), "version": .string("1"),
                "description": .string("Every request needs a bearer token (vigil token issue); access is by role and jurisdiction; reads of personal data are audited."),
            ]),
            "paths": .object(paths),
            "components": .object([
                "schemas": .object(["Problem": problem]),
                "securitySchemes": .object(["bearer": .object(["type": .string("http"), "scheme": .string("bearer"), "bearerFormat": .string("JWT")])]),
            ]),
            "security": .array([.object(["bearer": .array([])])]),
        ])
    }

    static func pathParameters(_ path: String) -> [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map { String($0.dropFirst().dropLast()) }
    }

    static func operationID(_ route: APIRoute) -> String {
        let words = route.path.split(separator: "/").map { $0.hasPrefix("{") ? "by-" + $0.dropFirst().dropLast() : $0 }
        return route.method.rawValue.lowercased() + "-" + words.joined(separator: "-")
    }

    static func successText(_ status: Int) -> String {
        switch status {
        case 201: return "created"
        case 204: return "done"
        case 301: return "merged into another file (Location)"
        default: return "ok"
        }
    }
}
