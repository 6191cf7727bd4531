import Foundation
import Logging
import NIOHTTP1
import Testing
import VigilCommunity
import VigilServer
import VigilStore
import VigilSurveillance
import VigilTestSupport

/// The supplies API over HTTP (docs/resources.md, "API"): items, depots, stock with cover,
/// requests with the two-person rule, allocation and transfer plans applied atomically.
@Suite(.serialized) struct SupplyAPITests {
    static let s1 = "sz/ft/s1"
    static let c1 = "sz/ft/s1/c1"
    static let c2 = "sz/ft/s1/c2"
    static let c3 = "sz/ft/s1/c3"
    static let c1Stock = "sz~ft~s1~c1@n95"
    static let c2Stock = "sz~ft~s1~c2@n95"
    static let c3Stock = "sz~ft~s1~c3@n95"
    static let depotStock = "depot.s1@n95"

    /// Records a movement and answers the stock view (expecting 200 or 201).
    @discardableResult
    static func move(_ platform: Platform, _ token: String, _ stock: String, _ movement: [String: Any]) async throws -> [String: Any] {
        let answer = try await platform.call(.POST, "/supplies/stock/\(stock)/movements", token: token, json: movement)
        #expect(answer.status == 200 || answer.status == 201, "\(movement): \(answer.status) \(answer.text)")
        return try answer.json()
    }

    static func stock(_ platform: Platform, _ token: String, _ id: String) async throws -> [String: Any] {
        let answer = try await platform.call(.GET, "/supplies/stock/\(id)", token: token)
        #expect(answer.status == 200, "\(id): \(answer.text)")
        return try answer.json()
    }

    /// The item and the depot, registered by `token` (an allocator of the street).
    static func catalogue(_ platform: Platform, _ token: String) async throws {
        let item = try await platform.call(
            .PUT, "/supplies/items/n95", token: token, json: ["name": "N95 respirator", "unit": "piece", "category": "protective"])
        #expect(item.status == 201, "\(item.text)")
        let depot = try await platform.call(.PUT, "/supplies/depots/depot.s1", token: token, json: ["name": "Street depot", "jurisdiction": s1])
        #expect(depot.status == 201, "\(depot.text)")
    }

