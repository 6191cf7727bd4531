import Foundation
import Testing
import VigilCommunity
import VigilSurveillance

/// Items, sites, stock records and their movements, days of cover.
@Suite struct SupplyStockTests {
    static let n95 = try! SupplyItemID("n95")
    static let depot = SupplySite.depot(try! PlaceID("depot.futian"))
    static let c07 = SupplySite.community(community("c07"))

    func stock(_ site: SupplySite = c07) throws -> SupplyStock { try SupplyStock(site: site, item: Self.n95) }

    @Test func itemsValidateTheirFieldsAndRoundTrip() throws {
        let item = try SupplyItem(id: Self.n95, name: "N95 respirator", unit: "piece", category: .protective)
        #expect(try JSONDecoder().decode(SupplyItem.self, from: JSONEncoder().encode(item)) == item)
        #expect(communityError { _ = try SupplyItem(id: Self.n95, name: " ", unit: "piece", category: .food) }?.field == "name")
        #expect(communityError { _ = try SupplyItem(id: Self.n95, name: "Rice", unit: "", category: .food) }?.field == "unit")
        #expect(communityError { _ = try SupplyItemID("n 95") }?.field == "item")
        let bad = Data(#"{"id":"rice","name":"Rice","unit":" kg","category":"food"}"#.utf8)
        #expect(communityError { _ = try JSONDecoder().decode(SupplyItem.self, from: bad) }?.field == "unit")
        #expect(SupplyItem.Category.allCases.map(\.rawValue) == ["protective", "medical", "food", "disinfection", "other"])
    }

    @Test func sitesAreCommunitiesOrDepotsInJSONAndOrder() throws {
        let json = String(decoding: try JSONEncoder().encode([Self.c07, Self.depot]), as: UTF8.self)
        #expect(json == #"[{"community":"sz\/ft\/xl\/c07"},{"depot":"depot.futian"}]"#)
        #expect(try JSONDecoder().decode([SupplySite].self, from: Data(json.utf8)) == [Self.c07, Self.depot])
        let grid = Data(#"{"community":"sz/ft/xl/c07/g3"}"#.utf8)
        #expect(communityError { _ = try JSONDecoder().decode(SupplySite.self, from: grid) }?.field == "community")
        #expect(communityError { _ = try SupplyStock(site: .community(household("h1")), item: Self.n95) }?.field == "community")
        #expect(Self.c07 < Self.depot && SupplySite.community(community("c01")) < Self.c07)
        #expect(Self.c07.description == "community sz/ft/xl/c07" && Self.depot.description == "depot depot.futian")
    }

    @Test func movementsKeepRegularAndReservePoolsApartWithWhoWhenAndWhy() throws {
        var s = try stock()
        try s.receive(100, by: "clerk.li", at: day0, reference: "dn-1")
        try s.receive(40, into: .reserve, from: Self.depot, by: "clerk.li", at: day0 + 10)
        try s.consume(30, by: "clerk.li", at: day0 + 20)
        try s.consume(5, from: .reserve, by: "clerk.li", at: day0 + 30, reason: "night shift ran out of regular stock")
        try s.adjust(-2, by: "clerk.wu", at: day0 + 40, reason: "two damaged in storage")
        try s.setAside(10, by: "clerk.wu", at: day0 + 50)
        try s.release(3, by: "clerk.wu", at: day0 + 60, reason: "outbreak in building 12")
        #expect(s.regular == 100 - 30 - 2 - 10 + 3 && s.reserve == 40 - 5 + 10 - 3)
        #expect(s.onHand == s.regular + s.reserve)
        #expect(s.movements.map(\.kind) == [.received, .received, .consumed, .consumed, .adjusted, .setAside, .released])
        #expect(s.movements.map(\.by) == ["clerk.li", "clerk.li", "clerk.li", "clerk.li", "clerk.wu", "clerk.wu", "clerk.wu"])
        #expect(s.movements[0].reference == "dn-1" && s.movements[1].counterpart == Self.depot)
        #expect(s.movements[4].reason == "two damaged in storage")
        #expect(try JSONDecoder().decode(SupplyStock.self, from: JSONEncoder().encode(s)) == s)
    }

    @Test func onHandNeverGoesNegativeAndARefusedMovementChangesNothing() throws {
        var s = try stock()
        try s.receive(10, by: "clerk.li", at: day0)
        try s.receive(5, into: .reserve, by: "clerk.li", at: day0)
        let before = s
        let over = communityError { try s.consume(11, by: "clerk.li", at: day0 + 1) }
        #expect(over == CommunityError(.conflict) && over?.field == "quantity")
        #expect(over?.message == "community sz/ft/xl/c07 has 10 regular units of n95; consumed of 11 would leave -1")
        #expect(
            communityError { try s.consume(6, from: .reserve, by: "clerk.li", at: day0 + 1, reason: "surge") }
                == CommunityError(.conflict))
        #expect(communityError { try s.adjust(-11, by: "clerk.li", at: day0 + 1, reason: "count") } == CommunityError(.conflict))
        #expect(communityError { try s.setAside(11, by: "clerk.li", at: day0 + 1) } == CommunityError(.conflict))
        #expect(communityError { try s.release(6, by: "clerk.li", at: day0 + 1, reason: "surge") } == CommunityError(.conflict))
        #expect(s == before)
        try s.consume(10, by: "clerk.li", at: day0 + 1)
        #expect(s.regular == 0)
    }

    @Test(
        "movements that break the rules name the field",
        arguments: [
            (SupplyMovement(kind: .received, pool: .regular, quantity: 0, by: "a", at: day0), "quantity"),
            (SupplyMovement(kind: .received, pool: .regular, quantity: -3, by: "a", at: day0), "quantity"),
            (SupplyMovement(kind: .received, pool: .regular, quantity: 1_000_000_001, by: "a", at: day0), "quantity"),
            (SupplyMovement(kind: .received, quantity: 1, by: "a", at: day0), "pool"),
            (SupplyMovement(kind: .needDeclared, pool: .regular, quantity: 1, neededBy: march1, by: "a", at: day0), "pool"),
            (SupplyMovement(kind: .needDeclared, quantity: 1, by: "a", at: day0), "neededBy"),
            (SupplyMovement(kind: .reserveFloorSet, quantity: 1, neededBy: march1, by: "a", at: day0), "neededBy"),
            (SupplyMovement(kind: .reserveFloorSet, quantity: -1, by: "a", at: day0), "quantity"),
            (SupplyMovement(kind: .adjusted, pool: .regular, quantity: 0, by: "a", at: day0, reason: "count"), "quantity"),
            (SupplyMovement(kind: .adjusted, pool: .regular, quantity: 4, by: "a", at: day0), "reason"),
            (SupplyMovement(kind: .consumed, pool: .reserve, quantity: 1, by: "a", at: day0), "reason"),
            (
                SupplyMovement(
                    kind: .transferredOut, pool: .reserve, quantity: 1, counterpart: SupplyStockTests.depot, by: "a", at: day0),
                "reason"
            ),
            (SupplyMovement(kind: .released, quantity: 1, by: "a", at: day0, reason: "  "), "reason"),
            (SupplyMovement(kind: .consumed, pool: .regular, quantity: 1, by: "a", at: day0, reason: ""), "reason"),
            (SupplyMovement(kind: .transferredIn, pool: .regular, quantity: 1, by: "a", at: day0), "counterpart"),
            (
                SupplyMovement(
                    kind: .transferredIn, pool: .regular, quantity: 1, counterpart: SupplyStockTests.c07, by: "a", at: day0),
                "counterpart"
            ),
            (
                SupplyMovement(kind: .received, pool: .regular, quantity: 1, counterpart: SupplyStockTests.c07, by: "a", at: day0),
                "counterpart"
            ),
            (
                SupplyMovement(kind: .consumed, pool: .regular, quantity: 1, counterpart: SupplyStockTests.depot, by: "a", at: day0),
                "counterpart"
            ),
            (SupplyMovement(kind: .received, pool: .regular, quantity: 1, by: "", at: day0), "by"),
            (SupplyMovement(kind: .received, pool: .regular, quantity: 1, by: "a", at: day0, reference: " x"), "reference"),
            (SupplyMovement(kind: .received, pool: .regular, quantity: 1, by: "a", at: day0 - 1), "at"),
        ])
    func invalidMovement(movement: SupplyMovement, field: String) throws {
        var s = try stock()
        try s.receive(5, into: .reserve, by: "a", at: day0)
        let before = s
        let error = communityError { try s.record(movement) }
        #expect(error == CommunityError(.invalidField))
        #expect(error?.field == field)
        #expect(s == before)
    }

    @Test func aTransferChangesBothStocksOrNeither() throws {
        var from = try stock(Self.depot)
        var to = try stock()
        try from.receive(50, by: "clerk.li", at: day0)
        try SupplyStock.transfer(20, from: &from, to: &to, by: "driver.ma", at: day0 + 60, reference: "alloc-1")
        #expect(from.regular == 30 && to.regular == 20)
        #expect(from.movements.last?.kind == .transferredOut && from.movements.last?.counterpart == Self.c07)
        #expect(to.movements.last?.kind == .transferredIn && to.movements.last?.counterpart == Self.depot)
        let before = (from, to)
        #expect(
            communityError { try SupplyStock.transfer(31, from: &from, to: &to, by: "driver.ma", at: day0 + 70) }
                == CommunityError(.conflict))
        #expect(
            communityError { try SupplyStock.transfer(5, of: .reserve, from: &from, to: &to, by: "driver.ma", at: day0 + 70) }?.field
                == "reason")
        var rice = try SupplyStock(site: .community(community("c08")), item: try SupplyItemID("rice"))
        #expect(
            communityError { try SupplyStock.transfer(1, from: &from, to: &rice, by: "driver.ma", at: day0 + 70) }?.field == "item")
        var again = from
        #expect(
            communityError { try SupplyStock.transfer(1, from: &from, to: &again, by: "driver.ma", at: day0 + 70) }?.field
                == "counterpart")
        #expect(from == before.0 && to == before.1)
    }

    @Test func theReserveFloorDecidesWhatIsAvailableAndTheNeedWhatIsMissing() throws {
        var s = try stock()
        try s.receive(20, by: "a", at: day0)
        try s.receive(15, into: .reserve, by: "a", at: day0)
        try s.setReserveFloor(10, by: "a", at: day0)
        try s.declareNeed(100, neededBy: march1.addingDays(3), by: "a", at: day0)
        // The reserve above its floor counts: 20 + (15 − 10).
        #expect(s.available == 25 && s.unmetNeed == 75 && s.surplus == 0 && s.reserveShortfall == 0)
        try s.setReserveFloor(30, by: "a", at: day0 + 1)
        // A reserve below its floor holds back regular stock: 20 + 15 − 30.
        #expect(s.available == 5 && s.unmetNeed == 95 && s.reserveShortfall == 15)
        try s.declareNeed(2, neededBy: march1, by: "a", at: day0 + 2, reason: "cases fell")
        #expect(s.need == 2 && s.neededBy == march1 && s.surplus == 3 && s.unmetNeed == 0)
        try s.setReserveFloor(100, by: "a", at: day0 + 3)
        #expect(s.available == 0 && s.unmetNeed == 2)
        #expect(try JSONDecoder().decode(SupplyStock.self, from: JSONEncoder().encode(s)) == s)
    }

    @Test func decodingReplaysTheMovementsAndRefusesDisagreeingTotals() throws {
        var s = try stock()
        try s.receive(20, by: "a", at: day0)
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(s)) as! [String: Any]
        object["regular"] = 25
        let tampered = try JSONSerialization.data(withJSONObject: object)
        #expect(communityError { _ = try JSONDecoder().decode(SupplyStock.self, from: tampered) }?.field == "regular")
        object["regular"] = nil
        object["movements"] = [["kind": "consumed", "pool": "regular", "quantity": 1, "by": "a", "at": day0]]
        let impossible = try JSONSerialization.data(withJSONObject: object)
        #expect(communityError { _ = try JSONDecoder().decode(SupplyStock.self, from: impossible) } == CommunityError(.conflict))
    }

    @Test func daysOfCoverAndStockOutComeFromTheLastSevenDaysOfConsumption() throws {
        // 1 March 2024 is asOf; the window is 24 February ... 1 March (UTC+8).
        let offset: Int64 = 8 * 3_600
        func local(_ day: CivilDate, hour: Int64) -> Int64 { Int64(day.daysSinceEpoch) * 86_400 + hour * 3_600 - offset }
        var s = try stock()
        try s.receive(200, by: "a", at: local(march1.addingDays(-10), hour: 9))
        try s.consume(99, by: "a", at: local(march1.addingDays(-7), hour: 23))  // 23 February: outside
        try s.consume(30, by: "a", at: local(march1.addingDays(-6), hour: 4))  // 24 February, 20:00 UTC the day before
        try s.consume(20, by: "a", at: local(march1.addingDays(-3), hour: 12))
        try s.receive(4, into: .reserve, by: "a", at: local(march1.addingDays(-3), hour: 12))
        try s.consume(4, from: .reserve, by: "a", at: local(march1.addingDays(-2), hour: 12), reason: "surge")
        var depotStock = try stock(Self.depot)
        try SupplyStock.transfer(10, from: &s, to: &depotStock, by: "a", at: local(march1.addingDays(-1), hour: 12))
        try s.consume(16, by: "a", at: local(march1, hour: 23))
        try s.adjust(-1, by: "a", at: local(march1, hour: 23), reason: "lost")
        #expect(s.regular == 200 - 99 - 30 - 20 - 10 - 16 - 1)  // 24

        let cover = try s.cover(asOf: march1, timeZoneOffsetSeconds: offset)
        #expect(cover.consumed == 70 && cover.dailyConsumption == 10)
        #expect(cover.regularOnHand == 24 && cover.daysOfCover == 2.4)
        // 2 and 3 March are covered (20 of 24), 4 March only in part.
        #expect(cover.stockOutDay == CivilDate(year: 2024, month: 3, day: 4))
        // In UTC the 30 consumed at 20:00 on 23 February falls outside the window.
        #expect(try s.cover(asOf: march1).consumed == 40)

        let fortnight = try s.cover(asOf: march1, windowDays: 14, timeZoneOffsetSeconds: offset)
        #expect(fortnight.consumed == 169 && fortnight.stockOutDay == march1.addingDays(24 * 14 / 169 + 1))

        let exact = try SupplyCover(regularOnHand: 30, movements: s.movements, asOf: march1, timeZoneOffsetSeconds: offset)
        #expect(exact.daysOfCover == 3 && exact.stockOutDay == march1.addingDays(4))
        let empty = try SupplyCover(regularOnHand: 0, movements: s.movements, asOf: march1, timeZoneOffsetSeconds: offset)
        #expect(empty.daysOfCover == 0 && empty.stockOutDay == march1.addingDays(1))
    }

    @Test func withoutConsumptionCoverIsUnboundedAndBadWindowsAreRefused() throws {
        var s = try stock()
        try s.receive(10, by: "a", at: day0)
        let cover = try s.cover(asOf: march1)
        #expect(cover.dailyConsumption == 0 && cover.daysOfCover == nil && cover.stockOutDay == nil)
        #expect(communityError { _ = try s.cover(asOf: march1, windowDays: 0) }?.field == "windowDays")
        #expect(communityError { _ = try s.cover(asOf: march1, windowDays: 367) }?.field == "windowDays")
        #expect(communityError { _ = try s.cover(asOf: march1, timeZoneOffsetSeconds: 15 * 3_600) }?.field == "timeZoneOffsetSeconds")
        #expect(communityError { _ = try SupplyCover(regularOnHand: -1, movements: [], asOf: march1) }?.field == "regularOnHand")
        #expect(try JSONDecoder().decode(SupplyCover.self, from: JSONEncoder().encode(cover)) == cover)
    }
}

