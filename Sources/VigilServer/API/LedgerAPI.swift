import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import VigilCommunity
import VigilLedger
import VigilStore
import VigilSurveillance

// The community platform and the ledger (docs/api.md, "Cases on the ledger"): a clinic's
// suspected case becomes a `suspected-case` proposal on the node's chain, carrying a pseudonym
// and a commitment, never personal data; other nodes list the open proposals with what their
// own records say about the pseudonym and vote; a hospital's confirmation or ruling out becomes
// an `outcome`; a case shows its ledger status and an offline proof.

extension RecordKind {
    /// What this node reported to the chain about one of its cases (id: the case's id). It
    /// keeps the commitment's salt, which never leaves the node.
    static let ledgerReport = RecordKind("ledger-report")
}

/// A case reported to the chain, as the reporting node keeps it.
struct LedgerReport: Codable {
    var chain: String
    /// The `proposal` entry's hash, hex.
    var entry: String
    var pseudonym: String
    var commitment: String
    /// The salt of the commitment (hex): with it the node can show which record it reported.
    var salt: String
    var syndrome: String
    var community: String
    var onset: String
    var ageBand: String
    var reportedBy: String
    var at: Int64
    /// Why the chain did not take the entry, if it did not; the case may then be reported again.
    var refusal: String?
}

extension CommunityAPI {
    static let ledgerRoutes: [APIRoute] = [
        APIRoute(
            method: .post, path: "/cases/{id}/report", permission: .reportCases,
            summary: "Report the case to the node's chain as a suspected-case proposal: a pseudonym and a commitment, no personal data ({\"syndrome\"}, default ili)",
            body: "application/json", success: [202]
        ) { api, request, context, caller in try await api.reportCase(request, context, caller) },
        APIRoute(
            method: .get, path: "/cases/{id}/ledger", permission: .readCases,
            summary: "The case on the chain: this node's report, every suspected-case proposal about the same pseudonym with votes, status and outcome, and a C2SP tlog-proof of each committed one",
            audited: true
        ) { api, _, context, caller in try await api.caseLedger(context, caller) },
        APIRoute(
            method: .post, path: "/cases/{id}/outcome", permission: .classifyCases,
            summary: "Record the case's confirmation or ruling out as the outcome of the accepted reports about the same person (classification does it too)",
            success: [200]
        ) { api, _, context, caller in try await api.recordOutcomes(context, caller) },
        APIRoute(
            method: .get, path: "/ledger/proposals", permission: .readCases,
            summary: "The chain's suspected-case proposals with what this node's records in the caller's jurisdiction say about each pseudonym",
            query: [("status", "open (default), accepted, rejected, vetoed, expired or all")], audited: true
        ) { api, request, _, caller in try await api.listProposals(request, caller) },
        APIRoute(
            method: .post, path: "/ledger/proposals/{id}/vote", permission: .voteLedger,
            summary: "Vote on an open proposal on behalf of this node: {\"approve\", \"reason\"}", body: "application/json", success: [202]
        ) { api, request, context, caller in try await api.vote(request, context, caller) },
        APIRoute(
            method: .post, path: "/ledger/proposals/{id}/veto", permission: .voteLedger,
            summary: "Veto an open proposal (the node must be the chain's supervisor): {\"reason\"}", body: "application/json", success: [202]
        ) { api, request, context, caller in try await api.veto(request, context, caller) },
    ]

    /// The node's chain for case reports, or 503 when the node has none.
    func caseLedger() throws -> CaseLedger {
        guard let ledger else {
            throw Problem(.serviceUnavailable, "no-ledger", "this node reports cases to no chain (give one chain an areaSecretFile in its configuration)")
        }
        return ledger
    }

    // MARK: Reporting

