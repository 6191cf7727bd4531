import Foundation
import NIOHTTP1
import VigilCommunity
import VigilLedger
import VigilOutbreak
import VigilSurveillance

/// The community services of the city demo beside the ledger: referrals and hospital beds,
/// supplies, volunteers and resident orders.
///
/// - **Referrals and beds** are kept in the district's referral system on the CDC's node (as the
///   daily reports are), so that the command centre shows them and the designated hospital's
///   bed count: each community's clinic has a registration desk and a referring doctor there,
///   and the hospital an admissions user. A resident admitted in the simulation is referred by
///   their clinic, transported, admitted and treated the same day; their stay ends with the
///   simulation's own recovery or death, which frees the bed. A full hospital opens surge beds.
/// - **Supplies** are kept on the CDC's node too: each community's stores user records what the
///   community uses (growing with the residents at home in quarantine or isolation, the clinic's
///   presentations and new quarantines) and requests stock when it runs low; a CDC officer
///   approves (in part, or rejects, by what the district depot holds above its reserve floor) and
///   ships from the depot; the community receives the next day. Each week the province's delivery
///   arrives at the depot, the communities declare their need for the week and the CDC allocates
///   the depot's stock by unmet need and risk.
/// - **Volunteers and orders** live on the committees' nodes beside the registry: volunteers
///   registered from the residents who volunteer; the committee orders groceries (and medicine
///   for chronic illness) on behalf of vulnerable residents at home, batches the orders into
///   deliveries, opens door-to-door visits for residents who missed their check-in, and dispatches
///   both to the volunteers, who accept (or now and then decline), check in and finish them.
struct DemoServices {
    // MARK: Users

    /// The designated hospital's admissions in the district's referral system (CDC node).
    static let wardUser = "beds.district"
    /// Receives the province's deliveries at the district depot (CDC node).
    static let depotUser = "depot.district"
    static let depot = "depot.d1"
    static let hospitalPlace = "district-hospital"
    static func intake(_ slug: String) -> String { "intake.\(slug)" }
    static func referrer(_ slug: String) -> String { "referrals.\(slug)" }
    static func stores(_ slug: String) -> String { "stores.\(slug)" }
    /// A volunteer's id, which is also their user name.
    static func volunteerID(_ resident: Resident, _ demo: DemoCity) -> String { "v.\(demo.communities[resident.community].slug).\(resident.id)" }
    /// A volunteer's area: their grid.
    static func area(_ resident: Resident, _ demo: DemoCity) -> String { "\(demo.communityPath(resident.community))/\(resident.grid)" }

    /// The users the services need beyond ``DemoCity/users``.
    static func users(_ demo: DemoCity) -> [DemoCity.User] {
        typealias User = DemoCity.User
        var users: [User] = [
            User(
                node: DemoCity.cdc, name: wardUser, role: .hospital, jurisdiction: DemoCity.district,
                does: "designated hospital in the district referral system: beds, admissions, treatment, discharges"),
            User(
                node: DemoCity.cdc, name: depotUser, role: .community, jurisdiction: DemoCity.district,
                does: "district depot: receives the province's deliveries"),
        ]
        for i in demo.communities.indices {
            let path = demo.communityPath(i), slug = demo.communities[i].slug
            users += [
                User(node: DemoCity.cdc, name: intake(slug), role: .grid, jurisdiction: path, does: "clinic desk in the district referral system: patients' files"),
                User(node: DemoCity.cdc, name: referrer(slug), role: .clinician, jurisdiction: path, does: "clinic doctor: refers severe cases to the designated hospital"),
                User(node: DemoCity.cdc, name: stores(slug), role: .community, jurisdiction: path, does: "community stores: stock used, supply requests and receipts"),
            ]
            for resident in demo.city.residents[demo.communities[i].residents] where resident.isVolunteer {
                users.append(
                    User(
                        node: demo.committee(i), name: volunteerID(resident, demo), role: .volunteer, jurisdiction: area(resident, demo),
                        does: "volunteer: deliveries to residents at home, door-to-door visits"))
            }
        }
        return users
    }

    // MARK: Supplies

