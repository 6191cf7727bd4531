public import VigilLedger

/// Builds chains for tests: deterministic keys per member name, a clock that advances one
/// second per entry, and helpers that sign and apply entries.
public struct ChainFixture: Sendable {
    public private(set) var keys: [String: SignerKey]
    public private(set) var entries: [Entry]
    public private(set) var state: ChainState
    /// Time of the next entry.
    public var time: Int64

    /// A deterministic signer for a member name (seeded from the name, so every fixture agrees).
    public static func key(for name: String) -> SignerKey {
        var seed = [UInt8](repeating: 0, count: 32)
        for (i, byte) in name.utf8.enumerated() { seed[i % 32] = seed[i % 32] &* 31 &+ byte }
        seed[31] ^= 0x5A
        return try! SignerKey(name: name, seed: seed)
    }

    /// A member with the fixture's key for `name`.
    public static func member(_ name: String, _ role: MemberRole = .member) -> Member {
        Member(name: name, key: key(for: name).verifierKey, role: role)
    }

    /// A new chain whose genesis is signed by its leader.
    public init(
        origin: String, members: [(String, MemberRole)], leader: String, startTime: Int64 = 1_700_000_000,
        configure: (inout Genesis) -> Void = { _ in }
    ) throws {
        var genesis = Genesis(origin: origin, members: members.map { Self.member($0.0, $0.1) }, leader: leader)
        configure(&genesis)
        keys = Dictionary(uniqueKeysWithValues: members.map { ($0.0, Self.key(for: $0.0)) })
        let entry = try Entry.sign(chain: origin, kind: .config, author: keys[leader]!, time: startTime, body: genesis.json)
        state = try ChainState(genesis: entry)
        entries = [entry]
        time = startTime + 1
    }

    /// Signs an entry by `author` (who need not be a member: the key is made on demand) without
    /// applying it.
    public mutating func sign(_ kind: EntryKind, by author: String, body: JSONValue, time: Int64? = nil) throws -> Entry {
        let key = keys[author] ?? Self.key(for: author)
        keys[author] = key
        let entry = try Entry.sign(chain: state.origin, kind: kind, author: key, time: time ?? self.time, body: body)
        self.time = max(self.time, entry.time) + 1
        return entry
    }

    /// Signs and applies an entry; throws the rejection if the state refuses it.
    @discardableResult
    public mutating func append(_ kind: EntryKind, by author: String, body: JSONValue, time: Int64? = nil) throws -> Entry {
        let entry = try sign(kind, by: author, body: body, time: time)
        try apply(entry)
        return entry
    }

    /// Applies an entry made elsewhere.
    public mutating func apply(_ entry: Entry) throws {
        try state.apply(entry)
        entries.append(entry)
    }

    /// Records the cosigners of a checkpoint covering every entry so far (order receipts).
    public mutating func recordReceipts(cosigners: [String]) {
        state.recordReceipts(checkpointSize: entries.count, cosigners: cosigners)
    }

    /// Proposes `data` under `subject`; returns the proposal's id.
    @discardableResult
    public mutating func propose(_ subject: Subject, by author: String, data: JSONValue, deadline: Int64? = nil) throws -> EntryHash {
        var body: [String: JSONValue] = ["subject": .string(subject.rawValue), "data": data]
        if let deadline { body["deadline"] = .number(Double(deadline)) }
        return try append(.proposal, by: author, body: .object(body)).hash
    }

    /// Votes on a proposal.
    public mutating func vote(_ proposal: EntryHash, by voter: String, approve: Bool = true, reason: String? = nil) throws {
        var body: [String: JSONValue] = ["proposal": .string(proposal.hex), "approve": .bool(approve)]
        if let reason { body["reason"] = .string(reason) }
        try append(.vote, by: voter, body: .object(body))
    }

    /// A supervisor's veto.
    public mutating func veto(_ proposal: EntryHash, by supervisor: String, reason: String) throws {
        try append(.veto, by: supervisor, body: .object(["proposal": .string(proposal.hex), "reason": .string(reason)]))
    }

    /// An order to `to` (["all"] for everyone).
    @discardableResult
    public mutating func order(by author: String, to: [String], text: String) throws -> Entry {
        try append(.order, by: author, body: .object(["to": .array(to.map { .string($0) }), "text": .string(text)]))
    }

    /// The data of a suspected-case proposal with a pseudonymous subject derived from `nationalID`.
    public static func suspectedCase(nationalID: String, community: String = "riverside", syndrome: String = "ili", onset: String = "2026-11-20") -> JSONValue {
        let pseudonym = Privacy.pseudonym(areaSecret: Array("area-1 secret for tests".utf8), nationalID: nationalID)
        let commitment = Privacy.commitment(salt: Array("0123456789abcdef".utf8), record: Array("record of \(nationalID)".utf8))
        return .object([
            "pseudonym": .string(pseudonym.hex), "commitment": .string(commitment.hex), "syndrome": .string(syndrome),
            "community": .string(community), "onset": .string(onset), "ageBand": .string("30-39"),
        ])
    }

    /// A hash store holding the leaf hashes of ``entries``.
    public var store: InMemoryHashStore {
        var store = InMemoryHashStore()
        store.append(contentsOf: entries.map(\.hash))
        return store
    }

    /// The chain's checkpoint at its current size, signed by the leader's key and cosigned
    /// (type 0x04, same key) by `cosigners`.
    public func checkpoint(cosigners: [String], timestamp: UInt64 = 1_700_000_000) throws -> Note {
        let store = self.store
        let checkpoint = try Checkpoint(origin: state.origin, size: store.tree.size, root: store.tree.root)
        let logKey = Self.logKey(origin: state.origin)
        return try checkpoint.signed(by: [logKey]).signed(by: cosigners.map { Self.key(for: $0).withType(.cosignature) }, timestamp: timestamp)
    }

    /// The key a chain's checkpoints are signed with in fixtures: named after the origin.
    public static func logKey(origin: String) -> SignerKey { key(for: origin) }

    /// The tlog-policy that light clients use for this chain: its log key, its voting members
    /// as witnesses, and a quorum of `k` of them.
    public func policy(quorum k: Int) throws -> Policy {
        let witnesses = state.members.values.filter(\.votes).map(\.name).sorted()
        return try Policy(
            logs: [Self.logKey(origin: state.origin).verifierKey],
            witnesses: witnesses.map { ($0, Self.key(for: $0).withType(.cosignature).verifierKey) },
            groups: [.init(name: "members", threshold: k, members: witnesses)], quorum: "members")
    }
}
