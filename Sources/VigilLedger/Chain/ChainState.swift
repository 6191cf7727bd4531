/// Where a proposal stands.
public enum ProposalStatus: Hashable, Sendable, CustomStringConvertible {
    case pending
    case accepted
    case rejected(reason: String)
    case vetoed(by: String, reason: String)
    case expired

    /// The status name: pending, accepted, rejected, vetoed or expired.
    public var name: String {
        switch self {
        case .pending: "pending"
        case .accepted: "accepted"
        case .rejected: "rejected"
        case .vetoed: "vetoed"
        case .expired: "expired"
        }
    }

    public var description: String {
        switch self {
        case .rejected(let reason): "rejected (\(reason))"
        case .vetoed(let by, let reason): "vetoed by \(by) (\(reason))"
        default: name
        }
    }
}

/// A member's vote on a proposal.
public struct Vote: Hashable, Sendable {
    public var approve: Bool
    public var reason: String?
    public var entry: EntryHash
}

/// A proposal and the votes behind its status.
public struct Proposal: Hashable, Sendable {
    /// The hash of the entry that made it: its identifier.
    public var id: EntryHash
    /// Position of that entry on the chain.
    public var index: Int
    public var author: String
    public var time: Int64
    public var deadline: Int64
    public var payload: ProposalPayload
    /// Votes by member name.
    public var votes: [String: Vote]
    public var status: ProposalStatus
    /// For a relayed proposal: the child chain it came from.
    public var relayedFrom: String?
    /// For an accepted report: the outcome, once recorded.
    public var outcome: Outcome?

    public var subject: Subject { payload.subject }
    /// Names of the members who approved.
    public var approvers: [String] { votes.filter(\.value.approve).map(\.key).sorted() }
}

/// What happened to a reported case.
public enum Outcome: String, Hashable, Sendable {
    case confirmed
    case ruledOut = "ruled-out"
}

/// A broadcast order and the members who have acknowledged it.
public struct Order: Hashable, Sendable {
    public var id: EntryHash
    public var index: Int
    public var author: String
    public var time: Int64
    public var text: String
    /// The members it is addressed to.
    public var recipients: [String]
    /// Members whose cosignature of a checkpoint covering the order is their receipt.
    public var receipts: Set<String>
}

/// Records received from a peer chain with a `share` entry, verified offline.
public struct SharedRecords: Hashable, Sendable {
    public var peer: String
    public var entry: EntryHash
    public var records: [EntryHash]
    public var checkpointSize: TreeSize
}

/// Evidence that a member's key signed two conflicting checkpoints.
public struct Equivocation: Hashable, Sendable {
    public var offender: String
    public var size: TreeSize
    public var entry: EntryHash
}

/// The state of a chain: a deterministic function of its entries. Every node that replays the
/// same entries gets the same state and the same ``digest``.
public struct ChainState: Sendable {
    public private(set) var genesis: Genesis
    /// Current members by name.
    public private(set) var members: [String: Member]
    public private(set) var leader: String
    public private(set) var stage: Stage
    /// The latest entry time seen: the chain's clock for deadlines.
    public private(set) var clock: Int64
    /// Entries applied, genesis included.
    public private(set) var size: Int
    public private(set) var proposals: [EntryHash: Proposal]
    /// Proposal ids in chain order.
    public private(set) var proposalOrder: [EntryHash]
    public private(set) var orders: [Order]
    public private(set) var credits: [String: Int64]
    public private(set) var peers: [String: LinkedChain]
    /// Accepted health-code signing keys by `kid`: the chain's trust list (DESIGN §6).
    public private(set) var codeKeys: [String: CodeKey] = [:]
    public private(set) var children: [String: LinkedChain]
    public private(set) var shared: [SharedRecords]
    public private(set) var equivocations: [Equivocation]
    /// The latest `bulletin` entry for each community and day (``Bulletin/key``): a later one
    /// supersedes it.
    public private(set) var bulletins: [String: EntryHash] = [:]
    /// Hashes of the entries applied, to reject a replayed entry.
    private var seen: Set<EntryHash>
    /// Pending proposals in chain order: the only ones a clock tick or a membership change can
    /// settle, so replay stays linear in the number of entries.
    private var pending: [EntryHash]
    /// No pending proposal's deadline is earlier (a lower bound: settled proposals may have had
    /// it), so that moving the clock need not look at every pending proposal.
    private var earliestDeadline: Int64 = .max