    @Test func itemsStockRequestsAnAllocationAndATransferPlanFromEndToEnd() async throws {
        let platform = try await Platform.start()
        let cdc = try await platform.token("cdc.s1", .cdc, Self.s1)
        let admin = try await platform.token("admin.s1", .admin, Self.s1)
        let staff1 = try await platform.token("staff.c1", .community, Self.c1)
        let staff2 = try await platform.token("staff.c2", .community, Self.c2)

        // Items and depots.
        try await Self.catalogue(platform, cdc)
        let items = try await platform.call(.GET, "/supplies/items", token: staff1).json()["items"] as? [[String: Any]]
        #expect(items?.map { $0["id"] as? String } == ["n95"])
        let unconditional = try await platform.call(.PUT, "/supplies/items/n95", token: cdc, json: ["name": "N95", "unit": "piece", "category": "protective"])
        #expect(unconditional.status == 428)
        let edited = try await platform.call(
            .PUT, "/supplies/items/n95", token: cdc, json: ["name": "N95 respirator", "unit": "piece", "category": "protective"],
            headers: [("If-Match", "\"v1\"")])
        #expect(edited.status == 200 && edited.headers["ETag"].first == "\"v2\"", "\(edited.text)")

        // Stock at c1: received and consumed today, so the cover is 10 a day.
        var view = try await Self.move(platform, staff1, Self.c1Stock, ["kind": "received", "quantity": 100, "reference": "delivery-note-1"])
        #expect(view["onHand"] as? Int == 100 && view["version"] as? Int == 1 && view["jurisdiction"] as? String == Self.c1)
        view = try await Self.move(platform, staff1, Self.c1Stock, ["kind": "consumed", "quantity": 70])
        var cover = try #require(view["cover"] as? [String: Any])
        let asOf = try #require(cover["asOf"] as? String)
        let today = try #require(CivilDate(iso8601: asOf))
        #expect(cover["consumed"] as? Int == 70 && cover["windowDays"] as? Int == 7 && cover["dailyConsumption"] as? Double == 10)
        #expect(cover["daysOfCover"] as? Double == 3 && cover["stockOutDay"] as? String == today.addingDays(4).description)
        // A 14-day window halves the rate and doubles the cover.
        let wide = try await platform.call(.GET, "/supplies/stock/\(Self.c1Stock)?window=14", token: staff1).json()
        #expect((wide["cover"] as? [String: Any])?["daysOfCover"] as? Double == 6)

        try await Self.move(platform, staff1, Self.c1Stock, ["kind": "setAside", "quantity": 10])
        try await Self.move(platform, staff1, Self.c1Stock, ["kind": "reserveFloorSet", "quantity": 10])
        view = try await Self.move(platform, staff1, Self.c1Stock, ["kind": "needDeclared", "quantity": 60, "neededBy": "2030-01-31"])
        #expect(view["regular"] as? Int == 20 && view["reserve"] as? Int == 10 && view["available"] as? Int == 20)
        #expect(view["need"] as? Int == 60 && view["unmetNeed"] as? Int == 40 && view["neededBy"] as? String == "2030-01-31")
        cover = try #require(view["cover"] as? [String: Any])
        #expect(cover["daysOfCover"] as? Double == 2 && cover["stockOutDay"] as? String == today.addingDays(3).description)
        #expect((view["movements"] as? [[String: Any]])?.count == 5)
        // The reserve is drawn on only with a reason.
        let noReason = try await platform.call(
            .POST, "/supplies/stock/\(Self.c1Stock)/movements", token: staff1, json: ["kind": "consumed", "pool": "reserve", "quantity": 1])
        #expect(noReason.status == 422 && noReason.problemField == "reason", "\(noReason.text)")

        // c2 and c3; c3 is recorded by the street's admin.
        try await Self.move(platform, staff2, Self.c2Stock, ["kind": "received", "quantity": 20])
        try await Self.move(platform, staff2, Self.c2Stock, ["kind": "needDeclared", "quantity": 300, "neededBy": "2030-01-31"])
        try await Self.move(platform, admin, Self.c3Stock, ["kind": "received", "quantity": 150])
        try await Self.move(platform, admin, Self.c3Stock, ["kind": "needDeclared", "quantity": 30, "neededBy": "2030-01-31"])
        // The depot: 200 received, 50 of them its emergency reserve at its floor.
        try await Self.move(platform, admin, Self.depotStock, ["kind": "received", "quantity": 200, "from": ["depot": "depot.city"]])
        try await Self.move(platform, admin, Self.depotStock, ["kind": "setAside", "quantity": 50])
        view = try await Self.move(platform, admin, Self.depotStock, ["kind": "reserveFloorSet", "quantity": 50])
        #expect(view["available"] as? Int == 150 && view["jurisdiction"] as? String == Self.s1)
        // A community staff member sees their community only.
        #expect(try await platform.call(.GET, "/supplies/stock/\(Self.c2Stock)", token: staff1).status == 403)
        let listed = try await platform.call(.GET, "/supplies/stock?scope=\(Self.s1)&item=n95", token: cdc).json()["items"] as? [[String: Any]]
        #expect(listed?.map { $0["id"] as? String } == [Self.depotStock, Self.c1Stock, Self.c2Stock, Self.c3Stock])
        #expect(listed?.allSatisfy { $0["movements"] == nil && $0["cover"] != nil } == true)

        // A request: the requester cannot decide it; a partial approval needs a reason.
        let filed = try await platform.call(
            .POST, "/supplies/requests", token: staff1, json: ["community": Self.c1, "item": "n95", "quantity": 30, "reason": "fever clinic opens"])
        #expect(filed.status == 201, "\(filed.text)")
        let requestID = try #require(filed.json()["id"] as? String)
        #expect(try await platform.call(.POST, "/supplies/requests/\(requestID)/approve", token: staff1, json: [:]).status == 403)
        let own = try await platform.call(.POST, "/supplies/requests", token: admin, json: ["community": Self.c1, "item": "n95", "quantity": 5, "reason": "spare"])
        let ownID = try #require(own.json()["id"] as? String)
        let selfApproved = try await platform.call(.POST, "/supplies/requests/\(ownID)/approve", token: admin, json: [:])
        #expect(selfApproved.status == 409 && selfApproved.problemCode == "invalid-transition" && selfApproved.problemField == "by", "\(selfApproved.text)")
        let selfRejected = try await platform.call(.POST, "/supplies/requests/\(ownID)/reject", token: admin, json: ["reason": "no"])
        #expect(selfRejected.status == 409 && selfRejected.problemField == "by")
        #expect(try await platform.call(.POST, "/supplies/requests/\(ownID)/reject", token: cdc, json: [:]).problemField == "reason")
        let rejected = try await platform.call(.POST, "/supplies/requests/\(ownID)/reject", token: cdc, json: ["reason": "covered by the allocation"])
        #expect(try (rejected.json()["record"] as? [String: Any])?["status"] as? String == "rejected")
        let partialNoReason = try await platform.call(.POST, "/supplies/requests/\(requestID)/approve", token: cdc, json: ["quantity": 20])
        #expect(partialNoReason.status == 422 && partialNoReason.problemField == "reason")
        let approved = try await platform.call(
            .POST, "/supplies/requests/\(requestID)/approve", token: cdc, json: ["quantity": 20, "reason": "the depot is short"])
        #expect(try (approved.json()["record"] as? [String: Any])?["status"] as? String == "partiallyApproved", "\(approved.text)")
        // Shipping from the depot draws its stock in the same transaction as the request.
        let shipped = try await platform.call(.POST, "/supplies/requests/\(requestID)/ship", token: cdc, json: ["source": ["depot": "depot.s1"]])
        #expect(try (shipped.json()["record"] as? [String: Any])?["status"] as? String == "shipped", "\(shipped.text)")
        #expect(try await Self.stock(platform, admin, Self.depotStock)["onHand"] as? Int == 180)
        let received = try await platform.call(.POST, "/supplies/requests/\(requestID)/receive", token: staff1, json: ["quantity": 20])
        #expect(try (received.json()["record"] as? [String: Any])?["status"] as? String == "received", "\(received.text)")
        view = try await Self.stock(platform, staff1, Self.c1Stock)
        #expect(view["onHand"] as? Int == 50 && view["unmetNeed"] as? Int == 20)
        let arrival = (view["movements"] as? [[String: Any]])?.last
        #expect(arrival?["kind"] as? String == "transferredIn" && arrival?["reference"] as? String == requestID)
        let requests = try await platform.call(.GET, "/supplies/requests?scope=\(Self.s1)&status=received", token: cdc).json()["items"] as? [[String: Any]]
        #expect(requests?.map { $0["id"] as? String } == [requestID])

        // Allocation of the depot's 130 above its floor: c1 (high) needs 20, c2 (medium) 280.
        let risk = [Self.c1: "high", Self.c2: "medium", Self.c3: "low"]
        let allocation: [String: Any] = [
            "id": "alloc-1", "item": "n95", "source": ["stock": Self.depotStock], "scope": Self.s1, "risk": risk, "apply": false,
        ]
        let preview = try await platform.call(.POST, "/supplies/allocations", token: cdc, json: allocation)
        #expect(preview.status == 200, "\(preview.text)")
        let plan = try preview.json()
        #expect(plan["status"] as? String == "preview" && plan["supply"] as? Int == 130 && plan["allocated"] as? Int == 130)
        let shares = try #require(plan["shares"] as? [[String: Any]])
        #expect(shares.map { $0["community"] as? String } == [Self.c1, Self.c2, Self.c3])
        #expect(shares.map { $0["quantity"] as? Int } == [20, 110, 0])
        #expect(shares.map { $0["limit"] as? String } == ["needMet", "fairShare", "noNeed"])
        #expect(shares.map { $0["risk"] as? String } == ["high", "medium", "low"] && shares.map { $0["weight"] as? Int } == [4, 2, 1])
        #expect((shares[1]["reason"] as? String)?.contains("the supply is short") == true)
        let previewed = try #require(plan["changes"] as? [[String: Any]])
        #expect(previewed.map { $0["stock"] as? String } == [Self.depotStock, Self.c1Stock, Self.c2Stock])
        #expect(previewed.map { $0["after"] as? Int } == [50, 70, 130])
        // Nothing moved yet.
        #expect(try await Self.stock(platform, admin, Self.depotStock)["onHand"] as? Int == 180)

        var applying = allocation
        applying["apply"] = true
        applying["basis"] = plan["basis"]
        let applied = try await platform.call(.POST, "/supplies/allocations", token: cdc, json: applying)
        #expect(applied.status == 201, "\(applied.text)")
        #expect(try (applied.json()["record"] as? [String: Any])?["status"] as? String == "applied")
        for change in previewed {
            let id = try #require(change["stock"] as? String)
            #expect(try await Self.stock(platform, admin, id)["onHand"] as? Int == change["after"] as? Int, "\(id)")
        }
        let stored = try await platform.call(.GET, "/supplies/allocations/alloc-1", token: cdc).json()
        #expect((stored["record"] as? [String: Any])?["allocated"] as? Int == 130 && stored["jurisdiction"] as? String == Self.s1)
        #expect(try await platform.call(.POST, "/supplies/allocations", token: cdc, json: applying).status == 412)
        // A shipment from outside: what it would give now.
        let shipment = try await platform.call(
            .POST, "/supplies/allocations", token: cdc, json: ["item": "n95", "source": ["shipment": 100], "scope": Self.s1, "risk": risk])
        #expect(try (shipment.json()["shares"] as? [[String: Any]])?.map { $0["quantity"] as? Int } == [0, 100, 0], "\(shipment.text)")

        // Transfers: c3 has 120 over its need, c2 lacks 170.
        let transfer: [String: Any] = ["id": "transfer-1", "item": "n95", "scope": Self.s1, "risk": risk]
        let transferPreview = try await platform.call(.POST, "/supplies/transfers", token: cdc, json: transfer).json()
        #expect(transferPreview["moved"] as? Int == 120)
        let legs = try #require(transferPreview["transfers"] as? [[String: Any]])
        #expect(legs.count == 1 && legs[0]["from"] as? String == Self.c3 && legs[0]["to"] as? String == Self.c2 && legs[0]["quantity"] as? Int == 120)
        #expect((transferPreview["donations"] as? [[String: Any]])?.first?["limit"] as? String == "givesAll")
        var applyTransfer = transfer
        applyTransfer["apply"] = true
        applyTransfer["basis"] = transferPreview["basis"]
        let transferred = try await platform.call(.POST, "/supplies/transfers", token: cdc, json: applyTransfer)
        #expect(transferred.status == 201, "\(transferred.text)")
        #expect(try await Self.stock(platform, admin, Self.c3Stock)["onHand"] as? Int == 30)
        #expect(try await Self.stock(platform, admin, Self.c2Stock)["onHand"] as? Int == 250)
        let transferRecord = try await platform.call(.GET, "/supplies/transfers/transfer-1", token: admin).json()
        #expect((transferRecord["record"] as? [String: Any])?["status"] as? String == "applied")

        // Every change is in the audit log.
        let auditor = try await platform.token("auditor.1", .auditor, "sz")
        let events = try await platform.call(.GET, "/audit?limit=1000", token: auditor).json()["items"] as? [[String: Any]] ?? []
        let actions = Set(events.compactMap { $0["action"] as? String })
        for action in [
            "supply-item.create", "supply-item.update", "supply-depot.create", "supply-stock.received", "supply-stock.consumed",
            "supply-stock.needDeclared", "supply-request.create", "supply-request.approve", "supply-request.reject", "supply-request.ship",
            "supply-request.receive", "supply-allocation.apply", "supply-stock.supply-allocation", "supply-transfer.apply",
        ] {
            #expect(actions.contains(action), "\(action)")
        }
        try await platform.stop()
    }

