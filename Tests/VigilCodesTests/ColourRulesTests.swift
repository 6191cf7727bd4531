import Foundation
import Testing
import VigilCodes
import VigilCommunity
import VigilSurveillance

@Suite struct ColourRulesTests {
    static let today = CivilDate(year: 2022, month: 1, day: 10)

    static func status(
        group: PersonGroup = .susceptible, caseStatus: Case.Status? = nil, followUpUntil: CivilDate? = nil,
        quarantine: CodeSubjectStatus.ActiveQuarantine? = nil, visits: [Int] = [], missed: Int = 0
    ) throws -> CodeSubjectStatus {
        try CodeSubjectStatus(
            group: group, caseStatus: caseStatus, followUpUntil: followUpUntil, quarantine: quarantine, highRiskVisitDaysAgo: visits,
            consecutiveMissedCheckIns: missed, asOf: today)
    }

    static func quarantine(_ kind: Quarantine.Kind, daysLeft: Int = 5) -> CodeSubjectStatus.ActiveQuarantine {
        .init(kind: kind, until: today.addingDays(daysLeft))
    }

    struct Example: Sendable, CustomTestStringConvertible {
        let name: String
        let status: CodeSubjectStatus
        let colour: HealthColour
        let reasons: [String]
        var testDescription: String { name }
    }

    static let singleRules: [Example] = {
        func ex(_ name: String, _ s: CodeSubjectStatus, _ c: HealthColour, _ r: [String]) -> Example {
            Example(name: name, status: s, colour: c, reasons: r)
        }
        return try! [
            ex("nothing known", status(), .green, []),
            ex("confirmed case", status(caseStatus: .confirmed), .red, ["case-confirmed"]),
            ex("probable case", status(caseStatus: .probable), .red, ["case-probable"]),
            ex("suspect case", status(caseStatus: .suspect), .red, ["case-suspect"]),
            ex("ruled-out case", status(caseStatus: .ruledOut), .green, []),
            ex("confirmed group", status(group: .confirmed), .red, ["group-confirmed"]),
            ex("key group alone", status(group: .key), .green, []),
            ex("centralised quarantine", status(quarantine: quarantine(.centralised)), .red, ["quarantine-centralised"]),
            ex("hospital quarantine", status(quarantine: quarantine(.hospital)), .red, ["quarantine-hospital"]),
            ex("home quarantine", status(quarantine: quarantine(.home)), .yellow, ["quarantine-home"]),
            ex("home quarantine, last day", status(quarantine: quarantine(.home, daysLeft: 0)), .yellow, ["quarantine-home"]),
            ex("home quarantine, ended yesterday", status(quarantine: quarantine(.home, daysLeft: -1)), .green, []),
            ex("centralised quarantine, ended", status(quarantine: quarantine(.centralised, daysLeft: -3)), .green, []),
            ex("close contact under follow-up", status(followUpUntil: today.addingDays(3)), .yellow, ["close-contact"]),
            ex("close contact, follow-up's last day", status(followUpUntil: today), .yellow, ["close-contact"]),
            ex("close contact, follow-up over", status(followUpUntil: today.addingDays(-1)), .green, []),
            ex("high-risk visit today", status(visits: [0]), .yellow, ["high-risk-visit"]),
            ex("high-risk visit 13 days ago", status(visits: [13]), .yellow, ["high-risk-visit"]),
            ex("high-risk visit 14 days ago", status(visits: [14]), .green, []),
            ex("old and recent visits", status(visits: [20, 30, 2]), .yellow, ["high-risk-visit"]),
            ex("one missed check-in", status(missed: 1), .green, []),
            ex("two missed check-ins", status(missed: 2), .yellow, ["missed-check-ins"]),
            ex("five missed check-ins", status(missed: 5), .yellow, ["missed-check-ins"]),
        ]
    }()