    public var origin: String { genesis.origin }

    /// Whether the entry with this hash is on the chain.
    public func contains(entry hash: EntryHash) -> Bool { seen.contains(hash) }

    /// The state after the genesis entry.
    /// - Throws: ``LedgerError/Code/malformedGenesis`` or ``LedgerError/Code/rejectedEntry``.
    public init(genesis entry: Entry) throws(LedgerError) {
        guard entry.kind == .config else { throw LedgerError(.rejectedEntry, "the first entry must be a config (genesis), not \(entry.kind)") }
        let genesis = try Genesis(json: entry.body)
        guard entry.chain == genesis.origin else {
            throw LedgerError(.rejectedEntry, "genesis is for chain \(genesis.origin.prefix(100)) but the entry says \(entry.chain.prefix(100))")
        }
        guard let author = genesis.members.first(where: { $0.name == entry.author }), author.votes, entry.isSigned(by: author.key) else {
            throw LedgerError(.rejectedEntry, "genesis must be signed by one of its voting members")
        }
        self.genesis = genesis
        members = Dictionary(uniqueKeysWithValues: genesis.members.map { ($0.name, $0) })
        leader = genesis.leader
        stage = genesis.stage
        clock = entry.time
        size = 1
        proposals = [:]
        proposalOrder = []
        orders = []
        credits = Dictionary(uniqueKeysWithValues: genesis.members.map { ($0.name, 0) })
        peers = Dictionary(uniqueKeysWithValues: genesis.peers.map { ($0.origin, $0) })
        children = Dictionary(uniqueKeysWithValues: genesis.children.map { ($0.origin, $0) })
        shared = []
        equivocations = []
        seen = [entry.hash]
        pending = []
    }

    /// Validates `entry` against the current state and applies it. A rejected entry changes
    /// nothing: every handler checks everything before its first change.
    /// - Throws: ``LedgerError/Code/rejectedEntry`` (or a malformed-body code) with the reason.
    public mutating func apply(_ entry: Entry) throws(LedgerError) {
        func reject(_ reason: String) -> LedgerError { LedgerError(.rejectedEntry, reason) }
        guard entry.chain == origin else { throw reject("entry is for chain \(entry.chain.prefix(100)), not \(origin.prefix(100))") }
        guard !seen.contains(entry.hash) else { throw reject("entry \(entry.hash.hex.prefix(16)) is already on the chain") }
        guard let author = members[entry.author] else { throw reject("author \(entry.author.prefix(100)) is not a member") }
        guard entry.isSigned(by: author.key) else { throw reject("signature by \(author.name) does not verify") }
        guard author.votes else { throw reject("\(author.name) is an observer and cannot author entries") }
        guard entry.time >= 0 else { throw reject("entry time is negative") }

        let now = max(clock, entry.time)
        switch entry.kind {
        case .config: throw reject("config entries are only valid as the genesis")
        case .proposal: try propose(entry, now: now)
        case .vote: try vote(entry, now: now)
        case .veto: try veto(entry, now: now)
        case .order: try order(entry, now: now)
        case .outcome: try outcome(entry, now: now)
        case .relay: try relay(entry, now: now)
        case .share: try share(entry, now: now)
        case .evidence: try evidence(entry, now: now)
        case .bulletin: try bulletin(entry, now: now)
        }
        seen.insert(entry.hash)
        size += 1
    }

    /// Whether a proposal can still be voted on or vetoed at time `now`.
    private func checkOpen(_ proposal: Proposal, now: Int64, action: String) throws(LedgerError) {
        guard proposal.status == .pending else {
            throw LedgerError(.rejectedEntry, "\(action) proposal \(proposal.id.hex.prefix(16)) that is \(proposal.status.name)")
        }
        guard proposal.deadline >= now else {
            throw LedgerError(.rejectedEntry, "\(action) proposal \(proposal.id.hex.prefix(16)) that expired at \(proposal.deadline)")
        }
    }