    @Test func aStaleOrFailedChangeOfSeveralStocksChangesNone() async throws {
        let platform = try await Platform.start()
        let cdc = try await platform.token("cdc.s1", .cdc, Self.s1)
        let admin = try await platform.token("admin.s1", .admin, Self.s1)
        try await Self.catalogue(platform, cdc)
        try await Self.move(platform, admin, Self.depotStock, ["kind": "received", "quantity": 100])
        try await Self.move(platform, admin, Self.c1Stock, ["kind": "needDeclared", "quantity": 50, "neededBy": "2030-01-31"])
        try await Self.move(platform, admin, Self.c2Stock, ["kind": "received", "quantity": 10])
        try await Self.move(platform, admin, Self.c2Stock, ["kind": "needDeclared", "quantity": 50, "neededBy": "2030-01-31"])
        func snapshot() async throws -> [String: [Int]] {
            var state: [String: [Int]] = [:]
            for id in [Self.depotStock, Self.c1Stock, Self.c2Stock] {
                let view = try await Self.stock(platform, admin, id)
                state[id] = [view["version"] as? Int ?? -1, view["onHand"] as? Int ?? -1, view["need"] as? Int ?? -1]
            }
            return state
        }

        // A preview, then c1's need changes: applying the preview answers 412 and moves nothing.
        let risk = [Self.c1: "medium", Self.c2: "medium", Self.c3: "medium"]
        var allocation: [String: Any] = ["id": "alloc-stale", "item": "n95", "source": ["stock": Self.depotStock], "scope": Self.s1, "risk": risk]
        let preview = try await platform.call(.POST, "/supplies/allocations", token: cdc, json: allocation).json()
        #expect((preview["shares"] as? [[String: Any]])?.map { $0["quantity"] as? Int } == [50, 40])
        try await Self.move(platform, admin, Self.c1Stock, ["kind": "needDeclared", "quantity": 80, "neededBy": "2030-01-31"])
        let before = try await snapshot()
        allocation["apply"] = true
        allocation["basis"] = preview["basis"]
        let stale = try await platform.call(.POST, "/supplies/allocations", token: cdc, json: allocation)
        #expect(stale.status == 412 && stale.problemCode == "version-changed" && stale.problemField == "basis", "\(stale.text)")
        #expect(try await snapshot() == before)
        #expect(try await platform.call(.GET, "/supplies/allocations/alloc-stale", token: cdc).status == 404)
        // So does a transfer plan previewed before a change.
        var transfer: [String: Any] = ["id": "transfer-stale", "item": "n95", "scope": Self.s1, "risk": risk]
        let transferPreview = try await platform.call(.POST, "/supplies/transfers", token: cdc, json: transfer).json()
        try await Self.move(platform, admin, Self.c2Stock, ["kind": "consumed", "quantity": 1])
        transfer["apply"] = true
        transfer["basis"] = transferPreview["basis"]
        let staleTransfer = try await platform.call(.POST, "/supplies/transfers", token: cdc, json: transfer)
        #expect(staleTransfer.status == 412, "\(staleTransfer.text)")
        #expect(try await platform.call(.GET, "/supplies/transfers/transfer-stale", token: cdc).status == 404)

        // A movement with an old If-Match.
        let after = try await snapshot()
        let oldVersion = try await platform.call(
            .POST, "/supplies/stock/\(Self.c2Stock)/movements", token: admin, json: ["kind": "consumed", "quantity": 1], headers: [("If-Match", "\"v1\"")])
        #expect(oldVersion.status == 412 && oldVersion.problemCode == "version-changed")
        #expect(try await snapshot() == after)

        // A transfer larger than the stock changes neither stock and creates no destination.
        let tooMuch = try await platform.call(
            .POST, "/supplies/stock/\(Self.c2Stock)/movements", token: admin, json: ["kind": "transfer", "quantity": 50, "to": ["community": Self.c3]])
        #expect(tooMuch.status == 409 && tooMuch.problemField == "quantity", "\(tooMuch.text)")
        #expect(try await snapshot() == after)
        #expect(try await platform.call(.GET, "/supplies/stock/\(Self.c3Stock)", token: admin).status == 404)
        // One that fits changes both, the new destination included.
        let moved = try await platform.call(
            .POST, "/supplies/stock/\(Self.c2Stock)/movements", token: admin,
            json: ["kind": "transfer", "quantity": 4, "to": ["community": Self.c3], "reason": "c3 opens a test site"])
        #expect(try moved.status == 200 && (moved.json()["onHand"] as? Int) == 5, "\(moved.text)")
        let destination = try await Self.stock(platform, admin, Self.c3Stock)
        #expect(destination["onHand"] as? Int == 4 && (destination["movements"] as? [[String: Any]])?.first?["kind"] as? String == "transferredIn")
        // Applying the allocation now (no basis) moves the depot's stock and both communities' together.
        allocation["basis"] = nil
        let applied = try await platform.call(.POST, "/supplies/allocations", token: cdc, json: allocation)
        #expect(applied.status == 201, "\(applied.text)")
        let record = try #require(applied.json()["record"] as? [String: Any])
        // c2 (5 on hand, needs 50) gets its 45; c1 (needs 80) the remaining 55; c3 needs nothing.
        #expect((record["shares"] as? [[String: Any]])?.map { $0["quantity"] as? Int } == [55, 45, 0])
        #expect(try await Self.stock(platform, admin, Self.depotStock)["onHand"] as? Int == 0)
        #expect(try await Self.stock(platform, admin, Self.c1Stock)["onHand"] as? Int == 55)
        #expect(try await Self.stock(platform, admin, Self.c2Stock)["onHand"] as? Int == 50)
        // The same id again is refused.
        #expect(try await platform.call(.POST, "/supplies/allocations", token: cdc, json: allocation).status == 409)
        try await platform.stop()
    }