    struct Item {
        var id: String
        var name: String
        var unit: String
        var category: String
        /// A community's opening stock and the least it keeps before asking for more.
        var opening: Int
        var minimum: Int
        /// Requests are rounded up to whole packs.
        var pack: Int
        /// The province's weekly delivery to the depot, per resident of the district.
        var weeklyPerResident: Double
    }

    static let items = [
        Item(id: "mask", name: "Surgical mask", unit: "piece", category: "protective", opening: 400, minimum: 120, pack: 50, weeklyPerResident: 1.0),
        Item(id: "test-kit", name: "Antigen test kit", unit: "kit", category: "medical", opening: 30, minimum: 10, pack: 10, weeklyPerResident: 0.05),
        Item(id: "thermometer", name: "Digital thermometer", unit: "piece", category: "medical", opening: 20, minimum: 6, pack: 5, weeklyPerResident: 0.025),
        Item(id: "food-parcel", name: "Food parcel (3 days)", unit: "parcel", category: "food", opening: 30, minimum: 10, pack: 10, weeklyPerResident: 0.1),
    ]

    /// What each community faces today.
    struct Figures {
        /// Residents at home in quarantine or isolation (not in hospital), by community.
        var atHome: [[Int]]
        var households: [Set<Int>]
        var newResidents: [Int]
        var newHouseholds: [Int]
        var presentations: [Int]
        /// Households at home whose three-day food parcel is due today.
        var parcelsDue: [Int]
    }

    // MARK: State

    /// Residents' files on the CDC node and their open referrals.
    var patients: [Int: String] = [:]
    var inHospital: [Int: String] = [:]
    var beds = 0
    var occupied = 0
    var hospital = (referred: 0, admitted: 0, recovered: 0, died: 0, surge: 0, peak: 0)

    var regular: [String: Int] = [:]
    var depotAvailable: [String: Int] = [:]
    /// The last seven days' demand of each community stock.
    var usage: [String: [Int]] = [:]
    var declaredNeed: [String: Int] = [:]
    /// Shipped requests waiting for their receipt, by stock.
    var shipped: [String: (request: String, quantity: Int, day: Int)] = [:]
    var lowStocks = 0
    var presentationsByDay: [[Int]] = []
    var supply = (used: 0, short: 0, requests: 0, approved: 0, partial: 0, rejected: 0, shippedUnits: 0, allocations: 0, allocatedUnits: 0, delivered: 0, provinceUnits: 0)
    var atHomeBefore: Set<Int> = []

    /// Time spent driving the services.
    var spent = Duration.zero
    var volunteers = 0
    var activeVolunteers: Set<String> = []
    var firstAtHome: [Int: Int] = [:]
    /// Orders carried by each delivery task not yet done.
    var taskOrders: [String: Int] = [:]
    var offers = 0
    /// Communities whose returned orders wait for a new batch.
    var rebatch: Set<Int> = []
    var orders = (placed: 0, delivered: 0, deliveries: 0, visits: 0, visitsCancelled: 0, declined: 0)

    // MARK: Preparation

