/// One node's part in one chain's protocol, as a sans-I/O state machine (DESIGN §3.3): messages
/// and clock ticks in, effects out. The same code runs over HTTP in a node and inside the
/// deterministic simulator. docs/protocol.md states the protocol and its fault model.
///
/// Per checkpoint there are two rounds. In the first the leader proposes a checkpoint (a C2SP
/// tlog-witness `add-checkpoint` request plus the entries) and every witness validates it as a
/// full replica and answers a signed *prepare* vote. With a quorum of votes (a prepare
/// certificate) the leader asks for cosignatures; a witness that sees the certificate *locks*
/// on it and cosigns. A quorum of cosignatures makes the checkpoint final: its entries are
/// committed. When the leader makes no progress, the nodes move to the next view; the new
/// leader continues from the highest lock in a quorum of view changes, which extends every
/// final checkpoint (each final checkpoint has a quorum of locked cosigners, and any two
/// quorums share an honest node).
public struct NodeMachine: Sendable {
    /// What must survive a crash.
    public struct Durable: Hashable, Sendable {
        /// The committed entries (covered by ``final``), genesis first. Only ever appended to.
        public var entries: [Entry]
        /// The latest final checkpoint.
        public var final: Note?
        /// The latest checkpoint this node validated in ``view`` (C2SP witness state).
        public var witness: WitnessRecord?
        /// The current view.
        public var view: UInt64
        /// Entries validated beyond ``entries``, up to ``witness``; dropped if a view change
        /// does not keep them.
        public var pending: [Entry]
        /// The highest prepare certificate seen.
        public var lock: PrepareCertificate?
        /// Whether this node has left the view before ``view`` and waits for ``view`` to start.
        public var changing: Bool
        /// The latest checkpoints seen signed by a member as leader (each with that signature
        /// only), oldest first, at most ``NodeMachine/checkpointMemory`` per signer: what
        /// equivocation evidence is made of (docs/protocol.md, "Equivocation").
        public var checkpoints: [Note]

        public init(
            entries: [Entry], final: Note? = nil, witness: WitnessRecord? = nil, view: UInt64 = 0, pending: [Entry] = [],
            lock: PrepareCertificate? = nil, changing: Bool = false, checkpoints: [Note] = []
        ) {
            self.entries = entries
            self.final = final
            self.witness = witness
            self.view = view
            self.pending = pending
            self.lock = lock
            self.changing = changing
            self.checkpoints = checkpoints
        }
    }

    public let name: String
    let key: SignerKey
    /// Most entries per proposal.
    public var batchSize = 256
    /// Most entry bytes per proposal (a proposal must fit a node message, 8 MiB by default, in
    /// base64): a batch stops before the entry that would pass it, but holds at least one.
    public var batchBytes = 2 << 20
    /// Seconds before an unanswered proposal or submission is sent again.
    public var retryInterval: Int64 = 2
    /// How far ahead of this node's clock an entry's time may be. The chain's clock is the latest
    /// entry time, so an entry dated far in the future would expire every pending proposal.
    public var maxClockSkew: Int64 = 600
    /// Seconds between a witness's checks with the leader for final checkpoints it missed.
    public var syncInterval: Int64 = 5
    /// Seconds without progress, while work waits, before moving to the next view; doubled for
    /// each view in a row that makes no progress (up to 16 times).
    public var viewTimeout: Int64 = 12
    var lastSync: Int64 = 0
    /// Which peer the next anti-entropy fetch goes to.
    var syncRound = 0

    public internal(set) var durable: Durable
    /// The state after the committed entries.
    public internal(set) var committedState: ChainState
    /// The state after the committed and pending entries.
    public internal(set) var replica: ChainState
    var tree = InMemoryHashStore()

    /// The replica plus the entries submitted here since the replica last changed, with the
    /// replica's size and root when it was made: checks a submission without copying the whole
    /// chain state for each one.
    var submitted: ChainState?
    var submittedBase: (size: TreeSize, root: Hash)?

    // Leader state.
    var queue: EntryQueue = []
    var speculative: ChainState?
    struct Outstanding {
        var note: Note
        var size: TreeSize
        var root: Hash
        var votes: [String: [UInt8]]
        var certificate: PrepareCertificate?
        var cosigners: [String: NoteSignature]
        var sentAt: Int64
    }
    var outstanding: Outstanding?
    var acknowledged: [String: TreeSize] = [:]
    /// Submissions waiting to be committed, by hash, with the time they were last sent.
    var waiting: [EntryHash: (entry: Entry, sentAt: Int64)] = [:]

