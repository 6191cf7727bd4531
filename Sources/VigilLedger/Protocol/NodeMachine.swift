/// A proposal of a new checkpoint from the leader to one witness: a C2SP tlog-witness
/// `add-checkpoint` request plus the entries the witness lacks (witnesses are full replicas).
public struct CheckpointProposal: Hashable, Sendable {
    public var request: AddCheckpointRequest
    /// The entries from `request.oldSize` to the checkpoint's size.
    public var entries: [Entry]

    public init(request: AddCheckpointRequest, entries: [Entry]) {
        self.request = request
        self.entries = entries
    }
}

/// Messages between the nodes of one chain. The transport authenticates the sender (and in
/// production each message is signed); checkpoints and cosignatures carry their own signatures.
public enum NodeMessage: Hashable, Sendable {
    /// An entry for the leader to sequence.
    case submit(Entry)
    /// A new checkpoint to validate and cosign.
    case propose(CheckpointProposal)
    /// A witness's cosignature of the checkpoint of `size`.
    case cosign(size: TreeSize, signature: NoteSignature)
    /// The witness's latest cosigned size differs from the proposal's old size.
    case conflict(size: TreeSize)
    /// A checkpoint whose cosignatures meet the quorum.
    case final(Note)
    /// A request for the entries after `from` and the latest final checkpoint.
    case fetch(from: TreeSize)
    /// Entries from `start` and the final checkpoint they lead to.
    case catchUp(start: TreeSize, entries: [Entry], final: Note)
}

/// What the driver of a ``NodeMachine`` must do.
public enum NodeEffect: Hashable, Sendable {
    /// Deliver a message to another node.
    case send(to: String, NodeMessage)
    /// Make ``NodeMachine/durable`` durable before sending anything that follows this effect.
    case persist
    /// Entries up to `size` are committed by the final checkpoint `checkpoint`.
    case commit(size: TreeSize, checkpoint: Note)
    /// Something was refused, with the reason (for logs and metrics).
    case refused(String)
}

/// One node's part in one chain's protocol, as a sans-I/O state machine (DESIGN §3.3): messages
/// and clock ticks in, effects out. The same code runs over HTTP in a node and inside the
/// deterministic simulator. This is the normal case — leader sequencing, witness validation and
/// cosigning, finality by quorum, catch-up; view change is described in docs/protocol.md.
public struct NodeMachine: Sendable {
    /// What must survive a crash: the replicated entries, the witness record and the latest
    /// final checkpoint.
    public struct Durable: Hashable, Sendable {
        public var entries: [Entry]
        public var witness: WitnessRecord?
        public var final: Note?
    }

    public let name: String
    private let key: SignerKey
    /// Entries per proposal.
    public var batchSize = 64
    /// Seconds before an unanswered proposal or submission is sent again.
    public var retryInterval: Int64 = 2
    /// How far ahead of this node's clock an entry's time may be. The chain's clock is the latest
    /// entry time, so an entry dated far in the future would expire every pending proposal.
    public var maxClockSkew: Int64 = 600
    /// Seconds between a witness's checks with the leader for final checkpoints it missed.
    public var syncInterval: Int64 = 5
    private var lastSync: Int64 = 0

    public private(set) var durable: Durable
    /// The state of the replicated (cosigned) entries.
    public private(set) var replica: ChainState
    private var tree = InMemoryHashStore()
    /// Size covered by the latest final checkpoint known here (the genesis is committed from
    /// the start).
    public private(set) var committedSize: TreeSize = 1

    // Leader state.
    private var queue: [Entry] = []
    private var speculative: ChainState?
    private var outstanding: (note: Note, size: TreeSize, cosigners: [String: NoteSignature], sentAt: Int64)?
    private var acknowledged: [String: TreeSize] = [:]
    // Submissions waiting to be committed, by hash, with the time they were last sent.
    private var waiting: [EntryHash: (entry: Entry, sentAt: Int64)] = [:]

    /// A node starting from the genesis entry, or resuming from what it had made durable.
    public init(name: String, key: SignerKey, genesis: Entry, durable: Durable? = nil) throws(LedgerError) {
        self.name = name
        self.key = key
        var state = try ChainState(genesis: genesis)
        var tree = InMemoryHashStore()
        tree.append(genesis.hash)
        let restored = durable ?? Durable(entries: [genesis], witness: nil, final: nil)
        for entry in restored.entries.dropFirst() {
            try state.apply(entry)
            tree.append(entry.hash)
        }
        self.durable = restored
        self.replica = state
        self.tree = tree
        if let final = restored.final, let checkpoint = try? Checkpoint(text: final.text) {
            committedSize = checkpoint.size
        }
    }

