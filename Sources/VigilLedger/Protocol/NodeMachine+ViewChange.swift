/// The view change (docs/protocol.md): a node whose leader makes no progress moves to the next
/// view and sends a signed view change with its lock and latest final checkpoint; f+1 of them
/// make a node join; the next leader in the rotation, with a quorum of them, continues from the
/// highest lock among them and announces the new view with that certificate.
extension NodeMachine {
    /// Leaves the current view for `view` (a timeout, or f+1 nodes asking for it).
    mutating func startViewChange(to view: UInt64, now: Int64) -> [NodeEffect] {
        guard view > durable.view else { return [] }
        durable.view = view
        changing = true
        outstanding = nil
        queue = []
        speculative = nil
        installed = nil
        awaitingBase = nil
        acknowledged = [:]
        lastProgress = now
        quorumSeenAt = nil
        // The view is durable before any view change for it leaves this node, so a restarted
        // node never validates proposals of a view it has left.
        return [.persist, .viewChanged(view: view, leader: leader(of: view))] + broadcastViewChange(now: now)
    }

    func ownViewChange() -> ViewChange? {
        var change = ViewChange(view: durable.view, sender: name, lock: durable.lock, final: durable.final, signature: [])
        guard let signature = try? key.sign(text: change.statement(origin: origin)) else { return nil }
        change.signature = signature.signature
        return change
    }

    mutating func broadcastViewChange(now: Int64) -> [NodeEffect] {
        viewChangeSentAt = now
        guard changing, let change = ownViewChange() else { return [] }
        changes[name] = change
        noteQuorum(now: now)
        // While the view changes, the equivocations not yet committed go with it, so that every
        // node can check them (and leave a view whose leader lied).
        return peers.map { NodeEffect.send(to: $0, .viewChange(change)) } + echoAccusations() + tryNewView(now: now)
    }

    /// Whether a view change is signed by a voting member and carries a valid lock (from an
    /// earlier view) and a valid final checkpoint.
    func isValid(_ change: ViewChange) -> Bool {
        guard committedState.members[change.sender]?.votes == true,
            verify(change.signature, of: change.statement(origin: origin), by: change.sender)
        else { return false }
        if let lock = change.lock, lock.view >= change.view || isValid(lock) == nil { return false }
        if let final = change.final, finalCheckpoint(final) == nil { return false }
        return true
    }

    mutating func receiveViewChange(_ change: ViewChange, from sender: String, now: Int64) -> [NodeEffect] {
        // A retransmission of the view change already held needs no second check.
        if changes[sender] == change, change.view > durable.view || changing { return tryNewView(now: now) }
        guard change.sender == sender, isValid(change) else {
            return [.refused("view change from \(sender.prefix(60)) does not verify")]
        }
        if change.view < durable.view || (change.view == durable.view && !changing) {
            // A node left behind: the certificate of the current view lets it catch up.
            if let installed, !changing { return [.send(to: sender, .newView(installed))] }
            return []
        }
        if let known = changes[sender], known.view > change.view { return [] }
        changes[sender] = change
        var effects: [NodeEffect] = []
        // f+1 nodes ask for a later view: at least one honest node timed out, so join.
        let above = changes.values.filter { $0.view > durable.view }.map(\.view).sorted(by: >)
        if above.count > faultLimit { effects += startViewChange(to: above[faultLimit], now: now) }
        noteQuorum(now: now)
        return effects + tryNewView(now: now)
    }

    /// The base of a new view: the highest lock (by view, then size) in the certificate, or the
    /// highest final checkpoint if that is larger, or the genesis.
    func base(of certificate: [ViewChange]) -> Checkpoint? {
        var best: (view: UInt64, checkpoint: Checkpoint)?
        for change in certificate {
            guard let lock = change.lock, let checkpoint = isValid(lock) else { continue }
            if best.map({ ($0.view, $0.checkpoint.size.rawValue) < (lock.view, checkpoint.size.rawValue) }) ?? true {
                best = (lock.view, checkpoint)
            }
        }
        var base = best?.checkpoint
        for change in certificate {
            guard let final = change.final, let checkpoint = finalCheckpoint(final) else { continue }
            if base.map({ $0.size < checkpoint.size }) ?? true { base = checkpoint }
        }
        if let base { return base }
        var genesis = InMemoryHashStore()
        genesis.append(durable.entries[0].hash)
        return try? Checkpoint(origin: origin, size: 1, root: genesis.tree.root)
    }

