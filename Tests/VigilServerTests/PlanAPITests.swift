import Foundation
import Logging
import NIOHTTP1
import Testing
import VigilCommunity
import VigilLedger
import VigilServer
import VigilStore
import VigilSurveillance
import VigilTestSupport

/// The emergency-plan endpoints (docs/plans.md, "API") over real HTTP.
@Suite(.serialized) struct PlanAPITests {
    static let street = "sz/ft/s1"
    static let c3 = "sz/ft/s1/c3"
    static let day = CivilDate(iso8601: "2026-11-20")!

    /// A plan's JSON without its id (the path gives it).
    static func plan(
        _ title: String, level: String = "IV", scope: String = street, trigger: [String: Any], actions: [[String: Any]]? = nil,
        deactivateAfterDays: Int? = nil
    ) -> [String: Any] {
        var plan: [String: Any] = [
            "title": title, "eventType": "respiratory", "level": level, "scope": scope, "trigger": trigger,
            "actions": actions ?? [["kind": "stage", "stage": "response"]],
        ]
        if let deactivateAfterDays { plan["deactivateAfterDays"] = deactivateAfterDays }
        return plan
    }

    static var occupancy: [String: Any] { ["kind": "occupancy", "atLeast": 0.8] }

    /// Registers the street's three communities (the denominator of alarm triggers).
    static func registerCommunities(_ platform: Platform) async throws {
        let admin = try await platform.token("admin.sz", .admin, "sz")
        for (path, name) in [(Platform.c1, "East"), (Platform.c2, "West"), (c3, "North")] {
            let answer = try await platform.call(.POST, "/jurisdictions", token: admin, json: ["path": path, "name": name])
            #expect(answer.status == 201, "\(answer.text)")
        }
    }

    /// Stores a hospital's bed count (the occupied beds are what admissions would have taken).
    static func beds(_ platform: Platform, _ hospital: String, at jurisdiction: String, occupied: Int, total: Int) async throws {
        let body = Array(try JSONEncoder().encode(try HospitalCapacity(hospital: try PlaceID(hospital), total: total, occupied: occupied)))
        let draft = RecordDraft(kind: .hospitalCapacity, id: hospital, jurisdiction: try JurisdictionPath(jurisdiction), body: body, time: 1)
        if let stored = try await platform.store.record(.hospitalCapacity, id: hospital) {
            _ = try await platform.store.updateRecord(draft, expectedVersion: stored.version)
        } else {
            _ = try await platform.store.insertRecord(draft)
        }
    }

    /// Stores a daily report with `confirmed` new confirmed cases, approved unless `approved` is false.
    static func report(_ platform: Platform, _ community: String, _ day: CivilDate, confirmed: Int, approved: Bool = true) async throws {
        var report = try DailyReport(
            community: try JurisdictionPath(community), day: day, counts: DailyReport.Counts(newConfirmed: confirmed), by: "staff.a", at: 1)
        if approved {
            try report.submit(by: "staff.a", at: 2)
            try report.approve(by: "staff.b", at: 3)
        }
        _ = try await platform.store.insertRecord(
            RecordDraft(
                kind: .dailyReport, id: "\(community)@\(day)", jurisdiction: try JurisdictionPath(community),
                body: Array(try JSONEncoder().encode(report)), time: 3))
    }

    static func evaluate(
        _ platform: Platform, _ token: String, _ day: CivilDate, scope: String = street, inputs: [String: Any]? = nil, submit: Bool? = nil
    ) async throws -> [String: Any] {
        var body: [String: Any] = ["day": day.description, "scope": scope]
        if let inputs { body["inputs"] = inputs }
        if let submit { body["submit"] = submit }
        let answer = try await platform.call(.POST, "/plans/evaluate", token: token, json: body)
        #expect(answer.status == 200, "\(answer.text)")
        return try answer.json()
    }

    static func events(_ answer: [String: Any]) -> [(kind: String, plan: String)] {
        (answer["events"] as? [[String: Any]] ?? []).map { ($0["kind"] as? String ?? "", $0["plan"] as? String ?? "") }
    }