    public var origin: String { replica.origin }
    public var isLeader: Bool { replica.leader == name }
    public var size: TreeSize { tree.tree.size }
    public var root: Hash { tree.tree.root }
    /// The replicated entries.
    public var entries: [Entry] { durable.entries }

    /// Voting members other than this node.
    private var peers: [String] { replica.members.values.filter { $0.votes && $0.name != name }.map(\.name).sorted() }

    /// The checkpoint key of `member` as leader: its key under the chain's origin.
    static func logKey(of member: Member, origin: String) -> VerifierKey? {
        try? VerifierKey(name: origin, type: .ed25519, publicKey: member.key.publicKey)
    }

    /// The policy a checkpoint of this chain must meet: signed by a voting member as leader and
    /// cosigned by 2f+1 of the n voting members (plus every supervisor when the genesis says so).
    public func checkpointPolicy() -> Policy {
        let voters = replica.members.values.filter(\.votes).sorted { $0.name < $1.name }
        let n = voters.count
        let f = (n - 1) / 3
        let logs = voters.compactMap { Self.logKey(of: $0, origin: origin) }
        let witnesses = voters.compactMap { member in
            (try? VerifierKey(name: member.name, type: .cosignature, publicKey: member.key.publicKey)).map { ("w-" + member.name, $0) }
        }
        var groups = [Policy.Group(name: "quorum", threshold: min(n, 2 * f + 1), members: voters.map { "w-" + $0.name })]
        let supervisors = voters.filter { $0.role == .supervisor }.map { "w-" + $0.name }
        var quorum = "quorum"
        if replica.genesis.quorumIncludesSupervisors, !supervisors.isEmpty {
            groups.append(Policy.Group(name: "supervisors", threshold: supervisors.count, members: supervisors))
            groups.append(Policy.Group(name: "final", threshold: 2, members: ["quorum", "supervisors"]))
            quorum = "final"
        }
        // Built from validated members, so it always parses.
        return try! Policy(logs: logs, witnesses: witnesses, groups: groups, quorum: quorum)
    }

    // MARK: Inputs

    /// An entry from this node's own application (or a client).
    public mutating func submit(_ entry: Entry, now: Int64) -> [NodeEffect] {
        guard !replica.contains(entry: entry.hash) else { return [] }
        if let problem = timeProblem(entry, now: now) { return [.refused(problem)] }
        if isLeader { return enqueue(entry, now: now) }
        // Checks that do not depend on entries still in flight; the leader validates the rest
        // against its speculative state (a vote may follow a proposal not yet replicated here).
        guard entry.chain == origin, let author = replica.members[entry.author], author.votes, entry.isSigned(by: author.key) else {
            return [.refused("entry \(entry.hash.hex.prefix(12)) is not signed by a voting member of \(origin.prefix(100))")]
        }
        waiting[entry.hash] = (entry, now)
        return [.send(to: replica.leader, .submit(entry))]
    }

    /// A message from another node (the transport has authenticated `sender`).
    public mutating func receive(_ message: NodeMessage, from sender: String, now: Int64) -> [NodeEffect] {
        guard replica.members[sender] != nil else { return [.refused("message from non-member \(sender.prefix(60))")] }
        switch message {
        case .submit(let entry):
            guard isLeader else { return [.send(to: replica.leader, .submit(entry))] }
            return enqueue(entry, now: now)
        case .propose(let proposal):
            return witness(proposal, from: sender, now: now)
        case .cosign(let size, let signature):
            return collect(size: size, signature: signature, from: sender, now: now)
        case .conflict(let size):
            return resend(to: sender, from: size, now: now)
        case .final(let note):
            return learnFinal(note, from: sender)
        case .fetch(let from):
            return serveCatchUp(from: from, to: sender)
        case .catchUp(let start, let entries, let final):
            return catchUp(start: start, entries: entries, final: final)
        }
    }

    /// Time passes: resend what was not answered, propose what is queued.
    public mutating func tick(now: Int64) -> [NodeEffect] {
        var effects: [NodeEffect] = []
        for (hash, item) in waiting where now - item.sentAt >= retryInterval {
            waiting[hash]!.sentAt = now
            effects.append(.send(to: replica.leader, .submit(item.entry)))
        }
        if !isLeader, now - lastSync >= syncInterval {
            // Anti-entropy: learn final checkpoints (and entries) missed while down or cut off.
            lastSync = now
            effects.append(.send(to: replica.leader, .fetch(from: size)))
        }
        if isLeader {
            if let outstanding, now - outstanding.sentAt >= retryInterval {
                self.outstanding!.sentAt = now
                for peer in peers where outstanding.cosigners[peer] == nil {
                    effects += propose(to: peer, note: outstanding.note, size: outstanding.size)
                }
            } else if outstanding == nil {
                effects += proposeNext(now: now)
            }
        }
        return effects
    }

