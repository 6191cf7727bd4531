import Foundation
import HTTPTypes
import Hummingbird
import VigilCommunity
import VigilStore
import VigilSurveillance

// Supplies: items, stock per site with days of cover, requests, allocation and transfers (docs/resources.md).
//
// Every stock, request, allocation and transfer plan is a versioned record kept at the
// jurisdiction of the community it concerns (a depot's stock at the depot's jurisdiction), so the
// same role and jurisdiction rules apply as to every other record. Whatever changes several
// records — a transfer, a shipment, a receipt, an applied allocation or transfer plan — writes
// them in one `updateRecords` transaction at the versions read: all or nothing, 412 otherwise.

extension RecordKind {
    /// A supply item of the catalogue (id: the item id), kept where it was registered; every
    /// caller of the city sees the catalogue.
    static let supplyItem = RecordKind("supply-item")
    /// A depot (id: its name), kept at the jurisdiction given when it was registered.
    static let supplyDepot = RecordKind("supply-depot")
    /// One item's ``SupplyStock`` at one site (id: ``CommunityAPI/stockID(_:_:)``), at the
    /// community's path or the depot's jurisdiction.
    static let supplyStock = RecordKind("supply-stock")
    /// A ``SupplyRequest`` (id: `req-` and 24 hex digits), at the requesting community.
    static let supplyRequest = RecordKind("supply-request")
    /// An applied allocation (``SupplyAllocationView``), at its scope.
    static let supplyAllocation = RecordKind("supply-allocation")
    /// An applied transfer plan (``SupplyTransferView``), at its scope.
    static let supplyTransfer = RecordKind("supply-transfer")
}

extension CommunityAPI {
    static let supplyRoutes: [APIRoute] = [
        APIRoute(
            method: .put, path: "/supplies/items/{id}", permission: .allocateSupplies,
            summary: "Register or edit a supply item: {\"name\", \"unit\", \"category\": protective|medical|food|disinfection|other}; If-Match to edit",
            body: "application/json", success: [200, 201]
        ) { api, request, context, caller in try await api.putSupplyItem(request, context, caller) },
        APIRoute(
            method: .get, path: "/supplies/items", permission: .readSupplies, summary: "The supply item catalogue of the caller's city, by id"
        ) { api, _, _, caller in try await api.listSupplyItems(caller) },
        APIRoute(
            method: .put, path: "/supplies/depots/{id}", permission: .allocateSupplies,
            summary: "Register or edit a depot: {\"name\", \"jurisdiction\"} (the jurisdiction its stocks are kept at; it cannot change); If-Match to edit",
            body: "application/json", success: [200, 201]
        ) { api, request, context, caller in try await api.putSupplyDepot(request, context, caller) },
        APIRoute(
            method: .get, path: "/supplies/depots", permission: .readSupplies, summary: "The depots in a scope, by id",
            query: [("scope", "jurisdiction path"), ("after", "paging"), ("limit", "1-1000")]
        ) { api, request, _, caller in try await api.listRecords(.supplyDepot, SupplyDepot.self, request, caller, permission: .readSupplies) },
        APIRoute(
            method: .get, path: "/supplies/stock", permission: .readSupplies,
            summary: "The stocks in a scope: on hand, reserve and floor, need and unmet need, days of cover and stock-out day as of today",
            query: [
                ("scope", "jurisdiction path"), ("item", "an item id"), ("window", "days of consumption averaged, 1-366, default 7"),
                ("tz", "seconds east of UTC that days are counted in, default 28800"),
            ]
        ) { api, request, _, caller in try await api.listStocks(request, caller) },
        APIRoute(
            method: .get, path: "/supplies/stock/{id}", permission: .readSupplies,
            summary: "One stock (id: site@item, the community path with ~ for /, or the depot) with its movements and cover; ETag",
            query: [("window", "1-366, default 7"), ("tz", "seconds east of UTC, default 28800")]
        ) { api, request, context, caller in try await api.getStock(request, context, caller) },
        APIRoute(
            method: .post, path: "/supplies/stock/{id}/movements", permission: .writeSupplies,
            summary: "Record a movement: {\"kind\": received|consumed|adjusted|setAside|released|needDeclared|reserveFloorSet|transfer, \"quantity\", \"pool\", \"neededBy\", \"from\", \"to\", \"reason\", \"reference\", \"time\"}; time: when it happened, Unix seconds, default now, at most 60 s ahead and 400 days back (422), never before the stock's last movement (409, field time); creates the stock on first use; a transfer changes both stocks or neither",
            body: "application/json", success: [200, 201]
        ) { api, request, context, caller in try await api.recordMovement(request, context, caller) },
        APIRoute(
            method: .post, path: "/supplies/requests", permission: .writeSupplies,
            summary: "Request supplies for a community: {\"community\", \"item\", \"quantity\", \"reason\", \"time\"} (time: Unix seconds, default now)", body: "application/json",
            success: [201]
        ) { api, request, _, caller in try await api.fileSupplyRequest(request, caller) },
        APIRoute(
            method: .get, path: "/supplies/requests", permission: .readSupplies, summary: "The supply requests in a scope, by id",
            query: [("scope", "jurisdiction path"), ("status", "a status"), ("item", "an item id"), ("after", "paging"), ("limit", "1-1000")]
        ) { api, request, _, caller in
            try caller.require(.readSupplies)
            let status = try Self.optional(request.uri.queryParameters["status"], field: "status") { SupplyRequest.Status(rawValue: $0) }
            return try await api.listRecords(.supplyRequest, SupplyRequest.self, request, caller, permission: .readSupplies) { supplyRequest, query in
                (status.map { $0 == supplyRequest.status } ?? true) && (query["item"].map { $0 == supplyRequest.item.rawValue } ?? true)
            }
        },
        APIRoute(
            method: .get, path: "/supplies/requests/{id}", permission: .readSupplies, summary: "A supply request with every step: who, when, quantity, reason"
        ) { api, _, context, caller in try await api.getRecord(.supplyRequest, context, caller, permission: .readSupplies) },
        APIRoute(
            method: .post, path: "/supplies/requests/{id}/{action}", permission: .allocateSupplies,
            summary: "approve {quantity, reason}, reject {reason}, ship {quantity, source, reason} (supplies.allocate; not by the requester); cancel {reason}, receive {quantity, reason} (supplies.write); shipping draws the source stock, receiving fills the community's; each takes an optional time (Unix seconds, not before the request's last step or the stock's last movement: 409)",
            body: "application/json"
        ) { api, request, context, caller in try await api.supplyRequestStep(request, context, caller) },
        APIRoute(
            method: .post, path: "/supplies/allocations", permission: .allocateSupplies,
            summary: "Allocate a depot stock or a shipment across the communities of a scope by unmet need and risk (weighted max-min fairness), explained; {\"apply\": true} records it atomically; an optional time (Unix seconds) dates its movements",
            body: "application/json", success: [200, 201]
        ) { api, request, _, caller in try await api.allocateSupplies(request, caller) },
        APIRoute(
            method: .get, path: "/supplies/allocations", permission: .readSupplies, summary: "The applied allocations in a scope, by id",
            query: [("scope", "jurisdiction path"), ("item", "an item id"), ("after", "paging"), ("limit", "1-1000")]
        ) { api, request, _, caller in
            try await api.listRecords(.supplyAllocation, SupplyAllocationView.self, request, caller, permission: .readSupplies) { allocation, query in
                query["item"].map { $0 == allocation.item } ?? true
            }
        },
        APIRoute(
            method: .get, path: "/supplies/allocations/{id}", permission: .readSupplies, summary: "An applied allocation with its shares and stock changes"
        ) { api, _, context, caller in try await api.getRecord(.supplyAllocation, context, caller, permission: .readSupplies) },
        APIRoute(
            method: .post, path: "/supplies/transfers", permission: .allocateSupplies,
            summary: "Plan transfers of an item from surpluses to unmet needs among the communities of a scope; {\"apply\": true} records them atomically; an optional time (Unix seconds) dates its movements",
            body: "application/json", success: [200, 201]
        ) { api, request, _, caller in try await api.planSupplyTransfers(request, caller) },
        APIRoute(
            method: .get, path: "/supplies/transfers/{id}", permission: .readSupplies, summary: "An applied transfer plan with its legs and stock changes"
        ) { api, _, context, caller in try await api.getRecord(.supplyTransfer, context, caller, permission: .readSupplies) },
    ]