    @Test func badInputIsRefusedNamingTheField() async throws {
        let platform = try await Platform.start()
        let cdc = try await platform.token("cdc.s1", .cdc, Self.s1)
        let admin = try await platform.token("admin.s1", .admin, Self.s1)
        try await Self.catalogue(platform, cdc)
        try await Self.move(platform, admin, Self.c1Stock, ["kind": "received", "quantity": 10])
        let risk = [Self.c1: "high"]
        // (method, path, body, status, field)
        let cases: [(HTTPMethod, String, [String: Any], Int, String)] = [
            (.PUT, "/supplies/items/n!95", ["name": "x", "unit": "piece", "category": "food"], 400, "id"),
            (.PUT, "/supplies/items/rice", ["name": "Rice", "category": "food"], 422, "unit"),
            (.PUT, "/supplies/items/rice", ["name": "Rice", "unit": "kg", "category": "grain"], 422, "category"),
            (.PUT, "/supplies/items/rice", ["name": " ", "unit": "kg", "category": "food"], 422, "name"),
            (.PUT, "/supplies/depots/depot~2", ["name": "Depot", "jurisdiction": Self.s1], 400, "id"),
            (.PUT, "/supplies/depots/depot.2", ["name": "Depot", "jurisdiction": "sz//s1"], 422, "jurisdiction"),
            (.POST, "/supplies/stock/\(Self.c1Stock)/movements", ["kind": "stolen", "quantity": 1], 422, "kind"),
            (.POST, "/supplies/stock/\(Self.c1Stock)/movements", ["kind": "transferredOut", "quantity": 1], 422, "kind"),
            (.POST, "/supplies/stock/\(Self.c1Stock)/movements", ["kind": "consumed", "quantity": 0], 422, "quantity"),
            (.POST, "/supplies/stock/\(Self.c1Stock)/movements", ["kind": "consumed"], 422, "quantity"),
            (.POST, "/supplies/stock/\(Self.c1Stock)/movements", ["kind": "consumed", "quantity": 11], 409, "quantity"),
            (.POST, "/supplies/stock/\(Self.c1Stock)/movements", ["kind": "adjusted", "quantity": -2], 422, "reason"),
            (.POST, "/supplies/stock/\(Self.c1Stock)/movements", ["kind": "released", "quantity": 1], 422, "reason"),
            (.POST, "/supplies/stock/\(Self.c1Stock)/movements", ["kind": "needDeclared", "quantity": 5], 422, "neededBy"),
            (.POST, "/supplies/stock/\(Self.c1Stock)/movements", ["kind": "needDeclared", "quantity": 5, "neededBy": "31/01/2030"], 422, "neededBy"),
            (.POST, "/supplies/stock/\(Self.c1Stock)/movements", ["kind": "setAside", "quantity": 1, "pool": "reserve"], 422, "pool"),
            (.POST, "/supplies/stock/\(Self.c1Stock)/movements", ["kind": "consumed", "quantity": 1, "from": ["depot": "depot.s1"]], 422, "from"),
            (.POST, "/supplies/stock/\(Self.c1Stock)/movements", ["kind": "transfer", "quantity": 1], 422, "to"),
            (.POST, "/supplies/stock/\(Self.c1Stock)/movements", ["kind": "transfer", "quantity": 1, "to": ["depot": "depot.nowhere"]], 422, "to"),
            (.POST, "/supplies/stock/\(Self.c1Stock)/movements", ["kind": "transfer", "quantity": 1, "to": ["community": Self.s1]], 422, "community"),
            (.POST, "/supplies/stock/\(Self.c1Stock)/movements", ["kind": "received", "quantity": 1, "from": ["community": Self.c1]], 422, "from"),
            (.POST, "/supplies/stock/sz~ft~s1~c1@rice/movements", ["kind": "received", "quantity": 1], 422, "id"),
            (.POST, "/supplies/stock/sz~ft~s1@n95/movements", ["kind": "received", "quantity": 1], 400, "id"),
            (.POST, "/supplies/stock/nowhere/movements", ["kind": "received", "quantity": 1], 400, "id"),
            (.POST, "/supplies/requests", ["community": Self.c1, "item": "n95", "quantity": 0, "reason": "x"], 422, "quantity"),
            (.POST, "/supplies/requests", ["community": Self.c1, "item": "n95", "quantity": 3, "reason": " "], 422, "reason"),
            (.POST, "/supplies/requests", ["community": Self.c1, "item": "rice", "quantity": 3, "reason": "x"], 422, "item"),
            (.POST, "/supplies/requests", ["community": Self.c1, "item": "n 95", "quantity": 3, "reason": "x"], 422, "item"),
            (.POST, "/supplies/requests", ["community": Self.s1, "item": "n95", "quantity": 3, "reason": "x"], 422, "community"),
            (.POST, "/supplies/allocations", ["item": "n95", "scope": Self.s1, "risk": risk], 422, "source"),
            (.POST, "/supplies/allocations", ["item": "n95", "source": [:], "scope": Self.s1, "risk": risk], 422, "source"),
            (.POST, "/supplies/allocations", ["item": "n95", "source": ["shipment": -1], "scope": Self.s1, "risk": risk], 422, "source"),
            (.POST, "/supplies/allocations", ["item": "n95", "source": ["stock": "depot.s1@n95"], "scope": Self.s1, "risk": risk], 422, "source"),
            (.POST, "/supplies/allocations", ["item": "n95", "source": ["stock": Self.c1Stock], "scope": Self.s1, "risk": [Self.c1: "extreme"]], 422, "risk"),
            (.POST, "/supplies/allocations", ["item": "n95", "source": ["shipment": 5], "scope": Self.s1, "risk": [:]], 422, "risk"),
            (.POST, "/supplies/allocations", ["item": "n95", "source": ["shipment": 5], "scope": Self.s1, "risk": [Self.s1: "low"]], 422, "risk"),
            (.POST, "/supplies/allocations", ["item": "n95", "source": ["shipment": 5], "scope": Self.c2, "risk": [Self.c1: "low"]], 422, "risk"),
            (
                .POST, "/supplies/allocations",
                ["item": "n95", "source": ["shipment": 5], "scope": Self.s1, "risk": risk, "weights": ["low": 1, "medium": 2, "high": 0]], 422, "weights"
            ),
            (.POST, "/supplies/allocations", ["item": "n95", "source": ["shipment": 5], "scope": "sz/ft/s1/", "risk": risk], 422, "scope"),
            (.POST, "/supplies/allocations", ["item": "n95", "source": ["shipment": 5], "scope": Self.s1, "risk": risk, "apply": "yes"], 422, "apply"),
            (.POST, "/supplies/transfers", ["item": "rice", "scope": Self.s1, "risk": risk], 422, "item"),
            (.POST, "/supplies/transfers", ["item": "n95", "scope": Self.s1, "risk": risk, "id": "a b"], 422, "id"),
        ]
        for (method, path, body, status, field) in cases {
            let answer = try await platform.call(method, path, token: admin, json: body)
            #expect(answer.status == status && answer.problemField == field, "\(method) \(path) \(body): \(answer.status) \(answer.text)")
        }
        // Query parameters and unknown records.
        #expect(try await platform.call(.GET, "/supplies/stock?window=0", token: admin).problemField == "window")
        #expect(try await platform.call(.GET, "/supplies/stock?tz=90000", token: admin).problemField == "tz")
        #expect(try await platform.call(.GET, "/supplies/stock?item=a%20b", token: admin).problemField == "item")
        #expect(try await platform.call(.GET, "/supplies/requests?status=lost", token: admin).problemField == "status")
        #expect(try await platform.call(.GET, "/supplies/stock/sz~ft~s1~c9@n95", token: admin).status == 404)
        #expect(try await platform.call(.GET, "/supplies/allocations/none", token: admin).status == 404)
        let request = try await platform.call(.POST, "/supplies/requests", token: admin, json: ["community": Self.c1, "item": "n95", "quantity": 3, "reason": "x"])
        let id = try #require(request.json()["id"] as? String)
        #expect(try await platform.call(.POST, "/supplies/requests/\(id)/lose", token: cdc, json: [:]).status == 404)
        #expect(try await platform.call(.POST, "/supplies/requests/\(id)/ship", token: cdc, json: [:]).problemCode == "invalid-transition")
        #expect(try await platform.call(.POST, "/supplies/requests/\(id)/approve", token: cdc, json: ["quantity": 4]).problemField == "quantity")
        #expect(try await platform.call(.POST, "/supplies/requests/\(id)/cancel", token: admin, json: ["source": ["depot": "depot.s1"], "reason": "x"]).problemField == "source")
        #expect(try await platform.call(.POST, "/supplies/requests/\(id)/approve", token: cdc, json: [:]).status == 200)
        let unknownSource = try await platform.call(.POST, "/supplies/requests/\(id)/ship", token: cdc, json: ["source": ["depot": "depot.s1"]])
        #expect(unknownSource.status == 422 && unknownSource.problemField == "source", "\(unknownSource.text)")
        try await platform.stop()
    }