    /// Moves the clock forward and expires pending proposals whose deadline has passed. Handlers
    /// call it once every check has passed, before their first change.
    private mutating func advanceClock(to time: Int64) {
        guard time > clock else { return }
        clock = time
        guard earliestDeadline < clock else { return }
        var earliest = Int64.max
        for id in pending {
            let deadline = proposals[id]!.deadline
            if deadline < clock { setStatus(id, .expired) } else { earliest = min(earliest, deadline) }
        }
        earliestDeadline = earliest
    }

    // MARK: Proposals and votes

    private mutating func propose(_ entry: Entry, now: Int64) throws(LedgerError) {
        let r = try FieldReader(entry.body, context: "proposal", allowed: ["subject", "deadline", "data"])
        let subjectText = try r.string("subject")
        guard let subject = Subject(rawValue: subjectText) else { throw r.fail("subject", "\(subjectText.prefix(40)) is not a known subject") }
        let payload = try ProposalPayload(subject: subject, json: try r.value("data"), context: "proposal.data")
        try checkProposable(payload)
        try addProposal(entry: entry, payload: payload, deadline: try r.optionalInteger("deadline"), relayedFrom: nil, now: now)
    }

    private mutating func addProposal(entry: Entry, payload: ProposalPayload, deadline: Int64?, relayedFrom: String?, now: Int64) throws(LedgerError) {
        let policy = genesis.policies[payload.subject]!
        let deadline = deadline ?? (entry.time &+ policy.deadline)
        guard deadline > entry.time, deadline >= now else {
            throw LedgerError(.rejectedEntry, "proposal deadline \(deadline) is not after its time \(entry.time) and the chain's clock \(now)")
        }
        advanceClock(to: now)
        let proposal = Proposal(
            id: entry.hash, index: size, author: entry.author, time: entry.time, deadline: deadline, payload: payload,
            votes: [:], status: .pending, relayedFrom: relayedFrom, outcome: nil)
        proposals[entry.hash] = proposal
        proposalOrder.append(entry.hash)
        pending.append(entry.hash)
        earliestDeadline = min(earliestDeadline, deadline)
        decide(entry.hash)
    }

    /// Rules on what may be proposed given the current state.
    private func checkProposable(_ payload: ProposalPayload) throws(LedgerError) {
        func reject(_ reason: String) -> LedgerError { LedgerError(.rejectedEntry, reason) }
        switch payload {
        case .stage(let target):
            guard target != stage else { throw reject("the chain is already in stage \(stage.rawValue)") }
        case .leader(let name):
            guard let m = members[name], m.votes else { throw reject("proposed leader \(name.prefix(100)) is not a voting member") }
            guard name != leader else { throw reject("\(name) is already the leader") }
        case .admitMember(let member):
            guard members[member.name] == nil else { throw reject("\(member.name) is already a member") }
            guard !members.values.contains(where: { $0.key.publicKey == member.key.publicKey }) else {
                throw reject("the key of \(member.name) is already a member's key")
            }
        case .removeMember(let name):
            guard members[name] != nil else { throw reject("\(name.prefix(100)) is not a member") }
            guard name != leader else { throw reject("the leader cannot be removed; vote a new leader first") }
        case .peerChain(let link):
            guard peers[link.origin] == nil, link.origin != origin else { throw reject("\(link.origin.prefix(100)) is already a peer") }
        case .codeKey(let key):
            if let accepted = codeKeys[key.kid], !accepted.mayBeReplaced(by: key) {
                throw reject("code key \(key.kid) is already accepted: a new proposal may only shorten its validity")
            }
            if let other = codeKeys.values.first(where: { $0.publicKey == key.publicKey && $0.kid != key.kid }) {
                throw reject("that public key is already accepted as code key \(other.kid)")
            }
        case .suspectedCase, .alert:
            break
        }
    }