    // MARK: Leader

    /// Why an entry's time is not acceptable at `now`, if it is not.
    private func timeProblem(_ entry: Entry, now: Int64) -> String? {
        entry.time > now &+ maxClockSkew
            ? "entry \(entry.hash.hex.prefix(12)) is dated \(entry.time - now) s ahead of this node's clock (at most \(maxClockSkew))" : nil
    }

    private mutating func enqueue(_ entry: Entry, now: Int64) -> [NodeEffect] {
        guard !replica.contains(entry: entry.hash), !queue.contains(where: { $0.hash == entry.hash }) else { return [] }
        if let problem = timeProblem(entry, now: now) { return [.refused(problem)] }
        var state = speculative ?? replica
        do { try state.apply(entry) } catch { return [.refused("entry \(entry.hash.hex.prefix(12)): \(error.message)")] }
        speculative = state
        queue.append(entry)
        return outstanding == nil ? proposeNext(now: now) : []
    }

    /// Signs a checkpoint over the queued entries (or re-signs the replica after a restart) and
    /// sends it to every witness.
    private mutating func proposeNext(now: Int64) -> [NodeEffect] {
        guard isLeader, outstanding == nil else { return [] }
        guard !queue.isEmpty || size > committedSize else { return [] }
        let batch = Array(queue.prefix(batchSize))
        queue.removeFirst(batch.count)
        var state = replica
        var newTree = tree
        var appended: [Entry] = []
        for entry in batch where !replica.contains(entry: entry.hash) {
            guard (try? state.apply(entry)) != nil else { continue }
            newTree.append(entry.hash)
            appended.append(entry)
        }
        if queue.isEmpty { speculative = nil }
        guard let note = try? Checkpoint(origin: origin, size: newTree.tree.size, root: newTree.tree.root)
            .signed(by: [try key.renamed(origin)])
        else { return [.refused("cannot sign a checkpoint")] }
        // The leader is a witness too: it cosigns its own checkpoint, persisting first.
        replica = state
        tree = newTree
        durable.entries += appended
        durable.witness = WitnessRecord(origin: origin, size: newTree.tree.size, root: newTree.tree.root)
        var effects: [NodeEffect] = [.persist]
        guard let own = try? key.withType(.cosignature).sign(text: Array(note.text.utf8), timestamp: UInt64(max(now, 0))) else { return effects }
        outstanding = (note, newTree.tree.size, [name: own], now)
        for peer in peers { effects += propose(to: peer, note: note, size: newTree.tree.size) }
        return effects + finishIfQuorum()
    }

    private func propose(to peer: String, note: Note, size: TreeSize) -> [NodeEffect] {
        let old = acknowledged[peer] ?? committedSize
        guard old <= size, let proof = old.rawValue == 0 || old == size ? [] : try? MerkleProof.consistencyProof(from: old, to: size, store: tree)
        else { return [] }
        let entries = Array(durable.entries[Int(old.rawValue)..<Int(size.rawValue)])
        return [.send(to: peer, .propose(CheckpointProposal(request: AddCheckpointRequest(oldSize: old, proof: proof, checkpoint: note), entries: entries)))]
    }

    private mutating func collect(size: TreeSize, signature: NoteSignature, from sender: String, now: Int64) -> [NodeEffect] {
        guard let outstanding, outstanding.size == size, let member = replica.members[sender],
            let key = try? VerifierKey(name: sender, type: .cosignature, publicKey: member.key.publicKey),
            signature.name.sameBytes(sender), signature.keyID == key.keyID,
            key.verify(text: Array(outstanding.note.text.utf8), signature: signature.signature)
        else { return [.refused("cosignature from \(sender.prefix(60)) does not verify for the outstanding checkpoint")] }
        acknowledged[sender] = size
        self.outstanding!.cosigners[sender] = signature
        return finishIfQuorum()
    }

    private mutating func resend(to peer: String, from size: TreeSize, now: Int64) -> [NodeEffect] {
        guard let outstanding, size <= outstanding.size else { return [] }
        acknowledged[peer] = size
        return propose(to: peer, note: outstanding.note, size: outstanding.size)
    }

    private mutating func finishIfQuorum() -> [NodeEffect] {
        guard let outstanding else { return [] }
        var note = outstanding.note
        note.signatures += outstanding.cosigners.keys.sorted().map { outstanding.cosigners[$0]! }
        guard let evaluation = try? checkpointPolicy().evaluate(note.bytes), evaluation.isSatisfied else { return [] }
        self.outstanding = nil
        var effects = adoptFinal(note, size: outstanding.size)
        for peer in replica.members.keys.sorted() where peer != name { effects.append(.send(to: peer, .final(note))) }
        return effects
    }