    /// Set-up before the first day (after the registry import).
    mutating func prepare(_ run: DemoRun) async throws {
        let began = ContinuousClock.now
        defer { spent += ContinuousClock.now - began }
        let demo = run.demo
        run.say("\n== services: hospital beds, supplies, volunteers (referrals and supplies in the district's systems on \(DemoCity.cdc))")
        beds = max(4, demo.city.residents.count / 250)
        try await run.client(Self.wardUser, on: DemoCity.cdc).json(.PUT, "/hospitals/\(Self.hospitalPlace)/capacity", json: ["total": .number(Double(beds))])

        for item in Self.items {
            try await run.officer.json(
                .PUT, "/supplies/items/\(item.id)", json: ["name": .string(item.name), "unit": .string(item.unit), "category": .string(item.category)])
        }
        try await run.officer.json(.PUT, "/supplies/depots/\(Self.depot)", json: ["name": "District depot", "jurisdiction": .string(DemoCity.district)])
        let keeper = run.client(Self.depotUser, on: DemoCity.cdc)
        let opening = Self.at(run.start.addingDays(-1), minute: 120)  // the eve of the first day
        for item in Self.items {
            let weekly = Self.weeklyDelivery(item, demo)
            let path = "/supplies/stock/\(Self.depot)@\(item.id)/movements"
            try await keeper.json(
                .POST, path,
                json: [
                    "kind": "received", "quantity": .number(Double(2 * weekly)), "reason": "opening stock: two weeks of the province's deliveries",
                    "time": opening,
                ])
            let floor = max(1, weekly / 5)
            try await keeper.json(.POST, path, json: ["kind": "reserveFloorSet", "quantity": .number(Double(floor)), "time": opening])
            let stock = try await keeper.json(.POST, path, json: ["kind": "setAside", "quantity": .number(Double(floor)), "time": opening])
            depotAvailable[item.id] = Self.int(stock["available"])
        }
        for i in demo.communities.indices {
            let stores = run.client(Self.stores(demo.communities[i].slug), on: DemoCity.cdc)
            for item in Self.items {
                let id = stockID(demo, i, item)
                let stock = try await stores.json(
                    .POST, "/supplies/stock/\(id)/movements",
                    json: ["kind": "received", "quantity": .number(Double(item.opening)), "reason": "opening stock", "time": opening])
                regular[id] = Self.int(stock["regular"])
            }
        }

        var skilled: [String: Int] = [:]
        for resident in demo.city.residents where resident.isVolunteer {
            let skills = resident.volunteerSkills.map(\.rawValue).sorted()
            for skill in skills { skilled[skill, default: 0] += 1 }
            try await run.staff(resident.community).json(
                .PUT, "/volunteers/\(Self.volunteerID(resident, demo))",
                json: [
                    "name": .string(resident.name), "phone": .string(resident.phone), "skills": .array(skills.map { .string($0) }),
                    "area": .string(Self.area(resident, demo)), "available": true, "capacity": 3,
                ])
            volunteers += 1
        }
        run.say(
            "   \(beds) beds at the designated hospital; \(Self.items.count) supply items, the district depot and \(demo.communities.count) communities' opening stocks; "
                + "\(volunteers) volunteers registered (" + skilled.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ") + ")")
    }

    static func weeklyDelivery(_ item: Item, _ demo: DemoCity) -> Int {
        max(item.pack, Int((Double(demo.city.residents.count) * item.weeklyPerResident).rounded()))
    }

    func stockID(_ demo: DemoCity, _ community: Int, _ item: Item) -> String {
        "\(demo.communityPath(community).replacingOccurrences(of: "/", with: "~"))@\(item.id)"
    }

    static func int(_ value: JSONValue?) -> Int { Int(value?.doubleValue ?? 0) }

    /// The `time` of a supply write on the simulated `date`: `minute` (UTC) of that day, never
    /// ahead of the clock (the last simulated day is today). Stocks and requests keep their
    /// changes in time order and days of cover count consumption by the day it is dated, so every
    /// supply write of the demo is dated by the simulation, at a fixed minute of the day:
    /// shipments arrive at 01:00, the weekly round runs at 02:00, the day's use is recorded at
    /// 10:00 and requests are filed and decided at 10:10 — all before 16:00 UTC, so within the
    /// same day in the API's default zone (UTC+8).
    static func at(_ date: CivilDate, minute: Int) -> JSONValue {
        .number(Double(min(DemoCity.time(date, minute: minute), Int64(Date().timeIntervalSince1970))))
    }

    // MARK: The day

    /// One simulated day, after the day's cases and outcomes.
    mutating func day(_ report: DayReport, date: CivilDate, run: DemoRun) async throws {
        let began = ContinuousClock.now
        defer { spent += ContinuousClock.now - began }
        let figures = Self.figures(report, run: run, before: atHomeBefore)
        try await referrals(report, date: date, run: run)
        try await supplies(report, figures, date: date, run: run)
        try await residentOrders(report, figures, date: date, run: run)
        atHomeBefore = Set(figures.atHome.joined())
    }