    private mutating func vote(_ entry: Entry, now: Int64) throws(LedgerError) {
        let r = try FieldReader(entry.body, context: "vote", allowed: ["proposal", "approve", "reason"])
        let id = try r.hash("proposal")
        let approve = try r.bool("approve")
        let reason = try r.optionalString("reason", maxLength: 512)
        guard let proposal = proposals[id] else { throw LedgerError(.rejectedEntry, "vote on unknown proposal \(id.hex.prefix(16))") }
        try checkOpen(proposal, now: now, action: "vote on")
        guard entry.author != proposal.author else { throw LedgerError(.rejectedEntry, "the author of a proposal cannot vote on it") }
        guard proposal.votes[entry.author] == nil else {
            throw LedgerError(.rejectedEntry, "\(entry.author) has already voted on proposal \(id.hex.prefix(16))")
        }
        advanceClock(to: now)
        proposals[id]!.votes[entry.author] = Vote(approve: approve, reason: reason, entry: entry.hash)
        decide(id)
    }

    private mutating func veto(_ entry: Entry, now: Int64) throws(LedgerError) {
        let r = try FieldReader(entry.body, context: "veto", allowed: ["proposal", "reason"])
        let id = try r.hash("proposal")
        let reason = try r.string("reason", maxLength: 512)
        guard !reason.allSatisfy(\.isWhitespace) else { throw r.fail("reason", "is empty: a veto needs a reason") }
        guard members[entry.author]?.role == .supervisor else { throw LedgerError(.rejectedEntry, "only a supervisor can veto; \(entry.author) is not one") }
        guard let proposal = proposals[id] else { throw LedgerError(.rejectedEntry, "veto of unknown proposal \(id.hex.prefix(16))") }
        try checkOpen(proposal, now: now, action: "veto of")
        guard genesis.policies[proposal.subject]!.supervisorVeto else {
            throw LedgerError(.rejectedEntry, "\(proposal.subject.rawValue) proposals cannot be vetoed")
        }
        advanceClock(to: now)
        setStatus(id, .vetoed(by: entry.author, reason: reason))
        if proposal.payload.isReport { credit(proposal.author, genesis.credits.reportVetoed) }
    }

    /// Members who may vote on a proposal: voting members other than its author.
    private func eligibleVoters(for proposal: Proposal) -> [Member] {
        members.values.filter { $0.votes && $0.name != proposal.author }
    }

    /// Settles a pending proposal whose votes now decide it.
    private mutating func decide(_ id: EntryHash) {
        guard let proposal = proposals[id], proposal.status == .pending else { return }
        let policy = genesis.policies[proposal.subject]!
        let eligible = eligibleVoters(for: proposal)
        let approvals = eligible.filter { proposal.votes[$0.name]?.approve == true }.count
        let undecided = eligible.filter { proposal.votes[$0.name] == nil }.count
        let needed = policy.threshold.needed(eligible: eligible.count)
        let supervisors = eligible.filter { $0.role == .supervisor }
        let supervisorsOK = !policy.supervisorApproval || supervisors.allSatisfy { proposal.votes[$0.name]?.approve == true }
        if let refusing = supervisors.first(where: { policy.supervisorApproval && proposal.votes[$0.name]?.approve == false }) {
            setStatus(id, .rejected(reason: "supervisor \(refusing.name) did not approve"))
            return
        }
        if approvals >= needed && supervisorsOK {
            // The state may have moved since the proposal was made (a member removed, another
            // admission accepted): what no longer applies is rejected, not applied.
            do {
                try checkProposable(proposal.payload)
            } catch {
                setStatus(id, .rejected(reason: "no longer applicable: \(error.message)"))
                return
            }
            accept(id)
        } else if approvals + undecided < needed {
            setStatus(id, .rejected(reason: "\(approvals) approvals and \(undecided) undecided cannot reach \(needed) of \(eligible.count)"))
        }
    }