    /// Starts the new-view timer once a quorum has moved to the current view.
    mutating func noteQuorum(now: Int64) {
        guard changing, quorumSeenAt == nil else { return }
        let view = durable.view
        // Nodes asking for a later view have left this view's predecessor too.
        if isQuorum(changes.values.filter { $0.view >= view }.map(\.sender)) { quorumSeenAt = now }
    }

    /// Whether this node holds entries that give `base`.
    func holds(_ base: Checkpoint) -> Bool {
        base.size <= size && (try? MerkleProof.root(size: base.size, store: tree)) == base.root
    }

    /// The new leader, once it holds a quorum of view changes for its view, announces it.
    mutating func tryNewView(now: Int64) -> [NodeEffect] {
        let view = durable.view
        guard changing, leader(of: view) == name, awaitingBase == nil else { return [] }
        let certificate = changes.values.filter { $0.view == view }.sorted { $0.sender < $1.sender }
        guard isQuorum(certificate.map(\.sender)), let base = base(of: certificate) else { return [] }
        guard base.size >= committedSize else {
            return [.refused("view \(view): the base \(base.size) is below the committed size \(committedSize)")]
        }
        if holds(base) { return announce(view: view, certificate: certificate, base: base, now: now) }
        awaitingBase = (view, certificate, base)
        return requestBase(base, changes: certificate)
    }

    func requestBase(_ base: Checkpoint, changes: [ViewChange]) -> [NodeEffect] {
        changes.filter { $0.sender != name }.map { .send(to: $0.sender, .fetchPrepared(from: committedSize, size: base.size)) }
    }

    func servePrepared(from start: TreeSize, size end: TreeSize, to peer: String) -> [NodeEffect] {
        guard start <= end, end <= size else { return [] }
        let all = entries
        return [.send(to: peer, .prepared(start: start, entries: Array(all[Int(start.rawValue)..<Int(end.rawValue)])))]
    }

    mutating func receivePrepared(start: TreeSize, entries: [Entry], now: Int64) -> [NodeEffect] {
        guard let awaiting = awaitingBase, awaiting.view == durable.view, start == committedSize,
            start.rawValue + UInt64(entries.count) == awaiting.base.size.rawValue
        else { return [] }
        let saved = durable.pending
        durable.pending = entries
        rebuildReplica()
        guard durable.pending.count == entries.count, holds(awaiting.base) else {
            durable.pending = saved
            rebuildReplica()
            return [.refused("prepared entries do not give the base of view \(awaiting.view)")]
        }
        return announce(view: awaiting.view, certificate: awaiting.changes, base: awaiting.base, now: now)
    }

    /// Keeps the pending entries up to `size` only.
    mutating func truncatePending(to size: TreeSize) {
        let keep = Int(size.rawValue) - durable.entries.count
        if keep < durable.pending.count {
            durable.pending.removeLast(durable.pending.count - max(0, keep))
            rebuildReplica()
        }
    }

    /// The new leader starts its view from `base`.
    mutating func announce(view: UInt64, certificate: [ViewChange], base: Checkpoint, now: Int64) -> [NodeEffect] {
        truncatePending(to: base.size)
        awaitingBase = nil
        // The entries go from the committed size before the certificate's final is adopted, so
        // that witnesses that have not committed it can install the view too.
        let start = committedSize
        var adopted = adoptHighestFinal(of: certificate, now: now)
        if leader(of: view) != name {
            // The certificate's final checkpoint committed a change of the rotation.
            return adopted + followRotation(now: now)
        }
        durable.witness = WitnessRecord(origin: origin, size: base.size, root: base.root)
        changing = false
        awaitingBase = nil
        lastProgress = now
        let all = entries
        let newView = NewView(view: view, changes: certificate, start: start, entries: Array(all[Int(start.rawValue)..<Int(base.size.rawValue)]))
        installed = newView
        for peer in peers { acknowledged[peer] = base.size }
        changes = changes.filter { $0.value.view > view }
        adopted += [.persist, .viewChanged(view: view, leader: name)]
        var effects = adopted
        effects += peers.map { .send(to: $0, .newView(newView)) }
        for (hash, item) in waiting where !replica.contains(entry: hash) { effects += enqueue(item.entry, now: now) }
        return effects + proposeNext(now: now)
    }