    func reportCase(_ request: Request, _ context: some RequestContext, _ caller: Caller) async throws -> Response {
        try caller.require(.reportCases)
        let ledger = try caseLedger()
        let body = try await Self.decodeIfPresent(ReportBody.self, request) ?? ReportBody()
        let (current, stored) = try await load(Case.self, .case, id: context.parameters.get("id") ?? "", caller, .reportCases)
        guard current.status == .suspect || current.status == .probable || current.status == .confirmed else {
            throw Problem(.conflict, "invalid-transition", "a case that is \(current.status) is not reported")
        }
        guard let person = try await store.person(try PersonID(current.person)) else {
            throw Problem(.conflict, "merged", "the case's person file was merged: open the case on the surviving file")
        }
        guard let nationalID = person.nationalID else {
            throw Problem(.unprocessableContent, "invalid-field", "the person has no national id, which the pseudonym is made from").with(field: "nationalID")
        }
        let existing = try await store.record(.ledgerReport, id: stored.draft.id)
        if let existing, let report = try? JSONDecoder().decode(LedgerReport.self, from: Data(existing.draft.body)), report.refusal == nil {
            throw Problem(.conflict, "already-reported", "the case was reported as entry \(report.entry) on \(report.chain)")
        }
        let now = clock()
        let onset = current.onset ?? CivilDate(daysSinceEpoch: Int(now / 86_400))
        guard let birth = person.birthDate ?? NationalID.birthDate(in: nationalID) else {
            throw Problem(.unprocessableContent, "invalid-field", "the person has no birth date for the age band").with(field: "birthDate")
        }
        guard let community = person.household.ancestor(at: .community)?.description.lowercased() else {
            throw Problem(.unprocessableContent, "invalid-field", "the person's household is above community level").with(field: "household")
        }
        var salt = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for i in salt.indices { salt[i] = UInt8.random(in: 0...255, using: &generator) }
        let record = Array("vigil-case-report/v1\n\(current.id)\n\(person.id)\n\(nationalID)\n\(onset)\n".utf8)
        let report = SuspectedCaseFields(
            pseudonym: ledger.pseudonym(nationalID: nationalID), commitment: Privacy.commitment(salt: salt, record: record),
            syndrome: body.syndrome ?? "ili", community: community, onset: onset.description, ageBand: Self.ageBand(born: birth, on: onset))
        let signed: (entry: Entry, refusals: [String])
        do {
            signed = try await ledger.submit(.proposal, body: report.proposalBody, time: now)
        } catch let error as LedgerError {
            // The body broke a rule of the chain's schema (say, a syndrome with capitals).
            throw Problem(.unprocessableContent, "invalid-field", error.message).with(field: "syndrome")
        } catch let error as CaseLedger.Unavailable {
            throw Problem(.serviceUnavailable, "ledger-unavailable", "the chain cannot take entries now: \(error.description)", headers: [.retryAfter: "5"])
        }
        let kept = LedgerReport(
            chain: signed.entry.chain, entry: signed.entry.hash.hex, pseudonym: report.pseudonym.hex, commitment: report.commitment.hex,
            salt: salt.map { String(format: "%02x", $0) }.joined(), syndrome: report.syndrome, community: report.community, onset: report.onset,
            ageBand: report.ageBand, reportedBy: caller.name, at: now, refusal: signed.refusals.isEmpty ? nil : signed.refusals.joined(separator: "; "))
        let draft = RecordDraft(
            kind: .ledgerReport, id: stored.draft.id, jurisdiction: stored.draft.jurisdiction, person: current.person, body: try Self.encode(kept), time: now)
        if let existing {
            _ = try await store.updateRecord(draft, expectedVersion: existing.version)
        } else {
            _ = try await store.insertRecord(draft)
        }
        try await audit(caller, "case.report", "case/\(current.id)->\(signed.entry.hash.hex)")
        if let refusal = kept.refusal {
            throw Problem(.conflict, "ledger-refused", "the chain refused the report: \(refusal)")
        }
        let status = try await ledger.status(of: signed.entry.hash)
        return try Self.json(
            ReportAnswer(case: current.id.rawValue, chain: kept.chain, entry: kept.entry, status: EntryStatusBody(status)), status: .accepted,
            headers: [.location: "\(Self.prefix)/cases/\(current.id)/ledger"])
    }