    // MARK: Ids

    /// A stock's record id: `site@item`, the site being the community path with `~` for `/`
    /// (`sz~ft~s1~c1@n95`) or the depot's name (`depot.s1@n95`).
    /// A jurisdiction path in a JSON body: 422 naming `field` when it is not one.
    static func bodyPath(_ text: String, field: String) throws -> JurisdictionPath {
        do { return try JurisdictionPath(text) } catch let error as CommunityError {
            throw Problem(.unprocessableContent, "invalid-field", error.message).with(field: field)
        }
    }

    static func stockID(_ site: SupplySite, _ item: SupplyItemID) -> String {
        switch site {
        case .community(let path): "\(path.description.replacingOccurrences(of: "/", with: "~"))@\(item)"
        case .depot(let place): "\(place)@\(item)"
        }
    }

    /// The site and item a stock id names.
    static func stockKey(_ id: String, field: String = "id") throws -> (SupplySite, SupplyItemID) {
        guard let at = id.lastIndex(of: "@") else {
            throw Problem(.badRequest, "bad-parameter", "a stock id is site@item, like sz~ft~s1~c1@n95 or depot.s1@n95").with(field: field)
        }
        let siteText = String(id[..<at])
        do {
            let item = try SupplyItemID(String(id[id.index(after: at)...]))
            if siteText.contains("~") {
                return (try SupplySite.validCommunity(try JurisdictionPath(siteText.replacingOccurrences(of: "~", with: "/"))), item)
            }
            return (.depot(try depotName(siteText)), item)
        } catch let error as CommunityError {
            throw Problem(.badRequest, "bad-parameter", error.message).with(field: field)
        }
    }

    /// A depot's name: a place id without `~`, `@` or `/`, so that it fits in a stock id.
    static func depotName(_ text: String) throws -> PlaceID {
        guard !text.contains("~") && !text.contains("@") && !text.contains("/") else {
            throw CommunityError(.invalidField, "a depot's name has no ~, @ or /", field: "depot")
        }
        return try PlaceID(text)
    }

    // MARK: Items and depots

    func putSupplyItem(_ request: Request, _ context: some RequestContext, _ caller: Caller) async throws -> Response {
        try caller.require(.allocateSupplies)
        let id: SupplyItemID
        do { id = try SupplyItemID(context.parameters.get("id") ?? "") } catch let error as CommunityError {
            throw Problem(.badRequest, "bad-parameter", error.message).with(field: "id")
        }
        let body = try await Self.decode(SupplyItemBody.self, request)
        let item = try SupplyItem(id: id, name: body.name, unit: body.unit, category: body.category)
        guard let stored = try await store.record(.supplyItem, id: id.rawValue) else {
            var response = try await insert(.supplyItem, id: id.rawValue, at: caller.scope, person: nil, item, caller: caller)
            response.headers[.location] = "\(Self.prefix)/supplies/items/\(id)"
            return response
        }
        try caller.require(.allocateSupplies, at: stored.draft.jurisdiction)
        guard request.headers[.ifMatch] != nil else {
            throw Problem(.preconditionRequired, "if-match-required", "item \(id) exists: send If-Match with the ETag of the version you edited")
        }
        return try await save(item, stored, request: request, caller: caller, action: "supply-item.update")
    }

    /// The catalogue: every item registered in the caller's city (items are not personal data
    /// and are shared by every community).
    func listSupplyItems(_ caller: Caller) async throws -> Response {
        try caller.require(.readSupplies)
        let city = caller.scope.ancestor(at: .city) ?? caller.scope
        let items = try await all(.supplyItem, SupplyItem.self, in: city).sorted { $0.id < $1.id }
        return try Self.json(ItemsBody(items: items))
    }

    func putSupplyDepot(_ request: Request, _ context: some RequestContext, _ caller: Caller) async throws -> Response {
        try caller.require(.allocateSupplies)
        let name: PlaceID
        do { name = try Self.depotName(context.parameters.get("id") ?? "") } catch let error as CommunityError {
            throw Problem(.badRequest, "bad-parameter", error.message).with(field: "id")
        }
        let body = try await Self.decode(SupplyDepotBody.self, request)
        try caller.require(.allocateSupplies, at: body.jurisdiction)
        let trimmed = body.name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed == body.name, body.name.utf8.count <= 128, !body.name.contains(where: \.isNewline) else {
            throw Problem(.unprocessableContent, "invalid-field", "a depot's name is 1-128 bytes on one line, without surrounding spaces").with(field: "name")
        }
        let depot = SupplyDepot(id: name.rawValue, name: body.name, jurisdiction: body.jurisdiction)
        guard let stored = try await store.record(.supplyDepot, id: name.rawValue) else {
            var response = try await insert(.supplyDepot, id: name.rawValue, at: body.jurisdiction, person: nil, depot, caller: caller)
            response.headers[.location] = "\(Self.prefix)/supplies/depots?scope=\(body.jurisdiction)"
            return response
        }
        try caller.require(.allocateSupplies, at: stored.draft.jurisdiction)
        guard request.headers[.ifMatch] != nil else {
            throw Problem(.preconditionRequired, "if-match-required", "depot \(name) exists: send If-Match with the ETag of the version you edited")
        }
        guard stored.draft.jurisdiction == body.jurisdiction else {
            throw Problem(
                .unprocessableContent, "invalid-field", "depot \(name) is kept at \(stored.draft.jurisdiction) with its stocks; it cannot move"
            ).with(field: "jurisdiction")
        }
        return try await save(depot, stored, request: request, caller: caller, action: "supply-depot.update")
    }