    // View-change state.
    /// Whether this node has left ``view``'s predecessor and waits for ``view`` to start.
    public internal(set) var changing: Bool {
        get { durable.changing }
        set { durable.changing = newValue }
    }
    /// When progress was last made (nil until the first tick after a start).
    var lastProgress: Int64?
    /// When a quorum of view changes for the current view was first seen.
    var quorumSeenAt: Int64?
    var progressView: UInt64 = 0
    var viewChangeSentAt: Int64 = 0
    /// The latest view change received from each node.
    var changes: [String: ViewChange] = [:]
    /// The certificate that started the current view, to forward to nodes left behind.
    var installed: NewView?
    /// Prepare certificates already verified, by digest (they arrive again in every view change).
    var verifiedCertificates = VerifiedCache()
    /// A new leader waiting for the base's entries.
    var awaitingBase: (view: UInt64, changes: [ViewChange], base: Checkpoint)?

    // Equivocation state (NodeMachine+Equivocation.swift).
    /// ``Durable/checkpoints`` as parsed, in the same order, with their echo schedule.
    var seen: [SeenCheckpoint] = []
    /// The first checkpoint seen in each slot (signer, view, size).
    var slots: [CheckpointSlot: Hash] = [:]
    /// Two checkpoints of one slot with different roots, by offender and size.
    var accusations: [EquivocationKey: Accusation] = [:]
    /// Whether ``Durable/checkpoints`` changed since the last `persist` effect.
    var checkpointsChanged = false
    /// The members' checkpoint keys by key ID, and the committed size they were read at.
    var leaderKeys: (size: Int, keys: [KeyID: (name: String, key: VerifierKey)]) = (-1, [:])
    var lastEchoScan: Int64?

    /// A node starting from the genesis entry, or resuming from what it had made durable.
    public init(name: String, key: SignerKey, genesis: Entry, durable: Durable? = nil) throws(LedgerError) {
        self.name = name
        self.key = key
        var state = try ChainState(genesis: genesis)
        var tree = InMemoryHashStore()
        tree.append(genesis.hash)
        let restored = durable ?? Durable(entries: [genesis])
        for entry in restored.entries.dropFirst() {
            try state.apply(entry)
            tree.append(entry.hash)
        }
        committedState = state
        for entry in restored.pending {
            try state.apply(entry)
            tree.append(entry.hash)
        }
        self.durable = restored
        self.replica = state
        self.tree = tree
        progressView = restored.view
        restoreCheckpointMemory()
    }

    public var origin: String { replica.origin }
    public var view: UInt64 { durable.view }
    /// The leader of the current view.
    public var leader: String { leader(of: durable.view) }
    public var isLeader: Bool { leader == name && !changing }
    /// Entries held: committed and pending.
    public var size: TreeSize { tree.tree.size }
    /// The Merkle tree over the replicated entries (committed and pending): proofs for any size
    /// up to ``size``.
    package var hashes: InMemoryHashStore { tree }
    public var root: Hash { tree.tree.root }
    /// Size covered by the latest final checkpoint (the genesis is committed from the start).
    public var committedSize: TreeSize { TreeSize(UInt64(durable.entries.count)) }
    /// The committed and pending entries.
    public var entries: [Entry] { durable.entries + durable.pending }

    /// Voting members in name order.
    var voters: [String] { committedState.members.values.filter(\.votes).map(\.name).sorted() }
    /// Voting members other than this node.
    var peers: [String] { voters.filter { $0 != name } }

    /// The leader of `view` under the committed state's ``Rotation``: the voting members in name
    /// order, starting from the chain's leader (the genesis leader, or one voted since), rotated
    /// by the view number, skipping members with committed equivocation evidence.
    public func leader(of view: UInt64) -> String { Rotation(committedState).leader(of: view) }

    /// Who leads which view, as a function of a committed state only, so every node that has
    /// committed the same entries agrees (docs/protocol.md, "Leadership").
    struct Rotation: Equatable {
        /// Voting members in name order.
        var voters: [String]
        /// The chain's leader: it leads view 0 and every n-th view after it.
        var start: String
        /// Members with committed equivocation evidence: they lead no view.
        var excluded: Set<String>

        init(_ state: ChainState) {
            voters = state.members.values.filter(\.votes).map(\.name).sorted()
            start = state.leader
            excluded = Set(state.equivocations.map(\.offender))
        }

        func isEligible(_ name: String) -> Bool { voters.contains(name) && !excluded.contains(name) }

        func leader(of view: UInt64) -> String {
            guard !voters.isEmpty else { return start }
            let first = ((voters.firstIndex(of: start) ?? 0) + Int(view % UInt64(voters.count))) % voters.count
            // The next eligible member in name order; everyone, if no one is eligible.
            for step in 0..<voters.count where !excluded.contains(voters[(first + step) % voters.count]) {
                return voters[(first + step) % voters.count]
            }
            return voters[first]
        }
    }