    static func figures(_ report: DayReport, run: DemoRun, before: Set<Int>) -> Figures {
        let demo = run.demo, simulation = run.simulation
        let count = demo.communities.count
        var atHome = Set(simulation.quarantinedResidents)
        for resident in demo.city.residents.indices where simulation.isIsolated(resident) { atHome.insert(resident) }
        let home = atHome.filter { !simulation.isHospitalised($0) && simulation.state(of: $0) != .dead }.sorted()
        var figures = Figures(
            atHome: Array(repeating: [], count: count), households: Array(repeating: [], count: count), newResidents: Array(repeating: 0, count: count),
            newHouseholds: Array(repeating: 0, count: count), presentations: Array(repeating: 0, count: count), parcelsDue: Array(repeating: 0, count: count))
        var householdsBefore = Set<Int>()
        for resident in before { householdsBefore.insert(demo.city.residents[resident].household) }
        for resident in home {
            let r = demo.city.residents[resident]
            figures.atHome[r.community].append(resident)
            if !before.contains(resident) { figures.newResidents[r.community] += 1 }
            if figures.households[r.community].insert(r.household).inserted {
                if !householdsBefore.contains(r.household) { figures.newHouseholds[r.community] += 1 }
                if (report.day + r.household) % 3 == 0 { figures.parcelsDue[r.community] += 1 }
            }
        }
        for presentation in report.presentations { figures.presentations[demo.city.residents[presentation.resident].community] += 1 }
        return figures
    }

    // MARK: Referrals and beds

    /// Stays that ended today free their beds; each resident admitted today is referred by their
    /// clinic and goes through transport, admission and treatment.
    mutating func referrals(_ report: DayReport, date: CivilDate, run: DemoRun) async throws {
        let demo = run.demo
        let ward = run.client(Self.wardUser, on: DemoCity.cdc)
        let deaths = Set(report.deaths)
        for resident in (report.recoveries + report.deaths).sorted() {
            guard let referral = inHospital[resident] else { continue }
            let died = deaths.contains(resident)
            try await ward.json(
                .POST, "/referrals/\(referral)/outcome",
                json: ["outcome": died ? "died" : "recovered", "note": died ? "died on the ward" : "recovered: discharged home"])
            inHospital[resident] = nil
            occupied -= 1
            if died { hospital.died += 1 } else { hospital.recovered += 1 }
        }
        for resident in report.hospitalisations {
            let r = demo.city.residents[resident]
            let slug = demo.communities[r.community].slug
            let person: String
            if let known = patients[resident] {
                person = known
            } else {
                let created = try await run.client(Self.intake(slug), on: DemoCity.cdc).json(
                    .POST, "/persons?confirm=true",
                    json: [
                        "name": .string(r.name), "nationalID": .string(r.nationalID), "phone": .string(r.phone),
                        "household": .string(demo.householdPath(r)),
                    ])
                guard let id = created["id"]?.stringValue else { throw DemoClient.Failure(description: "POST /persons answered no id") }
                person = id
                patients[resident] = id
            }
            let doctor = run.client(Self.referrer(slug), on: DemoCity.cdc)
            let referral = try await doctor.json(
                .POST, "/referrals",
                json: [
                    "person": .string(person), "clinic": .string(demo.city.venues[demo.city.clinics[r.community]].id), "hospital": .string(Self.hospitalPlace),
                    "note": .string("severe illness, \(r.age) years old" + (r.vulnerabilities.contains(.chronic) ? ", chronic illness" : "")),
                ])
            guard let id = referral["id"]?.stringValue else { throw DemoClient.Failure(description: "POST /referrals answered no id") }
            hospital.referred += 1
            try await doctor.json(.POST, "/referrals/\(id)/transport", json: ["note": "by ambulance with the clinic's nurse"])
            if occupied >= beds {
                // Full: the hospital opens surge beds rather than turn a referral away.
                let surge = max(2, beds / 4)
                beds += surge
                hospital.surge += surge
                try await ward.json(.PUT, "/hospitals/\(Self.hospitalPlace)/capacity", json: ["total": .number(Double(beds))])
            }
            try await ward.json(.POST, "/referrals/\(id)/admit", json: ["note": "isolation ward"])
            try await ward.json(.POST, "/referrals/\(id)/treat", json: ["note": "oxygen and supportive care"])
            inHospital[resident] = id
            occupied += 1
            hospital.admitted += 1
            hospital.peak = max(hospital.peak, occupied)
        }
        // The hospital's own count must agree with the stays the demo followed.
        let capacity = try await ward.json(.GET, "/hospitals/\(Self.hospitalPlace)/capacity")
        guard Self.int(capacity["occupied"]) == occupied, Self.int(capacity["total"]) == beds else {
            throw DemoClient.Failure(description: "the hospital counts \(capacity["occupied"]?.doubleValue ?? -1) of \(capacity["total"]?.doubleValue ?? -1) beds occupied, the demo \(occupied) of \(beds)")
        }
    }