    /// A witness checks a new view's certificate, replicates its base and joins it.
    mutating func install(_ newView: NewView, from sender: String, now: Int64) -> [NodeEffect] {
        guard newView.view > durable.view || (newView.view == durable.view && changing) else { return [] }
        let certificate = newView.changes
        guard Set(certificate.map(\.sender)).count == certificate.count,
            certificate.allSatisfy({ $0.view == newView.view && isValid($0) }), isQuorum(certificate.map(\.sender)),
            let base = base(of: certificate)
        else { return [.refused("new view \(newView.view) from \(sender.prefix(60)) has no valid certificate")] }
        guard base.size >= committedSize else {
            return [.refused("new view \(newView.view): the base \(base.size) is below the committed size \(committedSize)")]
        }
        guard newView.start <= committedSize else { return [.send(to: sender, .fetch(from: committedSize))] }
        guard newView.start.rawValue + UInt64(newView.entries.count) == base.size.rawValue else {
            return [.refused("new view \(newView.view): entries do not reach the base")]
        }
        let overlap = Int(committedSize.rawValue - newView.start.rawValue)
        let committed = durable.entries[Int(newView.start.rawValue)...]
        guard zip(committed, newView.entries.prefix(overlap)).allSatisfy({ $0.hash == $1.hash }) else {
            return [.refused("new view \(newView.view): entries differ from committed ones")]
        }
        let saved = durable.pending
        durable.pending = Array(newView.entries.dropFirst(overlap))
        rebuildReplica()
        guard durable.pending.count == newView.entries.count - overlap, holds(base) else {
            durable.pending = saved
            rebuildReplica()
            return [.refused("new view \(newView.view): entries do not give the base")]
        }
        // Every node that installs the view commits at least what the certificate shows final,
        // and so agrees on the rotation (it may carry a change of leader).
        let adopted = adoptHighestFinal(of: certificate, now: now)
        durable.view = newView.view
        durable.witness = WitnessRecord(origin: origin, size: base.size, root: base.root)
        changing = false
        awaitingBase = nil
        outstanding = nil
        queue = []
        speculative = nil
        installed = newView
        lastProgress = now
        changes = changes.filter { $0.value.view > newView.view }
        var effects: [NodeEffect] = adopted + [.persist, .viewChanged(view: newView.view, leader: leader)]
        if isLeader {
            for peer in peers { acknowledged[peer] = base.size }
            for (hash, item) in waiting where !replica.contains(entry: hash) { effects += enqueue(item.entry, now: now) }
            return effects + proposeNext(now: now)
        }
        for (hash, item) in waiting {
            waiting[hash]!.sentAt = now
            effects.append(.send(to: leader, .submit(item.entry)))
        }
        return effects
    }

    /// Joins `view`, learnt from one of its final checkpoints (its certificate passed this node
    /// by): what was pending beyond that checkpoint is dropped.
    mutating func enterView(_ view: UInt64, now: Int64) -> [NodeEffect] {
        durable.view = view
        durable.pending = []
        rebuildReplica()
        durable.witness = WitnessRecord(origin: origin, size: size, root: root)
        changing = false
        awaitingBase = nil
        outstanding = nil
        queue = []
        installed = nil
        acknowledged = [:]
        lastProgress = now
        changes = changes.filter { $0.value.view > view }
        return [.viewChanged(view: view, leader: leader)]
    }

    /// Commits up to the highest final checkpoint in a view-change certificate, when the pending
    /// entries give it (the base extends it).
    mutating func adoptHighestFinal(of certificate: [ViewChange], now: Int64) -> [NodeEffect] {
        var best: (note: Note, checkpoint: Checkpoint)?
        for change in certificate {
            guard let final = change.final, let claimed = try? Checkpoint(text: final.text), claimed.size > committedSize,
                best.map({ $0.checkpoint.size < claimed.size }) ?? true, let checkpoint = finalCheckpoint(final)
            else { continue }
            best = (final, checkpoint)
        }
        guard let best, holds(best.checkpoint) else { return [] }
        return adoptFinal(best.note, size: best.checkpoint.size, now: now, followRotation: false)
    }

    /// The committed entries changed the ``Rotation`` so that the current view has another
    /// leader: the node moves to the next view led by the chain's leader (a leader voted takes
    /// over from the final checkpoint that commits the vote), or, when the chain's leader leads
    /// no view (it equivocated), to the next view. Every node that commits the same final
    /// checkpoint in the same view computes the same view; the others join it as usual.
    mutating func followRotation(now: Int64) -> [NodeEffect] {
        let rotation = Rotation(committedState)
        var target = durable.view + (changing ? 0 : 1)
        if rotation.isEligible(committedState.leader) {
            var steps = 0
            while rotation.leader(of: target) != committedState.leader, steps < rotation.voters.count {
                target += 1
                steps += 1
            }
        }
        guard target > durable.view else { return tryNewView(now: now) }
        // Not a view without progress: the usual timeout applies to it.
        progressView = max(progressView, target - 1)
        return startViewChange(to: target, now: now)
    }
}