/// The request lifecycle.
@Suite struct SupplyRequestTests {
    func request(quantity: Int = 100) throws -> SupplyRequest {
        try SupplyRequest(
            id: SupplyRequestID("req-1"), community: community("c07"), item: SupplyItemID("n95"), quantity: quantity,
            reason: "60 staff, 1 suit left", by: "grid.zhao", at: day0)
    }

    @Test func aRequestRunsFromRequestedToReceivedWithItsHistory() throws {
        var r = try request()
        #expect(r.status == .requested && r.requestedQuantity == 100 && r.reason == "60 staff, 1 suit left")
        try r.approve(by: "district.qian", at: day0 + 60)
        #expect(r.status == .approved && r.approvedQuantity == 100)
        try r.ship(from: .depot(place("depot.futian")), by: "depot.sun", at: day0 + 120)
        try r.receive(by: "grid.zhao", at: day0 + 3_600)
        #expect(r.status == .received && r.shippedQuantity == 100 && r.receivedQuantity == 100)
        #expect(r.history.map(\.status) == [.requested, .approved, .shipped, .received])
        #expect(r.history.map(\.by) == ["grid.zhao", "district.qian", "depot.sun", "grid.zhao"])
        #expect(r.history[2].source == .depot(place("depot.futian")))
        #expect(try JSONDecoder().decode(SupplyRequest.self, from: JSONEncoder().encode(r)) == r)
    }