    /// Whether `names` (voting members) meet the chain's quorum: 2f+1 of the n voting members,
    /// plus every supervisor when the genesis says so.
    func isQuorum(_ names: some Sequence<String>) -> Bool {
        let voting = Set(voters)
        let present = Set(names).intersection(voting)
        let f = (voting.count - 1) / 3
        guard present.count >= min(voting.count, 2 * f + 1) else { return false }
        if committedState.genesis.quorumIncludesSupervisors {
            for member in committedState.members.values where member.votes && member.role == .supervisor {
                if !present.contains(member.name) { return false }
            }
        }
        return true
    }

    /// How many of the voting members may be faulty.
    var faultLimit: Int { (voters.count - 1) / 3 }

    /// The checkpoint key of `member` as leader: its key under the chain's origin.
    static func logKey(of member: Member, origin: String) -> VerifierKey? {
        try? VerifierKey(name: origin, type: .ed25519, publicKey: member.key.publicKey)
    }

    /// The policy a checkpoint of this chain must meet: signed by a voting member as leader and
    /// cosigned by 2f+1 of the n voting members (plus every supervisor when the genesis says so).
    public func checkpointPolicy() -> Policy { Self.checkpointPolicy(for: committedState) }

    /// The checkpoint policy of the chain whose replayed state is `state` (see
    /// ``checkpointPolicy()``); what an offline verifier uses.
    public static func checkpointPolicy(for state: ChainState) -> Policy {
        let origin = state.origin
        let voters = state.members.values.filter(\.votes).sorted { $0.name < $1.name }
        let n = voters.count
        let f = (n - 1) / 3
        let logs = voters.compactMap { Self.logKey(of: $0, origin: origin) }
        let witnesses = voters.compactMap { member in
            (try? VerifierKey(name: member.name, type: .cosignature, publicKey: member.key.publicKey)).map { ("w-" + member.name, $0) }
        }
        var groups = [Policy.Group(name: "quorum", threshold: min(n, 2 * f + 1), members: voters.map { "w-" + $0.name })]
        let supervisors = voters.filter { $0.role == .supervisor }.map { "w-" + $0.name }
        var quorum = "quorum"
        if state.genesis.quorumIncludesSupervisors, !supervisors.isEmpty {
            groups.append(Policy.Group(name: "supervisors", threshold: supervisors.count, members: supervisors))
            groups.append(Policy.Group(name: "final", threshold: 2, members: ["quorum", "supervisors"]))
            quorum = "final"
        }
        // Built from validated members, so it always parses.
        return try! Policy(logs: logs, witnesses: witnesses, groups: groups, quorum: quorum)
    }

    /// The checkpoint of a final note, if the note meets the quorum.
    func finalCheckpoint(_ note: Note) -> Checkpoint? {
        guard let evaluation = try? checkpointPolicy().evaluate(note.bytes), evaluation.isSatisfied else { return nil }
        return evaluation.checkpoint
    }

    // MARK: Inputs

    /// An entry from this node's own application (or a client).
    public mutating func submit(_ entry: Entry, now: Int64) -> [NodeEffect] {
        guard !committedState.contains(entry: entry.hash), waiting[entry.hash] == nil else { return [] }
        if let problem = timeProblem(entry, now: now) { return [.refused(problem)] }
        // The leader checks it against its queue when it enqueues it, below.
        if !isLeader, !replica.contains(entry: entry.hash) {
            let (size, root) = (tree.tree.size, tree.tree.root)
            if let base = submittedBase, base.size != size || base.root != root { submitted = nil }
            // Taken out of the property, so that applying mutates it in place.
            var state = submitted.take() ?? replica
            submittedBase = (size, root)
            do { try state.apply(entry) } catch {
                // A refused entry changes nothing (``ChainState/apply(_:)``).
                submitted = state
                return [.refused("entry \(entry.hash.hex.prefix(12)): \(error.message)")]
            }
            submitted = state
        }
        // Kept until committed, and sent again to each new leader.
        waiting[entry.hash] = (entry, now)
        if isLeader {
            return enqueueWaiting(entry, now: now)
        }
        return changing ? [] : [.send(to: leader, .submit(entry))]
    }

    /// A message from another node (the transport has authenticated `sender`).
    public mutating func receive(_ message: NodeMessage, from sender: String, now: Int64) -> [NodeEffect] {
        guard replica.members[sender] != nil || committedState.members[sender] != nil else {
            return [.refused("message from non-member \(sender.prefix(60))")]
        }
        // Every checkpoint signed by a member as leader is checked against those seen before.
        switch message {
        case .propose(let proposal): observe(proposal.request.checkpoint)
        case .commit(let certificate): observe(certificate.checkpoint)
        case .final(let note), .catchUp(_, _, let note): observe(note)
        case .viewChange(let change): observe(change)
        case .newView(let newView): for change in newView.changes { observe(change) }
        default: break
        }
        let effects = handle(message, from: sender, now: now)
        guard checkpointsChanged || accusations.count > 0 else { return effects }
        return effects + reportEquivocations(now: now)
    }

