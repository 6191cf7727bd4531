/// A member's role on a chain.
public enum MemberRole: String, Hashable, Sendable, CaseIterable {
    /// Votes, proposes, endorses, witnesses.
    case member
    /// Votes, may veto where the subject allows it, orders; turns organiser in the response stage.
    case supervisor
    /// Keeps a full copy and verifies; never authors entries (auditors, media).
    case observer
}

/// A member of a chain.
public struct Member: Hashable, Sendable {
    /// The node's name, which is also its key name.
    public var name: String
    /// The node's Ed25519 note key (type 0x01): signs entries and checkpoints.
    public var key: VerifierKey
    public var role: MemberRole

    public init(name: String, key: VerifierKey, role: MemberRole) {
        self.name = name
        self.key = key
        self.role = role
    }

    /// Whether the member may vote and propose.
    public var votes: Bool { role != .observer }
}

/// What a proposal is about; each subject has its own policy.
public enum Subject: String, Hashable, Sendable, CaseIterable, Comparable {
    case suspectedCase = "suspected-case"
    case alert
    case stage
    case leader
    case admitMember = "admit-member"
    case removeMember = "remove-member"
    case peerChain = "peer-chain"
    case codeKey = "code-key"

    public static func < (lhs: Subject, rhs: Subject) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// How many approving votes a proposal needs, counted among the members who may vote other
/// than the proposal's author (endorsements: nobody carries a report alone).
public enum Threshold: Hashable, Sendable, CustomStringConvertible {
    /// At least this many approvals.
    case count(Int)
    /// At least `numerator/denominator` of the eligible voters.
    case fraction(Int, Int)
    /// More than half of the eligible voters.
    case majority

    /// Approvals needed out of `eligible` voters.
    public func needed(eligible: Int) -> Int {
        switch self {
        case .count(let n): n
        case .fraction(let p, let q): (p * min(eligible, 1_000_000) + q - 1) / q
        case .majority: eligible / 2 + 1
        }
    }

    public var description: String {
        switch self {
        case .count(let n): "\(n)"
        case .fraction(let p, let q): "\(p)/\(q)"
        case .majority: "majority"
        }
    }

    init(json: JSONValue, context: String) throws(LedgerError) {
        switch json {
        case .string("majority"): self = .majority
        case .string(let text) where text.contains("/"):
            let parts = text.split(separator: "/")
            guard parts.count == 2, let p = Int(parts[0]), let q = Int(parts[1]), p > 0, q > 0, p <= q, q <= 1000 else {
                throw LedgerError(.malformedGenesis, "\(context) threshold \"\(text.prefix(20))\" is not a fraction p/q with 0 < p <= q <= 1000")
            }
            self = .fraction(p, q)
        case .number(let d) where d == d.rounded() && d >= 1 && d <= 10_000:
            self = .count(Int(d))
        default:
            throw LedgerError(.malformedGenesis, "\(context) threshold must be a count, \"p/q\" or \"majority\"")
        }
    }

    var json: JSONValue {
        switch self {
        case .count(let n): .number(Double(n))
        case .fraction(let p, let q): .string("\(p)/\(q)")
        case .majority: .string("majority")
        }
    }
}

/// The voting rule of one subject.
public struct SubjectPolicy: Hashable, Sendable {
    public var threshold: Threshold
    /// Whether a supervisor's veto rejects the proposal at once.
    public var supervisorVeto: Bool
    /// Whether every supervisor must approve, besides the threshold.
    public var supervisorApproval: Bool
    /// Seconds from the proposal's time after which it expires.
    public var deadline: Int64

    public init(threshold: Threshold, supervisorVeto: Bool = false, supervisorApproval: Bool = false, deadline: Int64 = 72 * 3600) {
        self.threshold = threshold
        self.supervisorVeto = supervisorVeto
        self.supervisorApproval = supervisorApproval
        self.deadline = deadline
    }