    /// The age band of someone born on `born` at `day`: `0-9`, `10-19`, ..., `70-79`, `80+`.
    static func ageBand(born: CivilDate, on day: CivilDate) -> String {
        var age = day.year - born.year
        if (day.month, day.day) < (born.month, born.day) { age -= 1 }
        let decade = max(0, age) / 10 * 10
        return decade >= 80 ? "80+" : "\(decade)-\(decade + 9)"
    }

    // MARK: A case on the ledger

    func caseLedger(_ context: some RequestContext, _ caller: Caller) async throws -> Response {
        try caller.require(.readCases)
        let ledger = try caseLedger()
        let (current, stored) = try await load(Case.self, .case, id: context.parameters.get("id") ?? "", caller, .readCases)
        let state = try await ledger.committedState()
        var answer = CaseLedgerBody(case: current.id.rawValue, chain: state.origin, committedSize: state.size)
        if let kept = try await store.record(.ledgerReport, id: stored.draft.id) {
            let report = try JSONDecoder().decode(LedgerReport.self, from: Data(kept.draft.body))
            answer.report = ReportStatusBody(
                entry: report.entry, syndrome: report.syndrome, onset: report.onset, ageBand: report.ageBand, reportedBy: report.reportedBy, at: report.at,
                refusal: report.refusal, status: EntryStatusBody(try await ledger.status(of: try Hash(hex: report.entry))))
            answer.pseudonym = report.pseudonym
        }
        if let person = try await store.person(try PersonID(current.person)), let nationalID = person.nationalID {
            answer.pseudonym = ledger.pseudonym(nationalID: nationalID).hex
        }
        if let pseudonym = answer.pseudonym {
            for proposal in Self.reports(in: state, about: pseudonym) {
                answer.proposals.append(try await proposalBody(proposal, in: state, ledger: ledger, withProof: true))
            }
        }
        try await audit(caller, "case.ledger", "case/\(current.id)")
        return try Self.json(answer)
    }

    /// The suspected-case proposals of `state` about `pseudonym` (hex), in chain order.
    static func reports(in state: ChainState, about pseudonym: String) -> [Proposal] {
        state.proposalOrder.compactMap { state.proposals[$0] }.filter { proposal in
            if case .suspectedCase(let report) = proposal.payload { return report.pseudonym.hex == pseudonym }
            return false
        }
    }

    func proposalBody(_ proposal: Proposal, in state: ChainState, ledger: CaseLedger, withProof: Bool) async throws -> ProposalBody {
        var body = ProposalBody(proposal, node: ledger.author)
        if withProof, let proof = try await ledger.proof(of: proposal.id) {
            body.proof = proof.formatted
        }
        return body
    }

    // MARK: Outcomes

    func recordOutcomes(_ context: some RequestContext, _ caller: Caller) async throws -> Response {
        try caller.require(.classifyCases)
        let (current, _) = try await load(Case.self, .case, id: context.parameters.get("id") ?? "", caller, .classifyCases)
        return try Self.json(OutcomesBody(outcomes: try await submitOutcomes(for: current, caller: caller)))
    }