    static func written(_ answer: [String: Any]) -> (events: Int, activations: Int) {
        let written = answer["written"] as? [String: Any] ?? [:]
        return (written["events"] as? Int ?? -1, written["activations"] as? Int ?? -1)
    }

    // MARK: Plans

    @Test func plansAreCreatedAndEditedWithVersionsAtTheirScope() async throws {
        let platform = try await Platform.start()
        let cdc = try await platform.token("cdc.ft", .cdc, "sz/ft")
        let body = Self.plan("Street respiratory IV", trigger: Self.occupancy)
        let created = try await platform.call(.PUT, "/plans/s1-resp-iv", token: cdc, json: body)
        #expect(created.status == 201, "\(created.text)")
        #expect(created.headers["ETag"].first == "\"v1\"")
        #expect(created.headers["Location"].first == "/api/v1/plans/s1-resp-iv")
        let record = try created.json()
        #expect(record["jurisdiction"] as? String == Self.street)
        #expect((record["record"] as? [String: Any])?["version"] as? Int == 0)
        #expect((record["record"] as? [String: Any])?["id"] as? String == "s1-resp-iv")

        // An edit needs If-Match, of the current version.
        var edited = body
        edited["title"] = "Street respiratory IV (revised)"
        edited["scope"] = Platform.c1
        #expect(try await platform.call(.PUT, "/plans/s1-resp-iv", token: cdc, json: edited).status == 428)
        let stale = try await platform.call(.PUT, "/plans/s1-resp-iv", token: cdc, json: edited, headers: [("If-Match", "\"v7\"")])
        #expect(stale.status == 412 && stale.problemCode == "version-changed", "\(stale.text)")
        let saved = try await platform.call(.PUT, "/plans/s1-resp-iv", token: cdc, json: edited, headers: [("If-Match", "\"v1\"")])
        #expect(saved.status == 200 && saved.headers["ETag"].first == "\"v2\"", "\(saved.text)")
        // The plan's version follows the record's, and the plan moved with its scope.
        let read = try await platform.call(.GET, "/plans/s1-resp-iv", token: cdc)
        #expect(read.status == 200 && read.headers["ETag"].first == "\"v2\"")
        let plan = try #require(try read.json()["record"] as? [String: Any])
        #expect(plan["version"] as? Int == 1 && plan["title"] as? String == "Street respiratory IV (revised)")
        #expect(try read.json()["jurisdiction"] as? String == Platform.c1)

        // The body may carry the id, but only the path's.
        var named = Self.plan("District II", level: "II", scope: "sz/ft", trigger: Self.occupancy)
        named["id"] = "ft-resp-ii"
        #expect(try await platform.call(.PUT, "/plans/ft-resp-ii", token: cdc, json: named).status == 201)
        let other = try await platform.call(.PUT, "/plans/ft-other", token: cdc, json: named)
        #expect(other.status == 422 && other.problemField == "id", "\(other.text)")

        // Lists by scope, with filters.
        let all = try await platform.call(.GET, "/plans?scope=sz/ft", token: cdc).json()["items"] as? [[String: Any]]
        #expect(all?.compactMap { $0["id"] as? String } == ["ft-resp-ii", "s1-resp-iv"])
        let level = try await platform.call(.GET, "/plans?scope=sz/ft&level=II", token: cdc).json()["items"] as? [[String: Any]]
        #expect(level?.count == 1)
        let inC1 = try await platform.call(.GET, "/plans?scope=\(Platform.c1)", token: cdc).json()["items"] as? [[String: Any]]
        #expect(inC1?.compactMap { $0["id"] as? String } == ["s1-resp-iv"])

        // Community staff read plans but do not keep them; a plan outside the caller's jurisdiction is refused.
        let staff = try await platform.token("staff.c1", .community, Platform.c1)
        #expect(try await platform.call(.GET, "/plans/s1-resp-iv", token: staff).status == 200)
        #expect(try await platform.call(.PUT, "/plans/c1-own", token: staff, json: Self.plan("Own", scope: Platform.c1, trigger: Self.occupancy)).status == 403)
        let cdcC2 = try await platform.token("cdc.c2", .cdc, Platform.c2)
        let outside = try await platform.call(.PUT, "/plans/c1-other", token: cdcC2, json: Self.plan("C1", scope: Platform.c1, trigger: Self.occupancy))
        #expect(outside.status == 403 && outside.problemCode == "outside-jurisdiction")
        #expect(try await platform.call(.GET, "/plans/ft-resp-ii", token: cdcC2).status == 403)

        let actions = try await platform.store.auditEvents(after: 0, limit: 1000).map(\.action)
        #expect(actions.filter { $0 == "emergency-plan.create" }.count == 2)
        #expect(actions.contains("emergency-plan.update"))
        try await platform.stop()
    }