    /// 422 naming `field` unless the item is in the catalogue.
    func requireSupplyItem(_ item: SupplyItemID, field: String = "item") async throws {
        guard try await store.record(.supplyItem, id: item.rawValue) != nil else {
            throw Problem(.unprocessableContent, "invalid-field", "no supply item \(item): register it with PUT /supplies/items/\(item)").with(field: field)
        }
    }

    /// Where a site's stocks are kept: the community, or the registered depot's jurisdiction.
    func stockJurisdiction(_ site: SupplySite, field: String) async throws -> JurisdictionPath {
        switch site {
        case .community(let path):
            return path
        case .depot(let place):
            guard let depot = try await store.record(.supplyDepot, id: place.rawValue) else {
                throw Problem(.unprocessableContent, "invalid-field", "no depot \(place): register it with PUT /supplies/depots/{id}").with(field: field)
            }
            return depot.draft.jurisdiction
        }
    }

    // MARK: Stock

    /// Today in the zone of the `tz` query parameter and the `window` of consumption.
    func coverParameters(_ request: Request) throws -> (today: CivilDate, window: Int, offset: Int64) {
        let query = request.uri.queryParameters
        let offset = try Self.int(query["tz"], field: "tz") ?? 28_800
        guard abs(offset) <= 14 * 3_600 else { throw Problem(.badRequest, "bad-parameter", "tz is within ±50400 seconds").with(field: "tz") }
        let window = try Self.int(query["window"], field: "window") ?? 7
        guard (1...366).contains(window) else { throw Problem(.badRequest, "bad-parameter", "window is 1 to 366 days").with(field: "window") }
        let local = clock() + offset
        let day = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        return (CivilDate(daysSinceEpoch: Int(day)), Int(window), offset)
    }

    func stockView(_ stock: SupplyStock, _ stored: StoredRecord, _ cover: (today: CivilDate, window: Int, offset: Int64), movements: Bool)
        throws -> SupplyStockView
    {
        SupplyStockView(
            id: stored.draft.id, version: stored.version, jurisdiction: stored.draft.jurisdiction.description, site: stock.site,
            item: stock.item.rawValue, regular: stock.regular, reserve: stock.reserve, onHand: stock.onHand, reserveFloor: stock.reserveFloor,
            available: stock.available, need: stock.need, neededBy: stock.neededBy, unmetNeed: stock.unmetNeed, surplus: stock.surplus,
            reserveShortfall: stock.reserveShortfall,
            cover: try stock.cover(asOf: cover.today, windowDays: cover.window, timeZoneOffsetSeconds: cover.offset),
            movements: movements ? stock.movements : nil)
    }

    func stockResponse(_ stock: SupplyStock, _ stored: StoredRecord, request: Request, status: HTTPResponse.Status = .ok) throws -> Response {
        try Self.json(stockView(stock, stored, try coverParameters(request), movements: true), status: status, headers: [.eTag: Self.etag(stored.version)])
    }

    /// Every stock in `scope` (of `item`, when given), with its record, in id order.
    func stocks(in scope: JurisdictionPath, item: SupplyItemID?) async throws -> [(SupplyStock, StoredRecord)] {
        var found: [(SupplyStock, StoredRecord)] = []
        var after: String?
        repeat {
            let page = try await store.records(RecordQuery(kind: .supplyStock, scope: scope, after: after, limit: 1000))
            for stored in page.items where item.map({ stored.draft.id.hasSuffix("@\($0)") }) ?? true {
                found.append((try JSONDecoder().decode(SupplyStock.self, from: Data(stored.draft.body)), stored))
            }
            after = page.next
        } while after != nil
        return found
    }