    private mutating func accept(_ id: EntryHash) {
        setStatus(id, .accepted)
        let proposal = proposals[id]!
        switch proposal.payload {
        case .suspectedCase, .alert:
            credit(proposal.author, genesis.credits.reportAccepted)
            for name in proposal.approvers { credit(name, genesis.credits.endorsementAccepted) }
        case .stage(let target):
            stage = target
        case .leader(let name):
            // In the node protocol the new leader takes over from the final checkpoint that commits
            // this (docs/protocol.md, "Leadership by vote").
            leader = name
        case .admitMember(let member):
            members[member.name] = member
            if credits[member.name] == nil { credits[member.name] = 0 }
        case .removeMember(let name):
            members[name] = nil
        case .peerChain(let link):
            peers[link.origin] = link
        case .codeKey(let key):
            codeKeys[key.kid] = key
        }
        // A change of membership can settle other pending proposals.
        if case .admitMember = proposal.payload { settleAll() }
        if case .removeMember = proposal.payload { settleAll() }
    }

    private mutating func settleAll() {
        for other in pending { decide(other) }
    }

    /// Settles a proposal: records its final status and drops it from ``pending``.
    private mutating func setStatus(_ id: EntryHash, _ status: ProposalStatus) {
        proposals[id]!.status = status
        if status != .pending, let i = pending.firstIndex(of: id) { pending.remove(at: i) }
    }

    private mutating func credit(_ name: String, _ points: Int64) {
        credits[name, default: 0] &+= points
    }

    // MARK: Orders and outcomes

    private mutating func order(_ entry: Entry, now: Int64) throws(LedgerError) {
        let r = try FieldReader(entry.body, context: "order", allowed: ["to", "text"])
        let text = try r.string("text", maxLength: 4096)
        guard !text.isEmpty else { throw r.fail("text", "is empty") }
        let rights = genesis.orderRights[stage] ?? []
        let role = members[entry.author]!.role
        let isLeader = entry.author == leader
        guard (isLeader && rights.contains("leader")) || (role == .supervisor && rights.contains("supervisor")) else {
            throw LedgerError(.rejectedEntry, "\(entry.author) may not issue orders in the \(stage.rawValue) stage")
        }
        var recipients = try r.strings("to", maxCount: 1000)
        let everyone = members.keys.filter { $0 != entry.author }.sorted()
        if recipients == ["all"] || (stage == .response && role == .supervisor) {
            // In the response stage the supervisor organises: its orders go to every member.
            recipients = everyone
        } else {
            guard !recipients.isEmpty else { throw r.fail("to", "is empty") }
            for name in recipients where members[name] == nil {
                throw LedgerError(.rejectedEntry, "order.to names \(name.prefix(100)), who is not a member")
            }
            recipients = Array(Set(recipients)).sorted()
        }
        advanceClock(to: now)
        orders.append(Order(id: entry.hash, index: size, author: entry.author, time: entry.time, text: text, recipients: recipients, receipts: []))
    }

    private mutating func outcome(_ entry: Entry, now: Int64) throws(LedgerError) {
        let r = try FieldReader(entry.body, context: "outcome", allowed: ["proposal", "result"])
        let id = try r.hash("proposal")
        guard let result = Outcome(rawValue: try r.string("result")) else { throw r.fail("result", "is not confirmed or ruled-out") }
        guard let proposal = proposals[id], proposal.payload.isReport else {
            throw LedgerError(.rejectedEntry, "outcome for \(id.hex.prefix(16)), which is not a reported case")
        }
        guard proposal.status == .accepted else {
            throw LedgerError(.rejectedEntry, "outcome for a report that is \(proposal.status.name), not accepted")
        }
        guard proposal.outcome == nil else { throw LedgerError(.rejectedEntry, "the report already has an outcome") }
        guard entry.author != proposal.author else { throw LedgerError(.rejectedEntry, "the reporter cannot record the outcome of its own report") }
        advanceClock(to: now)
        proposals[id]!.outcome = result
        switch result {
        case .confirmed:
            credit(proposal.author, genesis.credits.outcomeConfirmed)
            for name in proposal.approvers { credit(name, genesis.credits.endorsementConfirmed) }
        case .ruledOut:
            credit(proposal.author, genesis.credits.reportRuledOut)
        }
    }

    /// Records cosignatures of a checkpoint of `size` entries: each cosigner's receipt for the
    /// orders addressed to it that the checkpoint covers.
    public mutating func recordReceipts(checkpointSize: Int, cosigners: [String]) {
        for i in orders.indices where orders[i].index < checkpointSize {
            for name in cosigners where orders[i].recipients.contains(name) { orders[i].receipts.insert(name) }
        }
    }