    // MARK: Supplies

    /// Units of `item` community `c` needs today.
    func demand(_ item: Item, _ c: Int, _ figures: Figures) -> Int {
        let home = figures.atHome[c].count, presented = figures.presentations[c]
        switch item.id {
        case "mask": return 30 + 2 * home + 4 * presented  // staff and checkpoints, visits to homes, the clinic
        case "test-kit": return presented + figures.newResidents[c]  // the clinic's tests, a test on entering quarantine
        case "thermometer": return figures.newHouseholds[c]  // one per household entering quarantine
        default: return figures.parcelsDue[c]  // a parcel every three days per household at home
        }
    }

    mutating func supplies(_ report: DayReport, _ figures: Figures, date: CivilDate, run: DemoRun) async throws {
        let demo = run.demo
        presentationsByDay.append(figures.presentations)
        if presentationsByDay.count > 7 { presentationsByDay.removeFirst() }
        // Yesterday's shipments arrive.
        for (stock, pending) in shipped.sorted(by: { $0.key < $1.key }) where pending.day < report.day {
            let community = communityIndex(demo, stock)
            try await run.client(Self.stores(demo.communities[community].slug), on: DemoCity.cdc).json(
                .POST, "/supplies/requests/\(pending.request)/receive",
                json: ["quantity": .number(Double(pending.quantity)), "time": Self.at(date, minute: 60)])
            shipped[stock] = nil
            supply.delivered += 1
        }
        if report.day > 0 && report.day % 7 == 0 { try await allocate(report, figures, date: date, run: run) }

        // What the stocks hold now.
        let stocks = try await run.officer.json(.GET, "/supplies/stock?scope=\(DemoCity.district)")
        for stock in stocks["items"]?.arrayValue ?? [] {
            guard let id = stock["id"]?.stringValue else { continue }
            regular[id] = Self.int(stock["regular"])
            if id.hasPrefix(Self.depot + "@"), let item = stock["item"]?.stringValue { depotAvailable[item] = Self.int(stock["available"]) }
        }

        // The day's use, then requests where the stock runs low.
        lowStocks = 0
        for i in demo.communities.indices {
            let stores = run.client(Self.stores(demo.communities[i].slug), on: DemoCity.cdc)
            for item in Self.items {
                let id = stockID(demo, i, item)
                let wanted = demand(item, i, figures)
                usage[id, default: []].append(wanted)
                if usage[id]!.count > 7 { usage[id]!.removeFirst() }
                let used = min(wanted, regular[id] ?? 0)
                if used > 0 {
                    let stock = try await stores.json(
                        .POST, "/supplies/stock/\(id)/movements",
                        json: ["kind": "consumed", "quantity": .number(Double(used)), "time": Self.at(date, minute: 600)])
                    regular[id] = Self.int(stock["regular"])
                }
                supply.used += used
                supply.short += wanted - used
                let daily = dailyUse(id)
                let reorder = max(item.minimum, 3 * daily)
                let onHand = regular[id] ?? 0
                guard onHand < reorder else { continue }
                lowStocks += 1
                guard shipped[id] == nil else { continue }
                let quantity = ((7 * max(daily, item.minimum / 3) + reorder - onHand + item.pack - 1) / item.pack) * item.pack
                let filed = try await stores.json(
                    .POST, "/supplies/requests",
                    json: [
                        "community": .string(demo.communityPath(i)), "item": .string(item.id), "quantity": .number(Double(quantity)),
                        "reason": .string("\(onHand) \(item.unit) left, using about \(daily) a day: a week's supply"),
                        "time": Self.at(date, minute: 610),
                    ])
                guard let request = filed["id"]?.stringValue else { throw DemoClient.Failure(description: "POST /supplies/requests answered no id") }
                supply.requests += 1
                let available = depotAvailable[item.id] ?? 0
                if available == 0 {
                    try await run.officer.json(
                        .POST, "/supplies/requests/\(request)/reject",
                        json: ["reason": "the depot holds nothing above its reserve: wait for the weekly allocation", "time": Self.at(date, minute: 610)])
                    supply.rejected += 1
                    continue
                }
                let granted = min(quantity, available)
                if granted < quantity {
                    try await run.officer.json(
                        .POST, "/supplies/requests/\(request)/approve",
                        json: [
                            "quantity": .number(Double(granted)), "reason": .string("the depot has \(available) above its reserve floor"),
                            "time": Self.at(date, minute: 610),
                        ])
                    supply.partial += 1
                } else {
                    try await run.officer.json(.POST, "/supplies/requests/\(request)/approve", json: ["time": Self.at(date, minute: 610)])
                    supply.approved += 1
                }
                try await run.officer.json(
                    .POST, "/supplies/requests/\(request)/ship",
                    json: ["quantity": .number(Double(granted)), "source": ["depot": .string(Self.depot)], "time": Self.at(date, minute: 610)])
                depotAvailable[item.id] = available - granted
                supply.shippedUnits += granted
                shipped[id] = (request, granted, report.day)
            }
        }
    }