    func listStocks(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.readSupplies)
        let query = request.uri.queryParameters
        let scope = try query["scope"].map { try Self.path(String($0), field: "scope") } ?? caller.scope
        try caller.require(.readSupplies, at: scope)
        let item: SupplyItemID?
        do { item = try query["item"].map { try SupplyItemID(String($0)) } } catch let error as CommunityError {
            throw Problem(.badRequest, "bad-parameter", error.message).with(field: "item")
        }
        let cover = try coverParameters(request)
        let views = try await stocks(in: scope, item: item).map { try stockView($0.0, $0.1, cover, movements: false) }
        return try Self.json(ItemsBody(items: views))
    }

    func getStock(_ request: Request, _ context: some RequestContext, _ caller: Caller) async throws -> Response {
        try caller.require(.readSupplies)
        let id = context.parameters.get("id") ?? ""
        let (stock, stored) = try await load(SupplyStock.self, .supplyStock, id: id, caller, .readSupplies)
        return try stockResponse(stock, stored, request: request)
    }

    /// The movement kinds a caller records directly; transfers in and out are recorded in pairs
    /// by `transfer`.
    static let movementKinds: [String: SupplyMovement.Kind] = [
        "received": .received, "consumed": .consumed, "adjusted": .adjusted, "setAside": .setAside, "released": .released,
        "needDeclared": .needDeclared, "reserveFloorSet": .reserveFloorSet,
    ]

    /// Runs a domain change, naming the JSON field a domain field corresponds to.
    static func renaming<T>(_ fields: [String: String], _ change: () throws -> T) throws -> T {
        do { return try change() } catch var error as CommunityError {
            if let field = error.field, let renamed = fields[field] { error.field = renamed }
            throw error
        }
    }

    /// How far a body's `time` may be ahead of the server's clock (clock skew), in seconds.
    static let timeSkew: Int64 = 60
    /// How far back a body's `time` may date a change, in days.
    static let timeBackDays: Int64 = 400

    /// When a supply change happened: the body's `time` (Unix seconds) — a back-dated record of
    /// what happened on an earlier day, so that it counts on that day (days of cover) — or now.
    /// A time more than ``timeSkew`` seconds ahead of the server's clock, or more than
    /// ``timeBackDays`` days behind it, is refused with 422 naming `time`.
    func changeTime(_ time: Int64?) throws -> Int64 {
        let now = clock()
        guard let time else { return now }
        guard time <= now + Self.timeSkew else {
            throw Problem(.unprocessableContent, "invalid-field", "time \(time) is in the future: the server's clock says \(now)").with(field: "time")
        }
        guard time >= now - Self.timeBackDays * 86_400 else {
            throw Problem(.unprocessableContent, "invalid-field", "time \(time) is more than \(Self.timeBackDays) days ago").with(field: "time")
        }
        return time
    }

    /// The time a change following `last` (a stock's last movement, a request's last step) is
    /// stamped with. Histories are kept in time order: a `time` the caller gave that is before
    /// `last` is refused with 409 naming `time` (record older changes first); without one, the
    /// change is stamped now, or at `last` when the clock is behind it.
    static func stamp(_ time: Int64, given: Bool, after last: Int64?, of what: String) throws -> Int64 {
        guard let last, time < last else { return time }
        guard !given else {
            throw Problem(
                .conflict, "conflict", "time \(time) is before the last change of \(what) at \(last): changes are recorded in time order"
            ).with(field: "time")
        }
        return last
    }

    /// `POST /supplies/stock/{id}/movements`: one movement, or a transfer to another site's
    /// stock of the same item (both written in one transaction). A stock is created by its first
    /// movement.
    func recordMovement(_ request: Request, _ context: some RequestContext, _ caller: Caller) async throws -> Response {
        try caller.require(.writeSupplies)
        let id = context.parameters.get("id") ?? ""
        let (site, item) = try Self.stockKey(id)
        let body = try await Self.decode(SupplyMovementBody.self, request)
        let existing = try await store.record(.supplyStock, id: id)
        var stock: SupplyStock
        if let existing {
            try caller.require(.writeSupplies, at: existing.draft.jurisdiction)
            stock = try JSONDecoder().decode(SupplyStock.self, from: Data(existing.draft.body))
        } else {
            try caller.require(.writeSupplies, at: try await stockJurisdiction(site, field: "id"))
            try await requireSupplyItem(item, field: "id")
            stock = try SupplyStock(site: site, item: item)
        }
        let time = try changeTime(body.time)
        if body.kind == "transfer" {
            return try await transfer(body, from: stock, existing, at: time, request: request, caller: caller)
        }
        guard let kind = Self.movementKinds[body.kind] else {
            throw Problem(
                .unprocessableContent, "invalid-field",
                "kind is received, consumed, adjusted, setAside, released, needDeclared, reserveFloorSet or transfer, not \(body.kind.prefix(40))"
            ).with(field: "kind")
        }
        if body.from != nil && kind != .received {
            throw Problem(.unprocessableContent, "invalid-field", "only a receipt names the site it came from").with(field: "from")
        }
        if body.to != nil {
            throw Problem(.unprocessableContent, "invalid-field", "only a transfer names the site it goes to").with(field: "to")
        }
        let now = try Self.stamp(time, given: body.time != nil, after: stock.movements.last?.at, of: "stock \(id)")
        let movement = SupplyMovement(
            kind: kind, pool: kind.hasPool ? body.pool ?? .regular : body.pool, quantity: body.quantity, counterpart: body.from,
            neededBy: body.neededBy, by: caller.name, at: now, reason: body.reason, reference: body.reference)
        try Self.renaming(["counterpart": "from"]) { try stock.record(movement) }
        guard let existing else {
            let stored = try await store.insertRecord(
                RecordDraft(kind: .supplyStock, id: id, jurisdiction: try await stockJurisdiction(site, field: "id"), body: try Self.encode(stock), time: clock()))
            try await audit(caller, "supply-stock.\(kind)", "supply-stock/\(id)")
            var response = try stockResponse(stock, stored, request: request, status: .created)
            response.headers[.location] = "\(Self.prefix)/supplies/stock/\(id)"
            return response
        }
        let saved = try await saveRecord(stock, existing, request: request, caller: caller, action: "supply-stock.\(kind)")
        return try stockResponse(stock, saved, request: request)
    }

    /// Moves units of `body.pool` from `source` to `body.to`'s stock of the same item: both
    /// stocks are written in one transaction (the destination is created empty first when it is
    /// new, once the transfer is known to be valid). Answers the source.
    func transfer(
        _ body: SupplyMovementBody, from source: SupplyStock, _ stored: StoredRecord?, at time: Int64, request: Request, caller: Caller
    ) async throws
        -> Response
    {
        guard let to = body.to else {
            throw Problem(.unprocessableContent, "invalid-field", "a transfer names the site it goes to").with(field: "to")
        }
        guard to != source.site else {
            throw Problem(.unprocessableContent, "invalid-field", "\(to) cannot transfer to itself").with(field: "to")
        }
        guard body.from == nil, body.neededBy == nil else {
            throw Problem(.unprocessableContent, "invalid-field", "a transfer has no from or neededBy").with(field: body.from != nil ? "from" : "neededBy")
        }
        guard let stored else {
            throw Problem(.conflict, "conflict", "\(source.site) has no stock of \(source.item) to transfer").with(field: "quantity")
        }
        let destinationID = Self.stockID(to, source.item)
        let pool = body.pool ?? .regular
        func move(_ destination: SupplyStock) throws -> (SupplyStock, SupplyStock) {
            var out = source
            var into = destination
            let last = [out.movements.last?.at, into.movements.last?.at].compactMap { $0 }.max()
            let at = try Self.stamp(time, given: body.time != nil, after: last, of: "stocks \(stored.draft.id) and \(destinationID)")
            try Self.renaming(["counterpart": "to"]) {
                try SupplyStock.transfer(
                    body.quantity, of: pool, from: &out, to: &into, by: caller.name, at: at, reason: body.reason, reference: body.reference)
            }
            return (out, into)
        }
        var destinationRecord = try await store.record(.supplyStock, id: destinationID)
        if let destinationRecord {
            try caller.require(.writeSupplies, at: destinationRecord.draft.jurisdiction)
        } else {
            let jurisdiction = try await stockJurisdiction(to, field: "to")
            try caller.require(.writeSupplies, at: jurisdiction)
            destinationRecord = try newEmptyStock(to, source.item, at: jurisdiction)
        }
        let destinationStored = destinationRecord!
        let (out, into) = try move(try JSONDecoder().decode(SupplyStock.self, from: Data(destinationStored.draft.body)))
        try Self.checkIfMatch(request, stored)
        let saved = try await writeTogether([(out, stored), (into, destinationStored)])
        try await auditAll(
            caller,
            (destinationStored.version == 0 ? [("supply-stock.create", "supply-stock/\(destinationID)")] : [])
                + [("supply-stock.transfer-out", "supply-stock/\(stored.draft.id)"), ("supply-stock.transfer-in", "supply-stock/\(destinationID)")])
        return try stockResponse(out, saved[0], request: request)
    }

    /// A new, empty stock at version 0, not yet stored: ``writeTogether(_:)`` inserts it in the
    /// same transaction as the changes it comes with (and refuses with 412 if another request
    /// created it meanwhile), so a refused change leaves no empty stock behind.
    func newEmptyStock(_ site: SupplySite, _ item: SupplyItemID, at jurisdiction: JurisdictionPath) throws -> StoredRecord {
        StoredRecord(
            draft: RecordDraft(
                kind: .supplyStock, id: Self.stockID(site, item), jurisdiction: jurisdiction,
                body: try Self.encode(try SupplyStock(site: site, item: item)), time: clock()),
            version: 0)
    }

    // MARK: Writing several records

    /// 412 unless `If-Match`, when sent, names `stored`'s version.
    static func checkIfMatch(_ request: Request, _ stored: StoredRecord) throws {
        guard let ifMatch = request.headers[.ifMatch] else { return }
        guard let expected = version(fromETag: ifMatch) else {
            throw Problem(.badRequest, "bad-if-match", "If-Match must be an ETag of this API, like \"v3\"").with(field: "If-Match")
        }
        guard expected == stored.version else {
            throw Problem(.preconditionFailed, "version-changed", "the record is at version \(stored.version), not \(expected): read it again")
        }
    }

    /// Writes every record at the version it was read, in one transaction; 412 (and nothing
    /// written) when one changed meanwhile.
    func writeTogether(_ records: [(any Encodable, StoredRecord)]) async throws -> [StoredRecord] {
        let time = clock()
        let updates = try records.map { value, stored in
            var draft = stored.draft
            draft.body = try Self.encode(value)
            draft.time = time
            return RecordUpdate(draft, expectedVersion: stored.version)
        }
        do {
            return try await store.updateRecords(updates)
        } catch let error as StoreError where error.code == .conflict {
            throw Problem(.preconditionFailed, "version-changed", "a record changed meanwhile and nothing was written: read again (\(error.message))")
        }
    }

    /// Appends one audit event per (action, resource), in one call.
    func auditAll(_ caller: Caller, _ events: [(String, String)]) async throws {
        guard !events.isEmpty else { return }
        let time = clock()
        _ = try await store.appendAudit(
            events.map { AuditEvent(time: time, actor: caller.name, role: caller.role, action: $0.0, resource: $0.1, purpose: caller.purpose) })
    }

    /// Records `quantity` units leaving `source` for `destination`: regular stock first, then
    /// emergency reserve above its floor (with that as the reason). A shipment, allocation or
    /// planned transfer never draws a source below its reserve floor.
    static func dispatch(_ quantity: Int, from source: inout SupplyStock, to destination: SupplySite, by actor: String, at time: Int64, reference: String)
        throws
    {
        guard quantity <= source.available else {
            throw CommunityError(
                .conflict, "\(source.site) has \(source.available) units of \(source.item) above its reserve floor, not \(quantity)", field: "quantity")
        }
        let regular = min(quantity, source.regular)
        if regular > 0 {
            try source.record(
                SupplyMovement(kind: .transferredOut, pool: .regular, quantity: regular, counterpart: destination, by: actor, at: time, reference: reference))
        }
        if quantity > regular {
            try source.record(
                SupplyMovement(
                    kind: .transferredOut, pool: .reserve, quantity: quantity - regular, counterpart: destination, by: actor, at: time,
                    reason: "emergency reserve above its floor of \(source.reserveFloor)", reference: reference))
        }
    }

    /// Records `quantity` units arriving in `stock`'s regular pool: a transfer in from `source`,
    /// or a receipt from outside the platform's sites.
    static func arrive(_ quantity: Int, at stock: inout SupplyStock, from source: SupplySite?, by actor: String, at time: Int64, reference: String) throws {
        guard quantity > 0 else { return }
        try stock.record(
            SupplyMovement(
                kind: source == nil ? .received : .transferredIn, pool: .regular, quantity: quantity, counterpart: source, by: actor, at: time,
                reference: reference))
    }

    // MARK: Requests

    func fileSupplyRequest(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.writeSupplies)
        let body = try await Self.decode(SupplyRequestBody.self, request)
        let community = try Self.bodyPath(body.community, field: "community")
        try caller.require(.writeSupplies, at: community)
        let id = Self.newID("req-")
        let filed = try SupplyRequest(
            id: try SupplyRequestID(id), community: community, item: body.item, quantity: body.quantity, reason: body.reason, by: caller.name,
            at: try changeTime(body.time))
        try await requireSupplyItem(body.item)
        var response = try await insert(.supplyRequest, id: id, at: community, person: nil, filed, caller: caller)
        response.headers[.location] = "\(Self.prefix)/supplies/requests/\(id)"
        return response
    }

    /// `POST /supplies/requests/{id}/{action}`. Shipping from a `source` draws its stock
    /// (``dispatch(_:from:to:by:at:reference:)``) and receiving fills the community's stock,
    /// each in one transaction with the request.
    func supplyRequestStep(_ request: Request, _ context: some RequestContext, _ caller: Caller) async throws -> Response {
        let action = context.parameters.get("action") ?? ""
        let permission: Permission
        switch action {
        case "approve", "reject", "ship": permission = .allocateSupplies
        case "cancel", "receive": permission = .writeSupplies
        default: throw Problem(.notFound, "not-found", "no supply request action \(action.prefix(20)): approve, reject, ship, cancel or receive")
        }
        try caller.require(permission)
        let body = try await Self.decodeIfPresent(SupplyRequestStepBody.self, request) ?? SupplyRequestStepBody()
        let id = context.parameters.get("id") ?? ""
        var (supplyRequest, stored) = try await load(SupplyRequest.self, .supplyRequest, id: id, caller, permission)
        let given = body.time != nil
        let now = try Self.stamp(try changeTime(body.time), given: given, after: supplyRequest.history.last?.at, of: "request \(id)")
        if body.source != nil && action != "ship" {
            throw Problem(.unprocessableContent, "invalid-field", "only a shipment has a source").with(field: "source")
        }
        switch action {
        case "approve":
            try supplyRequest.approve(quantity: body.quantity, by: caller.name, at: now, reason: body.reason)
        case "reject":
            try supplyRequest.reject(by: caller.name, at: now, reason: try Self.reason(ReasonBody(reason: body.reason)))
        case "cancel":
            try supplyRequest.cancel(by: caller.name, at: now, reason: try Self.reason(ReasonBody(reason: body.reason)))
        case "ship":
            try supplyRequest.ship(quantity: body.quantity, from: body.source, by: caller.name, at: now, reason: body.reason)
            if let source = body.source {
                let sourceID = Self.stockID(source, supplyRequest.item)
                guard let sourceStored = try await store.record(.supplyStock, id: sourceID) else {
                    throw Problem(.unprocessableContent, "invalid-field", "\(source) has no stock of \(supplyRequest.item)").with(field: "source")
                }
                try caller.require(.allocateSupplies, at: sourceStored.draft.jurisdiction)
                var sourceStock = try JSONDecoder().decode(SupplyStock.self, from: Data(sourceStored.draft.body))
                try Self.dispatch(
                    supplyRequest.shippedQuantity ?? 0, from: &sourceStock, to: .community(supplyRequest.community), by: caller.name,
                    at: try Self.stamp(now, given: given, after: sourceStock.movements.last?.at, of: "stock \(sourceID)"), reference: id)
                try Self.checkIfMatch(request, stored)
                let saved = try await writeTogether([(supplyRequest, stored), (sourceStock, sourceStored)])
                try await auditAll(caller, [("supply-request.ship", "supply-request/\(id)"), ("supply-stock.transfer-out", "supply-stock/\(sourceID)")])
                return try Self.recordResponse(saved[0])
            }
        default:  // receive
            try supplyRequest.receive(quantity: body.quantity, by: caller.name, at: now, reason: body.reason)
            let received = supplyRequest.receivedQuantity ?? 0
            if received > 0 {
                let site = SupplySite.community(supplyRequest.community)
                let source = supplyRequest.history.last { $0.status == .shipped }?.source
                let stockID = Self.stockID(site, supplyRequest.item)
                func fill(_ stock: SupplyStock) throws -> SupplyStock {
                    var stock = stock
                    let at = try Self.stamp(now, given: given, after: stock.movements.last?.at, of: "stock \(stockID)")
                    try Self.arrive(received, at: &stock, from: source, by: caller.name, at: at, reference: id)
                    return stock
                }
                var stockStored = try await store.record(.supplyStock, id: stockID)
                if stockStored == nil {
                    stockStored = try newEmptyStock(site, supplyRequest.item, at: supplyRequest.community)
                }
                let filled = try fill(try JSONDecoder().decode(SupplyStock.self, from: Data(stockStored!.draft.body)))
                try Self.checkIfMatch(request, stored)
                let saved = try await writeTogether([(supplyRequest, stored), (filled, stockStored!)])
                try await auditAll(
                    caller,
                    (stockStored!.version == 0 ? [("supply-stock.create", "supply-stock/\(stockID)")] : [])
                        + [("supply-request.receive", "supply-request/\(id)"), ("supply-stock.receive", "supply-stock/\(stockID)")])
                return try Self.recordResponse(saved[0])
            }
        }
        return try await save(supplyRequest, stored, request: request, caller: caller, action: "supply-request.\(action)")
    }

    // MARK: Allocation and transfers

    /// The risk levels of `{"community path": "low|medium|high"}`, every community in `scope`.
    static func riskLevels(_ raw: [String: String], in scope: JurisdictionPath) throws -> [JurisdictionPath: RiskLevel] {
        var levels: [JurisdictionPath: RiskLevel] = [:]
        for (key, value) in raw {
            guard let path = try? JurisdictionPath(key), path.level == .community else {
                throw Problem(.unprocessableContent, "invalid-field", "\(key.prefix(80)) is not a community's path").with(field: "risk")
            }
            guard scope.contains(path) else {
                throw Problem(.unprocessableContent, "invalid-field", "\(path) is outside the scope \(scope)").with(field: "risk")
            }
            guard let level = RiskLevel.allCases.first(where: { $0.description == value }) else {
                throw Problem(.unprocessableContent, "invalid-field", "the risk of \(path) is low, medium or high, not \(value.prefix(20))").with(field: "risk")
            }
            levels[path] = level
        }
        return levels
    }

    /// 412 unless the stocks read now are exactly those (and versions) of `basis`, the one a
    /// preview answered.
    static func requireBasis(_ basis: [String: Int]?, _ current: [String: Int]) throws {
        guard let basis, basis != current else { return }
        let changed = Set(basis.keys).union(current.keys).sorted().first { basis[$0] != current[$0] } ?? ""
        throw Problem(
            .preconditionFailed, "version-changed",
            "stock \(changed) is at version \(current[changed].map(String.init) ?? "none"), not \(basis[changed].map(String.init) ?? "none") as previewed: preview again"
        ).with(field: "basis")
    }

    /// The community stocks of `item` in `scope`, each with a risk level (422 `risk` for one
    /// without), leaving out `excluded`.
    static func communityStocks(_ stocks: [(SupplyStock, StoredRecord)], risk: [JurisdictionPath: RiskLevel], excluding excluded: SupplySite?) throws
        -> [(SupplyStock, StoredRecord)]
    {
        let communities = stocks.filter { $0.0.site.community != nil && $0.0.site != excluded }
        for (stock, _) in communities where risk[stock.site.community!] == nil {
            throw Problem(.unprocessableContent, "invalid-field", "no risk level for \(stock.site.community!), which has a stock of \(stock.item)").with(field: "risk")
        }
        return communities
    }

    /// `POST /supplies/allocations`: the allocation of a depot stock (what it has above its
    /// reserve floor) or of a shipment over the unmet needs of the scope's communities. With
    /// `apply`, in one transaction, the source stock goes down, every community's goes up and
    /// the allocation is stored `applied`; when a stock changed since the preview (`basis`) or
    /// meanwhile, nothing changes (412).
    func allocateSupplies(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.allocateSupplies)
        let body = try await Self.decode(SupplyAllocationBody.self, request)
        let scope = try Self.bodyPath(body.scope, field: "scope")
        try caller.require(.allocateSupplies, at: scope)
        let risk = try Self.riskLevels(body.risk, in: scope)
        let weights = body.weights ?? .standard
        let id = try body.id ?? SupplyAllocationID(Self.newID("alloc-"))
        var source: (SupplyStock, StoredRecord)?
        switch (body.source.stock, body.source.shipment) {
        case (let stockID?, nil):
            guard let stored = try await store.record(.supplyStock, id: stockID) else {
                throw Problem(.unprocessableContent, "invalid-field", "no stock \(stockID.prefix(140))").with(field: "source")
            }
            try caller.require(.allocateSupplies, at: stored.draft.jurisdiction)
            let stock = try JSONDecoder().decode(SupplyStock.self, from: Data(stored.draft.body))
            guard stock.item == body.item else {
                throw Problem(.unprocessableContent, "invalid-field", "stock \(stockID) is of \(stock.item), not \(body.item)").with(field: "source")
            }
            source = (stock, stored)
        case (nil, _?):
            try await requireSupplyItem(body.item)
        default:
            throw Problem(.unprocessableContent, "invalid-field", "the source is {\"stock\": \"site@item\"} or {\"shipment\": units}").with(field: "source")
        }
        let communities = try Self.communityStocks(try await stocks(in: scope, item: body.item), risk: risk, excluding: source?.0.site)
        let allocation: SupplyAllocation
        if let source {
            allocation = try SupplyAllocation(id: id, from: source.0, to: communities.map(\.0), risk: risk, weights: weights)
        } else {
            let claims = try SupplyAllocation.claims(item: body.item, stocks: communities.map(\.0), risk: risk)
            allocation = try Self.renaming(["supply": "source"]) {
                try SupplyAllocation(id: id, item: body.item, supply: body.source.shipment ?? 0, claims: claims, weights: weights)
            }
        }
        var basis: [String: Int] = [:]
        for (_, stored) in communities + (source.map { [$0] } ?? []) { basis[stored.draft.id] = stored.version }

        // The stocks after the allocation, computed now so that the preview shows them.
        let now = try changeTime(body.time)
        let given = body.time != nil
        var changed: [(SupplyStock, StoredRecord)] = []
        var changes: [SupplyStockChange] = []
        var sourceStock = source?.0
        let byCommunity = Dictionary(uniqueKeysWithValues: communities.map { ($0.0.site.community!, $0) })
        for share in allocation.shares where share.quantity > 0 {
            let stored = byCommunity[share.community]!.1
            var stock = byCommunity[share.community]!.0
            let before = stock.onHand
            if sourceStock != nil {
                try Self.dispatch(
                    share.quantity, from: &sourceStock!, to: stock.site, by: caller.name,
                    at: try Self.stamp(now, given: given, after: sourceStock!.movements.last?.at, of: "stock \(source!.1.draft.id)"),
                    reference: id.rawValue)
            }
            try Self.arrive(
                share.quantity, at: &stock, from: source?.0.site, by: caller.name,
                at: try Self.stamp(now, given: given, after: stock.movements.last?.at, of: "stock \(stored.draft.id)"), reference: id.rawValue)
            changed.append((stock, stored))
            changes.append(SupplyStockChange(stock: stored.draft.id, site: stock.site, before: before, change: share.quantity, after: stock.onHand, unmetNeed: stock.unmetNeed))
        }
        if let source, let sourceStock, allocation.allocated > 0 {
            changed.insert((sourceStock, source.1), at: 0)
            changes.insert(
                SupplyStockChange(
                    stock: source.1.draft.id, site: sourceStock.site, before: source.0.onHand, change: -allocation.allocated, after: sourceStock.onHand,
                    unmetNeed: sourceStock.unmetNeed), at: 0)
        }
        let view = SupplyAllocationView(
            allocation, status: "preview", scope: scope, source: body.source, basis: basis, changes: changes, by: caller.name, at: now)
        guard body.apply == true else { return try Self.json(view) }
        try Self.requireBasis(body.basis, basis)
        return try await applyAtomically(
            kind: .supplyAllocation, id: id.rawValue, scope: scope, caller: caller, stocks: changed, location: "/supplies/allocations/\(id)"
        ) { status in
            var stored = view
            stored.status = status
            return stored
        }
    }

    /// Inserts the record (`applied`) and writes the stocks at the versions read, all in one
    /// transaction: when a stock changed meanwhile nothing is written and the answer is 412.
    func applyAtomically<View: Encodable>(
        kind: RecordKind, id: String, scope: JurisdictionPath, caller: Caller, stocks: [(SupplyStock, StoredRecord)], location: String,
        view: (String) -> View
    ) async throws -> Response {
        guard try await store.record(kind, id: id) == nil else { throw Problem(.conflict, "exists", "\(kind) \(id) exists").with(field: "id") }
        let time = clock()
        var updates = [RecordUpdate.insert(RecordDraft(kind: kind, id: id, jurisdiction: scope, body: try Self.encode(view("applied")), time: time))]
        for (stock, stored) in stocks {
            var draft = stored.draft
            draft.body = try Self.encode(stock)
            draft.time = time
            updates.append(RecordUpdate(draft, expectedVersion: stored.version))
        }
        let saved: [StoredRecord]
        do {
            saved = try await store.updateRecords(updates)
        } catch let error as StoreError where error.code == .conflict {
            throw Problem(.preconditionFailed, "version-changed", "a record changed meanwhile and nothing was written: read again (\(error.message))")
        }
        try await auditAll(caller, [("\(kind).apply", "\(kind)/\(id)")] + stocks.map { ("supply-stock.\(kind)", "supply-stock/\($0.1.draft.id)") })
        var response = try Self.recordResponse(saved[0], status: .created)
        response.headers[.location] = Self.prefix + location
        return response
    }

    /// `POST /supplies/transfers`: the ``SupplyTransferPlan`` of an item among the scope's
    /// community stocks; with `apply`, every leg is recorded (a transfer out of the donor — regular
    /// stock first, then reserve above its floor — and in to the recipient's regular stock) and
    /// the plan stored, all in one transaction.
    func planSupplyTransfers(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.allocateSupplies)
        let body = try await Self.decode(SupplyTransferBody.self, request)
        let scope = try Self.bodyPath(body.scope, field: "scope")
        try caller.require(.allocateSupplies, at: scope)
        let risk = try Self.riskLevels(body.risk, in: scope)
        try await requireSupplyItem(body.item)
        let id = try body.id ?? SupplyAllocationID(Self.newID("transfer-"))
        let communities = try Self.communityStocks(try await stocks(in: scope, item: body.item), risk: risk, excluding: nil)
        let plan = try SupplyTransferPlan(id: id, item: body.item, stocks: communities.map(\.0), risk: risk, weights: body.weights ?? .standard)
        var basis: [String: Int] = [:]
        for (_, stored) in communities { basis[stored.draft.id] = stored.version }

        let now = try changeTime(body.time)
        var current = Dictionary(uniqueKeysWithValues: communities.map { ($0.0.site.community!, $0) })
        var touched: [JurisdictionPath] = []
        for leg in plan.transfers {
            var donor = current[leg.from]!.0
            var recipient = current[leg.to]!.0
            let last = [donor.movements.last?.at, recipient.movements.last?.at].compactMap { $0 }.max()
            let at = try Self.stamp(now, given: body.time != nil, after: last, of: "stocks of \(leg.from) and \(leg.to)")
            try Self.dispatch(leg.quantity, from: &donor, to: recipient.site, by: caller.name, at: at, reference: id.rawValue)
            try Self.arrive(leg.quantity, at: &recipient, from: donor.site, by: caller.name, at: at, reference: id.rawValue)
            current[leg.from]!.0 = donor
            current[leg.to]!.0 = recipient
            for community in [leg.from, leg.to] where !touched.contains(community) { touched.append(community) }
        }
        touched.sort()
        let original = Dictionary(uniqueKeysWithValues: communities.map { ($0.0.site.community!, $0.0) })
        let changes = touched.map { community in
            let (after, stored) = current[community]!
            let before = original[community]!
            return SupplyStockChange(
                stock: stored.draft.id, site: after.site, before: before.onHand, change: after.onHand - before.onHand, after: after.onHand,
                unmetNeed: after.unmetNeed)
        }
        let view = SupplyTransferView(plan, status: "preview", scope: scope, basis: basis, changes: changes, by: caller.name, at: now)
        guard body.apply == true else { return try Self.json(view) }
        try Self.requireBasis(body.basis, basis)
        return try await applyAtomically(
            kind: .supplyTransfer, id: id.rawValue, scope: scope, caller: caller, stocks: touched.map { current[$0]! },
            location: "/supplies/transfers/\(id)"
        ) { status in
            var stored = view
            stored.status = status
            return stored
        }
    }
}