    mutating func handle(_ message: NodeMessage, from sender: String, now: Int64) -> [NodeEffect] {
        switch message {
        case .submit(let entry):
            guard isLeader else { return changing ? [] : [.send(to: leader, .submit(entry))] }
            return enqueue(entry, now: now)
        case .propose(let proposal):
            return witness(proposal, from: sender, now: now)
        case .prepare(let view, let size, let signature):
            return collectVote(view: view, size: size, signature: signature, from: sender, now: now)
        case .commit(let certificate):
            return cosign(certificate, from: sender, now: now)
        case .cosign(let size, let signature):
            return collectCosignature(size: size, signature: signature, from: sender, now: now)
        case .conflict(let size):
            return resend(to: sender, from: size, now: now)
        case .final(let note):
            return learnFinal(note, from: sender, now: now)
        case .fetch(let from):
            return serveCatchUp(from: from, to: sender)
        case .catchUp(let start, let entries, let final):
            return catchUp(start: start, entries: entries, final: final, now: now)
        case .viewChange(let change):
            return receiveViewChange(change, from: sender, now: now)
        case .newView(let newView):
            return install(newView, from: sender, now: now)
        case .fetchPrepared(let from, let size):
            return servePrepared(from: from, size: size, to: sender)
        case .prepared(let start, let entries):
            return receivePrepared(start: start, entries: entries, now: now)
        }
    }

    /// Time passes: resend what was not answered, propose what is queued, and move to the next
    /// view when the leader makes no progress.
    public mutating func tick(now: Int64) -> [NodeEffect] {
        var effects = evidenceTick(now: now)
        if !hasWork || lastProgress == nil { lastProgress = now }
        // Installed: the leader must make progress in time. Changing: once a quorum has moved
        // to this view, its leader must start it in time (so one node cannot run ahead alone).
        let timerStart = changing ? quorumSeenAt : lastProgress
        if let timerStart, now - timerStart >= currentTimeout {
            return effects + startViewChange(to: durable.view + 1, now: now)
        }
        if now - lastSync >= syncInterval {
            // Anti-entropy: learn final checkpoints (and entries) missed while down or cut off,
            // from each other voter in turn — a restarted leader of a view the others left must
            // learn it too, and a peer that does not answer is not asked every time. A node
            // waiting for a view change asks as well: the others may not need one and be idle.
            lastSync = now
            let others = voters.filter { $0 != name }
            if !others.isEmpty {
                effects.append(.send(to: others[syncRound % others.count], .fetch(from: committedSize)))
                syncRound &+= 1
            }
        }
        if changing {
            if now - viewChangeSentAt >= retryInterval { effects += broadcastViewChange(now: now) }
            if let awaitingBase, now - viewChangeSentAt >= retryInterval {
                effects += requestBase(awaitingBase.base, changes: awaitingBase.changes)
            }
            return effects
        }
        for (hash, item) in waiting where now - item.sentAt >= retryInterval && !isLeader {
            if !replica.contains(entry: hash) {
                var copy = replica
                if (try? copy.apply(item.entry)) == nil {
                    // Another entry made it invalid (e.g. a vote after the proposal settled).
                    waiting[hash] = nil
                    effects.append(.refused("entry \(hash.hex.prefix(12)) is no longer valid; dropped"))
                    continue
                }
            }
            waiting[hash]!.sentAt = now
            effects.append(.send(to: leader, .submit(item.entry)))
        }
        if isLeader {
            for (hash, item) in waiting where !replica.contains(entry: hash) && !queue.contains(hash) {
                effects += enqueueWaiting(item.entry, now: now)
            }
            if let outstanding, now - outstanding.sentAt >= retryInterval {
                self.outstanding!.sentAt = now
                effects += resendOutstanding()
            } else if outstanding == nil {
                effects += proposeNext(now: now)
            }
        }
        return effects
    }

    /// Whether something waits to be committed.
    var hasWork: Bool { !waiting.isEmpty || !durable.pending.isEmpty || !queue.isEmpty || changing }

    var currentTimeout: Int64 {
        viewTimeout << Int64(min(durable.view &- progressView, 4))
    }

    // MARK: Leader

    /// Why an entry's time is not acceptable at `now`, if it is not.
    func timeProblem(_ entry: Entry, now: Int64) -> String? {
        entry.time > now &+ maxClockSkew
            ? "entry \(entry.hash.hex.prefix(12)) is dated \(entry.time - now) s ahead of this node's clock (at most \(maxClockSkew))" : nil
    }

    /// Enqueues one of this node's ``waiting`` submissions; one the queue refuses is no longer
    /// waited for.
    mutating func enqueueWaiting(_ entry: Entry, now: Int64) -> [NodeEffect] {
        let effects = enqueue(entry, now: now)
        if !replica.contains(entry: entry.hash) && !queue.contains(entry.hash) { waiting[entry.hash] = nil }
        return effects
    }