    /// The average daily demand of a stock over the last seven days, rounded up.
    func dailyUse(_ id: String) -> Int {
        let days = usage[id] ?? []
        return days.isEmpty ? 0 : (days.reduce(0, +) + days.count - 1) / days.count
    }

    func communityIndex(_ demo: DemoCity, _ stock: String) -> Int {
        let site = String(stock[..<(stock.lastIndex(of: "@") ?? stock.endIndex)]).replacingOccurrences(of: "~", with: "/")
        return demo.communities.indices.first { demo.communityPath($0) == site } ?? 0
    }

    /// The weekly round: the province's delivery arrives at the depot, each community declares
    /// its need for the coming week, and the CDC allocates the depot's stock over the unmet needs
    /// by risk (preview, then applied on the basis it previewed).
    mutating func allocate(_ report: DayReport, _ figures: Figures, date: CivilDate, run: DemoRun) async throws {
        let demo = run.demo
        let keeper = run.client(Self.depotUser, on: DemoCity.cdc)
        for item in Self.items {
            // The province sends at least its standing delivery, and what the district used
            // last week: supply follows the outbreak a week behind.
            let used = demo.communities.indices.reduce(0) { $0 + (usage[stockID(demo, $1, item)] ?? []).reduce(0, +) }
            let delivery = max(Self.weeklyDelivery(item, demo), ((used + item.pack - 1) / item.pack) * item.pack)
            let stock = try await keeper.json(
                .POST, "/supplies/stock/\(Self.depot)@\(item.id)/movements",
                json: ["kind": "received", "quantity": .number(Double(delivery)), "reason": "the province's weekly delivery", "time": Self.at(date, minute: 120)])
            supply.provinceUnits += delivery
            depotAvailable[item.id] = Self.int(stock["available"])
        }
        var risk: [String: JSONValue] = [:]
        for i in demo.communities.indices {
            let presented = presentationsByDay.reduce(0) { $0 + $1[i] }
            let home = figures.atHome[i].count
            let share = Double(home) / Double(max(1, demo.communities[i].residents.count))
            risk[demo.communityPath(i)] = .string(share >= 0.03 || presented >= 8 ? "high" : home > 0 || presented > 0 ? "medium" : "low")
            let stores = run.client(Self.stores(demo.communities[i].slug), on: DemoCity.cdc)
            for item in Self.items {
                let id = stockID(demo, i, item)
                let need = 7 * dailyUse(id) + item.minimum
                guard declaredNeed[id] != need else { continue }
                try await stores.json(
                    .POST, "/supplies/stock/\(id)/movements",
                    json: [
                        "kind": "needDeclared", "quantity": .number(Double(need)), "neededBy": .string(date.addingDays(7).description),
                        "time": Self.at(date, minute: 120),
                    ])
                declaredNeed[id] = need
            }
        }
        for item in Self.items {
            var body: [String: JSONValue] = [
                "item": .string(item.id), "source": ["stock": .string("\(Self.depot)@\(item.id)")], "scope": .string(DemoCity.district),
                "risk": .object(risk), "time": Self.at(date, minute: 120),
            ]
            let preview = try await run.officer.json(.POST, "/supplies/allocations", json: .object(body))
            let allocated = Self.int(preview["allocated"])
            guard allocated > 0, let basis = preview["basis"] else { continue }
            body["apply"] = true
            body["basis"] = basis
            try await run.officer.json(.POST, "/supplies/allocations", json: .object(body))
            supply.allocations += 1
            supply.allocatedUnits += allocated
            depotAvailable[item.id] = (depotAvailable[item.id] ?? 0) - allocated
        }
    }