    /// The defaults of DESIGN §3.2.
    public static let defaults: [Subject: SubjectPolicy] = [
        .suspectedCase: SubjectPolicy(threshold: .count(2), supervisorVeto: true, deadline: 24 * 3600),
        .alert: SubjectPolicy(threshold: .count(2), supervisorVeto: true, deadline: 24 * 3600),
        .stage: SubjectPolicy(threshold: .majority, supervisorApproval: true),
        .leader: SubjectPolicy(threshold: .majority),
        .admitMember: SubjectPolicy(threshold: .fraction(2, 3)),
        .removeMember: SubjectPolicy(threshold: .fraction(2, 3)),
        .peerChain: SubjectPolicy(threshold: .fraction(2, 3)),
        .codeKey: SubjectPolicy(threshold: .fraction(2, 3)),
    ]
}

/// Credits and debits (the "indelible stain"), in points.
public struct CreditRules: Hashable, Sendable {
    /// To the author of an accepted report (suspected case or alert).
    public var reportAccepted: Int64 = 10
    /// To each member who endorsed an accepted report.
    public var endorsementAccepted: Int64 = 2
    /// To the author when an outcome confirms the report.
    public var outcomeConfirmed: Int64 = 20
    /// To each endorser when an outcome confirms the report.
    public var endorsementConfirmed: Int64 = 5
    /// To the author when an outcome rules the report out (negative: a debit).
    public var reportRuledOut: Int64 = -10
    /// To the author when a supervisor vetoes the report as false.
    public var reportVetoed: Int64 = -20
    /// To a member whose key signed two conflicting checkpoints.
    public var evidenceOfLying: Int64 = -50

    public init() {}

    nonisolated(unsafe) static let fields: [(String, WritableKeyPath<CreditRules, Int64>)] = [
        ("reportAccepted", \.reportAccepted), ("endorsementAccepted", \.endorsementAccepted),
        ("outcomeConfirmed", \.outcomeConfirmed), ("endorsementConfirmed", \.endorsementConfirmed),
        ("reportRuledOut", \.reportRuledOut), ("reportVetoed", \.reportVetoed), ("evidenceOfLying", \.evidenceOfLying),
    ]
}

/// Another chain this chain trusts records from: its origin and the tlog-policy (log key,
/// witness keys, quorum) that its checkpoints must satisfy — what a light client needs.
public struct LinkedChain: Hashable, Sendable {
    public var origin: String
    public var policy: Policy

    public init(origin: String, policy: Policy) {
        self.origin = origin
        self.policy = policy
    }

    init(json: JSONValue, context: String) throws(LedgerError) {
        let reader = try FieldReader(json, context: context, allowed: ["origin", "policy"], code: .malformedGenesis)
        origin = try reader.string("origin")
        do {
            policy = try Policy(parsing: try reader.string("policy", maxLength: Policy.maxSize))
        } catch {
            throw LedgerError(.malformedGenesis, "\(context).policy: \(error.message)")
        }
        guard policy.logs.contains(where: { $0.key.name == origin }) else {
            throw LedgerError(.malformedGenesis, "\(context).policy has no log key named \(origin.prefix(100))")
        }
    }

    var json: JSONValue { .object(["origin": .string(origin), "policy": .string(policy.text)]) }
}

/// The incident stages, in order (DESIGN §3.2: dynamic autonomy).
public enum Stage: String, Hashable, Sendable, CaseIterable, Comparable {
    case prevention, alert, response, recovery

