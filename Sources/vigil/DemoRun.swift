import AsyncHTTPClient
import Foundation
import NIOHTTP1
import VigilCommunity
import VigilLedger
import VigilOutbreak
import VigilServer
import VigilStore
import VigilSurveillance

/// One run of the city demo over a started network: the registry, then each simulated day
/// driving the organisations' nodes through their APIs (and, for the district's hospital and
/// CDC, which sit on several community chains, entries signed with their keys and submitted to
/// their own nodes).
struct DemoRun {
    let demo: DemoCity
    let options: CityDemo.Options
    let network: LocalNetwork
    let ports: [String: Int]
    let tokens: [String: String]
    let say: @Sendable (String) -> Void
    let http: HTTPClient
    let start: CivilDate
    let progress = ProgressDisplay()
    var simulation: OutbreakSimulation

    /// A suspected-case report on a community chain.
    struct Report {
        var resident: Int
        var community: Int
        var entry: EntryHash
        var trueInfection: Bool
        var vetoed = false
        var outcome: Bool?
    }

    /// Registry ids of residents on their committee's node.
    var personIDs: [Int: String] = [:]
    var residentByPerson: [String: Int] = [:]
    /// Residents' files at their clinic.
    var clinicPersons: [Int: String] = [:]
    var reports: [Int: Report] = [:]
    /// Non-household contacts quarantined per confirmed case.
    static let contactsPerCase = 3
    /// Test results waiting for their report's acceptance, by resident.
    var results: [Int: Bool] = [:]
    var vetoDone = false
    /// Referrals, supplies, volunteers and resident orders.
    var services = DemoServices()
    /// Alarms, stages and orders on the district chain.
    var response: DemoResponse
    /// Health codes, follow-up plans and check-ins.
    var codes = DemoCodes()
    /// Running totals for the summary.
    var totals = (reported: 0, accepted: 0, vetoed: 0, confirmed: 0, ruledOut: 0, quarantined: 0, visits: 0, relayed: 0, bulletins: 0)

    init(
        demo: DemoCity, options: CityDemo.Options, network: LocalNetwork, ports: [String: Int], tokens: [String: String],
        say: @escaping @Sendable (String) -> Void
    ) async throws {
        self.demo = demo
        self.options = options
        self.network = network
        self.ports = ports
        self.tokens = tokens
        self.say = say
        self.http = HTTPClient.shared
        let today = CivilDate(daysSinceEpoch: Int(Date().timeIntervalSince1970) / 86_400)
        self.start = today.addingDays(-(options.days - 1))
        self.simulation = OutbreakSimulation(city: demo.city, seed: options.seed)
        self.response = DemoResponse(communities: demo.communities.count)
    }


    func client(_ user: String, on node: String) -> DemoClient {
        DemoClient(client: http, base: "http://127.0.0.1:\(ports[node]!)", token: tokens[user]!)
    }

    func staff(_ community: Int) -> DemoClient { client("staff.\(demo.communities[community].slug)", on: demo.committee(community)) }
    func gate(_ community: Int) -> DemoClient { client("gate.\(demo.communities[community].slug)", on: demo.committee(community)) }
    func doctor(_ community: Int) -> DemoClient { client("doctor.\(demo.communities[community].slug)", on: demo.clinic(community)) }
    func desk(_ community: Int) -> DemoClient { client("desk.\(demo.communities[community].slug)", on: demo.clinic(community)) }
    func reporter(_ community: Int) -> DemoClient { client("reporter.\(demo.communities[community].slug)", on: DemoCity.cdc) }
    var officer: DemoClient { client("cdc.officer", on: DemoCity.cdc) }

