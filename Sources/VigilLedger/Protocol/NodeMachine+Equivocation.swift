/// Equivocation (docs/protocol.md, "Equivocation"): every checkpoint a node sees signed by the
/// leader of its view — in proposals, prepare certificates, final checkpoints, catch-ups, view
/// changes and new views — is remembered by its slot (signer, view, size). A second checkpoint
/// in one slot with another root is proof that the signer lied (an honest leader signs one
/// checkpoint per size in a view): the node authors an `evidence` entry with both checkpoints,
/// submits it like any entry it authors, shows both checkpoints to every member, and leaves a
/// view that the liar leads. Once the evidence is committed the ``NodeMachine/Rotation`` skips
/// the liar.
///
/// Checkpoints travel to the other members as `final` messages with the leader's signature only
/// ("echoes"; they are never taken for final): the two checkpoints of an accusation, and the
/// checkpoints a node saw that its committed history or a view change left behind, so that
/// what a leader showed one witness meets what it showed another.
extension NodeMachine {
    /// How many checkpoints a node remembers per signer (``Durable/checkpoints``): a member
    /// that signs many checkpoints can only push its own out.
    public static let checkpointMemory = 64
    /// How many times a checkpoint left behind is echoed, at growing intervals.
    static let maxEchoes = 8

    /// Where a checkpoint signed by a member as leader belongs.
    struct CheckpointSlot: Hashable {
        var signer: String
        var view: UInt64
        var size: TreeSize
    }

    /// A checkpoint remembered, with the signer's signature only.
    struct SeenCheckpoint {
        var slot: CheckpointSlot
        var root: Hash
        var note: Note
        /// The committed entries give it, or its slot's equivocation is committed: no echo.
        var settled = false
        var echoes = 0
        var nextEcho: Int64?
    }

    /// One equivocation: evidence is recorded once per offender and size.
    struct EquivocationKey: Hashable, Comparable {
        var offender: String
        var size: TreeSize
        static func < (a: Self, b: Self) -> Bool { (a.offender, a.size.rawValue) < (b.offender, b.size.rawValue) }
    }

    /// Two checkpoints of one slot with different roots.
    struct Accusation {
        var first: Note
        var second: Note
        /// Whether this node has acted on it (evidence authored, or it is the offender itself).
        var reported = false
        /// The evidence entry this node authored.
        var evidence: Entry?
    }

    /// The voting members' checkpoint keys (their key under the chain's origin) by key ID.
    mutating func checkpointKeys() -> [KeyID: (name: String, key: VerifierKey)] {
        if leaderKeys.size == committedState.size { return leaderKeys.keys }
        var keys: [KeyID: (name: String, key: VerifierKey)] = [:]
        for member in committedState.members.values where member.votes {
            if let key = Self.logKey(of: member, origin: origin) { keys[key.keyID] = (member.name, key) }
        }
        leaderKeys = (committedState.size, keys)
        return keys
    }

    /// Checks a checkpoint signed by a member as leader against those seen, and remembers it.
    mutating func observe(_ note: Note?) {
        guard let note, let checkpoint = try? Checkpoint(text: note.text), checkpoint.origin == origin else { return }
        let keys = checkpointKeys()
        for signature in note.signatures where signature.name.sameBytes(origin) {
            // Only checkpoints signed by the leader of their view: a member cannot fill the
            // memory with checkpoints of views it does not lead.
            guard let signer = keys[signature.keyID], signer.name == leader(of: checkpoint.view) else { continue }
            let slot = CheckpointSlot(signer: signer.name, view: checkpoint.view, size: checkpoint.size)
            // Known: no signature check needed.
            if slots[slot] == checkpoint.root { return }
            guard signer.key.verify(text: Array(note.text.utf8), signature: signature.signature),
                let single = try? Note(text: note.text, signatures: [signature])
            else { continue }
            remember(single, slot: slot, root: checkpoint.root)
            return
        }
    }

    /// The lock's and the final checkpoint of a view change.
    mutating func observe(_ change: ViewChange) {
        observe(change.lock?.checkpoint)
        observe(change.final)
    }

    /// Adds a verified checkpoint to the memory; a second root in a slot makes an accusation.
    mutating func remember(_ note: Note, slot: CheckpointSlot, root: Hash) {
        if let known = slots[slot] {
            guard known != root else { return }
            let key = EquivocationKey(offender: slot.signer, size: slot.size)
            guard accusations[key] == nil, let first = seen.first(where: { $0.slot == slot && $0.root == known })?.note else { return }
            accusations[key] = Accusation(first: first, second: note)
        } else {
            slots[slot] = root
        }
        seen.append(SeenCheckpoint(slot: slot, root: root, note: note))
        durable.checkpoints.append(note)
        checkpointsChanged = true
        if seen.lazy.filter({ $0.slot.signer == slot.signer }).count > Self.checkpointMemory,
            let oldest = seen.firstIndex(where: { $0.slot.signer == slot.signer })
        {
            let dropped = seen.remove(at: oldest)
            durable.checkpoints.remove(at: oldest)
            if slots[dropped.slot] == dropped.root {
                slots[dropped.slot] = seen.first { $0.slot == dropped.slot }?.root
            }
        }
    }