    mutating func enqueue(_ entry: Entry, now: Int64) -> [NodeEffect] {
        guard !replica.contains(entry: entry.hash), !queue.contains(entry.hash) else { return [] }
        if let problem = timeProblem(entry, now: now) { return [.refused(problem)] }
        // Taken out, so that applying mutates the one copy instead of copying the whole state;
        // a refused entry changes nothing (``ChainState/apply(_:)``), so it goes back as it was.
        let hadSpeculative = speculative != nil
        var state = speculative.take() ?? replica
        do { try state.apply(entry) } catch {
            if hadSpeculative { speculative = state }
            return [.refused("entry \(entry.hash.hex.prefix(12)): \(error.message)")]
        }
        speculative = state
        queue.append(entry)
        return outstanding == nil ? proposeNext(now: now) : []
    }

    /// Signs a checkpoint over the queued entries (or re-signs the pending ones, e.g. a new
    /// view's base) and sends it to every witness.
    mutating func proposeNext(now: Int64) -> [NodeEffect] {
        guard isLeader, outstanding == nil else { return [] }
        guard !queue.isEmpty || size > committedSize else { return [] }
        var bytes = 0
        let batch = queue.removeFirst(batchSize) { entry in
            bytes += entry.bytes.count
            return bytes <= batchBytes || bytes == entry.bytes.count
        }
        // Applied to the replica itself (cleared so that the state is not copied).
        var state = replica
        replica = committedState
        var newTree = tree
        tree = InMemoryHashStore()
        var appended: [Entry] = []
        for entry in batch where !state.contains(entry: entry.hash) {
            guard (try? state.apply(entry)) != nil else { continue }
            newTree.append(entry.hash)
            appended.append(entry)
        }
        if queue.isEmpty { speculative = nil }
        let view = durable.view
        guard
            let note = try? Checkpoint(
                origin: origin, size: newTree.tree.size, root: newTree.tree.root, extensions: view == 0 ? [] : ["view \(view)"]
            ).signed(by: [try key.renamed(origin)])
        else {
            rebuildReplica()
            return [.refused("cannot sign a checkpoint")]
        }
        // The leader is a witness too: it validates (prepares) its own checkpoint, persisting first.
        replica = state
        tree = newTree
        durable.pending += appended
        durable.witness = WitnessRecord(origin: origin, size: newTree.tree.size, root: newTree.tree.root)
        let statement = Statement.prepare(origin: origin, view: view, size: newTree.tree.size, root: newTree.tree.root)
        guard let vote = try? key.sign(text: statement) else { return [.refused("cannot sign a prepare vote")] }
        outstanding = Outstanding(
            note: note, size: newTree.tree.size, root: newTree.tree.root, votes: [name: vote.signature], certificate: nil,
            cosigners: [:], sentAt: now)
        var effects: [NodeEffect] = [.persist]
        for peer in peers { effects += propose(to: peer, note: note, size: newTree.tree.size) }
        return effects + certifyIfQuorum(now: now)
    }

    func propose(to peer: String, note: Note, size: TreeSize) -> [NodeEffect] {
        let old = acknowledged[peer] ?? committedSize
        guard old <= size, let proof = old.rawValue == 0 || old == size ? [] : try? MerkleProof.consistencyProof(from: old, to: size, store: tree)
        else { return [] }
        let all = entries
        let entries = Array(all[Int(old.rawValue)..<Int(size.rawValue)])
        return [.send(to: peer, .propose(CheckpointProposal(request: AddCheckpointRequest(oldSize: old, proof: proof, checkpoint: note), entries: entries)))]
    }

    func resendOutstanding() -> [NodeEffect] {
        guard let outstanding else { return [] }
        var effects: [NodeEffect] = []
        for peer in peers {
            if outstanding.votes[peer] == nil {
                // A witness that missed the new view's announcement cannot validate without it.
                if let installed, installed.view == durable.view { effects.append(.send(to: peer, .newView(installed))) }
                effects += propose(to: peer, note: outstanding.note, size: outstanding.size)
            } else if let certificate = outstanding.certificate, outstanding.cosigners[peer] == nil {
                effects.append(.send(to: peer, .commit(certificate)))
            }
        }
        return effects
    }

    /// Whether `signature` is `member`'s Ed25519 signature of `statement`.
    func verify(_ signature: [UInt8], of statement: [UInt8], by member: String) -> Bool {
        guard let member = committedState.members[member] ?? replica.members[member],
            let key = try? VerifierKey(name: member.name, type: .ed25519, publicKey: member.key.publicKey)
        else { return false }
        return key.verify(text: statement, signature: signature)
    }