    // MARK: Layers, sharing, evidence

    private mutating func relay(_ entry: Entry, now: Int64) throws(LedgerError) {
        let r = try FieldReader(entry.body, context: "relay", allowed: ["from", "records", "checkpoint", "deadline"])
        let from = try r.string("from")
        guard let child = children[from] else { throw LedgerError(.rejectedEntry, "relay from \(from.prefix(100)), which is not a registered child chain") }
        let bundle = try RecordBundle(reader: r, from: child)
        // The child's genesis (index 0), then in chain order the relayed proposal and the votes
        // that accepted it, with the admissions and removals of members (and their votes) that
        // came before them, so that a member admitted after the genesis can have endorsed the
        // report: the parent replays them under the child's own rules to see that the proposal
        // was accepted there, and that the relayer is one of the child's supervisors.
        guard bundle.entries.count >= 2, bundle.indices[0] == 0, bundle.entries[0].kind == .config else {
            throw LedgerError(.rejectedEntry, "a relay starts with the child chain's genesis (index 0), then the relayed proposal")
        }
        guard zip(bundle.indices, bundle.indices.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw LedgerError(.rejectedEntry, "a relay's records are in chain order, each once")
        }
        var childState: ChainState
        do {
            childState = try ChainState(genesis: bundle.entries[0])
        } catch {
            throw LedgerError(.rejectedEntry, "relayed genesis of \(from.prefix(100)): \(error.message)")
        }
        guard childState.members[entry.author]?.role == .supervisor else {
            throw LedgerError(.rejectedEntry, "\(entry.author) is not a supervisor of \(from.prefix(100)) and cannot relay from it")
        }
        var first: Entry?
        var subject = Subject.suspectedCase
        var membership: Set<String> = []
        for record in bundle.entries.dropFirst() {
            let named = record.body["subject"]?.stringValue.flatMap(Subject.init(rawValue:))
            if record.kind == .proposal, named == .admitMember || named == .removeMember {
                membership.insert(record.hash.hex)
            } else if record.kind == .proposal {
                guard first == nil else { throw LedgerError(.rejectedEntry, "a relay carries one relayed proposal, not two") }
                let text = record.body["subject"]?.stringValue ?? ""
                guard let named, named == .suspectedCase || named == .alert else {
                    throw LedgerError(.rejectedEntry, "only suspected-case and alert proposals are relayed, not \(text.prefix(40))")
                }
                first = record
                subject = named
            } else if record.kind == .vote || record.kind == .veto, case .string(let target)? = record.body["proposal"],
                target == first?.hash.hex || membership.contains(target)
            {
                continue
            } else if first == nil {
                throw LedgerError(
                    .rejectedEntry, "after the genesis, a relay's next record must be the relayed proposal or an admission or removal of a member")
            } else {
                throw LedgerError(
                    .rejectedEntry, "relayed records after the proposal must be votes on it, or admissions and removals of members with their votes")
            }
        }
        guard let first else { throw LedgerError(.rejectedEntry, "a relay's records must hold the relayed proposal") }
        let pr = try FieldReader(first.body, context: "relay.proposal", allowed: ["subject", "deadline", "data"])
        for record in bundle.entries.dropFirst() {
            do {
                try childState.apply(record)
            } catch {
                throw LedgerError(.rejectedEntry, "relayed record is not valid under \(from.prefix(100))'s rules: \(error.message)")
            }
        }
        guard childState.proposals[first.hash]?.status == .accepted else {
            throw LedgerError(
                .rejectedEntry, "the relayed proposal is \(childState.proposals[first.hash]?.status.name ?? "unknown") on \(from.prefix(100)), not accepted")
        }
        let payload = try ProposalPayload(subject: subject, json: try pr.value("data"), context: "relay.proposal.data")
        guard !proposals.values.contains(where: { $0.relayedFrom == from && $0.payload == payload }) else {
            throw LedgerError(.rejectedEntry, "this record from \(from.prefix(100)) was already relayed")
        }
        try addProposal(entry: entry, payload: payload, deadline: try r.optionalInteger("deadline"), relayedFrom: from, now: now)
    }

