import Foundation
import HTTPTypes
public import Hummingbird
import VigilCommunity
import VigilStore
import VigilLedger

/// One endpoint of the community API: the route Hummingbird serves and the operation the
/// OpenAPI document describes come from this one value, so they cannot drift apart.
struct APIRoute: Sendable {
    typealias Handler = @Sendable (CommunityAPI, Request, BasicRequestContext, Caller) async throws -> Response

    var method: HTTPRequest.Method
    /// Below ``CommunityAPI/prefix``, with `{name}` parameters.
    var path: String
    /// The permission the endpoint checks; nil for endpoints any authenticated user may call.
    var permission: Permission?
    var summary: String
    /// Query parameters: name and description.
    var query: [(String, String)] = []
    /// The request body's media type, if it takes one.
    var body: String?
    /// Status codes it answers on success.
    var success: [Int] = [200]
    /// Whether it reads personal data (and so writes an audit event).
    var audited = false
    var handler: Handler

    /// Whether it is a health-code endpoint, whose callers are remembered (``CallerCache``).
    var isHealthCode: Bool { path.hasPrefix("/codes") || path.hasPrefix("/scans") }

    /// Whether a successful call may change someone's health-code colour (persons, cases,
    /// contacts, follow-up, check-ins, quarantine): the code directory is then rebuilt soon.
    var changesColours: Bool {
        method != .get && ["/persons", "/cases", "/check-ins", "/follow-up-plans", "/quarantines"].contains { path.hasPrefix($0) }
    }
}

extension CommunityAPI {
    /// Every endpoint.
    static let routes: [APIRoute] = personRoutes + keyGroupRoutes + ledgerRoutes + staffRoutes + supplyRoutes + volunteerRoutes + planRoutes + codeRoutes