    @Test func partialApprovalShortShipmentAndShortReceiptNeedReasons() throws {
        var r = try request()
        #expect(communityError { try r.approve(quantity: 60, by: "district.qian", at: day0 + 1) }?.field == "reason")
        #expect(communityError { try r.approve(quantity: 0, by: "district.qian", at: day0 + 1) }?.field == "quantity")
        #expect(communityError { try r.approve(quantity: 101, by: "district.qian", at: day0 + 1) }?.field == "quantity")
        try r.approve(quantity: 60, by: "district.qian", at: day0 + 1, reason: "depot holds 60 above its reserve")
        #expect(r.status == .partiallyApproved && r.approvedQuantity == 60)
        #expect(communityError { try r.ship(quantity: 61, by: "depot.sun", at: day0 + 2) }?.field == "quantity")
        #expect(communityError { try r.ship(quantity: 50, by: "depot.sun", at: day0 + 2) }?.field == "reason")
        try r.ship(quantity: 50, by: "depot.sun", at: day0 + 2, reason: "10 short on the truck")
        #expect(communityError { try r.receive(quantity: 51, by: "grid.zhao", at: day0 + 3) }?.field == "quantity")
        #expect(communityError { try r.receive(quantity: 48, by: "grid.zhao", at: day0 + 3) }?.field == "reason")
        try r.receive(quantity: 48, by: "grid.zhao", at: day0 + 3, reason: "2 boxes crushed")
        #expect(r.receivedQuantity == 48 && r.status == .received)
        #expect(try JSONDecoder().decode(SupplyRequest.self, from: JSONEncoder().encode(r)) == r)
    }

