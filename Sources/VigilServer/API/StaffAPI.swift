import Foundation
import HTTPTypes
import Hummingbird
import VigilCommunity
import VigilStore

// Staff and who is responsible for whom (docs/api.md, "Staff and responsibility"): the four
// levels party member → unit → building → community, each a record at the jurisdiction node it
// covers, so the same role and jurisdiction rules apply as to every other record.

extension RecordKind {
    /// A staff member (id: the staff id), kept at the jurisdiction of whoever registered them.
    static let staff = RecordKind("staff")
    /// A staff member's responsibility for a node (id: `level~staff~scope`), kept at that node.
    static let responsibility = RecordKind("responsibility")
}

extension CommunityAPI {
    static let staffRoutes: [APIRoute] = [
        APIRoute(
            method: .put, path: "/staff/{id}", permission: .manageUsers,
            summary: "Register or edit a staff member: {\"name\", \"phone\"}; If-Match to edit", body: "application/json", success: [200, 201]
        ) { api, request, context, caller in try await api.putStaff(request, context, caller) },
        APIRoute(
            method: .get, path: "/staff/{id}", permission: .readPersons, summary: "A staff member", audited: true
        ) { api, _, context, caller in try await api.getRecord(.staff, context, caller, permission: .readPersons) },
        APIRoute(
            method: .post, path: "/responsibilities", permission: .manageUsers,
            summary: "Make a staff member responsible for a node: {\"staff\", \"level\": party-member|unit|building|community, \"scope\"}",
            body: "application/json", success: [201]
        ) { api, request, _, caller in try await api.addResponsibility(request, caller) },
        APIRoute(
            method: .get, path: "/responsibilities", permission: .readPersons, summary: "The responsibilities for the nodes in a scope, by id",
            query: [("scope", "jurisdiction path"), ("after", "paging"), ("limit", "1-1000")]
        ) { api, request, _, caller in try await api.listRecords(.responsibility, Responsibility.self, request, caller, permission: .readPersons) },
        APIRoute(
            method: .get, path: "/persons/{id}/responsible", permission: .readPersons,
            summary: "Who is responsible for a person, nearest first: party member, unit, building, community (with names and phones)", audited: true
        ) { api, _, context, caller in try await api.responsible(context, caller) },
    ]

    func putStaff(_ request: Request, _ context: some RequestContext, _ caller: Caller) async throws -> Response {
        try caller.require(.manageUsers)
        let id = try StaffID(context.parameters.get("id") ?? "")
        let body = try await Self.decode(StaffBody.self, request)
        let staff = try Staff(id: id, name: body.name, phone: body.phone)
        guard let stored = try await store.record(.staff, id: id.rawValue) else {
            return try await insert(.staff, id: id.rawValue, at: caller.scope, person: nil, staff, caller: caller)
        }
        try caller.require(.manageUsers, at: stored.draft.jurisdiction)
        guard request.headers[.ifMatch] != nil else {
            throw Problem(.preconditionRequired, "if-match-required", "staff \(id) exists: send If-Match with the ETag of the version you edited")
        }
        return try await save(staff, stored, request: request, caller: caller, action: "staff.update")
    }

    func addResponsibility(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.manageUsers)
        let responsibility = try await Self.decode(Responsibility.self, request)
        try caller.require(.manageUsers, at: responsibility.scope)
        guard try await store.record(.staff, id: responsibility.staff.rawValue) != nil else {
            throw Problem(.unprocessableContent, "invalid-field", "no staff \(responsibility.staff): register them with PUT /staff/{id}").with(field: "staff")
        }
        let id = "\(responsibility.level.rawValue)~\(responsibility.staff)~\(responsibility.scope)"
        do {
            var response = try await insert(.responsibility, id: id, at: responsibility.scope, person: nil, responsibility, caller: caller)
            response.headers[.location] = "\(Self.prefix)/responsibilities?scope=\(responsibility.scope)"
            return response
        } catch let error as StoreError where error.code == .conflict {
            throw Problem(.conflict, "exists", "\(responsibility.staff) is already \(responsibility.level.rawValue) for \(responsibility.scope)")
        }
    }

    /// ``Responsibility/chain(for:in:)`` for the person's household over the responsibilities of
    /// their community, with each staff member's name and phone.
    func responsible(_ context: some RequestContext, _ caller: Caller) async throws -> Response {
        try caller.require(.readPersons)
        let id = try Self.personID(context.parameters.get("id") ?? "", field: "id")
        guard let person = try await store.person(id) else { throw Problem.notFound("no person \(id)") }
        try caller.require(.readPersons, at: person.household)
        let community = person.household.ancestor(at: .community) ?? person.household
        let chain = Responsibility.chain(for: person.household, in: try await all(.responsibility, Responsibility.self, in: community))
        var items: [ResponsibleBody] = []
        for responsibility in chain {
            let staff = try await store.record(.staff, id: responsibility.staff.rawValue).flatMap {
                try? JSONDecoder().decode(Staff.self, from: Data($0.draft.body))
            }
            items.append(
                ResponsibleBody(
                    level: responsibility.level.rawValue, staff: responsibility.staff.rawValue, scope: responsibility.scope.description,
                    name: staff?.name, phone: staff?.phone))
        }
        try await audit(caller, "person.responsible", "person/\(id)")
        return try Self.json(ResponsibleChainBody(person: id.rawValue, household: person.household.description, responsible: items))
    }
}

struct StaffBody: Decodable {
    var name: String
    var phone: String?
}

struct ResponsibleBody: Encodable {
    var level: String
    var staff: String
    var scope: String
    var name: String?
    var phone: String?
}

struct ResponsibleChainBody: Encodable {
    var person: String
    var household: String
    var responsible: [ResponsibleBody]
}