    /// Rebuilds the memory (and the accusations in it) from ``Durable/checkpoints``, which this
    /// node verified before persisting.
    mutating func restoreCheckpointMemory() {
        let notes = durable.checkpoints
        durable.checkpoints = []
        let keys = checkpointKeys()
        for note in notes {
            guard let checkpoint = try? Checkpoint(text: note.text), let signature = note.signatures.first,
                let signer = keys[signature.keyID]
            else { continue }
            remember(note, slot: CheckpointSlot(signer: signer.name, view: checkpoint.view, size: checkpoint.size), root: checkpoint.root)
        }
        checkpointsChanged = false
    }

    /// Whether the chain has committed evidence for this equivocation.
    func isCommitted(_ key: EquivocationKey) -> Bool {
        committedState.equivocations.contains { $0.offender == key.offender && $0.size == key.size }
    }

    /// Whether the replica (committed and pending entries) holds evidence for it.
    func isReplicated(_ key: EquivocationKey) -> Bool {
        replica.equivocations.contains { $0.offender == key.offender && $0.size == key.size }
    }

    /// `final` messages carrying `notes` (leader signature only) to every other member.
    func echo(_ notes: [Note]) -> [NodeEffect] {
        peers.flatMap { peer in notes.map { NodeEffect.send(to: peer, .final($0)) } }
    }

    /// Persists the memory if it changed, and acts once on each new accusation: shows both
    /// checkpoints to every member, leaves a view the offender leads, and submits the evidence.
    mutating func reportEquivocations(now: Int64) -> [NodeEffect] {
        var effects: [NodeEffect] = []
        if checkpointsChanged {
            checkpointsChanged = false
            effects.append(.persist)
        }
        for id in accusations.keys.sorted() where !accusations[id]!.reported {
            accusations[id]!.reported = true
            // A node does not accuse itself; committed evidence needs no more.
            guard id.offender != name, !isCommitted(id) else { continue }
            let accusation = accusations[id]!
            effects += echo([accusation.first, accusation.second])
            effects += leaveOffenders(now: now)
            let body: JSONValue = ["checkpoints": .array([.string(accusation.first.formatted), .string(accusation.second.formatted)])]
            guard let entry = try? Entry.sign(chain: origin, kind: .evidence, author: key, time: max(now, 0), body: body) else { continue }
            accusations[id]!.evidence = entry
            if !isReplicated(id) { effects += submit(entry, now: now) }
        }
        return effects
    }

    /// Members this node holds uncommitted evidence against.
    var accused: Set<String> {
        Set(accusations.keys.filter { $0.offender != name && !isCommitted($0) }.map(\.offender))
    }

    /// Leaves a view whose leader this node knows to have equivocated (before the evidence is
    /// committed), for the next view led by someone else. The others join once they have seen
    /// the two checkpoints too (f+1 view changes).
    mutating func leaveOffenders(now: Int64) -> [NodeEffect] {
        let accused = self.accused
        guard !accused.isEmpty, accused.contains(leader(of: durable.view)) else { return [] }
        var target = durable.view + 1
        var steps = 0
        while accused.contains(leader(of: target)), steps < voters.count {
            target += 1
            steps += 1
        }
        return startViewChange(to: target, now: now)
    }

    /// Both checkpoints of every uncommitted accusation, for the other members.
    func echoAccusations() -> [NodeEffect] {
        accusations.keys.sorted().filter { $0.offender != name && !isCommitted($0) }.flatMap { id in
            echo([accusations[id]!.first, accusations[id]!.second])
        }
    }

    /// Evidence upkeep on each tick: accusations restored after a restart, leaving an accused
    /// leader's view, evidence that a view change dropped, and echoes of checkpoints left behind.
    mutating func evidenceTick(now: Int64) -> [NodeEffect] {
        var effects: [NodeEffect] = []
        if checkpointsChanged || !accusations.isEmpty {
            effects += reportEquivocations(now: now)
            effects += leaveOffenders(now: now)
        }
        if let last = lastEchoScan, now - last < syncInterval { return effects }
        lastEchoScan = now
        for id in accusations.keys.sorted() {
            guard let entry = accusations[id]!.evidence, !isReplicated(id), waiting[entry.hash] == nil else { continue }
            effects += submit(entry, now: now)
        }
        return effects + echoLeftBehind(now: now)
    }

    /// Echoes, at growing intervals and a bounded number of times, the checkpoints this node saw
    /// that its committed entries do not give (a leader may have shown another checkpoint of the
    /// same size to others) or that a view change left behind. A checkpoint of the current view
    /// beyond the committed size is still in progress and is not echoed.
    mutating func echoLeftBehind(now: Int64) -> [NodeEffect] {
        var effects: [NodeEffect] = []
        for i in seen.indices where !seen[i].settled && seen[i].echoes < Self.maxEchoes {
            let item = seen[i]
            if isCommitted(EquivocationKey(offender: item.slot.signer, size: item.slot.size)) {
                seen[i].settled = true
                continue
            }
            if item.slot.size <= committedSize {
                if (try? MerkleProof.root(size: item.slot.size, store: tree)) == item.root {
                    seen[i].settled = true
                    continue
                }
            } else if item.slot.view >= durable.view {
                continue
            }
            // Left behind: the first echo waits one interval (a new view usually commits it).
            guard let next = item.nextEcho else {
                seen[i].nextEcho = now + syncInterval
                continue
            }
            guard now >= next else { continue }
            effects += echo([item.note])
            seen[i].echoes += 1
            seen[i].nextEcho = now + min(syncInterval << Int64(seen[i].echoes), 60)
        }
        return effects
    }
}
