import Foundation
import NIOHTTP1
import VigilCommunity
import VigilLedger
import VigilOutbreak
import VigilServer
import VigilSurveillance

/// The district's response in the city demo. Early-warning alarms (EARS C2 on each community's
/// confirmed cases) become `alert` proposals on the district chain. The district CDC keeps two
/// emergency plans on its node and evaluates them every day; when one activates, its stage
/// action becomes a stage proposal on the district chain, which the other members vote on. On
/// each change of stage the health commission (the chain's supervisor) broadcasts the stage's
/// orders, and the simulation obeys them: in the response stage markets and schools close and
/// contacts fall. After 14 days without a confirmed case the chain moves to recovery.
struct DemoResponse {
    /// Confirmed cases per day, per community (the daily reports' counts).
    var confirmed: [[Int]]
    /// Days (indices) with an EARS C2 alarm, per community.
    var alarmDays: [Set<Int>]
    /// The last day index an alert was proposed for each community.
    var lastAlert: [Int: Int] = [:]
    var alerts = 0
    /// The stage proposal awaiting its votes, if any.
    var pendingStage: (id: String, stage: Stage)?
    /// The stage whose orders went out last.
    var orderedStage = Stage.prevention
    var orders = 0
    var stageChanges: [(day: Int, stage: String)] = []
    var planEvents: [String] = []
    /// The district chain's stage as last read.
    var stage = Stage.prevention.rawValue

    init(communities: Int) {
        confirmed = [[Int]](repeating: [], count: communities)
        alarmDays = [Set<Int>](repeating: [], count: communities)
    }

    /// How much the response's orders cut venue contacts in the simulation.
    static let responseReduction = 0.6

    /// The district CDC's emergency plans (docs/plans.md): level IV, the alert stage, when a
    /// community has an alarm in a week or the week's confirmed cases reach 3; level II, the
    /// response stage, when two communities have alarms in a week or the week's cases reach 15.
    static func plans(district: String) -> [(id: String, plan: JSONValue)] {
        [
            (
                "district-ili-iv",
                [
                    "title": "Influenza-like illness cluster: alert", "eventType": "respiratory", "level": "IV", "scope": .string(district),
                    "trigger": [
                        "kind": "any",
                        "of": [["kind": "alarms", "communities": 1, "days": 7, "syndrome": "ili"], ["kind": "cases", "atLeast": 3, "days": 7]],
                    ],
                    "actions": [["kind": "stage", "stage": "alert"]],
                ]
            ),
            (
                "district-ili-ii",
                [
                    "title": "Influenza-like illness outbreak: district response", "eventType": "respiratory", "level": "II", "scope": .string(district),
                    "trigger": [
                        "kind": "any",
                        "of": [["kind": "alarms", "communities": 2, "days": 7, "syndrome": "ili"], ["kind": "cases", "atLeast": 15, "days": 7]],
                    ],
                    "actions": [["kind": "stage", "stage": "response"]],
                ]
            ),
        ]
    }
}

extension DemoRun {
    /// The CDC officer keeps the district's emergency plans on the CDC's node.
    func preparePlans() async throws {
        for (id, plan) in DemoResponse.plans(district: DemoCity.district) {
            guard case .object(var body) = plan else { continue }
            body["id"] = .string(id)
            try await officer.json(.PUT, "/plans/\(id)", json: .object(body))
        }
        say("   the district CDC's emergency plans: level IV (alert stage) and level II (response stage)")
    }

