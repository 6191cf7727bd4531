/// A C2SP tlog-policy: the logs and witnesses a verifier trusts and the quorum of cosignatures
/// that makes a checkpoint valid.
public struct Policy: Hashable, Sendable {
    /// Largest policy file accepted, in bytes.
    public static let maxSize = 64 * 1024
    /// Most logs, witnesses or groups accepted (the spec recommends supporting at least 32).
    public static let maxEntries = 256

    /// A log the policy accepts.
    public struct Log: Hashable, Sendable {
        public var key: VerifierKey
        public var url: String?
    }

    /// A witness, named for use in groups and the quorum.
    public struct Witness: Hashable, Sendable {
        public var name: String
        public var key: VerifierKey
        public var url: String?
    }

    /// A group that witnesses a checkpoint when at least ``threshold`` of its members do.
    public struct Group: Hashable, Sendable {
        public var name: String
        public var threshold: Int
        /// Names of witnesses or earlier groups.
        public var members: [String]

        public init(name: String, threshold: Int, members: [String]) {
            self.name = name
            self.threshold = threshold
            self.members = members
        }
    }

    public private(set) var logs: [Log] = []
    public private(set) var witnesses: [Witness] = []
    public private(set) var groups: [Group] = []
    /// The name of the witness or group that must witness a checkpoint; `nil` for `quorum none`.
    public private(set) var quorum: String?

    /// Builds a policy from its parts, with the same checks as parsing.
    public init(logs: [VerifierKey], witnesses: [(name: String, key: VerifierKey)], groups: [Group], quorum: String?) throws(LedgerError) {
        var lines: [String] = logs.map { "log \($0)" }
        lines += witnesses.map { "witness \($0.name) \($0.key)" }
        lines += groups.map { "group \($0.name) \($0.threshold) " + $0.members.joined(separator: " ") }
        lines.append("quorum \(quorum ?? "none")")
        try self.init(parsing: lines.joined(separator: "\n") + "\n")
    }