    /// Persons, visits, tracing, jurisdictions, reports, audit.
    static let personRoutes: [APIRoute] = [
        APIRoute(
            method: .get, path: "/persons", permission: .readPersons, summary: "A page of the persons in a scope, in id order",
            query: [
                ("scope", "jurisdiction path, default the caller's"), ("group", "susceptible, key or confirmed"),
                ("vulnerability", "a vulnerability flag"), ("name", "exact name prefix"), ("after", "the next of the previous page"),
                ("limit", "1-1000, default 50"),
            ], audited: true
        ) { api, request, _, caller in try await api.listPersons(request, caller) },
        APIRoute(
            method: .post, path: "/persons", permission: .writePersons,
            summary: "Create a person; 409 with the candidates when it may be a duplicate", query: [("confirm", "true: create anyway")],
            body: "application/json", success: [201]
        ) { api, request, _, caller in try await api.createPerson(request, caller) },
        APIRoute(
            method: .get, path: "/persons/export", permission: .readPersons, summary: "The persons of a scope as CSV",
            query: [("scope", "jurisdiction path"), ("bom", "true: start with a UTF-8 byte order mark (Excel)")], audited: true
        ) { api, request, _, caller in try await api.exportPersons(request, caller) },
        APIRoute(
            method: .post, path: "/persons/import", permission: .importPersons,
            summary: "Import a CSV of persons: preview (writes nothing), all (nothing unless every row is valid), or valid rows",
            query: [("mode", "preview (default), all or valid"), ("confirm", "data rows flagged as duplicates to import anyway, like 3,7")],
            body: "text/csv", success: [200, 201]
        ) { api, request, _, caller in try await api.importPersons(request, caller) },
        APIRoute(
            method: .post, path: "/persons/merge", permission: .mergePersons, summary: "Merge a duplicate file into the survivor (audited)",
            body: "application/json"
        ) { api, request, _, caller in try await api.merge(request, caller) },
        APIRoute(
            method: .post, path: "/persons/not-duplicates", permission: .mergePersons, summary: "Mark two files as different persons",
            body: "application/json", success: [204]
        ) { api, request, _, caller in try await api.markNotDuplicate(request, caller) },
        APIRoute(
            method: .get, path: "/persons/{id}", permission: .readPersons, summary: "One person, with its version as ETag; 301 for a merged file",
            success: [200, 301], audited: true
        ) { api, _, context, caller in try await api.getPerson(context, caller) },
        APIRoute(
            method: .put, path: "/persons/{id}", permission: .writePersons, summary: "Edit a person; If-Match with the ETag is required",
            body: "application/json"
        ) { api, request, context, caller in try await api.updatePerson(request, context, caller) },
        APIRoute(
            method: .get, path: "/persons/{id}/duplicates", permission: .readPersons, summary: "Possible duplicates of a person",
            audited: true
        ) { api, _, context, caller in try await api.duplicates(context, caller) },
        APIRoute(
            method: .get, path: "/persons/{id}/contacts", permission: .trace,
            summary: "Contact tracing: co-present persons and the household, ranked by exposure; pseudonyms outside the caller's jurisdiction",
            query: [
                ("days", "look-back, default 14"), ("minOverlap", "seconds, default 900"), ("linger", "seconds after the case left, default 1800"),
                ("now", "Unix seconds, default the server's clock"),
            ], audited: true
        ) { api, request, context, caller in try await api.contacts(request, context, caller) },
        APIRoute(
            method: .post, path: "/visits", permission: .recordVisits, summary: "Record up to 10,000 checkpoint visits",
            body: "application/json", success: [201]
        ) { api, request, _, caller in try await api.recordVisits(request, caller) },
        APIRoute(
            method: .get, path: "/jurisdictions", permission: nil, summary: "The known nodes of the jurisdiction tree in a scope",
            query: [("scope", "jurisdiction path")]
        ) { api, request, _, caller in try await api.listJurisdictions(request, caller) },
        APIRoute(
            method: .post, path: "/jurisdictions", permission: .manageUsers, summary: "Register a node of the jurisdiction tree",
            body: "application/json", success: [201]
        ) { api, request, _, caller in try await api.addJurisdiction(request, caller) },
        APIRoute(
            method: .get, path: "/reports", permission: .readReports, summary: "A day's daily reports and the communities that have not reported",
            query: [("day", "YYYY-MM-DD, required"), ("scope", "jurisdiction path")]
        ) { api, request, _, caller in try await api.listReports(request, caller) },
        APIRoute(
            method: .get, path: "/reports/{community}/{day}", permission: .readReports,
            summary: "A daily report with its history; the community path with ~ for /"
        ) { api, _, context, caller in try await api.getReport(context, caller) },
        APIRoute(
            method: .put, path: "/reports/{community}/{day}", permission: .submitReports,
            summary: "Create the day's draft, or edit it with If-Match", body: "application/json", success: [200, 201]
        ) { api, request, context, caller in try await api.putReport(request, context, caller) },
        APIRoute(
            method: .post, path: "/reports/{community}/{day}/{action}", permission: .submitReports,
            summary: "submit, approve (another person than the submitter), reject, publish or unapprove; reasons for reject and unapprove",
            body: "application/json"
        ) { api, request, context, caller in try await api.reportAction(request, context, caller) },
        APIRoute(
            method: .get, path: "/audit", permission: .readAudit, summary: "The audit log in append order",
            query: [("after", "sequence number, default 0"), ("limit", "1-1000, default 50")]
        ) { api, request, _, caller in try await api.auditLog(request, caller) },
        APIRoute(
            method: .get, path: "/openapi.json", permission: nil, summary: "This document"
        ) { _, _, _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: CommunityAPI.openAPI().canonicalBytes())))
        },
    ]

    /// Adds every route under ``prefix``: each authenticates its caller, then runs its handler;
    /// domain and store errors become problems with their status and field.
    public func register(on router: Router<BasicRequestContext>) {
        for route in Self.routes {
            router.on(RouterPath(Self.prefix + route.path), method: route.method) { request, context in
                do {
                    let caller = try await self.authenticate(request, cached: route.isHealthCode)
                    let response = try await route.handler(self, request, context, caller)
                    if let codes = self.codes, route.changesColours, response.status.code < 300 { codes.markStale() }
                    return response
                } catch {
                    throw Self.problem(for: error)
                }
            }
        }
    }

    /// The problem for an error a handler threw.
    static func problem(for error: any Error) -> any Error {
        if let error = error as? CommunityError {
            let problem: Problem
            switch error.code {
            case .invalidField: problem = Problem(.unprocessableContent, "invalid-field", error.message)
            case .invalidTransition: problem = Problem(.conflict, "invalid-transition", error.message)
            case .conflict: problem = Problem(.conflict, "conflict", error.message)
            case .notFound: problem = Problem(.notFound, "not-found", error.message)
            default: problem = Problem(.forbidden, "forbidden", error.message)
            }
            return error.field.map { problem.with(field: $0) } ?? problem
        }
        if let error = error as? StoreError {
            switch error.code {
            case .conflict: return Problem(.conflict, "conflict", error.message)
            case .notFound: return Problem.notFound(error.message)
            case .invalidArgument: return Problem(.unprocessableContent, "invalid-argument", error.message)
            default: return error
            }
        }
        return error
    }
}
