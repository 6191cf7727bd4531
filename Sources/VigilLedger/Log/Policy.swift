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
        var names = Set<String>()
        var publicKeys = Set<[UInt8]>()
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
                guard publicKeys.insert(key.publicKey).inserted else { throw fail("duplicate key \(key.name)+\(key.keyID)") }
                return key
            }
            func newName(_ name: String) throws(LedgerError) {
                guard name != "none" else { throw fail("the name none is reserved") }
                guard names.insert(name).inserted else { throw fail("name \(name) is defined twice") }
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
                var seen = Set<String>()
                for member in members {
                    guard member != "none" else { throw fail("none cannot be a group member") }
                    guard names.contains(member) else { throw fail("group member \(member) is not defined on an earlier line") }
                    guard seen.insert(member).inserted else { throw fail("group member \(member) is listed twice") }
                }
                let threshold: Int
                switch fields[2] {
                case "all": threshold = members.count
                case "any": threshold = 1
                default:
                    guard let k = TileID.decimal(Substring(fields[2])), k >= 1, k <= UInt64(members.count) else {
                        throw fail("threshold \(fields[2].prefix(20)) is not all, any or a number from 1 to \(members.count)")
                    }
                    threshold = Int(k)
                }
                try newName(fields[1])
                groups.append(Group(name: fields[1], threshold: threshold, members: members))
            case "quorum":
                guard fields.count == 2 else { throw fail("want: quorum <name>|none") }
                guard fields[1] == "none" || names.contains(fields[1]) else {
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
        let logNames = Set(logs.map(\.key.name))
        guard verified.verified.contains(where: { $0.type == .ed25519 && $0.name == checkpoint.origin && logNames.contains($0.name) })
        else {
            throw LedgerError(.unknownLog, "checkpoint of origin \(checkpoint.origin.prefix(100)) is not signed by a log of the policy")
        }
        var cosigners: [String] = []
        var timestamps: [String: UInt64] = [:]
        for signature in verified.verified where signature.type == .cosignature {
            if let witness = witnesses.first(where: { $0.key.name == signature.name && $0.key.keyID == signature.keyID }) {
                cosigners.append(witness.name)
                timestamps[witness.name] = signature.timestamp
            }
        }
        return PolicyEvaluation(policy: self, checkpoint: checkpoint, cosigners: cosigners, timestamps: timestamps)
    }

    /// Whether `name` (a witness or group) has witnessed, given the witnesses that cosigned.
    func isWitnessed(_ name: String, by cosigners: Set<String>) -> Bool {
        if let group = groups.first(where: { $0.name == name }) {
            return group.members.filter { isWitnessed($0, by: cosigners) }.count >= group.threshold
        }
        return cosigners.contains(name)
    }
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
        let set = Set(cosigners)
        guard let quorum = policy.quorum else {
            isSatisfied = true
            missing = []
            return
        }
        isSatisfied = policy.isWitnessed(quorum, by: set)
        var missing: [Shortfall] = []
        func explain(_ name: String) {
            guard !policy.isWitnessed(name, by: set) else { return }
            guard let group = policy.groups.first(where: { $0.name == name }) else {
                missing.append(Shortfall(name: name, needed: 1, candidates: [name]))
                return
            }
            let unmet = group.members.filter { !policy.isWitnessed($0, by: set) }
            let met = group.members.count - unmet.count
            missing.append(Shortfall(name: name, needed: group.threshold - met, candidates: unmet))
            for member in unmet where policy.groups.contains(where: { $0.name == member }) { explain(member) }
        }
        explain(quorum)
        self.missing = missing
    }
}