    /// Parses a policy file.
    /// - Throws: ``LedgerError/Code/malformedPolicy`` naming the line and the reason.
    public init(parsing text: String) throws(LedgerError) {
        let bytes = Array(text.utf8)
        guard bytes.count <= Policy.maxSize else {
            throw LedgerError(.malformedPolicy, "policy is \(bytes.count) bytes, at most \(Policy.maxSize)")
        }
        if let bad = bytes.firstIndex(where: { ($0 < 0x20 && $0 != 0x09 && $0 != 0x0A) || $0 == 0x7F }) {
            throw LedgerError(.malformedPolicy, "policy has control character 0x\(Hex.encode([bytes[bad]])) at byte \(bad)")
        }
        // Names are opaque octet strings (tlog-policy): compare bytes, not Unicode strings.
        var names = Set<[UInt8]>()
        // Duplicate logs and duplicate witnesses are not allowed (the same key may serve as a
        // log and as a witness: a Vigil node signs checkpoints as leader and cosigns as witness).
        var publicKeys: [SignatureType: Set<[UInt8]>] = [:]
        var quorumSeen = false
        for (n, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = n + 1
            let fields = rawLine.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let keyword = fields.first, !keyword.hasPrefix("#") else { continue }
            func fail(_ reason: String) -> LedgerError { LedgerError(.malformedPolicy, "line \(number): \(reason)") }
            func key(_ text: String, type: SignatureType) throws(LedgerError) -> VerifierKey {
                let key: VerifierKey
                do { key = try VerifierKey(text) } catch { throw fail(error.message) }
                guard key.type == type else { throw fail("key \(key.name) is of type \(key.type), want \(type)") }
                guard publicKeys[type, default: []].insert(key.publicKey).inserted else { throw fail("duplicate key \(key.name)+\(key.keyID)") }
                return key
            }
            func newName(_ name: String) throws(LedgerError) {
                guard name != "none" else { throw fail("the name none is reserved") }
                guard names.insert(Array(name.utf8)).inserted else { throw fail("name \(name) is defined twice") }
            }
            guard !quorumSeen || keyword != "quorum" else { throw fail("a second quorum line") }
            guard logs.count + witnesses.count + groups.count < Policy.maxEntries else {
                throw fail("more than \(Policy.maxEntries) logs, witnesses and groups")
            }
            switch keyword {
            case "log":
                guard (2...3).contains(fields.count) else { throw fail("want: log <vkey> [<url>]") }
                logs.append(Log(key: try key(fields[1], type: .ed25519), url: fields.count == 3 ? fields[2] : nil))
            case "witness":
                guard (3...4).contains(fields.count) else { throw fail("want: witness <name> <vkey> [<url>]") }
                try newName(fields[1])
                witnesses.append(
                    Witness(name: fields[1], key: try key(fields[2], type: .cosignature), url: fields.count == 4 ? fields[3] : nil))
            case "group":
                guard fields.count >= 4 else { throw fail("want: group <name> all|any|<k> <name>...") }
                let members = Array(fields[3...])
                var seen = Set<[UInt8]>()
                for member in members {
                    guard member != "none" else { throw fail("none cannot be a group member") }
                    guard names.contains(Array(member.utf8)) else { throw fail("group member \(member) is not defined on an earlier line") }
                    guard seen.insert(Array(member.utf8)).inserted else { throw fail("group member \(member) is listed twice") }
                }
                let threshold: Int
                switch fields[2] {
                case "all": threshold = members.count
                case "any": threshold = 1
                default:
                    guard let k = StrictDecimal.parse(Substring(fields[2])), k >= 1, k <= UInt64(members.count) else {
                        throw fail("threshold \(fields[2].prefix(20)) is not all, any or a number from 1 to \(members.count)")
                    }
                    threshold = Int(k)
                }
                try newName(fields[1])
                groups.append(Group(name: fields[1], threshold: threshold, members: members))
            case "quorum":
                guard fields.count == 2 else { throw fail("want: quorum <name>|none") }
                guard fields[1] == "none" || names.contains(Array(fields[1].utf8)) else {
                    throw fail("quorum \(fields[1]) is not defined on an earlier line")
                }
                quorum = fields[1] == "none" ? nil : fields[1]
                quorumSeen = true
            default:
                throw fail("unknown keyword \(keyword.prefix(30))")
            }
        }
        guard quorumSeen else { throw LedgerError(.malformedPolicy, "policy has no quorum line") }
    }

    /// The policy as text.
    public var text: String {
        var lines = logs.map { "log \($0.key)" + ($0.url.map { " " + $0 } ?? "") }
        lines += witnesses.map { "witness \($0.name) \($0.key)" + ($0.url.map { " " + $0 } ?? "") }
        lines += groups.map { "group \($0.name) \($0.threshold) " + $0.members.joined(separator: " ") }
        lines.append("quorum \(quorum ?? "none")")
        return lines.map { $0 + "\n" }.joined()
    }

    /// Every key the policy knows, for verifying a checkpoint note.
    public func verifierSet() throws(LedgerError) -> VerifierSet {
        try VerifierSet(logs.map(\.key) + witnesses.map(\.key))
    }