// MARK: - Bodies and views

struct SupplyItemBody: Decodable {
    var name: String
    var unit: String
    var category: SupplyItem.Category
}

/// A registered depot: where its stocks are kept.
struct SupplyDepot: Codable {
    var id: String
    var name: String
    var jurisdiction: JurisdictionPath
}

struct SupplyDepotBody: Decodable {
    var name: String
    var jurisdiction: JurisdictionPath
}

/// `POST /supplies/stock/{id}/movements`.
struct SupplyMovementBody: Decodable {
    var kind: String
    var quantity: Int
    var pool: SupplyStock.Pool?
    var neededBy: CivilDate?
    /// The sender of a receipt.
    var from: SupplySite?
    /// The destination of a transfer.
    var to: SupplySite?
    var reason: String?
    var reference: String?
    /// When it happened (Unix seconds); default now.
    var time: Int64?
}

/// A stock as the API shows it: quantities, targets, cover as of today, and (for one stock)
/// its movements.
struct SupplyStockView: Encodable {
    var id: String
    var version: Int
    var jurisdiction: String
    var site: SupplySite
    var item: String
    var regular: Int
    var reserve: Int
    var onHand: Int
    var reserveFloor: Int
    var available: Int
    var need: Int
    var neededBy: CivilDate?
    var unmetNeed: Int
    var surplus: Int
    var reserveShortfall: Int
    var cover: SupplyCover
    var movements: [SupplyMovement]?
}

