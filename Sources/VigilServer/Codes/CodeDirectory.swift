import Crypto
import Foundation
import VigilCodes
import VigilCommunity
import VigilStore
import VigilSurveillance

/// What the health-code endpoints know about the node's persons, in memory: each person's
/// household, pseudonym and colour with its reasons. Issuing a code reads only this (no store
/// read), so a slow store delays fresh colours but never stops issuance (DESIGN §6); a scan
/// maps a pseudonym back to the person through it.
///
/// It is rebuilt from the store in the background (``CodeService``): every person in the scope
/// is green unless their records say otherwise — an open case, a follow-up plan in force, a
/// quarantine, a visit to a high-risk place, missed check-ins.
final class CodeDirectory: Sendable {
    struct Entry: Sendable {
        var household: JurisdictionPath
        var subject: Pseudonym
        var decision: ColourDecision
    }

    /// By person id.
    let entries: [String: Entry]
    /// Person id by pseudonym.
    let persons: [String: String]
    /// When it was built (Unix seconds) and for which day.
    let builtAt: Int64
    let day: CivilDate
    /// Persons by colour.
    let counts: [HealthColour: Int]

    init(entries: [String: Entry], builtAt: Int64, day: CivilDate) {
        self.entries = entries
        var persons: [String: String] = [:]
        persons.reserveCapacity(entries.count)
        var counts: [HealthColour: Int] = [:]
        for (id, entry) in entries {
            persons[entry.subject.value] = id
            counts[entry.decision.colour, default: 0] += 1
        }
        self.persons = persons
        self.builtAt = builtAt
        self.day = day
        self.counts = counts
    }

    static let empty = CodeDirectory(entries: [:], builtAt: 0, day: CivilDate(daysSinceEpoch: 0))

    /// How far back visits to high-risk places and missed check-ins are looked for: the widest
    /// window the rules ask about, at least 14 days.
    static func lookbackDays(_ rules: ColourRules) -> Int {
        rules.rules.reduce(14) { days, rule in
            switch rule.condition {
            case .highRiskVisit(let within): max(days, within)
            case .missedCheckIns(let atLeast): max(days, atLeast + 1)
            default: days
            }
        }
    }