    /// Records `current`'s classification, when it is confirmed or ruled out, as the outcome of
    /// every accepted suspected-case report about the same person that has none yet and that
    /// another node made (the chain does not let a reporter judge its own report). Reports not
    /// accepted yet are listed with the reason they were skipped.
    func submitOutcomes(for current: Case, caller: Caller) async throws -> [OutcomeBody] {
        let result: Outcome
        switch current.status {
        case .confirmed: result = .confirmed
        case .ruledOut: result = .ruledOut
        default: throw Problem(.conflict, "invalid-transition", "the case is \(current.status): only confirmed or ruled out is an outcome")
        }
        let ledger = try caseLedger()
        guard let person = try await store.person(try PersonID(current.person)), let nationalID = person.nationalID else { return [] }
        let state = try await ledger.committedState()
        var outcomes: [OutcomeBody] = []
        for proposal in Self.reports(in: state, about: ledger.pseudonym(nationalID: nationalID).hex) {
            var outcome = OutcomeBody(proposal: proposal.id.hex, result: result.rawValue)
            if proposal.author == ledger.author {
                outcome.skipped = "this node made the report"
            } else if let recorded = proposal.outcome {
                outcome.skipped = "the report's outcome is \(recorded.rawValue) already"
            } else if proposal.status != .accepted {
                outcome.skipped = "the report is \(proposal.status.name), not accepted"
            } else {
                let body: JSONValue = .object(["proposal": .string(proposal.id.hex), "result": .string(result.rawValue)])
                do {
                    let (entry, refusals) = try await ledger.submit(.outcome, body: body, time: clock())
                    outcome.entry = entry.hash.hex
                    outcome.refusal = refusals.isEmpty ? nil : refusals.joined(separator: "; ")
                    try await audit(caller, "case.outcome", "case/\(current.id)->\(entry.hash.hex)")
                } catch let error as CaseLedger.Unavailable {
                    outcome.refusal = "the chain cannot take entries now: \(error.description)"
                }
            }
            outcomes.append(outcome)
        }
        return outcomes
    }

    // MARK: Voting