    /// Verifies a signed checkpoint and evaluates the quorum.
    ///
    /// The checkpoint must be signed by a log of the policy whose key name is the checkpoint's
    /// origin; a signature by a known key that fails rejects the note.
    /// - Returns: the evaluation, satisfied or not, with what is missing.
    /// - Throws: for a malformed note or checkpoint, a failing known signature, or no log signature.
    public func evaluate(_ note: [UInt8]) throws(LedgerError) -> PolicyEvaluation {
        let verified = try verifierSet().verify(note)
        let checkpoint = try Checkpoint(text: verified.text)
        let logKeys = logs.map(\.key)
        guard verified.verified.contains(where: { signature in
            signature.type == .ed25519 && signature.name.sameBytes(checkpoint.origin)
                && logKeys.contains { $0.name.sameBytes(signature.name) && $0.keyID == signature.keyID }
        })
        else {
            throw LedgerError(.unknownLog, "checkpoint of origin \(checkpoint.origin.prefix(100)) is not signed by a log of the policy")
        }
        var cosigners: [String] = []
        var timestamps: [String: UInt64] = [:]
        for signature in verified.verified where signature.type == .cosignature {
            if let witness = witnesses.first(where: { $0.key.name.sameBytes(signature.name) && $0.key.keyID == signature.keyID }) {
                cosigners.append(witness.name)
                timestamps[witness.name] = signature.timestamp
            }
        }
        return PolicyEvaluation(policy: self, checkpoint: checkpoint, cosigners: cosigners, timestamps: timestamps)
    }

    /// Which witnesses and groups have witnessed, given the witnesses that cosigned: one pass
    /// over the groups in definition order (a group names only earlier ones), so the cost is
    /// linear in the policy's size however the groups nest.
    func witnessed(by cosigners: Set<[UInt8]>) -> Set<[UInt8]> {
        var witnessed = Set(witnesses.map { Array($0.name.utf8) }.filter { cosigners.contains($0) })
        for group in groups where group.members.filter({ witnessed.contains(Array($0.utf8)) }).count >= group.threshold {
            witnessed.insert(Array(group.name.utf8))
        }
        return witnessed
    }

    func group(named name: String) -> Group? { groups.first { $0.name.sameBytes(name) } }
}

/// The outcome of checking a cosigned checkpoint against a ``Policy``.
public struct PolicyEvaluation: Hashable, Sendable {
    /// The verified checkpoint.
    public var checkpoint: Checkpoint
    /// Policy names of the witnesses whose cosignatures verified.
    public var cosigners: [String]
    /// The cosignature time of each cosigner.
    public var timestamps: [String: UInt64]
    /// Whether the quorum is met.
    public var isSatisfied: Bool
    /// For each unmet group on the way to the quorum: how many more members it needs and which
    /// members have not witnessed, e.g. "group X-and-Y needs 1 more of: Y-witnesses".
    public var missing: [Shortfall]

    /// What an unmet witness or group lacks.
    public struct Shortfall: Hashable, Sendable, CustomStringConvertible {
        public var name: String
        public var needed: Int
        public var candidates: [String]
        public var description: String {
            candidates == [name] ? "witness \(name) has not cosigned" : "group \(name) needs \(needed) more of: " + candidates.joined(separator: ", ")
        }
    }

    init(policy: Policy, checkpoint: Checkpoint, cosigners: [String], timestamps: [String: UInt64]) {
        self.checkpoint = checkpoint
        self.cosigners = cosigners
        self.timestamps = timestamps
        guard let quorum = policy.quorum else {
            isSatisfied = true
            missing = []
            return
        }
        let witnessed = policy.witnessed(by: Set(cosigners.map { Array($0.utf8) }))
        isSatisfied = witnessed.contains(Array(quorum.utf8))
        var missing: [Shortfall] = []
        // Explain each unmet group once, from the quorum down.
        var explained = Set<[UInt8]>()
        var queue = [quorum]
        while let name = queue.popLast() {
            let key = Array(name.utf8)
            guard !witnessed.contains(key), explained.insert(key).inserted else { continue }
            guard let group = policy.group(named: name) else {
                missing.append(Shortfall(name: name, needed: 1, candidates: [name]))
                continue
            }
            let unmet = group.members.filter { !witnessed.contains(Array($0.utf8)) }
            missing.append(Shortfall(name: name, needed: group.threshold - (group.members.count - unmet.count), candidates: unmet))
            queue += unmet.reversed().filter { policy.group(named: $0) != nil }
        }
        self.missing = missing
    }
}