    // MARK: Witness

    private mutating func witness(_ proposal: CheckpointProposal, from sender: String, now: Int64) -> [NodeEffect] {
        guard sender == replica.leader, let leader = replica.members[sender], let logKey = Self.logKey(of: leader, origin: origin) else {
            return [.refused("proposal from \(sender.prefix(60)), who is not the leader")]
        }
        let core = try! Witness(key: key.withType(.cosignature), logs: [origin: [logKey]])
        var next = replica
        var nextTree = tree
        let outcome = core.addCheckpoint(proposal.request, current: durable.witness ?? WitnessRecord(origin: origin, size: size, root: root), timestamp: UInt64(max(now, 0))) { checkpoint in
            // A full replica: the entries must extend what it holds and give the checkpoint's root.
            guard proposal.request.oldSize == self.size, UInt64(proposal.entries.count) == checkpoint.size.rawValue - self.size.rawValue else {
                return LedgerError(.badProof, "entries do not extend this replica of size \(self.size)")
            }
            for entry in proposal.entries {
                if let problem = self.timeProblem(entry, now: now) { return LedgerError(.rejectedEntry, problem) }
                do throws(LedgerError) { try next.apply(entry) } catch { return error }
                nextTree.append(entry.hash)
            }
            return nextTree.tree.root == checkpoint.root ? nil : LedgerError(.badProof, "entries give another root")
        }
        switch outcome {
        case .cosigned(let signatures, let record):
            replica = next
            tree = nextTree
            durable.entries += proposal.entries
            durable.witness = record
            for entry in proposal.entries { waiting[entry.hash] = nil }
            return [NodeEffect.persist] + signatures.map { NodeEffect.send(to: sender, .cosign(size: record.size, signature: $0)) }
        case .conflict(let currentSize, _):
            return [.send(to: sender, .conflict(size: currentSize))]
        case .refused(_, let reason):
            return [.refused(reason)]
        }
    }

    // MARK: Finality and catch-up

    private mutating func learnFinal(_ note: Note, from sender: String) -> [NodeEffect] {
        guard let evaluation = try? checkpointPolicy().evaluate(note.bytes), evaluation.isSatisfied else {
            return [.refused("final checkpoint from \(sender.prefix(60)) does not meet the quorum")]
        }
        let checkpoint = evaluation.checkpoint
        guard checkpoint.size > committedSize else { return [] }
        guard checkpoint.size <= size else { return [.send(to: sender, .fetch(from: size))] }
        guard (try? MerkleProof.root(size: checkpoint.size, store: tree)) == checkpoint.root else {
            return [.refused("final checkpoint at size \(checkpoint.size) conflicts with this replica")]
        }
        return adoptFinal(note, size: checkpoint.size)
    }

    private mutating func adoptFinal(_ note: Note, size: TreeSize) -> [NodeEffect] {
        committedSize = size
        durable.final = note
        let cosigners = note.signatures.map(\.name)
        replica.recordReceipts(checkpointSize: Int(size.rawValue), cosigners: cosigners)
        for entry in durable.entries.prefix(Int(size.rawValue)) { waiting[entry.hash] = nil }
        return [.persist, .commit(size: size, checkpoint: note)]
    }

    private func serveCatchUp(from start: TreeSize, to peer: String) -> [NodeEffect] {
        guard let final = durable.final, let checkpoint = try? Checkpoint(text: final.text), start <= size else { return [] }
        // A peer that already holds the entries only needs the final checkpoint.
        guard start < checkpoint.size else { return [.send(to: peer, .final(final))] }
        let entries = Array(durable.entries[Int(start.rawValue)..<Int(checkpoint.size.rawValue)])
        return [.send(to: peer, .catchUp(start: start, entries: entries, final: final))]
    }

    private mutating func catchUp(start: TreeSize, entries: [Entry], final: Note) -> [NodeEffect] {
        guard start == size, let evaluation = try? checkpointPolicy().evaluate(final.bytes), evaluation.isSatisfied,
            evaluation.checkpoint.size.rawValue == start.rawValue + UInt64(entries.count)
        else { return [.refused("catch-up does not fit this replica")] }
        var next = replica
        var nextTree = tree
        for entry in entries {
            guard (try? next.apply(entry)) != nil else { return [.refused("catch-up entry is not valid")] }
            nextTree.append(entry.hash)
        }
        guard nextTree.tree.root == evaluation.checkpoint.root else { return [.refused("catch-up entries give another root")] }
        replica = next
        tree = nextTree
        durable.entries += entries
        durable.witness = WitnessRecord(origin: origin, size: evaluation.checkpoint.size, root: evaluation.checkpoint.root)
        return adoptFinal(final, size: evaluation.checkpoint.size)
    }
}