    @Test("each default rule on its own", arguments: singleRules)
    func defaultRule(_ example: Example) {
        let decision = ColourRules.standard.evaluate(example.status)
        #expect(decision.colour == example.colour)
        #expect(decision.reasonCodes == example.reasons)
    }

    @Test func worstColourWinsAndEveryReasonIsListedWorstFirst() throws {
        let decision = ColourRules.standard.evaluate(
            try Self.status(group: .confirmed, caseStatus: .confirmed, quarantine: Self.quarantine(.hospital), visits: [3], missed: 4))
        #expect(decision.colour == .red)
        #expect(
            decision.reasonCodes == ["case-confirmed", "group-confirmed", "quarantine-hospital", "high-risk-visit", "missed-check-ins"])
        #expect(decision.reasons.map(\.colour) == [.red, .red, .red, .yellow, .yellow])
    }

    @Test func yellowReasonsAddUpWithoutChangingTheColour() throws {
        let decision = ColourRules.standard.evaluate(
            try Self.status(
                group: .key, followUpUntil: Self.today.addingDays(7), quarantine: Self.quarantine(.home), visits: [1], missed: 2))
        #expect(decision.colour == .yellow)
        #expect(decision.reasonCodes == ["quarantine-home", "close-contact", "high-risk-visit", "missed-check-ins"])
    }

    @Test func aYellowReasonIsListedUnderARedColour() throws {
        let decision = ColourRules.standard.evaluate(try Self.status(caseStatus: .suspect, missed: 2))
        #expect(decision.colour == .red)
        #expect(decision.reasonCodes == ["case-suspect", "missed-check-ins"])
    }

    @Test func reasonTextsCarryTheNumbers() throws {
        let decision = ColourRules.standard.evaluate(
            try Self.status(quarantine: Self.quarantine(.home, daysLeft: 4), visits: [9, 3], missed: 3))
        let texts = Dictionary(uniqueKeysWithValues: decision.reasons.map { ($0.code, $0.text) })
        #expect(texts["quarantine-home"] == "in home quarantine until 2022-01-14")
        #expect(texts["high-risk-visit"] == "visited a high-risk place 3 days ago")
        #expect(texts["missed-check-ins"] == "missed 3 daily check-ins in a row")
    }

    @Test func standardRulesAreTheDocumentedTable() {
        let rules = ColourRules.standard.rules
        #expect(rules.map(\.reason) == [
            "case-confirmed", "group-confirmed", "case-probable", "case-suspect", "quarantine-centralised", "quarantine-hospital",
            "quarantine-home", "close-contact", "high-risk-visit", "missed-check-ins",
        ])
        #expect(rules.map(\.colour) == [.red, .red, .red, .red, .red, .red, .yellow, .yellow, .yellow, .yellow])
        #expect(rules[8].condition == .highRiskVisit(withinDays: 14))
        #expect(rules[9].condition == .missedCheckIns(atLeast: 2))
    }

    // MARK: Configuration

    @Test func emptyConfigurationGivesTheStandardRules() throws {
        #expect(try ColourRules(json: Data("{}".utf8)) == .standard)
    }

    @Test func configurationRoundTrips() throws {
        let json = try ColourRules.standard.json()
        #expect(try ColourRules(json: json) == .standard)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains("\"highRiskVisitWithinDays\" : 14"))
        #expect(text.contains("\"case\" : \"confirmed\""))
    }

    @Test func configurationChangesWindowsThresholdsAndColours() throws {
        let json = """
            {"rules": [
              {"when": {"case": "confirmed"}, "colour": "red"},
              {"when": {"case": "suspect"}, "colour": "yellow", "reason": "suspect", "text": "being assessed"},
              {"when": {"quarantine": "home"}, "colour": "red"},
              {"when": {"highRiskVisitWithinDays": 7}, "colour": "yellow"},
              {"when": {"missedCheckInsAtLeast": 3}, "colour": "yellow"}
            ]}
            """
        let rules = try ColourRules(json: Data(json.utf8))

        let suspect = rules.evaluate(try Self.status(caseStatus: .suspect))
        #expect(suspect.colour == .yellow)
        #expect(suspect.reasons == [ColourReason(code: "suspect", text: "being assessed", colour: .yellow)])

        #expect(rules.evaluate(try Self.status(quarantine: Self.quarantine(.home))).colour == .red)
        #expect(rules.evaluate(try Self.status(visits: [6])).colour == .yellow)
        #expect(rules.evaluate(try Self.status(visits: [7])).colour == .green)
        #expect(rules.evaluate(try Self.status(missed: 2)).colour == .green)
        #expect(rules.evaluate(try Self.status(missed: 3)).reasonCodes == ["missed-check-ins"])
        // Conditions left out of the configuration no longer apply.
        #expect(rules.evaluate(try Self.status(caseStatus: .probable, followUpUntil: Self.today)).colour == .green)
        // The standard rules are unchanged.
        #expect(ColourRules.standard.evaluate(try Self.status(caseStatus: .suspect)).colour == .red)
    }

    @Test func rulesBuiltInCodeMatchTheirJSON() throws {
        let rules = try ColourRules(rules: [
            try ColourRule(when: .group(.key), colour: .yellow),
            try ColourRule(when: .missedCheckIns(atLeast: 1), colour: .red, reason: "no-check-in"),
        ])
        #expect(try ColourRules(json: try rules.json()) == rules)
        let decision = rules.evaluate(try Self.status(group: .key, missed: 1))
        #expect(decision.colour == .red)
        #expect(decision.reasonCodes == ["no-check-in", "group-key"])
    }

    struct BadConfig: Sendable, CustomTestStringConvertible {
        let json: String
        let field: String?
        var testDescription: String { json }
    }

    @Test(
        "bad configuration names the field",
        arguments: [
            BadConfig(json: #"{"rules": []}"#, field: "rules"),
            BadConfig(json: #"{"rules": [{"when": {"missedCheckInsAtLeast": 0}, "colour": "yellow"}]}"#,
                      field: "rules[0].when.missedCheckInsAtLeast"),
            BadConfig(json: #"{"rules": [{"when": {"case": "confirmed"}, "colour": "red"}, {"when": {"highRiskVisitWithinDays": 400}, "colour": "yellow"}]}"#,
                      field: "rules[1].when.highRiskVisitWithinDays"),
            BadConfig(json: #"{"rules": [{"when": {"case": "confirmed"}, "colour": "purple"}]}"#, field: "rules[0].colour"),
            BadConfig(json: #"{"rules": [{"when": {"case": "infected"}, "colour": "red"}]}"#, field: "rules[0].when.case"),
            BadConfig(json: #"{"rules": [{"when": {"group": "vip"}, "colour": "red"}]}"#, field: "rules[0].when.group"),
            BadConfig(json: #"{"rules": [{"when": {"quarantine": "hotel"}, "colour": "red"}]}"#, field: "rules[0].when.quarantine"),
            BadConfig(json: #"{"rules": [{"when": {"vaccinated": true}, "colour": "green"}]}"#, field: "rules[0].when.vaccinated"),
            BadConfig(json: #"{"rules": [{"when": {"case": "suspect", "group": "key"}, "colour": "red"}]}"#, field: "rules[0].when"),
            BadConfig(json: #"{"rules": [{"when": {}, "colour": "red"}]}"#, field: "rules[0].when"),
            BadConfig(json: #"{"rules": [{"when": {"closeContact": false}, "colour": "yellow"}]}"#, field: "rules[0].when.closeContact"),
            BadConfig(json: #"{"rules": [{"when": {"case": "suspect"}}]}"#, field: "rules[0].colour"),
            BadConfig(json: #"{"rules": [{"colour": "red"}]}"#, field: "rules[0].when"),
            BadConfig(json: #"{"rules": [{"when": {"highRiskVisitWithinDays": "14"}, "colour": "yellow"}]}"#,
                      field: "rules[0].when.highRiskVisitWithinDays"),
            BadConfig(json: #"{"rules": [{"when": {"case": "suspect"}, "colour": "red", "reason": "Suspect Case"}]}"#,
                      field: "rules[0].reason"),
            BadConfig(json: #"{"rules": [{"when": {"case": "suspect"}, "colour": "red", "text": ""}]}"#, field: "rules[0].text"),
            BadConfig(json: #"{"rules": [{"when": {"case": "suspect"}, "colour": "red", "reason": "x"}, {"when": {"case": "probable"}, "colour": "red", "reason": "x"}]}"#,
                      field: "rules[1].reason"),
            BadConfig(json: #"{"rules": {"when": {"case": "suspect"}}}"#, field: "rules"),
            BadConfig(json: #"{"rules": [ oops ]"#, field: nil),
        ])
    func badConfiguration(_ bad: BadConfig) {
        let error = #expect(throws: HealthCodeError(.invalidConfiguration)) { try ColourRules(json: Data(bad.json.utf8)) }
        #expect(error?.field == bad.field, "\(error.map(String.init(describing:)) ?? "")")
        #expect(error?.message.isEmpty == false)
    }

    @Test func badRuleBuiltInCodeIsRefused() {
        #expect(throws: HealthCodeError(.invalidConfiguration)) { try ColourRule(when: .highRiskVisit(withinDays: 0), colour: .yellow) }
        #expect(throws: HealthCodeError(.invalidConfiguration)) {
            try ColourRule(when: .caseStatus(.suspect), colour: .red, reason: "-suspect")
        }
        #expect(throws: HealthCodeError(.invalidConfiguration)) { try ColourRules(rules: []) }
    }

    // MARK: Status

    @Test func impossibleStatusIsRefused() {
        let missed = #expect(throws: HealthCodeError(.invalidStatus)) { try Self.status(missed: -1) }
        #expect(missed?.field == "consecutiveMissedCheckIns")
        let visit = #expect(throws: HealthCodeError(.invalidStatus)) { try Self.status(visits: [3, -2]) }
        #expect(visit?.field == "highRiskVisitDaysAgo")
    }

    @Test func statusDayFollowsTheLocalOffset() {
        // 2022-01-09 20:00 UTC is 2022-01-10 04:00 in China (UTC+8).
        let now: Int64 = 1_641_758_400
        #expect(CodeSubjectStatus.day(at: now) == CivilDate(year: 2022, month: 1, day: 9))
        #expect(CodeSubjectStatus.day(at: now, utcOffsetSeconds: 28_800) == CivilDate(year: 2022, month: 1, day: 10))
        #expect(CodeSubjectStatus.day(at: -1) == CivilDate(year: 1969, month: 12, day: 31))
    }

    @Test func statusRoundTripsThroughJSON() throws {
        let status = try Self.status(
            group: .key, caseStatus: .suspect, followUpUntil: Self.today, quarantine: Self.quarantine(.home), visits: [2, 5], missed: 1)
        let decoded = try JSONDecoder().decode(CodeSubjectStatus.self, from: try JSONEncoder().encode(status))
        #expect(decoded == status)
        let minimal = try JSONDecoder().decode(CodeSubjectStatus.self, from: Data(#"{"asOf": "2022-01-10"}"#.utf8))
        #expect(ColourRules.standard.evaluate(minimal).colour == .green)
    }

    @Test func activeQuarantineComesFromAnOrder() throws {
        let order = try Quarantine(
            person: "p1", kind: .home, location: .household(try JurisdictionPath("sz/ft/xl/c07/g3/b12/h0402")),
            from: Self.today.addingDays(-3), to: Self.today.addingDays(11), orderedBy: "staff1", method: .verbal)
        let decision = ColourRules.standard.evaluate(try Self.status(quarantine: .init(order)))
        #expect(decision.reasons == [ColourReason(code: "quarantine-home", text: "in home quarantine until 2022-01-21", colour: .yellow)])
    }
}