    func listProposals(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.readCases)
        let ledger = try caseLedger()
        let wanted = request.uri.queryParameters["status"].map(String.init) ?? "open"
        let statuses = ["open", "pending", "accepted", "rejected", "vetoed", "expired", "all"]
        guard statuses.contains(wanted) else {
            throw Problem(.badRequest, "bad-parameter", "status must be one of \(statuses.joined(separator: ", "))").with(field: "status")
        }
        let state = try await ledger.committedState()
        let proposals = state.proposalOrder.compactMap { state.proposals[$0] }.filter { proposal in
            guard proposal.subject == .suspectedCase else { return false }
            switch wanted {
            case "all": return true
            case "open": return proposal.status == .pending && proposal.deadline > state.clock
            default: return proposal.status.name == wanted
            }
        }
        let evidence = proposals.isEmpty ? [:] : try await evidenceByPseudonym(in: caller.scope, ledger: ledger)
        var items: [ProposalBody] = []
        for proposal in proposals {
            var body = try await proposalBody(proposal, in: state, ledger: ledger, withProof: false)
            if case .suspectedCase(let report) = proposal.payload { body.evidence = evidence[report.pseudonym.hex] ?? [] }
            items.append(body)
        }
        let matched = items.reduce(0) { $0 + $1.evidence.count }
        try await audit(caller, "ledger.proposals", "proposals?status=\(wanted)&count=\(items.count)&matched=\(matched)")
        return try Self.json(ProposalsBody(chain: state.origin, node: ledger.author, items: items))
    }

    /// What the node's records in `scope` say about each pseudonym: every person with a case, a
    /// close-contact record, a referral or a quarantine there, keyed by the pseudonym of their
    /// national id, with those records. These are the persons a report can be about that this
    /// node knows anything of; the registry at large is not scanned.
    func evidenceByPseudonym(in scope: JurisdictionPath, ledger: CaseLedger) async throws -> [String: [EvidenceBody]] {
        var recordsByPerson: [PersonKey: [EvidenceRecord]] = [:]
        for kind in [RecordKind.case, .closeContact, .referral, .quarantine] {
            var after: String?
            repeat {
                let page = try await store.records(RecordQuery(kind: kind, scope: scope, after: after, limit: 1000))
                for item in page.items {
                    guard let person = item.draft.person else { continue }
                    recordsByPerson[person, default: []].append(EvidenceRecord(item))
                }
                after = page.next
            } while after != nil
        }
        var evidence: [String: [EvidenceBody]] = [:]
        let found = try await persons(recordsByPerson.keys)
        for key in recordsByPerson.keys.sorted() {
            guard let person = found[key], let nationalID = person.nationalID else { continue }
            let pseudonym = ledger.pseudonym(nationalID: nationalID).hex
            evidence[pseudonym, default: []].append(
                EvidenceBody(person: person.id.rawValue, name: person.name, household: person.household.description, records: recordsByPerson[key]!))
        }
        return evidence
    }

    func vote(_ request: Request, _ context: some RequestContext, _ caller: Caller) async throws -> Response {
        try caller.require(.voteLedger)
        let body = try await Self.decode(VoteBody.self, request)
        var fields: [String: JSONValue] = ["approve": .bool(body.approve)]
        if let reason = body.reason { fields["reason"] = .string(reason) }
        return try await decide(.vote, fields, context, caller, action: body.approve ? "ledger.approve" : "ledger.reject")
    }

    func veto(_ request: Request, _ context: some RequestContext, _ caller: Caller) async throws -> Response {
        try caller.require(.voteLedger)
        let body = try await Self.decode(VetoBody.self, request)
        return try await decide(.veto, ["reason": .string(body.reason)], context, caller, action: "ledger.veto")
    }

    /// Submits a vote or veto on the proposal `{id}` signed by this node.
    func decide(_ kind: EntryKind, _ fields: [String: JSONValue], _ context: some RequestContext, _ caller: Caller, action: String) async throws
        -> Response
    {
        let ledger = try caseLedger()
        let text = context.parameters.get("id") ?? ""
        guard let id = try? Hash(hex: text) else { throw Problem(.badRequest, "bad-parameter", "a proposal id is 64 hex digits").with(field: "id") }
        let state = try await ledger.committedState()
        guard state.proposals[id] != nil else { throw Problem.notFound("no proposal \(text) on \(state.origin) (committed)") }
        var body = fields
        body["proposal"] = .string(id.hex)
        let signed: (entry: Entry, refusals: [String])
        do {
            signed = try await ledger.submit(kind, body: .object(body), time: clock())
        } catch let error as LedgerError {
            throw Problem(.unprocessableContent, "invalid-field", error.message).with(field: "reason")
        } catch let error as CaseLedger.Unavailable {
            throw Problem(.serviceUnavailable, "ledger-unavailable", "the chain cannot take entries now: \(error.description)", headers: [.retryAfter: "5"])
        }
        guard signed.refusals.isEmpty else {
            throw Problem(.conflict, "ledger-refused", "the chain refused it: \(signed.refusals.joined(separator: "; "))")
        }
        try await audit(caller, action, "proposal/\(id.hex)->\(signed.entry.hash.hex)")
        return try Self.json(
            DecisionAnswer(proposal: id.hex, entry: signed.entry.hash.hex, status: EntryStatusBody(try await ledger.status(of: signed.entry.hash))),
            status: .accepted)
    }
}

/// The `suspected-case` data the API puts on a chain.
struct SuspectedCaseFields {
    var pseudonym: Hash
    var commitment: Hash
    var syndrome: String
    var community: String
    var onset: String
    var ageBand: String

    var proposalBody: JSONValue {
        .object([
            "subject": .string(Subject.suspectedCase.rawValue),
            "data": .object([
                "pseudonym": .string(pseudonym.hex), "commitment": .string(commitment.hex), "syndrome": .string(syndrome),
                "community": .string(community), "onset": .string(onset), "ageBand": .string(ageBand),
            ]),
        ])
    }
}

// MARK: Bodies

struct ReportBody: Decodable {
    var syndrome: String?
}

struct VoteBody: Decodable {
    var approve: Bool
    var reason: String?
}

struct VetoBody: Decodable {
    var reason: String
}

/// Where an entry stands on this node: `pending`, `sequenced` or `committed` (with its index).
struct EntryStatusBody: Encodable {
    var state: String
    var index: UInt64?