    // MARK: Volunteers and resident orders

    /// Orders for the vulnerable residents at home, visits to those who missed their check-in,
    /// and the volunteers' day, community by community.
    mutating func residentOrders(_ report: DayReport, _ figures: Figures, date: CivilDate, run: DemoRun) async throws {
        let demo = run.demo
        let home = Set(figures.atHome.joined())
        for resident in firstAtHome.keys where !home.contains(resident) { firstAtHome[resident] = nil }
        let missed = Dictionary(grouping: report.missedCheckIns.filter(home.contains)) { demo.city.residents[$0].community }
        for i in demo.communities.indices {
            let staff = run.staff(i)
            let path = demo.communityPath(i)
            var placed = 0
            for resident in figures.atHome[i] {
                let r = demo.city.residents[resident]
                guard !r.vulnerabilities.isEmpty, let person = run.personIDs[resident] else { continue }
                let since = report.day - (firstAtHome[resident] ?? report.day)
                if firstAtHome[resident] == nil { firstAtHome[resident] = report.day }
                var lines: [JSONValue] = []
                if since % 3 == 0 {
                    lines += [["goods": "rice (5 kg)", "quantity": 1], ["goods": "vegetables (bag)", "quantity": 2], ["goods": "eggs (10)", "quantity": 1]]
                    if r.vulnerabilities.contains(.elderlyAlone) { lines.append(["goods": "ready meals", "quantity": 3]) }
                }
                if r.vulnerabilities.contains(.chronic) && since % 7 == 0 { lines.append(["goods": "regular prescription refill", "quantity": 1]) }
                guard !lines.isEmpty else { continue }
                try await staff.json(
                    .POST, "/orders",
                    json: ["resident": .string(person), "lines": .array(lines), "note": "ordered by phone with the committee", "onBehalf": true])
                placed += 1
            }
            orders.placed += placed
            if placed > 0 || rebatch.contains(i) {
                rebatch.remove(i)
                let batched = try await staff.json(.POST, "/orders/batch", json: ["scope": .string(path), "apply": true])
                for batch in batched["batches"]?.arrayValue ?? [] {
                    if let task = batch["task"]?.stringValue { taskOrders[task] = batch["orders"]?.arrayValue?.count ?? 0 }
                }
            }
            // A door-to-door visit to those who missed today's check-in (the committee reaches
            // only so many a day).
            var visits: [String] = []
            for resident in (missed[i] ?? []).prefix(4) {
                let r = demo.city.residents[resident]
                guard let person = run.personIDs[resident] else { continue }
                let task = try await staff.json(
                    .POST, "/tasks",
                    json: [
                        "kind": "door-to-door", "location": .string(demo.householdPath(r)), "person": .string(person),
                        "priority": r.vulnerabilities.isEmpty ? 0 : 5, "note": "missed today's check-in: check on the household",
                    ])
                if let id = task["id"]?.stringValue { visits.append(id) }
            }
            var done = Set<String>()
            var unassigned: [JSONValue] = []
            for _ in 0..<4 {
                let plan = try await staff.json(.POST, "/tasks/dispatch", json: ["scope": .string(path), "apply": true])
                unassigned = plan["unassigned"]?.arrayValue ?? []
                let assignments = plan["assignments"]?.arrayValue ?? []
                if assignments.isEmpty { break }
                for assignment in assignments {
                    guard let task = assignment["task"]?.stringValue, let volunteer = assignment["volunteer"]?.stringValue else { continue }
                    let worker = run.client(volunteer, on: demo.committee(i))
                    offers += 1
                    if offers % 11 == 5 {
                        try await worker.json(.POST, "/tasks/\(task)/decline", json: ["reason": "in a meeting at work today"])
                        orders.declined += 1
                        continue
                    }
                    try await worker.json(.POST, "/tasks/\(task)/accept")
                    try await worker.json(.POST, "/tasks/\(task)/check-in", json: ["note": taskOrders[task] == nil ? "at the door" : "picked up the goods"])
                    try await worker.json(.POST, "/tasks/\(task)/done", json: ["note": taskOrders[task] == nil ? "spoke to the household: all well" : "delivered at the door"])
                    done.insert(task)
                    activeVolunteers.insert(volunteer)
                    if let carried = taskOrders.removeValue(forKey: task) {
                        orders.deliveries += 1
                        orders.delivered += carried
                    } else {
                        orders.visits += 1
                    }
                }
            }
            // Visits nobody could make today are left to the grid worker's phone call; a delivery
            // every volunteer able to make it declined goes back to the queue for a new batch.
            for task in visits where !done.contains(task) {
                try await staff.json(.POST, "/tasks/\(task)/cancel", json: ["reason": "no volunteer free today: the grid worker phones the household"])
                orders.visitsCancelled += 1
            }
            for entry in unassigned where entry["reason"]?.stringValue == "declined-by-all" {
                guard let task = entry["task"]?.stringValue, taskOrders.removeValue(forKey: task) != nil else { continue }
                try await staff.json(.POST, "/tasks/\(task)/cancel", json: ["reason": "declined by every volunteer who delivers: batch again"])
                rebatch.insert(i)
            }
        }
    }