    // MARK: Evaluation

    @Test func anEvaluationReadsStoredBedsAndReportsWithPostedAlarmsAndIsIdempotent() async throws {
        let platform = try await Platform.start()
        try await Self.registerCommunities(platform)
        let cdc = try await platform.token("cdc.ft", .cdc, "sz/ft")
        let trigger: [String: Any] = [
            "kind": "all",
            "of": [
                Self.occupancy, ["kind": "cases", "atLeast": 5, "days": 7],
                ["kind": "alarms", "communities": 2, "days": 3, "syndrome": "ili"],
            ],
        ]
        let actions: [[String: Any]] = [
            ["kind": "stage", "stage": "response"],
            ["kind": "broadcast", "text": "Activate the level IV response", "recipients": ["roles": ["community-staff"]]],
            ["kind": "volunteers", "count": 20, "skills": ["delivery"]],
            ["kind": "alert", "message": "ILI rising in the street", "syndrome": "ili"],
        ]
        let put = try await platform.call(.PUT, "/plans/s1-iv", token: cdc, json: Self.plan("Street IV", trigger: trigger, actions: actions))
        #expect(put.status == 201, "\(put.text)")

        // 86 of 100 beds in the street's two hospitals; the district's other hospital is not counted.
        try await Self.beds(platform, "hosp-east", at: Self.street, occupied: 52, total: 60)
        try await Self.beds(platform, "hosp-west", at: Platform.c2, occupied: 34, total: 40)
        try await Self.beds(platform, "hosp-far", at: "sz/ft/s2", occupied: 0, total: 100)
        // 3 + 4 confirmed in the last 7 days; the draft and the report of 10 days ago do not count.
        let d = Self.day
        try await Self.report(platform, Platform.c1, d.addingDays(-1), confirmed: 3)
        try await Self.report(platform, Platform.c2, d, confirmed: 4)
        try await Self.report(platform, Platform.c1, d.addingDays(-10), confirmed: 5)
        try await Self.report(platform, Platform.c2, d.addingDays(-2), confirmed: 100, approved: false)
        // ILI alarms in two of the three communities in the last 3 days (and a GI alarm in the third).
        let inputs: [String: Any] = [
            "days": [
                ["community": Platform.c1, "day": d.addingDays(-1).description, "alarms": ["ili"]],
                ["community": Platform.c2, "day": d.description, "alarms": ["ili"], "riskLevel": "medium"],
                ["community": Self.c3, "day": d.description, "alarms": ["gi"]],
            ]
        ]

        let first = try await Self.evaluate(platform, cdc, d, inputs: inputs)
        #expect(Self.events(first).map(\.kind) == ["activated"])
        let event = try #require((first["events"] as? [[String: Any]])?.first)
        let reasons = try #require(event["reasons"] as? [[String: Any]])
        #expect(reasons.compactMap { $0["text"] as? String } == [
            "hospital occupancy 0.86 (86 of 100 beds) ≥ 0.8", "confirmed cases in the last 7 days 7 ≥ 5",
            "alarms (ili) in 2 of 3 communities in the last 3 days ≥ 2",
        ])
        #expect(reasons.compactMap { $0["observed"] as? Double } == [0.86, 7, 2])
        #expect(reasons.compactMap { $0["threshold"] as? Double } == [0.8, 5, 2])
        let summary = try #require(first["inputs"] as? [String: Any])
        #expect(summary["communities"] as? Int == 3)
        let beds = try #require((summary["beds"] as? [[String: Any]])?.first)
        #expect(beds["hospitals"] as? Int == 2 && beds["occupied"] as? Int == 86 && beds["total"] as? Int == 100)
        let confirmed = try #require((summary["confirmed"] as? [[String: Any]])?.first)
        #expect(confirmed["reports"] as? Int == 3 && confirmed["cases"] as? Int == 12 && confirmed["onDay"] as? Int == 4)
        // What became of each action: nothing submitted without "submit"; call-ups are for people.
        let outcomes = try #require(first["actions"] as? [[String: Any]])
        #expect(outcomes.compactMap { $0["result"] as? String } == ["skipped", "skipped", "for-people", "skipped"])
        #expect(outcomes.compactMap { $0["reason"] as? String } == ["not-requested", "not-requested", "alert-not-ledger-shaped"])
        #expect((first["note"] as? String)?.contains("for people to carry out") == true)
        #expect(Self.written(first) == (1, 1))

        let activations = try await platform.call(.GET, "/plans/activations?scope=\(Self.street)&open=true", token: cdc).json()["items"] as? [[String: Any]]
        #expect(activations?.count == 1)
        let activation = try #require(activations?.first?["record"] as? [String: Any])
        #expect(activation["plan"] as? String == "s1-iv" && activation["open"] as? Bool == true)
        #expect((activation["reasons"] as? [[String: Any]])?.count == 3)
        let stored = try await platform.call(.GET, "/plans/events?scope=\(Self.street)&day=\(d)", token: cdc).json()["items"] as? [[String: Any]]
        #expect(stored?.count == 1)

        // The same day again issues nothing and writes nothing.
        let auditBefore = try await platform.store.auditEvents(after: 0, limit: 1000).count
        let versionBefore = try await platform.store.records(RecordQuery(kind: RecordKind("plan-activation"), scope: try JurisdictionPath("sz"))).items.map(\.version)
        let second = try await Self.evaluate(platform, cdc, d, inputs: inputs)
        #expect(Self.events(second).isEmpty && (second["actions"] as? [Any])?.isEmpty == true)
        #expect(Self.written(second) == (0, 0))
        #expect((second["activations"] as? [[String: Any]])?.count == 1)
        #expect(try await platform.store.auditEvents(after: 0, limit: 1000).count == auditBefore)
        let versionAfter = try await platform.store.records(RecordQuery(kind: RecordKind("plan-activation"), scope: try JurisdictionPath("sz"))).items.map(\.version)
        #expect(versionAfter == versionBefore)
        let events = try await platform.store.records(RecordQuery(kind: RecordKind("plan-event"), scope: try JurisdictionPath("sz"))).items
        #expect(events.count == 1)
        let log = try await platform.store.auditEvents(after: 0, limit: 1000)
        #expect(log.filter { $0.action == "plan.evaluate" }.count == 1)
        try await platform.stop()
    }

    @Test func anActivationEndsAfterItsConfiguredFalseDays() async throws {
        let platform = try await Platform.start()
        let cdc = try await platform.token("cdc.ft", .cdc, "sz/ft")
        let put = try await platform.call(.PUT, "/plans/beds", token: cdc, json: Self.plan("Beds", trigger: Self.occupancy, deactivateAfterDays: 3))
        #expect(put.status == 201, "\(put.text)")
        try await Self.beds(platform, "hosp-east", at: Self.street, occupied: 90, total: 100)
        let d = Self.day

        // Activated, with submit: this node has no ledger, so the stage proposal is skipped.
        let first = try await Self.evaluate(platform, cdc, d, submit: true)
        #expect(Self.events(first).map(\.kind) == ["activated"])
        let outcome = try #require((first["actions"] as? [[String: Any]])?.first)
        #expect(outcome["result"] as? String == "skipped" && outcome["reason"] as? String == "no-ledger", "\(outcome)")

        // The trigger is false from the next day: the activation stays open for 2 days, ends on the 3rd.
        try await Self.beds(platform, "hosp-east", at: Self.street, occupied: 50, total: 100)
        for offset in 1...2 {
            let answer = try await Self.evaluate(platform, cdc, d.addingDays(offset))
            #expect(Self.events(answer).isEmpty)
            let open = try #require((answer["activations"] as? [[String: Any]])?.first)
            #expect(open["lastHeldOn"] as? String == d.description && open["evaluatedOn"] as? String == d.addingDays(offset).description)
            #expect(Self.written(answer) == (0, 1))
        }
        let ended = try await Self.evaluate(platform, cdc, d.addingDays(3))
        #expect(Self.events(ended).map(\.kind) == ["deactivated"])
        #expect((ended["activations"] as? [Any])?.isEmpty == true)
        #expect((try await platform.call(.GET, "/plans/activations?open=true", token: cdc).json()["items"] as? [Any])?.isEmpty == true)
        let closed = try await platform.call(.GET, "/plans/activations?scope=\(Self.street)&open=false", token: cdc).json()["items"] as? [[String: Any]]
        let record = try #require(closed?.first?["record"] as? [String: Any])
        #expect(record["open"] as? Bool == false && record["endedOn"] as? String == d.addingDays(3).description)
        #expect((record["ending"] as? String)?.contains("trigger false for 3 days") == true, "\(record)")

        // The trigger holds again: a new activation.
        try await Self.beds(platform, "hosp-east", at: Self.street, occupied: 95, total: 100)
        let again = try await Self.evaluate(platform, cdc, d.addingDays(4))
        #expect(Self.events(again).map(\.kind) == ["activated"])
        let all = try await platform.call(.GET, "/plans/activations?scope=\(Self.street)", token: cdc).json()["items"] as? [[String: Any]]
        #expect(all?.compactMap { $0["id"] as? String } == ["beds@\(d)", "beds@\(d.addingDays(4))"])
        try await platform.stop()
    }

    @Test func aHigherLevelSupersedesALowerOneAndHandsBackWhenItEnds() async throws {
        let platform = try await Platform.start()
        try await Self.registerCommunities(platform)
        let cdc = try await platform.token("cdc.ft", .cdc, "sz/ft")
        let one: [String: Any] = ["kind": "alarms", "communities": 1, "days": 1]
        let two: [String: Any] = ["kind": "alarms", "communities": 2, "days": 1]
        let lower = Self.plan("C1 IV", level: "IV", scope: Platform.c1, trigger: one, actions: [["kind": "stage", "stage": "alert"]])
        let higher = Self.plan("Street II", level: "II", trigger: two, actions: [["kind": "stage", "stage": "response"]], deactivateAfterDays: 1)
        #expect(try await platform.call(.PUT, "/plans/c1-iv", token: cdc, json: lower).status == 201)
        #expect(try await platform.call(.PUT, "/plans/s1-ii", token: cdc, json: higher).status == 201)
        func alarms(_ communities: [String], on day: CivilDate) -> [String: Any] {
            ["days": communities.map { ["community": $0, "day": day.description, "alarms": ["ili"]] }]
        }
        let d = Self.day

        let d0 = try await Self.evaluate(platform, cdc, d, inputs: alarms([Platform.c1], on: d))
        #expect(Self.events(d0).map { "\($0.kind) \($0.plan)" } == ["activated c1-iv"])

        let d1 = try await Self.evaluate(platform, cdc, d.addingDays(1), inputs: alarms([Platform.c1, Platform.c2], on: d.addingDays(1)))
        #expect(Self.events(d1).map { "\($0.kind) \($0.plan)" } == ["activated s1-ii", "superseded c1-iv"])
        let superseded = try #require((d1["events"] as? [[String: Any]])?.last)
        #expect(superseded["supersededBy"] as? String == "s1-ii" && (superseded["actions"] as? [Any])?.isEmpty == true)
        let outcomes = try #require(d1["actions"] as? [[String: Any]])
        #expect(outcomes.count == 1 && (outcomes.first?["action"] as? [String: Any])?["stage"] as? String == "response")

        // While the street's plan is active, the community alone is not evaluated: that would
        // judge its plan without the one above it.
        let narrow = try await platform.call(
            .POST, "/plans/evaluate", token: cdc, json: ["day": d.addingDays(1).description, "scope": Platform.c1, "inputs": alarms([Platform.c1], on: d.addingDays(1))])
        #expect(narrow.status == 409 && narrow.problemCode == "evaluate-wider" && narrow.problemField == "scope", "\(narrow.text)")

        // The street's alarms stop: its plan ends and the community's is in effect again, with its actions.
        let d2 = try await Self.evaluate(platform, cdc, d.addingDays(2), inputs: alarms([Platform.c1], on: d.addingDays(2)))
        #expect(Self.events(d2).map { "\($0.kind) \($0.plan)" } == ["reinstated c1-iv", "deactivated s1-ii"])
        let reinstated = try #require(d2["actions"] as? [[String: Any]])
        #expect(reinstated.count == 1 && (reinstated.first?["action"] as? [String: Any])?["stage"] as? String == "alert")
        let open = try await platform.call(.GET, "/plans/activations?scope=sz/ft&open=true", token: cdc).json()["items"] as? [[String: Any]]
        #expect(open?.compactMap { ($0["record"] as? [String: Any])?["plan"] as? String } == ["c1-iv"])
        try await platform.stop()
    }

    // MARK: Bad input

    @Test func badInputIsRefusedNamingTheField() async throws {
        let platform = try await Platform.start()
        let cdc = try await platform.token("cdc.ft", .cdc, "sz/ft")
        func put(_ body: [String: Any]) async throws -> HTTP.Answer {
            try await platform.call(.PUT, "/plans/bad", token: cdc, json: body)
        }
        let nested: [String: Any] = ["kind": "any", "of": [Self.occupancy, ["kind": "cases", "atLeast": 5, "days": 0]]]
        let cases: [(String, [String: Any], Int)] = [
            ("trigger.of[1].days", Self.plan("Bad", trigger: nested), 422),
            ("actions[0].stage", Self.plan("Bad", trigger: Self.occupancy, actions: [["kind": "stage", "stage": "panic"]]), 422),
            ("level", Self.plan("Bad", level: "V", trigger: Self.occupancy), 422),
            ("scope", Self.plan("Bad", scope: "sz/ft/s1/c1/g1", trigger: Self.occupancy), 422),
            ("deactivateAfterDays", Self.plan("Bad", trigger: Self.occupancy, deactivateAfterDays: 0), 422),
            ("title", Self.plan(" ", trigger: Self.occupancy), 422),
        ]
        for (field, body, status) in cases {
            let answer = try await put(body)
            #expect(answer.status == status && answer.problemField == field, "\(field): \(answer.text)")
        }
        var unknown = Self.plan("Bad", trigger: Self.occupancy)
        unknown["activ"] = false
        #expect(try await put(unknown).problemField == "activ")
        #expect(try await platform.call(.PUT, "/plans/bad", token: cdc, body: Array("not json".utf8)).status == 400)
        #expect(try await platform.call(.PUT, "/plans/evaluate", token: cdc, json: Self.plan("X", trigger: Self.occupancy)).status != 201)

        func evaluate(_ body: [String: Any]) async throws -> HTTP.Answer {
            try await platform.call(.POST, "/plans/evaluate", token: cdc, json: body)
        }
        let d = Self.day.description
        let bodies: [(String, [String: Any])] = [
            ("day", ["scope": Self.street]),
            ("day", ["day": "2026-02-30", "scope": Self.street]),
            ("scope", ["day": d]),
            ("scope", ["day": d, "scope": "sz//ft"]),
            ("sumbit", ["day": d, "scope": Self.street, "sumbit": true]),
            ("submit", ["day": d, "scope": Self.street, "submit": "yes"]),
            ("inputs.days[0].riskLevel", ["day": d, "scope": Self.street, "inputs": ["days": [["community": Platform.c1, "day": d, "riskLevel": "extreme"]]]]),
            ("inputs.days[1].community", ["day": d, "scope": Self.street, "inputs": ["days": [["community": Platform.c1, "day": d], ["community": "sz/ft/s2/c9", "day": d]]]]),
            ("inputs.scopes[0].beds", ["day": d, "scope": Self.street, "inputs": ["scopes": [["scope": Self.street, "beds": [["day": d, "occupied": 1, "total": 2]]]]]]),
            ("inputs.scopes[0].rt[0].lower", ["day": d, "scope": Self.street, "inputs": ["scopes": [["scope": Self.street, "rt": [["day": d, "mean": 1.1, "lower": 1.5]]]]]]),
            ("inputs.communities[1]", ["day": d, "scope": Self.street, "inputs": ["communities": [Platform.c1, "sz/ft/s2/c9"]]]),
        ]
        for (field, body) in bodies {
            let answer = try await evaluate(body)
            #expect(answer.status == 422 && answer.problemField == field, "\(field): \(answer.text)")
        }
        // A day before the last evaluation of an open activation.
        #expect(try await put(Self.plan("Beds", trigger: Self.occupancy)).status == 201)
        try await Self.beds(platform, "hosp-east", at: Self.street, occupied: 90, total: 100)
        _ = try await Self.evaluate(platform, cdc, Self.day)
        let earlier = try await evaluate(["day": Self.day.addingDays(-1).description, "scope": Self.street])
        #expect(earlier.status == 422 && earlier.problemField == "day", "\(earlier.text)")
        // Query parameters.
        #expect(try await platform.call(.GET, "/plans/activations?open=maybe", token: cdc).problemField == "open")
        #expect(try await platform.call(.GET, "/plans?level=V", token: cdc).problemField == "level")
        #expect(try await platform.call(.GET, "/plans/events?day=yesterday", token: cdc).problemField == "day")
        // Outside the caller's jurisdiction.
        let outside = try await evaluate(["day": d, "scope": "sz/nx"])
        #expect(outside.status == 403 && outside.problemCode == "outside-jurisdiction")
        try await platform.stop()
    }

    // MARK: Role × endpoint × jurisdiction

    @Test func everyRoleReachesExactlyThePlanEndpointsItsPermissionsAllow() async throws {
        let platform = try await Platform.start()
        let admin = try await platform.token("admin.sz", .admin, "sz")
        for (id, scope) in [("seeded-here", Platform.c1), ("seeded-there", Platform.c2)] {
            #expect(try await platform.call(.PUT, "/plans/\(id)", token: admin, json: Self.plan(id, scope: scope, trigger: Self.occupancy)).status == 201)
        }
        let d = Self.day.description
        for role in Role.allCases {
            let token = try await platform.token("user.\(role.rawValue)", role, Platform.c1)
            // (name, permission, inside the caller's jurisdiction, method, path, body)
            let probes: [(String, Permission, Bool, HTTPMethod, String, [String: Any]?)] = [
                ("create a plan here", .managePlans, true, .PUT, "/plans/new-\(role.rawValue)", Self.plan("New", scope: Platform.c1, trigger: Self.occupancy)),
                ("create a plan there", .managePlans, false, .PUT, "/plans/there-\(role.rawValue)", Self.plan("There", scope: Platform.c2, trigger: Self.occupancy)),
                ("move a plan from there", .managePlans, false, .PUT, "/plans/seeded-there", Self.plan("Moved", scope: Platform.c1, trigger: Self.occupancy)),
                ("list plans here", .readPlans, true, .GET, "/plans?scope=\(Platform.c1)", nil),
                ("list plans there", .readPlans, false, .GET, "/plans?scope=\(Platform.c2)", nil),
                ("a plan here", .readPlans, true, .GET, "/plans/seeded-here", nil),
                ("a plan there", .readPlans, false, .GET, "/plans/seeded-there", nil),
                ("evaluate here", .managePlans, true, .POST, "/plans/evaluate", ["day": d, "scope": Platform.c1]),
                ("evaluate there", .managePlans, false, .POST, "/plans/evaluate", ["day": d, "scope": Platform.c2]),
                ("activations here", .readPlans, true, .GET, "/plans/activations?scope=\(Platform.c1)", nil),
                ("activations there", .readPlans, false, .GET, "/plans/activations?scope=\(Platform.c2)", nil),
                ("events here", .readPlans, true, .GET, "/plans/events?scope=\(Platform.c1)", nil),
                ("events there", .readPlans, false, .GET, "/plans/events?scope=\(Platform.c2)", nil),
            ]
            for (name, permission, inside, method, path, json) in probes {
                let answer = try await platform.call(method, path, token: token, json: json)
                if AccessPolicy.allows(role, permission) && inside {
                    #expect(answer.status != 403 && answer.status < 500, "\(role) may \(name): \(answer.status) \(answer.text)")
                } else {
                    #expect(answer.status == 403, "\(role) may not \(name): \(answer.status) \(answer.text)")
                }
            }
        }
        #expect(AccessPolicy.allows(.cdc, .managePlans) && AccessPolicy.allows(.community, .readPlans))
        #expect(!AccessPolicy.allows(.community, .managePlans) && !AccessPolicy.allows(.grid, .readPlans))
        try await platform.stop()
    }

    // MARK: The ledger

    @Test func aStageChangeBecomesAProposalOnTheNodesChain() async throws {
        var logger = Logger(label: "test.plans")
        logger.logLevel = .warning
        let store = InMemoryCommunityStore()
        let api = try await CommunityAPI.forNode(key: ChainFixture.key(for: "solo.node"), store: store, logger: logger)
        var chain = Chains.setup(try Chains.solo(), slug: "solo")
        chain.areaSecret = CaseLedgerTests.secret
        let node = try await RunningNode.start("solo.node", chains: [chain], store: InMemoryLedgerStore(), community: api)
        let platform = Platform(node: node, store: store, tokens: api.tokens)
        let cdc = try await platform.token("cdc.ft", .cdc, "sz/ft")
        let actions: [[String: Any]] = [
            ["kind": "stage", "stage": "response"], ["kind": "alert", "message": "Beds running out"],
            ["kind": "reallocation", "item": "n95", "from": "sz/ft/s2", "to": Self.street, "quantity": 500],
            ["kind": "broadcast", "text": "Open the second ward", "recipients": ["roles": ["hospital"], "residents": true]],
        ]
        #expect(try await platform.call(.PUT, "/plans/beds", token: cdc, json: Self.plan("Beds", trigger: Self.occupancy, actions: actions)).status == 201)
        try await Self.beds(platform, "hosp-east", at: Self.street, occupied: 90, total: 100)

        let answer = try await Self.evaluate(platform, cdc, Self.day, submit: true)
        let outcomes = try #require(answer["actions"] as? [[String: Any]])
        #expect(outcomes.compactMap { $0["result"] as? String } == ["submitted", "skipped", "for-people", "submitted"], "\(outcomes)")
        #expect(outcomes[1]["reason"] as? String == "alert-not-ledger-shaped")
        let entry = try #require(outcomes.first?["entry"] as? String)
        #expect(entry.count == 64)
        let orderEntry = try #require(outcomes.last?["entry"] as? String)

        // The broadcast is an order to every member, saying whom it is for.
        let ordered = try await eventually {
            let state = try await HTTP.get("\(node.url)/node/v1/chains/solo/state").json()
            return (state["orders"] as? [[String: Any]] ?? []).contains {
                $0["id"] as? String == orderEntry && ($0["text"] as? String)?.hasPrefix("Open the second ward\n\n(plan beds; for hospital, residents)") == true
            }
        }
        #expect(ordered)

        // The proposal is on the chain, with subject stage.
        let onChain = try await eventually {
            let state = try await HTTP.get("\(node.url)/node/v1/chains/solo/state").json()
            return (state["proposals"] as? [[String: Any]] ?? []).contains { $0["id"] as? String == entry && $0["subject"] as? String == "stage" }
        }
        #expect(onChain)
        // The event keeps what became of its actions.
        let events = try await platform.call(.GET, "/plans/events?scope=\(Self.street)", token: cdc).json()["items"] as? [[String: Any]]
        let stored = try #require((events?.first?["record"] as? [String: Any])?["outcomes"] as? [[String: Any]])
        #expect(stored.first?["entry"] as? String == entry)
        let log = try await store.auditEvents(after: 0, limit: 1000)
        #expect(log.contains { $0.action == "plan.submit" && $0.resource.hasSuffix(entry) })
        // Evaluating the day again submits nothing more.
        let again = try await Self.evaluate(platform, cdc, Self.day, submit: true)
        #expect((again["actions"] as? [Any])?.isEmpty == true)
        try await node.stop()
    }
}