    @Test func aBackDatedMovementCountsOnItsDayAndABadTimeIsRefusedWritingNothing() async throws {
        let platform = try await Platform.start()
        let cdc = try await platform.token("cdc.s1", .cdc, Self.s1)
        let admin = try await platform.token("admin.s1", .admin, Self.s1)
        let staff = try await platform.token("staff.c1", .community, Self.c1)
        try await Self.catalogue(platform, cdc)
        let now = Int64(Date().timeIntervalSince1970)
        let day: Int64 = 86_400

        // Received and used ten days ago: outside the 7-day window, so no use and no cover.
        try await Self.move(platform, staff, Self.c1Stock, ["kind": "received", "quantity": 100, "time": now - 10 * day])
        var view = try await Self.move(platform, staff, Self.c1Stock, ["kind": "consumed", "quantity": 70, "time": now - 10 * day + 60])
        var cover = try #require(view["cover"] as? [String: Any])
        #expect(cover["consumed"] as? Int == 0 && cover["daysOfCover"] == nil && cover["stockOutDay"] == nil, "\(cover)")
        #expect((view["movements"] as? [[String: Any]])?.map { $0["at"] as? Int } == [Int(now - 10 * day), Int(now - 10 * day + 60)])
        // Used three days ago: inside the window, 14 in 7 days is 2 a day, 16 left last 8 days.
        view = try await Self.move(platform, staff, Self.c1Stock, ["kind": "consumed", "quantity": 14, "time": now - 3 * day])
        cover = try #require(view["cover"] as? [String: Any])
        let asOf = try #require(cover["asOf"] as? String)
        let today = try #require(CivilDate(iso8601: asOf))
        #expect(cover["consumed"] as? Int == 14 && cover["dailyConsumption"] as? Double == 2 && cover["daysOfCover"] as? Double == 8, "\(cover)")
        #expect(cover["stockOutDay"] as? String == today.addingDays(9).description)
        #expect(view["version"] as? Int == 3 && view["regular"] as? Int == 16)

        // Refused, naming `time`, with nothing written: in the future, too old, before the
        // stock's last movement (also for a transfer, whose destination is not created).
        let refusals: [(String, [String: Any], Int)] = [
            (Self.c1Stock, ["kind": "consumed", "quantity": 1, "time": now + 3_600], 422),
            (Self.c1Stock, ["kind": "consumed", "quantity": 1, "time": now - 401 * day], 422),
            (Self.c1Stock, ["kind": "consumed", "quantity": 1, "time": now - 5 * day], 409),
            (Self.c1Stock, ["kind": "transfer", "quantity": 1, "to": ["community": Self.c2], "time": now - 5 * day], 409),
            (Self.c2Stock, ["kind": "received", "quantity": 5, "time": now + 3_600], 422),
        ]
        for (stock, movement, status) in refusals {
            let answer = try await platform.call(.POST, "/supplies/stock/\(stock)/movements", token: admin, json: movement)
            #expect(answer.status == status && answer.problemField == "time", "\(movement): \(answer.status) \(answer.text)")
        }
        let unchanged = try await Self.stock(platform, staff, Self.c1Stock)
        #expect(unchanged["version"] as? Int == 3 && (unchanged["movements"] as? [[String: Any]])?.count == 3)
        #expect(try await platform.call(.GET, "/supplies/stock/\(Self.c2Stock)", token: cdc).status == 404, "a refused movement created a stock")
        let filedInFuture = try await platform.call(
            .POST, "/supplies/requests", token: staff, json: ["community": Self.c1, "item": "n95", "quantity": 5, "reason": "x", "time": now + 3_600])
        #expect(filedInFuture.status == 422 && filedInFuture.problemField == "time", "\(filedInFuture.text)")
        let requests = try await platform.call(.GET, "/supplies/requests", token: cdc).json()["items"] as? [[String: Any]]
        #expect(requests?.isEmpty == true)

        // A request dated through its steps: filed, approved and shipped from the depot two days
        // ago, received yesterday; a step before the last one is refused.
        try await Self.move(platform, admin, Self.depotStock, ["kind": "received", "quantity": 50, "time": now - 4 * day])
        let filed = try await platform.call(
            .POST, "/supplies/requests", token: staff, json: ["community": Self.c1, "item": "n95", "quantity": 20, "reason": "x", "time": now - 2 * day])
        let id = try #require(try filed.json()["id"] as? String)
        let early = try await platform.call(.POST, "/supplies/requests/\(id)/approve", token: cdc, json: ["time": now - 2 * day - 60])
        #expect(early.status == 409 && early.problemField == "time", "\(early.text)")
        #expect(try await platform.call(.POST, "/supplies/requests/\(id)/approve", token: cdc, json: ["time": now - 2 * day]).status == 200)
        let shipped = try await platform.call(
            .POST, "/supplies/requests/\(id)/ship", token: cdc, json: ["source": ["depot": "depot.s1"], "time": now - 2 * day + 60])
        #expect(shipped.status == 200, "\(shipped.text)")
        let received = try await platform.call(.POST, "/supplies/requests/\(id)/receive", token: staff, json: ["time": now - day])
        #expect(received.status == 200, "\(received.text)")
        let history = try (received.json()["record"] as? [String: Any])?["history"] as? [[String: Any]]
        #expect(history?.map { $0["at"] as? Int } == [now - 2 * day, now - 2 * day, now - 2 * day + 60, now - day].map { Int($0) })
        let depot = try await Self.stock(platform, cdc, Self.depotStock)
        #expect((depot["movements"] as? [[String: Any]])?.last?["at"] as? Int == Int(now - 2 * day + 60))
        let filled = try await Self.stock(platform, staff, Self.c1Stock)
        #expect((filled["movements"] as? [[String: Any]])?.last?["at"] as? Int == Int(now - day) && filled["regular"] as? Int == 36)
        // The consumption three days ago is now before the last movement: refused.
        let late = try await platform.call(
            .POST, "/supplies/stock/\(Self.c1Stock)/movements", token: staff, json: ["kind": "consumed", "quantity": 1, "time": now - 3 * day])
        #expect(late.status == 409 && late.problemField == "time")
        // Without a time, a movement is stamped now; a minute of clock skew is allowed.
        view = try await Self.move(platform, staff, Self.c1Stock, ["kind": "consumed", "quantity": 1])
        #expect(((view["movements"] as? [[String: Any]])?.last?["at"] as? Int ?? 0) >= Int(now))
        try await Self.move(platform, staff, Self.c1Stock, ["kind": "consumed", "quantity": 1, "time": Int64(Date().timeIntervalSince1970) + 30])
        try await platform.stop()
    }