struct SupplyRequestBody: Decodable {
    var community: String
    var item: SupplyItemID
    var quantity: Int
    var reason: String
    /// When it was filed (Unix seconds); default now.
    var time: Int64?
}

struct SupplyRequestStepBody: Decodable {
    var quantity: Int?
    var reason: String?
    /// Where a shipment leaves from (its stock of the item is drawn).
    var source: SupplySite?
    /// When it happened (Unix seconds); default now.
    var time: Int64?
}

/// What an allocation divides: a stock (`site@item`) or a shipment of units.
struct SupplyAllocationSource: Codable {
    var stock: String?
    var shipment: Int?
}

struct SupplyAllocationBody: Decodable {
    var id: SupplyAllocationID?
    var item: SupplyItemID
    var source: SupplyAllocationSource
    var scope: String
    /// `{"community path": "low|medium|high"}` for every community with a stock of the item.
    var risk: [String: String]
    var weights: SupplyAllocation.Weights?
    var apply: Bool?
    /// The `basis` of the preview: applying answers 412 when a stock changed since.
    var basis: [String: Int]?
    /// When its movements happened (Unix seconds); default now.
    var time: Int64?
}

struct SupplyTransferBody: Decodable {
    var id: SupplyAllocationID?
    var item: SupplyItemID
    var scope: String
    var risk: [String: String]
    var weights: SupplyAllocation.Weights?
    var apply: Bool?
    var basis: [String: Int]?
    /// When its movements happened (Unix seconds); default now.
    var time: Int64?
}