    /// Builds the directory of `scope` from `store` as of `now`.
    static func build(
        store: any CommunityStore, scope: JurisdictionPath, rules: ColourRules, subjectKey: SymmetricKey, now: Int64,
        utcOffsetSeconds: Int
    ) async throws -> CodeDirectory {
        let today = CodeSubjectStatus.day(at: now, utcOffsetSeconds: utcOffsetSeconds)
        let lookbackDays = Self.lookbackDays(rules)
        let persons = try await store.allPersons(in: scope)
        var statuses: [String: CodeSubjectStatus] = [:]
        func status(_ person: String) throws -> CodeSubjectStatus {
            if let known = statuses[person] { return known }
            return try CodeSubjectStatus(asOf: today)
        }

        for record in try await store.allRecords(.case, in: scope) {
            guard let item = try? JSONDecoder().decode(Case.self, from: Data(record.draft.body)), item.status != .ruledOut else { continue }
            var s = try status(item.person)
            if s.caseStatus == nil || Self.severity(item.status) > Self.severity(s.caseStatus!) { s.caseStatus = item.status }
            statuses[item.person] = s
        }
        var plans: [FollowUpPlan] = []
        for record in try await store.allRecords(.followUpPlan, in: scope) {
            guard let plan = try? JSONDecoder().decode(FollowUpPlan.self, from: Data(record.draft.body)) else { continue }
            plans.append(plan)
            guard plan.start <= today, today <= plan.end else { continue }
            var s = try status(plan.person)
            s.followUpUntil = max(s.followUpUntil ?? plan.end, plan.end)
            statuses[plan.person] = s
        }
        for record in try await store.allRecords(.quarantine, in: scope) {
            guard let order = try? JSONDecoder().decode(Quarantine.self, from: Data(record.draft.body)),
                order.from <= today, today <= order.to
            else { continue }
            var s = try status(order.person)
            // The stricter kind wins (hospital or centralised over home).
            if s.quarantine == nil || order.kind != .home { s.quarantine = .init(order) }
            statuses[order.person] = s
        }
        // Consecutive days, ending yesterday, on which a person under follow-up missed check-ins.
        if !plans.isEmpty {
            let since = now - Int64(lookbackDays + 1) * 86_400
            let checkIns = try await store.allRecords(.checkIn, in: scope).compactMap { try? JSONDecoder().decode(CheckIn.self, from: Data($0.draft.body)) }
                .filter { $0.time >= since }
            var streak: [String: Int] = [:]
            var stillMissing: Set<String>?
            for back in 1...lookbackDays {
                let day = today.addingDays(-back)
                let missing = Set(
                    try FollowUpPlan.missingCheckIns(
                        plans: plans, checkIns: checkIns, on: day, timeZoneOffsetSeconds: Int64(utcOffsetSeconds)
                    ).map(\.person))
                let counted = stillMissing.map { missing.intersection($0) } ?? missing
                if counted.isEmpty { break }
                for person in counted { streak[person, default: 0] += 1 }
                stillMissing = counted
            }
            for (person, days) in streak {
                var s = try status(person)
                s.consecutiveMissedCheckIns = days
                statuses[person] = s
            }
        }
        // Visits to places flagged high-risk, within the look-back window.
        let windowStart = now - Int64(lookbackDays) * 86_400
        let flagged = try await store.allRecords(.riskPlace, in: scope).compactMap { try? JSONDecoder().decode(RiskPlace.self, from: Data($0.draft.body)) }
        let queries = try flagged.compactMap { place -> VisitQuery? in
            let from = max(place.from, windowStart)
            let to = min(place.to, now)
            guard from <= to else { return nil }
            return VisitQuery(place: try PlaceID(place.place), range: from...to)
        }
        if !queries.isEmpty {
            for visits in try await store.visits(at: queries, openDuration: Visit.defaultOpenDuration) {
                for visit in visits where visit.timeIn >= windowStart - 30 * 86_400 {  // no absurd times reach the day arithmetic
                    let day = CodeSubjectStatus.day(at: visit.timeIn, utcOffsetSeconds: utcOffsetSeconds)
                    var s = try status(visit.person)
                    s.highRiskVisitDaysAgo.append(max(0, today.daysSinceEpoch - day.daysSinceEpoch))
                    statuses[visit.person] = s
                }
            }
        }

        let green = rules.evaluate(try CodeSubjectStatus(asOf: today))
        var entries: [String: Entry] = [:]
        entries.reserveCapacity(persons.count)
        for person in persons {
            let id = person.id.rawValue
            var decision = green
            if person.group != .susceptible || statuses[id] != nil {
                var s = try status(id)
                s.group = person.group
                decision = rules.evaluate(s)
            }
            entries[id] = Entry(
                household: person.household, subject: Pseudonym.derived(from: id, areaSecret: subjectKey), decision: decision)
        }
        return CodeDirectory(entries: entries, builtAt: now, day: today)
    }

    private static func severity(_ status: Case.Status) -> Int {
        switch status {
        case .ruledOut: 0
        case .suspect: 1
        case .probable: 2
        case .confirmed: 3
        }
    }

}

/// A place flagged high-risk from `from` to `to` (Unix seconds): a visit in that time turns a
/// code yellow for the look-back window (DESIGN §6: "recent risk-area visits").
struct RiskPlace: Codable, Sendable, Hashable {
    var place: String
    var from: Int64
    var to: Int64
    var reason: String
}

extension RecordKind {
    /// A ``RiskPlace``; id = the place.
    static let riskPlace = RecordKind("risk-place")
}