    mutating func collectVote(view: UInt64, size: TreeSize, signature: [UInt8], from sender: String, now: Int64) -> [NodeEffect] {
        guard let outstanding, view == durable.view, outstanding.size == size, outstanding.certificate == nil else { return [] }
        let statement = Statement.prepare(origin: origin, view: view, size: size, root: outstanding.root)
        guard verify(signature, of: statement, by: sender) else {
            return [.refused("prepare vote from \(sender.prefix(60)) does not verify for the outstanding checkpoint")]
        }
        acknowledged[sender] = size
        self.outstanding!.votes[sender] = signature
        return certifyIfQuorum(now: now)
    }

    /// With a quorum of prepare votes: lock on the certificate, cosign, and ask the witnesses to.
    mutating func certifyIfQuorum(now: Int64) -> [NodeEffect] {
        guard let outstanding, outstanding.certificate == nil, isQuorum(outstanding.votes.keys) else { return [] }
        let certificate = PrepareCertificate(view: durable.view, checkpoint: outstanding.note, votes: outstanding.votes)
        self.outstanding!.certificate = certificate
        lock(certificate)
        guard let own = try? key.withType(.cosignature).sign(text: Array(outstanding.note.text.utf8), timestamp: UInt64(max(now, 0)))
        else { return [.persist] }
        self.outstanding!.cosigners[name] = own
        var effects: [NodeEffect] = [.persist]
        for peer in peers where outstanding.votes[peer] != nil { effects.append(.send(to: peer, .commit(certificate))) }
        return effects + finishIfQuorum(now: now)
    }

    mutating func lock(_ certificate: PrepareCertificate) {
        guard let checkpoint = try? Checkpoint(text: certificate.checkpoint.text) else { return }
        if let current = durable.lock, let held = try? Checkpoint(text: current.checkpoint.text),
            (current.view, held.size.rawValue) >= (certificate.view, checkpoint.size.rawValue)
        {
            return
        }
        durable.lock = certificate
    }

    mutating func collectCosignature(size: TreeSize, signature: NoteSignature, from sender: String, now: Int64) -> [NodeEffect] {
        guard let outstanding, outstanding.size == size, outstanding.certificate != nil, let member = committedState.members[sender],
            let key = try? VerifierKey(name: sender, type: .cosignature, publicKey: member.key.publicKey),
            signature.name.sameBytes(sender), signature.keyID == key.keyID,
            key.verify(text: Array(outstanding.note.text.utf8), signature: signature.signature)
        else { return [.refused("cosignature from \(sender.prefix(60)) does not verify for the outstanding checkpoint")] }
        self.outstanding!.cosigners[sender] = signature
        return finishIfQuorum(now: now)
    }

    mutating func resend(to peer: String, from size: TreeSize, now: Int64) -> [NodeEffect] {
        guard let outstanding, size <= outstanding.size, size >= committedSize || size.rawValue == 0 else { return [] }
        acknowledged[peer] = size
        return propose(to: peer, note: outstanding.note, size: outstanding.size)
    }

    /// With a quorum of cosignatures: final. `now` restarts the progress timer — a leader that
    /// commits under continuous load must not time out its own view.
    mutating func finishIfQuorum(now: Int64) -> [NodeEffect] {
        guard let outstanding else { return [] }
        var note = outstanding.note
        note.signatures += outstanding.cosigners.keys.sorted().map { outstanding.cosigners[$0]! }
        guard finalCheckpoint(note) != nil else { return [] }
        self.outstanding = nil
        var effects = adoptFinal(note, size: outstanding.size, now: now)
        for peer in committedState.members.keys.sorted() where peer != name { effects.append(.send(to: peer, .final(note))) }
        return effects
    }

    // MARK: Witness

    func witnessCore() -> Witness? {
        guard let leader = committedState.members[leader], let logKey = Self.logKey(of: leader, origin: origin) else { return nil }
        return try? Witness(key: key.withType(.cosignature), logs: [origin: [logKey]])
    }

    mutating func witness(_ proposal: CheckpointProposal, from sender: String, now: Int64) -> [NodeEffect] {
        guard !changing, sender == leader, let core = witnessCore() else {
            return [.refused("proposal from \(sender.prefix(60)), who is not the leader of view \(durable.view)")]
        }
        if let checkpoint = try? Checkpoint(text: proposal.request.checkpoint.text), checkpoint.view != durable.view {
            return [.refused("proposal for view \(checkpoint.view) in view \(durable.view)")]
        }
        // Applied to the replica itself (the property is cleared so that the state is not
        // copied); a refused proposal rebuilds it below.
        let current = durable.witness ?? WitnessRecord(origin: origin, size: size, root: root)
        let replicaSize = size
        var next = replica
        replica = committedState
        var touched = false
        var nextTree = tree
        tree = InMemoryHashStore()
        let outcome = core.addCheckpoint(proposal.request, current: current, timestamp: UInt64(max(now, 0))) { checkpoint in
            // A full replica: the entries must extend what it holds and give the checkpoint's root.
            guard proposal.request.oldSize == replicaSize, UInt64(proposal.entries.count) == checkpoint.size.rawValue - replicaSize.rawValue else {
                return LedgerError(.badProof, "entries do not extend this replica of size \(replicaSize)")
            }
            for entry in proposal.entries {
                if let problem = self.timeProblem(entry, now: now) { return LedgerError(.rejectedEntry, problem) }
                touched = true
                do throws(LedgerError) { try next.apply(entry) } catch { return error }
                nextTree.append(entry.hash)
            }
            return nextTree.tree.root == checkpoint.root ? nil : LedgerError(.badProof, "entries give another root")
        }
        switch outcome {
        case .cosigned(_, let record):
            replica = next
            tree = nextTree
            durable.pending += proposal.entries
            durable.witness = record
            let statement = Statement.prepare(origin: origin, view: durable.view, size: record.size, root: record.root)
            guard let vote = try? key.sign(text: statement) else { return [.persist] }
            return [.persist, .send(to: sender, .prepare(view: durable.view, size: record.size, signature: vote.signature))]
        case .conflict(let currentSize, _):
            restoreReplica(next, nextTree, touched: touched)
            return [.send(to: sender, .conflict(size: currentSize))]
        case .refused(_, let reason):
            restoreReplica(next, nextTree, touched: touched)
            return [.refused(reason)]
        }
    }