/// One stock's on-hand units before and after an allocation or transfer plan.
struct SupplyStockChange: Codable {
    var stock: String
    var site: SupplySite
    var before: Int
    var change: Int
    var after: Int
    /// Its unmet need afterwards.
    var unmetNeed: Int
}

/// One community's share of an allocation, with the reason.
struct SupplyShareView: Codable {
    var community: String
    var risk: String
    var weight: Int
    var need: Int
    var quantity: Int
    var fairShare: Double?
    var roundedUp: Bool
    var limit: String
    var reason: String

    init(_ share: SupplyAllocation.Share) {
        community = share.community.description
        risk = share.risk.description
        weight = share.weight
        need = share.need
        quantity = share.quantity
        fairShare = share.fairShare
        roundedUp = share.roundedUp
        limit = share.limit.rawValue
        reason = share.reason
    }
}

/// An allocation as previewed, and as stored when applied.
struct SupplyAllocationView: Codable {
    var id: String
    /// `preview` or `applied`.
    var status: String
    var item: String
    var scope: String
    var source: SupplyAllocationSource
    var supply: Int
    var allocated: Int
    var remaining: Int
    var totalNeed: Int
    var level: Double?
    var weights: SupplyAllocation.Weights
    var summary: String
    var shares: [SupplyShareView]
    /// The version of every stock read: send it back with `apply` to apply exactly this.
    var basis: [String: Int]
    var changes: [SupplyStockChange]
    var by: String
    var at: Int64