    private mutating func share(_ entry: Entry, now: Int64) throws(LedgerError) {
        let r = try FieldReader(entry.body, context: "share", allowed: ["from", "records", "checkpoint"])
        let from = try r.string("from")
        guard let peer = peers[from] else { throw LedgerError(.rejectedEntry, "share from \(from.prefix(100)), which is not a registered peer chain") }
        let bundle = try RecordBundle(reader: r, from: peer)
        advanceClock(to: now)
        shared.append(SharedRecords(peer: from, entry: entry.hash, records: bundle.entries.map(\.hash), checkpointSize: bundle.checkpoint.size))
    }

    private mutating func evidence(_ entry: Entry, now: Int64) throws(LedgerError) {
        let r = try FieldReader(entry.body, context: "evidence", allowed: ["checkpoints"])
        let notes = try r.strings("checkpoints", maxCount: 2)
        guard notes.count == 2 else { throw r.fail("checkpoints", "must hold two checkpoints") }
        let offenders = try Equivocation.offenders(notes: notes, origin: origin, members: Array(members.values))
        guard let offender = offenders.first else {
            throw LedgerError(.rejectedEntry, "the two checkpoints do not share a member's valid signature")
        }
        let size = try Checkpoint(text: try Note(parsing: notes[0]).text).size
        guard !equivocations.contains(where: { $0.offender == offender && $0.size == size }) else {
            throw LedgerError(.rejectedEntry, "evidence against \(offender) at size \(size) is already recorded")
        }
        advanceClock(to: now)
        equivocations.append(Equivocation(offender: offender, size: size, entry: entry.hash))
        credit(offender, genesis.credits.evidenceOfLying)
    }
}

extension ChainState {
    // MARK: Bulletins

    /// Any voting member may publish a bulletin; a later one for the same community and day
    /// supersedes the earlier (a report republished after a correction).
    private mutating func bulletin(_ entry: Entry, now: Int64) throws(LedgerError) {
        let bulletin = try Bulletin(json: entry.body)
        advanceClock(to: now)
        bulletins[bulletin.key] = entry.hash
    }
}

extension Equivocation {
    /// Members whose key validly signed both checkpoints, when they are of `origin`, of the same
    /// size and with different roots.
    static func offenders(notes: [String], origin: String, members: [Member]) throws(LedgerError) -> [String] {
        var parsed: [(Note, Checkpoint)] = []
        for text in notes {
            do {
                let note = try Note(parsing: text)
                parsed.append((note, try Checkpoint(text: note.text)))
            } catch {
                throw LedgerError(.rejectedEntry, "evidence checkpoint: \(error.message)")
            }
        }
        let (a, b) = (parsed[0].1, parsed[1].1)
        guard a.origin == origin, b.origin == origin else { throw LedgerError(.rejectedEntry, "evidence checkpoints are not of this chain") }
        guard a.size == b.size, a.root != b.root else {
            throw LedgerError(.rejectedEntry, "evidence checkpoints do not conflict (need the same size and different roots)")
        }
        // Across views an honest leader or witness may sign two checkpoints of one size (a view
        // change drops what was never final), so only checkpoints of one view conflict.
        guard a.view == b.view else {
            throw LedgerError(.rejectedEntry, "evidence checkpoints are of different views (\(a.view) and \(b.view)), which may differ honestly")
        }
        return members.filter { member in
            // The member's note key, the same key under the chain's origin (checkpoints it signed
            // as leader in the node protocol), or the same key as a cosigner (checkpoints it
            // cosigned as witness).
            let keys = [
                member.key, try? VerifierKey(name: origin, type: .ed25519, publicKey: member.key.publicKey),
                try? VerifierKey(name: member.name, type: .cosignature, publicKey: member.key.publicKey),
            ].compactMap { $0 }
            return parsed.allSatisfy { note, _ in
                note.signatures.contains { signature in
                    keys.contains { $0.keyID == signature.keyID && $0.name == signature.name && $0.verify(text: Array(note.text.utf8), signature: signature.signature) }
                }
            }
        }.map(\.name).sorted()
    }
}