    public static func < (lhs: Stage, rhs: Stage) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A chain's first entry: who its members are and the rules they follow.
public struct Genesis: Hashable, Sendable {
    public var origin: String
    public var members: [Member]
    public var leader: String
    public var stage: Stage
    public var policies: [Subject: SubjectPolicy]
    /// Which roles may issue orders in each stage ("leader" or "supervisor").
    public var orderRights: [Stage: Set<String>]
    /// Checkpoint quorum: 2f+1 of the voting members, plus every supervisor when set.
    public var quorumIncludesSupervisors: Bool
    public var credits: CreditRules
    /// The chain this one relays accepted records up to.
    public var parent: String?
    /// Chains that relay to this one, with the policies their checkpoints must meet.
    public var children: [LinkedChain]
    /// Same-level chains registered at genesis (more by a peer-chain vote).
    public var peers: [LinkedChain]

    /// A genesis config with the default policies.
    public init(origin: String, members: [Member], leader: String, stage: Stage = .prevention) {
        self.origin = origin
        self.members = members
        self.leader = leader
        self.stage = stage
        policies = SubjectPolicy.defaults
        orderRights = Dictionary(uniqueKeysWithValues: Stage.allCases.map { ($0, ["leader", "supervisor"]) })
        quorumIncludesSupervisors = true
        credits = CreditRules()
        parent = nil
        children = []
        peers = []
    }

    /// Checks the config's own consistency.
    public func validate() throws(LedgerError) {
        guard !origin.isEmpty, !origin.contains("\n"), origin.utf8.count <= Checkpoint.maxOriginLength else {
            throw LedgerError(.malformedGenesis, "origin must be one non-empty line")
        }
        guard !members.isEmpty, members.count <= 1000 else { throw LedgerError(.malformedGenesis, "a chain has 1 to 1000 members") }
        var names = Set<String>()
        var keys = Set<[UInt8]>()
        for member in members {
            guard names.insert(member.name).inserted else { throw LedgerError(.malformedGenesis, "member \(member.name) is listed twice") }
            guard keys.insert(member.key.publicKey).inserted else { throw LedgerError(.malformedGenesis, "member \(member.name) reuses another member's key") }
            guard member.key.name == member.name, member.key.type == .ed25519 else {
                throw LedgerError(.malformedGenesis, "member \(member.name)'s key must be a 0x01 key named \(member.name)")
            }
        }
        guard let leader = members.first(where: { $0.name == leader }), leader.votes else {
            throw LedgerError(.malformedGenesis, "leader \(leader.prefix(100)) is not a voting member")
        }
    }

    // MARK: JSON

    /// The genesis config as the body of a `config` entry.
    public var json: JSONValue {
        .object([
            "origin": .string(origin),
            "members": .array(members.map { .object(["name": .string($0.name), "key": .string($0.key.description), "role": .string($0.role.rawValue)]) }),
            "leader": .string(leader),
            "stage": .string(stage.rawValue),
            "policies": .object(Dictionary(uniqueKeysWithValues: policies.map { subject, policy in
                (subject.rawValue, JSONValue.object([
                    "threshold": policy.threshold.json, "supervisorVeto": .bool(policy.supervisorVeto),
                    "supervisorApproval": .bool(policy.supervisorApproval), "deadline": .number(Double(policy.deadline)),
                ]))
            })),
            "orderRights": .object(Dictionary(uniqueKeysWithValues: orderRights.map { stage, roles in
                (stage.rawValue, JSONValue.array(roles.sorted().map { .string($0) }))
            })),
            "quorumIncludesSupervisors": .bool(quorumIncludesSupervisors),
            "credits": .object(Dictionary(uniqueKeysWithValues: CreditRules.fields.map { ($0.0, JSONValue.number(Double(credits[keyPath: $0.1]))) })),
            "parent": parent.map { .string($0) } ?? .null,
            "children": .array(children.map(\.json)),
            "peers": .array(peers.map(\.json)),
        ])
    }

