import Foundation
import Testing
import VigilCommunity

private func oid(_ text: String) -> ResidentOrderID { try! ResidentOrderID(text) }

private func line(_ goods: String, _ quantity: Int = 1) -> ResidentOrder.Line { try! ResidentOrder.Line(goods: goods, quantity: quantity) }

private func order(
    _ id: String, building: String = "b12", household: String = "h0402", _ vulnerabilities: Set<Vulnerability> = [],
    at time: Int64 = day0, onBehalf: Bool = false
) -> ResidentOrder {
    try! ResidentOrder(
        id: oid(id), resident: "p.\(id)", household: JurisdictionPath("sz/ft/xl/c07/g3/\(building)/\(household)"),
        lines: [line("rice 5 kg"), line("eggs", 12)], vulnerabilities: vulnerabilities,
        orderedBy: onBehalf ? "grid.wang" : "p.\(id)", onBehalf: onBehalf, at: time)
}

@Suite struct ResidentOrderTests {
    @Test func anOrderIsPlacedBatchedDeliveredAndTheResidentSeesEachStep() throws {
        var o = order("o1")
        #expect(o.residentStatus.text == "Your order has been received and is waiting to be packed.")
        let task = try VolunteerTaskID("d.1")
        try o.batch(into: task, by: "grid.wang", at: day0 + 60)
        #expect(o.stage == .batched && o.task == task)
        #expect(o.residentStatus.text == "Your order is being packed for delivery.")
        try o.startDelivery(by: "v.li", at: day0 + 600)
        #expect(o.residentStatus == .init(order: oid("o1"), stage: .outForDelivery, text: "A volunteer is on the way with your order.", since: day0 + 600))
        try o.confirmDelivery(by: "p.o1", at: day0 + 1_200, confirmedBy: .resident)
        #expect(o.stage == .delivered && o.confirmedBy == .resident && o.task == task)
        #expect(o.residentStatus.text == "Your order was delivered; you confirmed receipt.")
        #expect(o.steps.map(\.stage) == [.placed, .batched, .outForDelivery, .delivered])
        #expect(try JSONDecoder().decode(ResidentOrder.self, from: JSONEncoder().encode(o)) == o)
    }

    @Test func theCommunityOrdersOnBehalfOfAVulnerableResident() throws {
        let o = order("o2", [.elderlyAlone], onBehalf: true)
        #expect(o.onBehalf && o.orderedBy == "grid.wang" && o.resident == "p.o2")
        #expect(o.steps[0].by == "grid.wang" && o.vulnerabilities == [.elderlyAlone])
        #expect(try JSONDecoder().decode(ResidentOrder.self, from: JSONEncoder().encode(o)) == o)
    }

    @Test func aDroppedDeliveryGoesBackToTheQueueWithAReason() throws {
        var o = order("o3")
        try o.batch(into: VolunteerTaskID("d.1"), by: "grid.wang", at: day0)
        try o.startDelivery(by: "v.li", at: day0 + 10)
        #expect(throws: CommunityError(.invalidField)) { try o.returnToQueue(by: "v.li", at: day0 + 20, reason: "") }
        try o.returnToQueue(by: "v.li", at: day0 + 20, reason: "nobody home")
        #expect(o.stage == .placed && o.task == nil)
        #expect(o.residentStatus.text == "Your order is waiting for the next delivery round.")
        try o.batch(into: VolunteerTaskID("d.2"), by: "grid.wang", at: day0 + 30)
        #expect(o.task == (try VolunteerTaskID("d.2")))
        try o.startDelivery(by: "v.zhao", at: day0 + 40)
        try o.confirmDelivery(by: "v.zhao", at: day0 + 50, confirmedBy: .volunteer, note: "left with neighbour")
        #expect(o.residentStatus.text == "Your order was delivered to your door.")
    }