    // MARK: Figures

    /// Key figures for the progress line.
    var progress: String {
        "beds \(occupied)/\(beds) · admitted \(hospital.admitted) · discharged \(hospital.recovered + hospital.died) · low stock \(lowStocks) · "
            + "allocations \(supply.allocations) · orders \(orders.placed)/\(orders.delivered) delivered · volunteers \(activeVolunteers.count)/\(volunteers)"
    }

    /// Lines for the final summary.
    var summary: [String] {
        [
            "referrals to the designated hospital: \(hospital.referred); admitted \(hospital.admitted), recovered \(hospital.recovered), died \(hospital.died), "
                + "in hospital \(occupied) of \(beds) beds (peak \(hospital.peak); \(hospital.surge) surge beds opened)",
            "supplies: \(supply.used) units used, \(supply.short) short; \(supply.requests) requests (\(supply.approved) approved, \(supply.partial) in part, "
                + "\(supply.rejected) rejected; \(supply.shippedUnits) units shipped, \(supply.delivered) received); \(supply.allocations) allocations from the depot "
                + "(\(supply.allocatedUnits) units; the province delivered \(supply.provinceUnits) units in the weekly rounds); \(lowStocks) community stocks low at the end",
            "volunteers: \(volunteers) registered, \(activeVolunteers.count) worked tasks; resident orders placed \(orders.placed), delivered \(orders.delivered) "
                + "in \(orders.deliveries) deliveries (\(orders.placed - orders.delivered) waiting); door-to-door visits \(orders.visits) "
                + "(\(orders.visitsCancelled) left to a phone call); \(orders.declined) offers declined",
            "time spent on these services: \(spent.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1))))",
        ]
    }
}