    init(
        _ allocation: SupplyAllocation, status: String, scope: JurisdictionPath, source: SupplyAllocationSource, basis: [String: Int],
        changes: [SupplyStockChange], by: String, at: Int64
    ) {
        id = allocation.id.rawValue
        self.status = status
        item = allocation.item.rawValue
        self.scope = scope.description
        self.source = source
        supply = allocation.supply
        allocated = allocation.allocated
        remaining = allocation.remaining
        totalNeed = allocation.totalNeed
        level = allocation.level
        weights = allocation.weights
        summary = allocation.summary
        shares = allocation.shares.map(SupplyShareView.init)
        self.basis = basis
        self.changes = changes
        self.by = by
        self.at = at
    }
}

struct SupplyDonationView: Codable {
    var community: String
    var risk: String
    var weight: Int
    var surplus: Int
    var quantity: Int
    var keptShare: Double?
    var limit: String
    var reason: String

    init(_ donation: SupplyTransferPlan.Donation) {
        community = donation.community.description
        risk = donation.risk.description
        weight = donation.weight
        surplus = donation.surplus
        quantity = donation.quantity
        keptShare = donation.keptShare
        limit = donation.limit.rawValue
        reason = donation.reason
    }
}

struct SupplyLegView: Codable {
    var from: String
    var to: String
    var quantity: Int
}

/// A transfer plan as previewed, and as stored when applied.
struct SupplyTransferView: Codable {
    var id: String
    var status: String
    var item: String
    var scope: String
    var weights: SupplyAllocation.Weights
    var moved: Int
    var donations: [SupplyDonationView]
    var receipts: [SupplyShareView]
    var transfers: [SupplyLegView]
    var basis: [String: Int]
    var changes: [SupplyStockChange]
    var by: String
    var at: Int64

    init(
        _ plan: SupplyTransferPlan, status: String, scope: JurisdictionPath, basis: [String: Int], changes: [SupplyStockChange], by: String, at: Int64
    ) {
        id = plan.id.rawValue
        self.status = status
        item = plan.item.rawValue
        self.scope = scope.description
        weights = plan.weights
        moved = plan.moved
        donations = plan.donations.map(SupplyDonationView.init)
        receipts = plan.receipts.map(SupplyShareView.init)
        transfers = plan.transfers.map { SupplyLegView(from: $0.from.description, to: $0.to.description, quantity: $0.quantity) }
        self.basis = basis
        self.changes = changes
        self.by = by
        self.at = at
    }
}