    @Test func impossibleTransitionsAreRefused() throws {
        var o = order("o4")
        let skip = communityError { try o.startDelivery(by: "v.li", at: day0) }
        #expect(skip == CommunityError(.invalidTransition) && skip?.message == "order o4 cannot go from placed to out-for-delivery")
        #expect(throws: CommunityError(.invalidTransition)) { try o.confirmDelivery(by: "v.li", at: day0, confirmedBy: .volunteer) }
        #expect(throws: CommunityError(.invalidTransition)) { try o.returnToQueue(by: "v.li", at: day0, reason: "x") }
        #expect(communityError { try o.batch(into: VolunteerTaskID("d"), by: "w", at: day0 - 1) }?.field == "at")
        #expect(throws: CommunityError(.invalidField)) { try o.cancel(by: "p.o4", at: day0, reason: " ") }
        try o.cancel(by: "p.o4", at: day0 + 1, reason: "family brought food")
        #expect(o.residentStatus.text == "Your order was cancelled: family brought food")
        #expect(throws: CommunityError(.invalidTransition)) { try o.batch(into: VolunteerTaskID("d"), by: "w", at: day0 + 2) }
        var delivered = order("o5")
        try delivered.batch(into: VolunteerTaskID("d"), by: "w", at: day0)
        try delivered.startDelivery(by: "v", at: day0)
        try delivered.confirmDelivery(by: "v", at: day0, confirmedBy: .volunteer)
        #expect(throws: CommunityError(.invalidTransition)) { try delivered.cancel(by: "p", at: day0, reason: "late") }
    }