    /// The day's alarms, plan evaluation, stage votes and orders, after the daily reports.
    mutating func respond(_ counts: [DailyReport.Counts], dayIndex: Int, date: CivilDate) async throws {
        let cdc = DemoCity.cdc
        for (i, count) in counts.enumerated() { response.confirmed[i].append(count.newConfirmed) }

        // EARS C2 on each community's confirmed cases: today's alarm is proposed as an alert
        // (at most one a week per community).
        for i in demo.communities.indices {
            let series = response.confirmed[i]
            guard let today = Situation.alarms(series, minimumSigma: 1)[series.count - 1], today.alarm else { continue }
            response.alarmDays[i].insert(dayIndex)
            guard response.lastAlert[i].map({ dayIndex - $0 >= 7 }) ?? true else { continue }
            let observed = series[series.count - 1]
            let data: JSONValue = [
                "community": .string(demo.communityPath(i)), "syndrome": "ili", "method": "ears-c2", "date": .string(date.description),
                "observed": .number(Double(observed)), "upperboundMilli": .number((today.threshold * 1000).rounded()),
            ]
            _ = try await propose(.alert, data, by: cdc)
            response.lastAlert[i] = dayIndex
            response.alerts += 1
            say("   alarm: EARS C2 in \(demo.communities[i].name) (\(observed) confirmed, threshold \(String(format: "%.1f", today.threshold))): the CDC proposes an alert on the district chain")
        }

        var state = try await network.client(cdc).state(slug: DemoCity.districtSlug)
        try await voteOnDistrictProposals(state)
        state = try await network.client(cdc).state(slug: DemoCity.districtSlug)
        response.stage = state.stage
        if let pending = response.pendingStage, let proposal = state.proposals.first(where: { $0.id == pending.id }), proposal.status != "pending" {
            response.pendingStage = nil
            if proposal.status == "accepted" { response.stageChanges.append((dayIndex, state.stage)) }
        }

        // The plans, on the alarms of the last two weeks; an activated plan's stage action
        // becomes the CDC's stage proposal.
        let days: [JSONValue] = demo.communities.indices.flatMap { i in
            response.alarmDays[i].filter { dayIndex - $0 < 14 }.sorted().map { d -> JSONValue in
                ["community": .string(demo.communityPath(i)), "day": .string(start.addingDays(d).description), "alarms": ["ili"]]
            }
        }
        let evaluation = try await officer.json(
            .POST, "/plans/evaluate", json: ["day": .string(date.description), "scope": .string(DemoCity.district), "inputs": ["days": .array(days)]])
        var target: Stage?
        for event in evaluation["events"]?.arrayValue ?? [] {
            let kind = event["kind"]?.stringValue ?? "", plan = event["plan"]?.stringValue ?? ""
            response.planEvents.append("\(kind) \(plan) on day \(dayIndex + 1)")
            say("   emergency plan \(plan): \(kind)")
            guard kind == "activated" || kind == "reinstated" else { continue }
            for action in event["actions"]?.arrayValue ?? [] where action["kind"]?.stringValue == "stage" {
                target = action["stage"]?.stringValue.flatMap(Stage.init(rawValue:))
            }
        }
        // Recovery: two weeks without a confirmed case after the response.
        let fortnight = response.confirmed.map { $0.suffix(14).reduce(0, +) }.reduce(0, +)
        if target == nil, state.stage == Stage.response.rawValue || state.stage == Stage.alert.rawValue, fortnight == 0, dayIndex >= 14 {
            target = .recovery
        }
        if let target, target.rawValue != state.stage, response.pendingStage?.stage != target {
            response.pendingStage = (try await propose(.stage, ["stage": .string(target.rawValue)], by: cdc), target)
            say("   the CDC proposes the \(target.rawValue) stage on the district chain")
        }
        let stage = Stage(rawValue: state.stage) ?? .prevention
        if stage != response.orderedStage { try await broadcastOrders(for: stage) }
    }

    /// Votes of the district's other members on the CDC's alerts and stage proposals, and of
    /// the police and transport on the reports relayed from the community chains.
    mutating func voteOnDistrictProposals(_ state: ChainSummary) async throws {
        for proposal in state.proposals where proposal.status == "pending" {
            let voters = proposal.relayedFrom != nil ? ["police.district", "transport.district"] : ["health.commission", "police.district", "transport.district"]
            for voter in voters where !proposal.approvers.contains(voter) && !proposal.rejecters.contains(voter) && voter != proposal.author {
                try await submit(.vote, by: voter, slug: DemoCity.districtSlug, origin: DemoCity.districtOrigin, body: ["proposal": .string(proposal.id), "approve": true])
            }
        }
        totals.relayed = state.proposals.filter { $0.relayedFrom != nil }.count
    }

    /// The health commission (the district chain's supervisor) broadcasts the orders of the
    /// stage the chain has entered; every member's cosignature of a later checkpoint is its
    /// receipt. The simulation obeys them.
    mutating func broadcastOrders(for stage: Stage) async throws {
        let leavingResponse = response.orderedStage == .response
        var texts: [String] = []
        switch stage {
        case .prevention:
            break
        case .alert:
            texts = ["Alert stage: every checkpoint checks health codes; clinics report every influenza-like illness the same day."]
            if leavingResponse { texts.append("Back to the alert stage: markets and schools reopen; gatherings stay limited.") }
        case .response:
            texts = [
                "Response stage: wet markets and schools close in every community until further notice.",
                "Response stage: gatherings are banned and workplaces run at reduced capacity; residents keep contacts to their household.",
                "Response stage: close contacts go into home quarantine within 24 hours; volunteers deliver to quarantined vulnerable residents.",
            ]
            simulation.closeVenues(kind: .market, in: nil)
            simulation.closeVenues(kind: .school, in: nil)
            simulation.setContactReduction(DemoResponse.responseReduction, community: nil)
        case .recovery:
            texts = ["Recovery stage: markets and schools reopen; health-code checks continue at checkpoints for 14 days."]
        }
        if leavingResponse && stage != .response {
            simulation.reopenVenues(kind: .market, in: nil)
            simulation.reopenVenues(kind: .school, in: nil)
            simulation.setContactReduction(0, community: nil)
        }
        for text in texts {
            try await submit(.order, by: "health.commission", slug: DemoCity.districtSlug, origin: DemoCity.districtOrigin, body: ["to": ["all"], "text": .string(text)])
            response.orders += 1
        }
        response.orderedStage = stage
        if !texts.isEmpty {
            say("   the health commission broadcasts \(texts.count) order\(texts.count == 1 ? "" : "s") of the \(stage.rawValue) stage on the district chain")
        }
    }

    /// Signs a proposal by `author` on the district chain and answers its id.
    func propose(_ subject: Subject, _ data: JSONValue, by author: String) async throws -> String {
        let body: JSONValue = ["subject": .string(subject.rawValue), "data": data]
        let entry = try Entry.sign(chain: DemoCity.districtOrigin, kind: .proposal, author: try key(author), time: Int64(Date().timeIntervalSince1970), body: body)
        try await network.client(author).submit(entry, slug: DemoCity.districtSlug)
        return entry.hash.hex
    }
}