    func key(_ name: String) throws -> SignerKey {
        try SignerKey(String(decoding: try IO.read("\(options.directory)/keys/\(name).key", limit: 4096), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    // MARK: Preparation

    /// Jurisdictions on the nodes that list them, then each committee imports its residents.
    mutating func prepare() async throws {
        let cdcAdmin = client("cdc.admin", on: DemoCity.cdc)
        try await cdcAdmin.json(.POST, "/jurisdictions", json: ["path": .string(DemoCity.district), "name": .string(demo.city.districtName)])
        for i in demo.communities.indices {
            let entry: JSONValue = ["path": .string(demo.communityPath(i)), "name": .string(demo.communities[i].name)]
            try await cdcAdmin.json(.POST, "/jurisdictions", json: entry)
            try await client("admin.\(demo.communities[i].slug)", on: demo.committee(i)).json(.POST, "/jurisdictions", json: entry)
        }
        say("\n== the committees import their residents (duplicate check, then the file)")
        for i in demo.communities.indices {
            let csv = demo.registryCSV(i)
            let preview = try await staff(i).json(.POST, "/persons/import", csv: csv)
            let flagged = (preview["duplicatesOfExisting"]?.arrayValue ?? []) + (preview["duplicatesWithinFile"]?.arrayValue ?? [])
            let rows = flagged.compactMap { $0["row"]?["row"]?.doubleValue }.map { String(Int($0)) }
            let query = rows.isEmpty ? "" : "&confirm=" + rows.joined(separator: ",")
            let imported = try await staff(i).json(.POST, "/persons/import?mode=valid" + query, csv: csv)
            let exported = try await staff(i).text("/persons/export?scope=\(demo.communityPath(i))")
            var mapped = 0
            let table = try CSVCodec.decode(exported).map(\.fields)
            let header = table.first ?? []
            guard let idColumn = header.firstIndex(of: "id"), let nationalColumn = header.firstIndex(of: "nationalID") else {
                throw DemoClient.Failure(description: "the export lacks id or nationalID")
            }
            let byNationalID = Dictionary(
                uniqueKeysWithValues: demo.city.residents[demo.communities[i].residents].map { ($0.nationalID, $0.id) })
            for row in table.dropFirst() where row.count > max(idColumn, nationalColumn) {
                if let resident = byNationalID[row[nationalColumn]] {
                    personIDs[resident] = row[idColumn]
                    residentByPerson[row[idColumn]] = resident
                    mapped += 1
                }
            }
            progress.update("registry", i + 1, demo.communities.count)
            say(
                "   \(demo.communities[i].name): \(imported["imported"]?.doubleValue.map { Int($0) } ?? 0) residents imported"
                    + (rows.isEmpty ? "" : " (\(rows.count) flagged as possible duplicates, confirmed as different people)")
                    + ", \(mapped) in the registry")
        }
        progress.finish()
        try await prepareCodes()
        try await preparePlans()
        try await services.prepare(self)
    }

    // MARK: The days

    mutating func simulate() async throws {
        say("\n== \(options.days) simulated days, \(start) to \(start.addingDays(options.days - 1))")
        for _ in 0..<options.days {
            let began = ContinuousClock.now
            let report = simulation.step()
            let date = start.addingDays(report.day)
            var counts = [DailyReport.Counts](repeating: .zero, count: demo.communities.count)
            try await recordVisits(report, date: date)
            try await recordCheckIns(report, date: date)
            try await reportCases(report, date: date, counts: &counts)
            try await recordOutcomes(report, date: date, counts: &counts)
            try await services.day(report, date: date, run: self)
            for resident in report.hospitalisations { counts[demo.city.residents[resident].community].referrals += 1 }
            for i in demo.communities.indices {
                counts[i].quarantined = simulation.quarantinedResidents.filter { demo.city.residents[$0].community == i }.count
                counts[i].contactsUnderFollowUp = counts[i].quarantined
            }
            try await fileDailyReports(counts, date: date)
            try await respond(counts, dayIndex: report.day, date: date)
            try await issueCodes(day: report.day)
            say(
                "day \(report.day + 1)/\(options.days) \(date): infected \(report.counts.cumulativeInfections) (+\(report.infections.count)), "
                    + "reported \(totals.reported) · accepted \(totals.accepted) · vetoed \(totals.vetoed) · confirmed \(totals.confirmed) · "
                    + "ruled out \(totals.ruledOut) · quarantined \(report.counts.quarantined) · visits \(totals.visits) · "
                    + "stage \(response.stage) · codes g/y/r \(codes.issued["green", default: 0])/\(codes.issued["yellow", default: 0])/\(codes.issued["red", default: 0])"
                    + (services.progress.isEmpty ? "" : " · " + services.progress))
            if options.speed > 0 {
                let target = Duration.seconds(60 / options.speed)
                let spent = ContinuousClock.now - began
                if spent < target { try await Task.sleep(for: target - spent) }
            }
        }
    }

    /// Visits at checkpoint venues, recorded by each community's checkpoint on its committee's
    /// node for its own residents (what contact tracing reads).
    mutating func recordVisits(_ report: DayReport, date: CivilDate) async throws {
        var batches = [[JSONValue]](repeating: [], count: demo.communities.count)
        for visit in report.visits where demo.city.venues[visit.venueIndex].checkpoint {
            let resident = demo.city.residents[visit.resident]
            guard let person = personIDs[visit.resident] else { continue }
            batches[resident.community].append([
                "person": .string(person), "place": .string(visit.venue),
                "timeIn": .number(Double(DemoCity.time(date, minute: visit.start))), "timeOut": .number(Double(DemoCity.time(date, minute: visit.end))),
            ])
        }
        for (i, batch) in batches.enumerated() {
            for chunk in stride(from: 0, to: batch.count, by: 1000) {
                let part = Array(batch[chunk..<min(batch.count, chunk + 1000)])
                try await gate(i).json(.POST, "/visits", json: ["jurisdiction": .string(demo.communityPath(i)), "visits": .array(part)])
                totals.visits += part.count
            }
        }
    }

    /// Each presentation: the clinic opens a case and reports it to its community chain; the
    /// committee endorses it through its API and the hospital with a signed vote; one report of
    /// an illness that is not the outbreak is vetoed by the district CDC instead.
    mutating func reportCases(_ report: DayReport, date: CivilDate, counts: inout [DailyReport.Counts]) async throws {
        for presentation in report.presentations where reports[presentation.resident] == nil {
            let resident = demo.city.residents[presentation.resident]
            let i = resident.community
            let clinic = doctor(i)
            let person: String
            if let known = clinicPersons[resident.id] {
                person = known
            } else {
                let created = try await desk(i).json(
                    .POST, "/persons?confirm=true",
                    json: [
                        "name": .string(resident.name), "nationalID": .string(resident.nationalID), "phone": .string(resident.phone),
                        "household": .string(demo.householdPath(resident)),
                    ])
                person = created["id"]?.stringValue ?? ""
                clinicPersons[resident.id] = person
            }
            let opened = try await clinic.json(
                .POST, "/cases", json: ["person": .string(person), "onset": .string(start.addingDays(presentation.onsetDay).description)])
            guard let caseID = opened["id"]?.stringValue else { continue }
            let reported = try await clinic.json(.POST, "/cases/\(caseID)/report", json: ["syndrome": "ili"])
            guard let entryText = reported["entry"]?.stringValue, let entry = try? Hash(hex: entryText) else { continue }
            reports[resident.id] = Report(resident: resident.id, community: i, entry: entry, trueInfection: presentation.trueInfection)
            counts[i].newSuspected += 1
            totals.reported += 1
        }
        // Decisions on the reports still open.
        let pending = reports.values.filter { $0.outcome == nil && !$0.vetoed }
        for var report in pending.sorted(by: { $0.resident < $1.resident }) {
            let slug = demo.chainSlug(report.community)
            let committee = network.client(demo.committee(report.community))
            _ = try await committee.waitCommitted(report.entry, slug: slug)
            guard let state = try? await committee.state(slug: slug), let proposal = state.proposals.first(where: { $0.id == report.entry.hex }),
                proposal.status == "pending"
            else { continue }
            if !report.trueInfection, !vetoDone {
                try await submit(
                    .veto, by: DemoCity.cdc, slug: slug, origin: demo.origin(report.community),
                    body: ["proposal": .string(report.entry.hex), "reason": "influenza B on the clinic's rapid test; no link to the cluster"])
                report.vetoed = true
                reports[report.resident] = report
                vetoDone = true
                totals.vetoed += 1
                say("   the district CDC vetoes report \(report.entry.hex.prefix(12))… (\(demo.communities[report.community].name)): not the outbreak")
                continue
            }
            if !proposal.approvers.contains(demo.committee(report.community)) {
                let vote = try await staff(report.community).call(
                    .POST, "/ledger/proposals/\(report.entry.hex)/vote", json: ["approve": true, "reason": "resident of this community; visited at home"])
                // 409: the chain refused it because the proposal was decided meanwhile.
                guard (200..<300).contains(vote.status) || vote.status == 409 else {
                    throw DemoClient.Failure(description: "the committee's vote: \(vote.status) \(String(decoding: vote.body.prefix(300), as: UTF8.self))")
                }
            }
            if !proposal.approvers.contains(DemoCity.hospital) {
                try await submit(
                    .vote, by: DemoCity.hospital, slug: slug, origin: demo.origin(report.community),
                    body: ["proposal": .string(report.entry.hex), "approve": true])
            }
        }
    }

    /// Test results: the hospital records each accepted report's outcome on the chain; a
    /// confirmed case is isolated and its committee traces its contacts over 14 days and
    /// quarantines them at home.
    mutating func recordOutcomes(_ report: DayReport, date: CivilDate, counts: inout [DailyReport.Counts]) async throws {
        for result in report.testResults { results[result.resident] = result.positive }
        var states: [String: ChainSummary] = [:]  // one read of each chain per day
        for (resident, positive) in results.sorted(by: { $0.key < $1.key }) {
            guard var tracked = reports[resident], tracked.outcome == nil, !tracked.vetoed else {
                results[resident] = nil
                continue
            }
            let slug = demo.chainSlug(tracked.community)
            if states[slug] == nil { states[slug] = try await network.client(DemoCity.hospital).state(slug: slug) }
            let status = states[slug]?.proposals.first(where: { $0.id == tracked.entry.hex })?.status
            if status == nil || status == "pending" { continue }  // votes still settling: tomorrow
            results[resident] = nil
            guard status == "accepted" else { continue }
            totals.accepted += 1
            let result = (resident: resident, positive: positive)
            try await submit(
                .outcome, by: DemoCity.hospital, slug: slug, origin: demo.origin(tracked.community),
                body: ["proposal": .string(tracked.entry.hex), "result": .string(result.positive ? "confirmed" : "ruled-out")])
            tracked.outcome = result.positive
            reports[result.resident] = tracked
            let i = tracked.community
            if result.positive {
                counts[i].newConfirmed += 1
                totals.confirmed += 1
                simulation.isolate(result.resident)
                try await markConfirmed(result.resident)
                counts[i].newCloseContacts += try await traceAndQuarantine(result.resident, date: date)
            } else {
                counts[i].newRuledOut += 1
                totals.ruledOut += 1
            }
        }
    }

    /// The committee's contact tracing for a confirmed resident, and home quarantine for 14
    /// days of each traced resident of the community not yet in quarantine. Answers how many.
    mutating func traceAndQuarantine(_ resident: Int, date: CivilDate) async throws -> Int {
        guard let person = personIDs[resident] else { return 0 }
        let i = demo.city.residents[resident].community
        let now = DemoCity.time(date, minute: 24 * 60 - 1)
        let traced = try await staff(i).json(.GET, "/persons/\(person)/contacts?now=\(now)&days=14")
        var quarantined: [Int] = []
        // The household, and the closest contacts by exposure (the list is ranked): a committee
        // reaches only so many people a day.
        let ranked = traced["contacts"]?.arrayValue ?? []
        let household = ranked.filter { $0["isHousehold"]?.boolValue == true }
        let others = ranked.filter { $0["isHousehold"]?.boolValue != true }.prefix(Self.contactsPerCase)
        for contact in household + others {
            guard let id = contact["person"]?.stringValue, let contactResident = residentByPerson[id], contactResident != resident,
                !simulation.isQuarantined(contactResident), !simulation.isIsolated(contactResident)
            else { continue }
            let household = demo.householdPath(demo.city.residents[contactResident])
            let ordered = try await staff(i).call(
                .POST, "/quarantines",
                json: [
                    "person": .string(id), "kind": "home", "location": ["household": .string(household)], "from": .string(date.description),
                    "to": .string(date.addingDays(14).description), "method": "orderDocument",
                    "orderReference": .string("\(demo.communities[i].slug)-Q-\(date)-\(resident)"),
                ])
            guard (200..<300).contains(ordered.status) else {
                throw DemoClient.Failure(description: "POST /quarantines: \(ordered.status) \(String(decoding: ordered.body.prefix(300), as: UTF8.self))")
            }
            try await planFollowUp(person: id, community: i, date: date)
            quarantined.append(contactResident)
        }
        simulation.quarantine(quarantined, until: simulation.day + 14)
        totals.quarantined += quarantined.count
        return quarantined.count
    }

    /// Each community's daily report on the CDC's node: drafted and submitted by the community's
    /// reporter, approved and published by a CDC officer (two people); a day without news is an
    /// explicit zero report.
    mutating func fileDailyReports(_ counts: [DailyReport.Counts], date: CivilDate) async throws {
        for (i, count) in counts.enumerated() {
            let community = demo.communityPath(i).replacingOccurrences(of: "/", with: "~")
            let path = "/reports/\(community)/\(date)"
            let encoded = try JSONValue(parsing: Array(try JSONEncoder().encode(count)))
            try await reporter(i).json(.PUT, path, json: ["counts": encoded, "isZeroReport": .bool(count.isZero)])
            try await reporter(i).json(.POST, path + "/submit")
            try await officer.json(.POST, path + "/approve")
            try await officer.json(.POST, path + "/publish")
            totals.bulletins += 1
        }
    }

    /// Signs an entry as `author` (the demo holds every organisation's key) and submits it to
    /// the author's own node, once that node has the proposal it refers to.
    func submit(_ kind: EntryKind, by author: String, slug: String, origin: String, body: JSONValue) async throws {
        let node = network.client(author)
        if let proposal = body["proposal"]?.stringValue, let id = try? Hash(hex: proposal) {
            _ = try await node.waitCommitted(id, slug: slug)
        }
        let entry = try Entry.sign(chain: origin, kind: kind, author: try key(author), time: Int64(Date().timeIntervalSince1970), body: body)
        do {
            try await node.submit(entry, slug: slug)
        } catch where kind == .vote && "\(error)".contains("that is ") {
            // The proposal was decided meanwhile (the other votes reached it first): nothing to add.
        }
    }

    // MARK: The end

    mutating func finish() async throws {
        say("\n== after \(options.days) days")
        let truth = simulation.totalInfections
        say("   infections (simulation truth): \(truth); reported \(totals.reported), accepted \(totals.accepted), vetoed \(totals.vetoed), confirmed \(totals.confirmed), ruled out \(totals.ruledOut)")
        say("   residents quarantined after tracing: \(totals.quarantined); visits recorded at checkpoints: \(totals.visits); daily reports published: \(totals.bulletins)")
        say("   reports relayed to the district chain: \(totals.relayed)")
        say("   alerts proposed on the district chain: \(response.alerts); emergency-plan events: \(response.planEvents.isEmpty ? "none" : response.planEvents.joined(separator: ", "))")
        say("   stages: "
            + (response.stageChanges.isEmpty ? "none" : response.stageChanges.map { "\($0.stage) on day \($0.day + 1)" }.joined(separator: ", "))
            + "; orders broadcast: \(response.orders)")
        say("   follow-up plans: \(codes.followUps); check-ins: \(codes.checkIns); " + codes.summary)
        let now = try await finalCodes()
        say("   codes of the residents in quarantine or isolation today: \(now["green", default: 0]) green, \(now["yellow", default: 0]) yellow, \(now["red", default: 0]) red")
        for line in services.summary { say("   " + line) }
        say("\n== final checkpoints")
        for i in demo.communities.indices {
            if let note = try await network.client(demo.committee(i)).checkpoint(slug: demo.chainSlug(i)) {
                say("   \(demo.chainSlug(i)): \(note.split(separator: "\n").prefix(3).joined(separator: " | "))")
            }
        }
        if let note = try await network.client(DemoCity.cdc).checkpoint(slug: DemoCity.districtSlug) {
            say("   \(DemoCity.districtSlug): \(note.split(separator: "\n").prefix(3).joined(separator: " | "))")
        }
    }
}