    @Test func everyRoleReachesExactlyTheSupplyEndpointsItsPermissionsAllow() async throws {
        let platform = try await Platform.start()
        let admin = try await platform.token("admin.all", .admin, "sz")
        let here = Platform.c1
        let there = Platform.c2
        let item = try await platform.call(.PUT, "/supplies/items/n95", token: admin, json: ["name": "N95", "unit": "piece", "category": "protective"])
        #expect(item.status == 201)
        var requests: [String: String] = [:]
        for (key, community) in [("here", here), ("there", there)] {
            #expect(try await platform.call(.PUT, "/supplies/depots/depot.\(key)", token: admin, json: ["name": "Depot", "jurisdiction": community]).status == 201)
            let stock = community.replacingOccurrences(of: "/", with: "~") + "@n95"
            try await Self.move(platform, admin, stock, ["kind": "received", "quantity": 100])
            try await Self.move(platform, admin, stock, ["kind": "needDeclared", "quantity": 200, "neededBy": "2030-01-31"])
            try await Self.move(platform, admin, "depot.\(key)@n95", ["kind": "received", "quantity": 100])
            let filed = try await platform.call(.POST, "/supplies/requests", token: admin, json: ["community": community, "item": "n95", "quantity": 5, "reason": "x"])
            requests[key] = try #require(filed.json()["id"] as? String)
            let allocation: [String: Any] = [
                "id": "alloc-\(key)", "item": "n95", "source": ["shipment": 1], "scope": community, "risk": [community: "high"], "apply": true,
            ]
            #expect(try await platform.call(.POST, "/supplies/allocations", token: admin, json: allocation).status == 201)
            let transfer: [String: Any] = ["id": "transfer-\(key)", "item": "n95", "scope": community, "risk": [community: "high"], "apply": true]
            #expect(try await platform.call(.POST, "/supplies/transfers", token: admin, json: transfer).status == 201)
        }
        let hereStock = "sz~ft~s1~c1@n95"
        let thereStock = "sz~ft~s1~c2@n95"
        let need: [String: Any] = ["kind": "needDeclared", "quantity": 200, "neededBy": "2030-01-31"]
        func request(_ community: String) -> [String: Any] { ["community": community, "item": "n95", "quantity": 5, "reason": "x"] }
        func shipment(_ community: String) -> [String: Any] { ["item": "n95", "source": ["shipment": 10], "scope": community, "risk": [community: "high"]] }
        func transfers(_ community: String) -> [String: Any] { ["item": "n95", "scope": community, "risk": [community: "high"]] }
        // (name, permission, inside the caller's jurisdiction, method, path, body); an allowed
        // call may still fail for its input or state, but never with 403.
        let probes: [(String, Permission, Bool, HTTPMethod, String, [String: Any]?)] = [
            ("the catalogue", .readSupplies, true, .GET, "/supplies/items", nil),
            ("register an item here", .allocateSupplies, true, .PUT, "/supplies/items/gloves", ["name": "Gloves", "unit": "pair", "category": "protective"]),
            ("edit an item registered above", .allocateSupplies, false, .PUT, "/supplies/items/n95", ["name": "N95", "unit": "piece", "category": "protective"]),
            ("depots", .readSupplies, true, .GET, "/supplies/depots", nil),
            ("register a depot here", .allocateSupplies, true, .PUT, "/supplies/depots/depot.new", ["name": "New", "jurisdiction": here]),
            ("register a depot there", .allocateSupplies, false, .PUT, "/supplies/depots/depot.other", ["name": "Other", "jurisdiction": there]),
            ("stock here", .readSupplies, true, .GET, "/supplies/stock?scope=\(here)", nil),
            ("stock there", .readSupplies, false, .GET, "/supplies/stock?scope=\(there)", nil),
            ("a stock here", .readSupplies, true, .GET, "/supplies/stock/\(hereStock)", nil),
            ("a stock there", .readSupplies, false, .GET, "/supplies/stock/\(thereStock)", nil),
            ("a depot's stock there", .readSupplies, false, .GET, "/supplies/stock/depot.there@n95", nil),
            ("a movement here", .writeSupplies, true, .POST, "/supplies/stock/\(hereStock)/movements", need),
            ("a movement there", .writeSupplies, false, .POST, "/supplies/stock/\(thereStock)/movements", need),
            ("a movement at a depot there", .writeSupplies, false, .POST, "/supplies/stock/depot.there@n95/movements", need),
            ("a new stock there", .writeSupplies, false, .POST, "/supplies/stock/sz~ft~s1~c2@gloves/movements", need),
            (
                "a transfer from here to there", .writeSupplies, false, .POST, "/supplies/stock/\(hereStock)/movements",
                ["kind": "transfer", "quantity": 1, "to": ["community": there]]
            ),
            ("a request here", .writeSupplies, true, .POST, "/supplies/requests", request(here)),
            ("a request there", .writeSupplies, false, .POST, "/supplies/requests", request(there)),
            ("requests", .readSupplies, true, .GET, "/supplies/requests", nil),
            ("a request of here", .readSupplies, true, .GET, "/supplies/requests/\(requests["here"]!)", nil),
            ("a request of there", .readSupplies, false, .GET, "/supplies/requests/\(requests["there"]!)", nil),
            ("approve here", .allocateSupplies, true, .POST, "/supplies/requests/\(requests["here"]!)/approve", [:]),
            ("reject there", .allocateSupplies, false, .POST, "/supplies/requests/\(requests["there"]!)/reject", ["reason": "no"]),
            ("ship there", .allocateSupplies, false, .POST, "/supplies/requests/\(requests["there"]!)/ship", [:]),
            ("cancel here", .writeSupplies, true, .POST, "/supplies/requests/\(requests["here"]!)/cancel", ["reason": "not needed"]),
            ("cancel there", .writeSupplies, false, .POST, "/supplies/requests/\(requests["there"]!)/cancel", ["reason": "not needed"]),
            ("receive there", .writeSupplies, false, .POST, "/supplies/requests/\(requests["there"]!)/receive", [:]),
            ("allocate here", .allocateSupplies, true, .POST, "/supplies/allocations", shipment(here)),
            ("allocate there", .allocateSupplies, false, .POST, "/supplies/allocations", shipment(there)),
            (
                "allocate a depot there to here", .allocateSupplies, false, .POST, "/supplies/allocations",
                ["item": "n95", "source": ["stock": "depot.there@n95"], "scope": here, "risk": [here: "high"]]
            ),
            ("allocations here", .readSupplies, true, .GET, "/supplies/allocations?scope=\(here)", nil),
            ("allocations there", .readSupplies, false, .GET, "/supplies/allocations?scope=\(there)", nil),
            ("an allocation here", .readSupplies, true, .GET, "/supplies/allocations/alloc-here", nil),
            ("an allocation there", .readSupplies, false, .GET, "/supplies/allocations/alloc-there", nil),
            ("plan transfers here", .allocateSupplies, true, .POST, "/supplies/transfers", transfers(here)),
            ("plan transfers there", .allocateSupplies, false, .POST, "/supplies/transfers", transfers(there)),
            ("a transfer plan here", .readSupplies, true, .GET, "/supplies/transfers/transfer-here", nil),
            ("a transfer plan there", .readSupplies, false, .GET, "/supplies/transfers/transfer-there", nil),
        ]
        for role in Role.allCases {
            let token = try await platform.token("user.\(role.rawValue)", role, here)
            for (name, permission, inside, method, path, json) in probes {
                let answer = try await platform.call(method, path, token: token, json: json)
                if AccessPolicy.allows(role, permission) && inside {
                    #expect(answer.status != 403 && answer.status < 500, "\(role) may \(name): \(answer.status) \(answer.text)")
                } else {
                    #expect(answer.status == 403, "\(role) may not \(name): \(answer.status) \(answer.text)")
                }
            }
        }
        #expect(AccessPolicy.allows(.cdc, .allocateSupplies) && AccessPolicy.allows(.community, .writeSupplies))
        #expect(!AccessPolicy.allows(.community, .allocateSupplies) && !AccessPolicy.allows(.grid, .readSupplies))
        try await platform.stop()
    }
}