    @Test func ordersAreValidated() throws {
        func place(_ household: String = "sz/ft/xl/c07/g3/b12/h1", lines: [ResidentOrder.Line] = [line("rice")], note: String? = nil) -> CommunityError? {
            communityError {
                _ = try ResidentOrder(
                    id: oid("o"), resident: "p1", household: JurisdictionPath(household), lines: lines, orderedBy: "p1", onBehalf: false,
                    at: day0, note: note)
            }
        }
        #expect(place("sz/ft/xl/c07/g3/b12")?.field == "household")
        #expect(place(lines: [])?.field == "lines")
        #expect(place(lines: [line("rice"), line(" rice ")])?.field == "lines")
        #expect(place(lines: Array(repeating: line("x"), count: 51))?.field == "lines")
        #expect(place(note: String(repeating: "n", count: 501))?.field == "note")
        #expect(place() == nil)
        #expect(communityError { _ = try ResidentOrder.Line(goods: "rice", quantity: 0) }?.field == "quantity")
        #expect(communityError { _ = try ResidentOrder.Line(goods: "  ", quantity: 1) }?.field == "goods")
        #expect(communityError { _ = try ResidentOrder.Line(goods: "a\nb", quantity: 1) }?.field == "goods")
        #expect(communityError { _ = try ResidentOrderID("") }?.field == "order")
        #expect(communityError { _ = try OrderBatchingPolicy(maxOrdersPerTask: 0) }?.field == "maxOrdersPerTask")
        let json = #"{"id":"o","resident":"p1","household":"sz/ft/xl/c07/g3/b12/h1","lines":[{"goods":"rice","quantity":1}],"orderedBy":"p1","onBehalf":false,"steps":[{"stage":"placed","by":"p1","at":0},{"stage":"delivered","by":"v","at":1,"confirmedBy":"volunteer"}]}"#
        #expect(throws: CommunityError(.invalidTransition)) { try JSONDecoder().decode(ResidentOrder.self, from: Data(json.utf8)) }
        let wrongFirst = json.replacingOccurrences(of: #""by":"p1","at":0"#, with: #""by":"x","at":0"#)
        #expect(communityError { _ = try JSONDecoder().decode(ResidentOrder.self, from: Data(wrongFirst.utf8)) }?.field == "steps")
    }

    // MARK: - Batching

    @Test func vulnerabilitiesAreRankedInTheStatedOrder() {
        #expect(OrderBatcher.rank(of: [.bedridden, .elderly]) == 0)
        #expect(OrderBatcher.rank(of: [.elderlyAlone]) == 1)
        #expect(OrderBatcher.rank(of: [.disabled, .pregnant]) == 2)
        #expect(OrderBatcher.rank(of: [.pregnant]) == 3)
        #expect(OrderBatcher.rank(of: [.chronicIllness]) == 4)
        #expect(OrderBatcher.rank(of: [.child]) == 5)
        #expect(OrderBatcher.rank(of: [.elderly]) == 6)
        #expect(OrderBatcher.rank(of: []) == 7)
        #expect(Set(OrderBatcher.urgency) == Set(Vulnerability.allCases))
    }

    @Test func vulnerableResidentsOrdersAreBatchedFirstThenByTimePlaced() throws {
        let orders = [
            order("early", building: "b1", household: "h1", at: day0),
            order("pregnant", building: "b1", household: "h2", [.pregnant], at: day0 + 50),
            order("late", building: "b1", household: "h3", at: day0 + 100),
            order("bedridden", building: "b2", household: "h1", [.bedridden], at: day0 + 200),
            order("middle", building: "b2", household: "h2", at: day0 + 20),
            order("alone", building: "b1", household: "h4", [.elderlyAlone], at: day0 + 300),
        ]
        let policy = try OrderBatchingPolicy(maxOrdersPerTask: 2)
        let batches = try OrderBatcher.batches(for: orders.reversed(), policy: policy)
        #expect(batches.map { $0.orders.map(\.rawValue) } == [["bedridden", "middle"], ["alone", "pregnant"], ["early", "late"]])
        #expect(batches.map(\.area.description) == ["sz/ft/xl/c07/g3/b2", "sz/ft/xl/c07/g3/b1", "sz/ft/xl/c07/g3/b1"])
        #expect(batches.map(\.priority) == [.vulnerable, .vulnerable, .routine])
        #expect(batches.map(\.vulnerableOrders) == [1, 2, 0])
        #expect(batches.map(\.earliestPlacedAt) == [day0 + 20, day0 + 50, day0])
        // Shuffling the input changes nothing.
        var rng = SeededGenerator(seed: 3)
        for _ in 0..<10 { #expect(try OrderBatcher.batches(for: orders.shuffled(using: &rng), policy: policy) == batches) }
        // By grid, with room for everything: one task, vulnerable first.
        let grid = try OrderBatcher.batches(for: orders, policy: OrderBatchingPolicy(maxOrdersPerTask: 10, groupLevel: .grid))
        #expect(grid.map { $0.orders.map(\.rawValue) } == [["bedridden", "alone", "pregnant", "early", "middle", "late"]])
    }

    @Test func onlyPlacedOrdersAreBatchedAndBatchesBecomeDeliveryTasks() throws {
        var taken = order("taken", household: "h1")
        try taken.batch(into: VolunteerTaskID("d.0"), by: "w", at: day0)
        let orders = [taken, order("a", household: "h2", [.disabled]), order("b", household: "h3")]
        let batches = try OrderBatcher.batches(for: orders)
        #expect(batches.count == 1 && batches[0].orders == [oid("a"), oid("b")])
        let task = try batches[0].makeTask(id: VolunteerTaskID("d.1"), createdBy: "grid.wang", at: day0 + 5)
        #expect(task.kind == .delivery && task.requiredSkills == [.delivery] && task.priority == .vulnerable)
        #expect(task.location.description == "sz/ft/xl/c07/g3/b12" && task.orders == [oid("a"), oid("b")] && task.stage == .open)
        #expect(throws: CommunityError(.invalidField)) { try OrderBatcher.batches(for: [orders[1], orders[1]]) }
        #expect(try OrderBatcher.batches(for: []) == [])
    }

    @Test func batchedDeliveriesOfVulnerableResidentsAreDispatchedFirst() throws {
        var orders: [ResidentOrder] = []
        for i in 0..<6 { orders.append(order("r\(i)", building: "b\(i)", household: "h1", at: day0 + Int64(i))) }
        orders.append(order("v", building: "b9", household: "h1", [.bedridden], at: day0 + 99))
        let batches = try OrderBatcher.batches(for: orders)
        #expect(batches.first?.orders == [oid("v")])
        let tasks = try batches.enumerated().map { try $1.makeTask(id: VolunteerTaskID("d\($0)"), createdBy: "w", at: day0 + 100) }
        // One volunteer, far from the vulnerable resident's building, near the others.
        let helper = try Volunteer(
            id: VolunteerID("v1"), name: "Li Na", skills: [.delivery], area: JurisdictionPath("sz/ft/xl/c07/g3/b0"), capacity: 1)
        let plan = try Dispatcher().plan(tasks: tasks, volunteers: [helper])
        #expect(plan.assignments.map(\.task) == [try VolunteerTaskID("d0")])
    }
}