    init(_ status: EntryStatus?) {
        switch status {
        case .pending: state = "pending"
        case .sequenced(let index): (state, self.index) = ("sequenced", index)
        case .committed(let index, _): (state, self.index) = ("committed", index)
        case nil: state = "unknown"
        }
    }
}

struct ReportAnswer: Encodable {
    var `case`: String
    var chain: String
    var entry: String
    var status: EntryStatusBody
}

struct DecisionAnswer: Encodable {
    var proposal: String
    var entry: String
    var status: EntryStatusBody
}

struct ReportStatusBody: Encodable {
    var entry: String
    var syndrome: String
    var onset: String
    var ageBand: String
    var reportedBy: String
    var at: Int64
    var refusal: String?
    var status: EntryStatusBody
}

struct CaseLedgerBody: Encodable {
    var `case`: String
    var chain: String
    /// Entries the final checkpoint covers.
    var committedSize: Int
    var pseudonym: String?
    /// This node's report of the case, if it made one.
    var report: ReportStatusBody?
    /// Every suspected-case proposal about the case's pseudonym, by any node.
    var proposals: [ProposalBody] = []
}

/// A proposal as the API shows it.
struct ProposalBody: Encodable {
    var id: String
    var index: Int
    var author: String
    var subject: String
    var time: Int64
    var deadline: Int64
    var status: String
    var vetoReason: String?
    var approvers: [String]
    var rejecters: [String]
    /// How this node voted: `approve`, `reject`, or nil.
    var myVote: String?
    var syndrome: String?
    var community: String?
    var onset: String?
    var ageBand: String?
    var pseudonym: String?
    var outcome: String?
    var relayedFrom: String?
    /// A C2SP tlog-proof of the proposal's entry against the final checkpoint.
    var proof: String?
    var evidence: [EvidenceBody] = []

    init(_ proposal: Proposal, node: String) {
        id = proposal.id.hex
        index = proposal.index
        author = proposal.author
        subject = proposal.subject.rawValue
        time = proposal.time
        deadline = proposal.deadline
        status = proposal.status.name
        if case .vetoed(_, let reason) = proposal.status { vetoReason = reason }
        approvers = proposal.approvers
        rejecters = proposal.votes.filter { !$0.value.approve }.map(\.key).sorted()
        myVote = proposal.votes[node].map { $0.approve ? "approve" : "reject" }
        if case .suspectedCase(let report) = proposal.payload {
            syndrome = report.syndrome
            community = report.community
            onset = report.onset
            ageBand = report.ageBand
            pseudonym = report.pseudonym.hex
        }
        outcome = proposal.outcome?.rawValue
        relayedFrom = proposal.relayedFrom
    }
}

struct ProposalsBody: Encodable {
    var chain: String
    var node: String
    var items: [ProposalBody]
}

/// A person of this node whose pseudonym a proposal names, with their key-group records.
struct EvidenceBody: Encodable {
    var person: String
    var name: String
    var household: String
    var records: [EvidenceRecord]
}

struct EvidenceRecord: Encodable {
    var kind: String
    var id: String
    /// The case's classification or the referral's stage.
    var status: String?

    init(_ stored: StoredRecord) {
        kind = stored.draft.kind.rawValue
        id = stored.draft.id
        let data = Data(stored.draft.body)
        switch stored.draft.kind {
        case .case: status = (try? JSONDecoder().decode(Case.self, from: data))?.status.rawValue
        case .referral: status = (try? JSONDecoder().decode(Referral.self, from: data))?.stage.rawValue
        default: status = nil
        }
    }
}

struct OutcomeBody: Encodable {
    var proposal: String
    var result: String
    /// The `outcome` entry submitted.
    var entry: String?
    var refusal: String?
    /// Why no outcome was submitted for this report.
    var skipped: String?
}

struct OutcomesBody: Encodable {
    var outcomes: [OutcomeBody]
}