    @Test func theRequesterCannotDecideOnTheirOwnRequest() throws {
        var r = try request()
        let own = communityError { try r.approve(by: "grid.zhao", at: day0 + 1) }
        #expect(own == CommunityError(.invalidTransition) && own?.field == "by")
        #expect(communityError { try r.reject(by: "grid.zhao", at: day0 + 1, reason: "no") } == CommunityError(.invalidTransition))
        #expect(communityError { try r.reject(by: "district.qian", at: day0 + 1, reason: "") }?.field == "reason")
        try r.reject(by: "district.qian", at: day0 + 1, reason: "c08 is at higher risk")
        #expect(r.status == .rejected && r.approvedQuantity == nil)
    }

    @Test func impossibleTransitionsAreRefused() throws {
        var r = try request()
        let early = communityError { try r.ship(quantity: 1, by: "depot.sun", at: day0 + 1) }
        #expect(
            early == CommunityError(.invalidTransition) && early?.message == "a supply request cannot go from requested to shipped")
        #expect(communityError { try r.receive(quantity: 1, by: "grid.zhao", at: day0 + 1) } == CommunityError(.invalidTransition))
        try r.approve(by: "district.qian", at: day0 + 1)
        #expect(communityError { try r.approve(by: "district.qian", at: day0 + 2) } == CommunityError(.invalidTransition))
        #expect(
            communityError { try r.reject(by: "district.qian", at: day0 + 2, reason: "late") } == CommunityError(.invalidTransition))
        try r.ship(by: "depot.sun", at: day0 + 2)
        #expect(
            communityError { try r.cancel(by: "grid.zhao", at: day0 + 3, reason: "no longer needed") }
                == CommunityError(.invalidTransition))
        #expect(communityError { try r.receive(by: "grid.zhao", at: day0 + 1) }?.field == "at")
        try r.receive(by: "grid.zhao", at: day0 + 3)
        #expect(communityError { try r.cancel(by: "grid.zhao", at: day0 + 4, reason: "x") } == CommunityError(.invalidTransition))
        var cancelled = try request()
        #expect(communityError { try cancelled.cancel(by: "grid.zhao", at: day0 + 1, reason: " ") }?.field == "reason")
        try cancelled.cancel(by: "grid.zhao", at: day0 + 1, reason: "delivered by a neighbour")
        #expect(communityError { try cancelled.approve(by: "district.qian", at: day0 + 2) } == CommunityError(.invalidTransition))
    }

    @Test func filingValidatesEveryField() throws {
        let id = try SupplyRequestID("req-1")
        let item = try SupplyItemID("n95")
        func file(_ path: JurisdictionPath = community("c07"), quantity: Int = 5, reason: String = "why", by: String = "a") -> String?
        {
            communityError {
                _ = try SupplyRequest(id: id, community: path, item: item, quantity: quantity, reason: reason, by: by, at: day0)
            }?
            .field
        }
        #expect(file() == nil)
        #expect(file(household("h1")) == "community")
        #expect(file(quantity: 0) == "quantity")
        #expect(file(reason: " ") == "reason")
        #expect(file(by: "") == "by")
        #expect(communityError { _ = try SupplyRequestID("") }?.field == "id")
    }

    @Test func decodingReplaysTheHistory() throws {
        var r = try request()
        try r.approve(by: "district.qian", at: day0 + 1)
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(r)) as! [String: Any]
        object["status"] = "shipped"
        let wrongStatus = try JSONSerialization.data(withJSONObject: object)
        #expect(communityError { _ = try JSONDecoder().decode(SupplyRequest.self, from: wrongStatus) }?.field == "status")
        var history = object["history"] as! [[String: Any]]
        history[1]["by"] = "grid.zhao"
        object["history"] = history
        object["status"] = nil
        let selfApproved = try JSONSerialization.data(withJSONObject: object)
        #expect(
            communityError { _ = try JSONDecoder().decode(SupplyRequest.self, from: selfApproved) }
                == CommunityError(.invalidTransition))
        object["history"] = [history[1]]
        let headless = try JSONSerialization.data(withJSONObject: object)
        #expect(communityError { _ = try JSONDecoder().decode(SupplyRequest.self, from: headless) }?.field == "history")
    }
}