    /// Puts back the replica taken out for validating a proposal: as it was if no entry was
    /// applied to it, else recomputed from the committed state and the pending entries.
    private mutating func restoreReplica(_ taken: ChainState, _ takenTree: InMemoryHashStore, touched: Bool) {
        if touched {
            rebuildReplica()
        } else {
            replica = taken
            tree = takenTree
        }
    }

    /// Whether `certificate` is a valid prepare certificate of this chain: the checkpoint signed
    /// by a voting member as leader, and a quorum of valid votes. The signer is not checked
    /// against the rotation: the rotation moves when governance changes are committed, and a
    /// node must not drop a lock formed under an earlier one. The votes make the certificate
    /// (honest witnesses vote, within a view, only for checkpoints consistent with each other).
    func isValid(_ certificate: PrepareCertificate) -> Checkpoint? {
        if let known = verifiedCertificates[certificate.digest] { return known }
        let logKeys = committedState.members.values.filter(\.votes).compactMap { Self.logKey(of: $0, origin: origin) }
        guard let verified = try? VerifierSet(logKeys).verify(certificate.checkpoint.bytes),
            let checkpoint = try? Checkpoint(text: verified.note.text), checkpoint.origin == origin,
            checkpoint.view == certificate.view
        else { return nil }
        let statement = Statement.prepare(origin: origin, view: certificate.view, size: checkpoint.size, root: checkpoint.root)
        let valid = certificate.votes.filter { verify($0.value, of: statement, by: $0.key) }.keys
        guard isQuorum(valid) else { return nil }
        verifiedCertificates.insert(certificate.digest, checkpoint)
        return checkpoint
    }

    mutating func cosign(_ certificate: PrepareCertificate, from sender: String, now: Int64) -> [NodeEffect] {
        guard !changing, certificate.view == durable.view, sender == leader else { return [] }
        guard let checkpoint = isValid(certificate) else {
            return [.refused("prepare certificate from \(sender.prefix(60)) does not verify")]
        }
        // Only what this node validated: the checkpoint must be in its replica.
        guard checkpoint.size <= size, checkpoint.size >= committedSize,
            (try? MerkleProof.root(size: checkpoint.size, store: tree)) == checkpoint.root
        else { return [] }
        lock(certificate)
        guard let signature = try? key.withType(.cosignature).sign(text: Array(certificate.checkpoint.text.utf8), timestamp: UInt64(max(now, 0)))
        else { return [.persist] }
        return [.persist, .send(to: sender, .cosign(size: checkpoint.size, signature: signature))]
    }

    // MARK: Finality and catch-up

    mutating func learnFinal(_ note: Note, from sender: String, now: Int64) -> [NodeEffect] {
        // Cheap checks first: most final checkpoints received are already known.
        guard let claimed = try? Checkpoint(text: note.text), claimed.size > committedSize else { return [] }
        // A checkpoint with its leader's signature only, echoed by a witness for the equivocation
        // check (done in `receive`); it is not final.
        guard note.signatures.count > 1 else { return [] }
        guard let checkpoint = finalCheckpoint(note) else {
            return [.refused("final checkpoint from \(sender.prefix(60)) does not meet the quorum")]
        }
        guard checkpoint.size > committedSize else { return [] }
        guard checkpoint.size <= size, (try? MerkleProof.root(size: checkpoint.size, store: tree)) == checkpoint.root else {
            return [.send(to: sender, .fetch(from: committedSize))]
        }
        return adoptFinal(note, size: checkpoint.size, view: checkpoint.view, now: now)
    }