    /// Parses the body of a genesis `config` entry; omitted optional fields take the defaults.
    /// - Throws: ``LedgerError/Code/malformedGenesis`` naming the field.
    public init(json: JSONValue) throws(LedgerError) {
        let reader = try FieldReader(
            json, context: "genesis",
            allowed: ["origin", "members", "leader", "stage", "policies", "orderRights", "quorumIncludesSupervisors", "credits", "parent", "children", "peers"],
            code: .malformedGenesis
        )
        var members: [Member] = []
        for (i, item) in try reader.array("members").enumerated() {
            let m = try FieldReader(item, context: "genesis.members[\(i)]", allowed: ["name", "key", "role"], code: .malformedGenesis)
            let key: VerifierKey
            do { key = try VerifierKey(try m.string("key")) } catch { throw LedgerError(.malformedGenesis, "genesis.members[\(i)].key: \(error.message)") }
            guard let role = MemberRole(rawValue: try m.string("role")) else {
                throw LedgerError(.malformedGenesis, "genesis.members[\(i)].role is not member, supervisor or observer")
            }
            members.append(Member(name: try m.string("name"), key: key, role: role))
        }
        self.init(origin: try reader.string("origin"), members: members, leader: try reader.string("leader"))
        if let stageText = try reader.optionalString("stage") {
            guard let stage = Stage(rawValue: stageText) else { throw LedgerError(.malformedGenesis, "genesis.stage \(stageText.prefix(30)) is unknown") }
            self.stage = stage
        }
        if reader.has("policies") {
            let p = try FieldReader(try reader.value("policies"), context: "genesis.policies", allowed: Set(Subject.allCases.map(\.rawValue)), code: .malformedGenesis)
            for subject in Subject.allCases where p.has(subject.rawValue) {
                let context = "genesis.policies.\(subject.rawValue)"
                let s = try FieldReader(try p.value(subject.rawValue), context: context, allowed: ["threshold", "supervisorVeto", "supervisorApproval", "deadline"], code: .malformedGenesis)
                var policy = policies[subject]!
                if s.has("threshold") { policy.threshold = try Threshold(json: try s.value("threshold"), context: context) }
                policy.supervisorVeto = try s.optionalBool("supervisorVeto") ?? policy.supervisorVeto
                policy.supervisorApproval = try s.optionalBool("supervisorApproval") ?? policy.supervisorApproval
                if let deadline = try s.optionalInteger("deadline") {
                    guard deadline > 0 else { throw LedgerError(.malformedGenesis, "\(context).deadline must be positive") }
                    policy.deadline = deadline
                }
                policies[subject] = policy
            }
        }
        if reader.has("orderRights") {
            let o = try FieldReader(try reader.value("orderRights"), context: "genesis.orderRights", allowed: Set(Stage.allCases.map(\.rawValue)), code: .malformedGenesis)
            for stage in Stage.allCases where o.has(stage.rawValue) {
                let roles = try o.strings(stage.rawValue)
                guard roles.allSatisfy({ $0 == "leader" || $0 == "supervisor" }) else {
                    throw LedgerError(.malformedGenesis, "genesis.orderRights.\(stage.rawValue) may list only leader and supervisor")
                }
                orderRights[stage] = Set(roles)
            }
        }
        quorumIncludesSupervisors = try reader.optionalBool("quorumIncludesSupervisors") ?? true
        if reader.has("credits") {
            let c = try FieldReader(try reader.value("credits"), context: "genesis.credits", allowed: Set(CreditRules.fields.map(\.0)), code: .malformedGenesis)
            for (field, path) in CreditRules.fields where c.has(field) { credits[keyPath: path] = try c.integer(field) }
        }
        parent = try reader.optionalString("parent")
        if reader.has("children") {
            children = try reader.array("children").enumerated().map { item throws(LedgerError) in
                try LinkedChain(json: item.element, context: "genesis.children[\(item.offset)]")
            }
        }
        if reader.has("peers") {
            peers = try reader.array("peers").enumerated().map { item throws(LedgerError) in
                try LinkedChain(json: item.element, context: "genesis.peers[\(item.offset)]")
            }
        }
        try validate()
    }
}

