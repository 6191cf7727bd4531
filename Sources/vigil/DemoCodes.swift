import Foundation
import NIOHTTP1
import VigilCommunity
import VigilLedger
import VigilOutbreak
import VigilSurveillance

/// Health codes, follow-up and check-ins in the city demo. Each committee issues its residents'
/// codes (its key accepted onto its community chain's trust list by the other members) and its
/// checkpoint scans them; quarantined residents are followed up and check in every day.
///
/// A code's colour is the node's judgement **now**, on the real clock, while the simulated days
/// run through the last two months: a confirmed case is red whenever its code is issued, but a
/// home quarantine makes a code yellow only while it is in force, that is in the simulation's
/// last 14 days. The final tally after the last day shows the colours as they stand.
struct DemoCodes {
    /// Codes issued, by colour.
    var issued: [String: Int] = [:]
    var scans = 0
    var refused = 0
    var checkIns = 0
    var followUps = 0
    /// Residents confirmed today: their codes are issued tonight.
    var confirmedToday: [Int] = []

    var summary: String {
        "health codes issued: \(issued["green", default: 0]) green, \(issued["yellow", default: 0]) yellow, \(issued["red", default: 0]) red; "
            + "\(scans) scanned at the checkpoints (\(refused) turned back)"
    }
}

extension DemoRun {
    /// Each committee proposes its code-signing key on its community chain; the clinic, the
    /// hospital and the CDC accept it, and the committee's node then trusts it.
    mutating func prepareCodes() async throws {
        say("\n== health codes: each committee's signing key goes onto its community chain's trust list")
        for i in demo.communities.indices {
            let proposed = try await staff(i).json(.POST, "/codes/key")
            guard let proposal = proposed["proposal"]?.stringValue, let kid = proposed["kid"]?.stringValue else {
                throw DemoClient.Failure(description: "POST /codes/key answered no proposal")
            }
            for voter in [demo.clinic(i), DemoCity.hospital, DemoCity.cdc] {
                try await submit(.vote, by: voter, slug: demo.chainSlug(i), origin: demo.origin(i), body: ["proposal": .string(proposal), "approve": true])
            }
            // The node reads its trust list from the chain: wait until the key is on it.
            let deadline = ContinuousClock.now + .seconds(60)
            while true {
                let list = try await staff(i).text("/codes/trust-list")
                if list.contains("\"\(kid)\"") { break }
                guard ContinuousClock.now < deadline else { throw DemoClient.Failure(description: "the code key \(kid) did not reach the trust list") }
                try await Task.sleep(for: .milliseconds(200))
            }
            say("   \(demo.communities[i].name): key \(kid) accepted")
        }
    }

    /// A follow-up plan for a quarantined contact: one check-in a day for 14 days.
    mutating func planFollowUp(person: String, community: Int, date: CivilDate) async throws {
        try await staff(community).json(
            .POST, "/follow-up-plans", json: ["person": .string(person), "start": .string(date.description), "periodDays": 14, "timesPerDay": 1])
        codes.followUps += 1
    }

    /// The day's check-ins of the residents the simulation says checked in (those who missed
    /// theirs are what `/check-ins/missing` lists), on their committee's node.
    mutating func recordCheckIns(_ report: DayReport, date: CivilDate) async throws {
        var calls: [(DemoClient, JSONValue)] = []
        for checkIn in report.checkIns {
            guard let person = personIDs[checkIn.resident] else { continue }
            let community = demo.city.residents[checkIn.resident].community
            let minute = 8 * 60 + checkIn.resident % 120
            calls.append((
                staff(community),
                [
                    "person": .string(person), "time": .number(Double(DemoCity.time(date, minute: minute))),
                    "symptoms": checkIn.symptoms ? ["fever", "cough"] : [], "temperatureCelsius": .number(checkIn.temperature),
                ]
            ))
        }
        try await Self.concurrently(calls) { client, body in try await client.json(.POST, "/check-ins", json: body) }
        codes.checkIns += calls.count
    }

    /// The committee moves a confirmed resident into the `confirmed` key group in its own
    /// registry (what turns the resident's code red), editing the version it read.
    mutating func markConfirmed(_ resident: Int) async throws {
        guard let person = personIDs[resident] else { return }
        let i = demo.city.residents[resident].community
        guard case .object(var file) = try await staff(i).json(.GET, "/persons/\(person)"), let version = file["version"]?.doubleValue else {
            throw DemoClient.Failure(description: "GET /persons/\(person) answered no version")
        }
        file["group"] = "confirmed"
        try await staff(i).json(.PUT, "/persons/\(person)", json: .object(file), headers: [("If-Match", "\"v\(Int(version))\"")])
        codes.confirmedToday.append(resident)
    }

    /// Tonight's codes: each resident confirmed today, and a few others from each community,
    /// issued by their committee and scanned at its checkpoint; a red code is turned back.
    mutating func issueCodes(day: Int) async throws {
        var residents = codes.confirmedToday
        codes.confirmedToday = []
        for i in demo.communities.indices {
            let members = Array(demo.communities[i].residents)
            for k in 0..<3 { residents.append(members[(day * 7919 + k * 104_729) % members.count]) }
        }
        for i in demo.communities.indices { try await staff(i).json(.POST, "/codes/refresh") }
        try await issueAndScan(residents)
    }

    /// The codes of every resident in quarantine or isolation after the last day, when the
    /// simulated calendar has reached the real one.
    mutating func finalCodes() async throws -> [String: Int] {
        let residents = demo.city.residents.indices.filter { simulation.isQuarantined($0) || simulation.isIsolated($0) }
        for i in demo.communities.indices { try await staff(i).json(.POST, "/codes/refresh") }
        let before = codes.issued
        try await issueAndScan(residents)
        return codes.issued.merging(before) { $0 - $1 }
    }

    private mutating func issueAndScan(_ residents: [Int]) async throws {
        for resident in residents {
            guard let person = personIDs[resident] else { continue }
            let i = demo.city.residents[resident].community
            let code = try await staff(i).json(.POST, "/codes", json: ["person": .string(person)])
            guard let token = code["token"]?.stringValue, let colour = code["colour"]?.stringValue else {
                throw DemoClient.Failure(description: "POST /codes answered no token")
            }
            codes.issued[colour, default: 0] += 1
            let scan = try await gate(i).json(
                .POST, "/scans", json: ["token": .string(token), "place": .string("\(demo.communities[i].slug)-gate"), "checkpoint": "main-gate"])
            guard scan["result"]?.stringValue == "recorded" else {
                throw DemoClient.Failure(description: "the scan of a fresh code failed: \(scan)")
            }
            codes.scans += 1
            if scan["colour"]?.stringValue == "red" { codes.refused += 1 }
        }
    }

    /// Runs `call` on each element, eight at a time.
    static func concurrently<T: Sendable>(_ items: [T], _ call: @escaping @Sendable (T) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            while next < items.count && next < 8 {
                let item = items[next]
                group.addTask { try await call(item) }
                next += 1
            }
            while try await group.next() != nil {
                if next < items.count {
                    let item = items[next]
                    group.addTask { try await call(item) }
                    next += 1
                }
            }
        }
    }
}