    /// Commits the pending entries up to `size`, which the final checkpoint `note` covers.
    ///
    /// When the entries change the ``Rotation`` (a leader voted, equivocation evidence) so that
    /// the current view has another leader, the node leaves the view for the next one led by the
    /// chain's leader (see ``followRotation(now:)``), unless `followRotation` is false.
    mutating func adoptFinal(_ note: Note, size: TreeSize, view: UInt64? = nil, now: Int64? = nil, followRotation: Bool = true) -> [NodeEffect] {
        let count = Int(size.rawValue) - durable.entries.count
        guard count > 0, count <= durable.pending.count else { return [] }
        let rotation = Rotation(committedState)
        let newly = durable.pending.prefix(count)
        for entry in newly {
            // Validated when it became pending; it cannot fail on the same state.
            try? committedState.apply(entry)
            waiting[entry.hash] = nil
        }
        durable.entries += newly
        durable.pending.removeFirst(count)
        durable.final = note
        committedState.recordReceipts(checkpointSize: Int(size.rawValue), cosigners: note.signatures.map(\.name))
        replica.recordReceipts(checkpointSize: Int(size.rawValue), cosigners: note.signatures.map(\.name))
        if let now { lastProgress = now }
        progressView = max(progressView, durable.view)
        var effects: [NodeEffect] = []
        if let view, view > durable.view {
            // A final checkpoint of a later view: that view was installed without this node.
            effects += enterView(view, now: now ?? lastProgress ?? 0)
        }
        effects += [.persist, .commit(size: size, checkpoint: note)]
        let after = Rotation(committedState)
        if followRotation, after != rotation, after.leader(of: durable.view) != rotation.leader(of: durable.view) {
            effects += self.followRotation(now: now ?? lastProgress ?? 0)
        }
        return effects
    }

    func serveCatchUp(from start: TreeSize, to peer: String) -> [NodeEffect] {
        guard let final = durable.final, let checkpoint = try? Checkpoint(text: final.text), start <= committedSize else { return [] }
        // A peer that already holds the entries only needs the final checkpoint.
        guard start < checkpoint.size else { return [.send(to: peer, .final(final))] }
        let entries = Array(durable.entries[Int(start.rawValue)..<Int(checkpoint.size.rawValue)])
        return [.send(to: peer, .catchUp(start: start, entries: entries, final: final))]
    }

    mutating func catchUp(start: TreeSize, entries: [Entry], final: Note, now: Int64) -> [NodeEffect] {
        guard start == committedSize, let checkpoint = finalCheckpoint(final),
            checkpoint.size.rawValue == start.rawValue + UInt64(entries.count)
        else { return [] }
        guard checkpoint.size > committedSize else { return [] }
        var next = committedState
        var nextTree = InMemoryHashStore()
        nextTree.append(contentsOf: durable.entries.map(\.hash))
        for entry in entries {
            guard (try? next.apply(entry)) != nil else { return [.refused("catch-up entry is not valid")] }
            nextTree.append(entry.hash)
        }
        guard nextTree.tree.root == checkpoint.root else { return [.refused("catch-up entries give another root")] }
        // Pending entries that the final checkpoint does not extend are dropped (they were never
        // final: a final checkpoint extends every other one).
        let keep = pendingConsistent(with: entries)
        durable.pending = entries + keep
        rebuildReplica()
        if durable.witness.map({ $0.size < size }) ?? true || keep.isEmpty {
            durable.witness = WitnessRecord(origin: origin, size: size, root: root)
        }
        return adoptFinal(final, size: checkpoint.size, view: checkpoint.view, now: now)
    }

    /// The pending entries after `entries` if the pending entries start with them, else none.
    func pendingConsistent(with entries: [Entry]) -> [Entry] {
        let pending = durable.pending
        guard pending.count > entries.count, zip(pending, entries).allSatisfy({ $0.hash == $1.hash }) else { return [] }
        return Array(pending.dropFirst(entries.count))
    }

    /// Recomputes the replica and the tree from the committed state and the pending entries,
    /// dropping pending entries from the first one that does not apply.
    mutating func rebuildReplica() {
        var state = committedState
        var tree = InMemoryHashStore()
        tree.append(contentsOf: durable.entries.map(\.hash))
        var kept: [Entry] = []
        for entry in durable.pending {
            guard (try? state.apply(entry)) != nil else { break }
            tree.append(entry.hash)
            kept.append(entry)
        }
        durable.pending = kept
        replica = state
        self.tree = tree
        speculative = nil
    }
}

/// A small memo of verified prepare certificates: a reference type, so that checking one from a
/// non-mutating method can still record it. Bounded; cleared when full.
final class VerifiedCache: @unchecked Sendable {
    private var items: [Hash: Checkpoint] = [:]
    subscript(digest: Hash) -> Checkpoint? { items[digest] }
    func insert(_ digest: Hash, _ checkpoint: Checkpoint) {
        if items.count >= 256 { items.removeAll(keepingCapacity: true) }
        items[digest] = checkpoint
    }
}
