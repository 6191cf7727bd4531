import VigilLedger

/// A deterministic simulation of one chain's nodes running ``NodeMachine`` over a faulty network:
/// message loss, duplication, reordering and delay, crashes with restart from what was
/// persisted, partitions, and a Byzantine witness that sends garbage. Everything is driven by a
/// seeded generator, so a failing seed replays exactly.
///
/// Safety invariants are checked after every step; liveness at the end, once the faults stop.
public struct Simulation {
    /// Which faults to inject until ``faultsEnd``.
    public struct Faults: Sendable {
        public var dropRate = 0.1
        public var duplicateRate = 0.05
        public var maxDelay: Int64 = 3
        public var crashRate = 0.02
        public var partitions = true
        /// A witness that answers proposals with invalid cosignatures and false conflicts, withholds
        /// its votes, and lies in view changes (forged locks, signed requests for far views).
        public var byzantineWitness = true
        /// The first leader crashes at a random time before the faults end and never restarts
        /// (then it is the one faulty node: use with `byzantineWitness = false`).
        public var leaderCrashesForever = false
        /// The first leader is Byzantine (then it is the one faulty node: use with
        /// `byzantineWitness = false`): in most rounds it shows one witness another checkpoint
        /// of the same size (its last entry replaced by one of its own), withholds final
        /// checkpoints and catch-ups from that witness and sometimes from the others, and never
        /// sequences evidence against itself. Otherwise it follows the protocol.
        public var byzantineLeader = false
        public init() {}

        /// The `equivocating-leader` scenario: network faults and crashes, and a Byzantine first
        /// leader as the one faulty node.
        /// A network that loses, duplicates and partitions nothing, with no crashes and no
        /// Byzantine node (messages are still delayed up to ``maxDelay``).
        public static var none: Faults {
            var faults = Faults()
            faults.dropRate = 0
            faults.duplicateRate = 0
            faults.crashRate = 0
            faults.partitions = false
            faults.byzantineWitness = false
            return faults
        }

        public static var equivocatingLeader: Faults {
            var faults = Faults()
            faults.byzantineWitness = false
            faults.byzantineLeader = true
            return faults
        }
    }

    public struct Report: Sendable, CustomStringConvertible {
        public var seed: UInt64
        public var violations: [String]
        public var submitted: Int
        public var committedEverywhere: Bool
        public var finalSizes: [String: UInt64]
        /// The view each honest node ended in.
        public var views: [String: UInt64] = [:]
        /// Whether the Byzantine leader's conflicting checkpoints reached two honest nodes (or
        /// one twice), and how many conflicting slots (view, size) there were.
        public var equivocations = 0
        public var description: String {
            "seed \(seed): \(violations.isEmpty ? "ok" : violations.joined(separator: "; ")), submitted \(submitted), "
                + "committed everywhere \(committedEverywhere), final sizes \(finalSizes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")), "
                + "views \(views.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))"
                + (equivocations > 0 ? ", equivocations \(equivocations)" : "")
        }
    }

    struct InFlight {
        var at: Int64
        var from: String
        var to: String
        var message: NodeMessage
    }

    public static let origin = "vigil.example/sim"
    public static let names = ["cdc.district", "clinic.hill", "clinic.river", "community.a"]
    public static let leader = "clinic.river"
    public static let byzantine = "community.a"

    let seed: UInt64
    var random: SeededGenerator
    var faults: Faults
    public let faultsEnd: Int64
    public let horizon: Int64
    var now: Int64 = 0
    var machines: [String: NodeMachine] = [:]
    var persisted: [String: NodeMachine.Durable] = [:]
    var crashedUntil: [String: Int64] = [:]
    var partitionUntil: Int64 = -1
    var isolated: Set<String> = []
    var network: [InFlight] = []
    let genesis: Entry
    var submitted: [Entry] = []
    var invalid: [Entry] = []
    var invalidHashes: Set<EntryHash> = []
    var checked: [String: (UInt64, UInt64, Int)] = [:]
    var finals: [UInt64: Hash] = [:]
    var committedPrefix: [String: [EntryHash]] = [:]
    var violations: [String] = []
    /// When set, every delivered message and notable effect is recorded here (for a failing seed).
    public var trace: [String]?

    public init(seed: UInt64, faults: Faults = Faults(), faultsEnd: Int64 = 60, horizon: Int64 = 150) throws {
        self.seed = seed
        self.random = SeededGenerator(seed: seed)
        self.faults = faults
        self.faultsEnd = faultsEnd
        self.horizon = horizon
        let members = Self.names.map { ChainFixture.member($0, $0 == "cdc.district" ? .supervisor : .member) }
        let genesis = try Entry.sign(
            chain: Self.origin, kind: .config, author: ChainFixture.key(for: Self.leader), time: 0,
            body: Genesis(origin: Self.origin, members: members, leader: Self.leader).json)
        self.genesis = genesis
        for name in Self.names {
            machines[name] = try NodeMachine(name: name, key: ChainFixture.key(for: name), genesis: genesis)
            committedPrefix[name] = [genesis.hash]
        }
    }

    /// The node that never restarts, and when it crashes.
    var deadLeaderAt: Int64?
    var honest: [String] {
        Self.names.filter { !isByzantine($0) && !(faults.leaderCrashesForever && $0 == Self.leader) }
    }

    func isByzantine(_ name: String) -> Bool {
        (faults.byzantineWitness && name == Self.byzantine) || (faults.byzantineLeader && name == Self.leader)
    }

    // The Byzantine leader.
    /// Per slot (view, size): the witness shown another checkpoint, if any.
    var victims: [String: String?] = [:]
    /// The conflicting proposals made, by slot and witness (sent again unchanged).
    var forged: [String: CheckpointProposal] = [:]
    var fillers = 0
    /// The roots of the leader's checkpoints that honest nodes received, by slot.
    var delivered: [String: Set<Hash>] = [:]

    /// Runs to the horizon: random submissions until the faults end, then healing.
    public mutating func run(submissions: Int = 12) -> Report {
        if faults.leaderCrashesForever { deadLeaderAt = Int64.random(in: 2...max(3, faultsEnd), using: &random) }
        let submitTimes = (0..<submissions).map { _ in Int64.random(in: 1...max(2, faultsEnd), using: &random) }.sorted()
        var next = 0
        while now <= horizon {
            while next < submitTimes.count, submitTimes[next] <= now {
                submitOne(number: next)
                next += 1
            }
            step()
            now += 1
        }
        checkLiveness()
        return Report(
            seed: seed, violations: violations, submitted: submitted.count,
            committedEverywhere: violations.allSatisfy { !$0.hasPrefix("liveness") },
            finalSizes: Dictionary(uniqueKeysWithValues: honest.map { ($0, machines[$0]!.committedSize.rawValue) }),
            views: Dictionary(uniqueKeysWithValues: honest.map { ($0, machines[$0]!.view) }),
            equivocations: delivered.values.filter { $0.count > 1 }.count)
    }

    mutating func submitOne(number: Int) {
        let author = Self.names[Int(random.next() % UInt64(Self.names.count))]
        let nationalID = "sim-\(seed)-\(number)"
        if random.next() % 10 == 0 {
            // An entry by an outsider: every node must refuse it.
            let outsider = ChainFixture.key(for: "outsider")
            if let entry = try? Entry.sign(chain: Self.origin, kind: .proposal, author: outsider, time: now, body: [
                "subject": "suspected-case", "data": ChainFixture.suspectedCase(nationalID: nationalID),
            ]) {
                invalid.append(entry)
                invalidHashes.insert(entry.hash)
                deliverLocal(entry, to: author)
            }
            return
        }
        guard let entry = try? Entry.sign(chain: Self.origin, kind: .proposal, author: ChainFixture.key(for: author), time: now, body: [
            "subject": "suspected-case", "data": ChainFixture.suspectedCase(nationalID: nationalID),
        ]) else { return }
        submitted.append(entry)
        deliverLocal(entry, to: author)
    }

    mutating func deliverLocal(_ entry: Entry, to name: String) {
        guard isUp(name), !isByzantine(name) else {
            // A crashed or Byzantine node's client retries with an honest node.
            let other = honest.first { isUp($0) } ?? Self.leader
            if isUp(other) { perform(other, machines[other]!.submit(entry, now: now), persisting: true) }
            return
        }
        var machine = machines[name]!
        let effects = machine.submit(entry, now: now)
        machines[name] = machine
        perform(name, effects, persisting: true)
    }

    mutating func resubmitUncommitted() {
        let committed = Set(honest.map { committedPrefix[$0]! }.max { $0.count < $1.count }!)
        let up = honest.filter { isUp($0) }
        guard !up.isEmpty else { return }
        for entry in submitted where !committed.contains(entry.hash) {
            deliverLocal(entry, to: up[Int(random.next() % UInt64(up.count))])
        }
    }

    func isUp(_ name: String) -> Bool {
        if name == Self.leader, let deadLeaderAt, now >= deadLeaderAt { return false }
        return (crashedUntil[name] ?? -1) < now
    }

    mutating func step() {
        let faulty = now < faultsEnd
        if trace != nil, now % 10 == 0 {
            trace!.append("\(now) state: " + Self.names.map { name in
                let m = machines[name]!
                return "\(name)[\(isUp(name) ? "" : "down ")v\(m.view)\(m.changing ? "*" : "") c\(m.committedSize) s\(m.size)]"
            }.joined(separator: " "))
        }
        // Crashes (never the Byzantine node, which stays as it is) and restarts.
        for name in honest {
            if let until = crashedUntil[name], until == now { restart(name) }
            if faulty, isUp(name), Double(random.next() % 10_000) / 10_000 < faults.crashRate {
                crashedUntil[name] = min(faultsEnd, now + Int64.random(in: 3...15, using: &random))
            }
        }
        if faulty, faults.partitions, now > partitionUntil, random.next() % 40 == 0 {
            partitionUntil = now + Int64.random(in: 3...10, using: &random)
            isolated = [Self.names[Int(random.next() % UInt64(Self.names.count))]]
        }
        if now > partitionUntil { isolated = [] }
        // Clients resubmit what is not committed yet (idempotent), as authors do (DESIGN §3.3).
        if now % 7 == 0 { resubmitUncommitted() }
        // Deliver what is due, in a random order.
        var due = network.filter { $0.at <= now }
        network.removeAll { $0.at <= now }
        due.shuffle(using: &random)
        for message in due { deliver(message) }
        for name in Self.names where isUp(name) && !(faults.byzantineWitness && name == Self.byzantine) {
            var machine = machines[name]!
            let effects = machine.tick(now: now)
            machines[name] = machine
            perform(name, effects, persisting: true)
        }
        checkSafety()
    }

    mutating func restart(_ name: String) {
        crashedUntil[name] = nil
        if let machine = try? NodeMachine(name: name, key: ChainFixture.key(for: name), genesis: genesis, durable: persisted[name]) {
            machines[name] = machine
        } else {
            violations.append("safety: \(name) cannot restart from what it persisted")
        }
        // Whatever it had committed must still be there.
        let entries = machines[name]!.entries.map(\.hash)
        if !entries.starts(with: committedPrefix[name]!) { violations.append("safety: \(name) lost committed entries in a crash") }
    }

    mutating func deliver(_ message: InFlight) {
        guard isUp(message.to) else { return }
        if isolated.contains(message.to) != isolated.contains(message.from) { return }
        if faults.byzantineWitness && message.to == Self.byzantine {
            byzantineAnswer(to: message)
            return
        }
        if faults.byzantineLeader, message.to == Self.leader, case .submit(let entry) = message.message, entry.kind == .evidence {
            // The Byzantine leader never sequences evidence (against itself or anyone).
            trace?.append("\(now) \(message.from) -> \(message.to): evidence censored")
            return
        }
        if faults.byzantineLeader, message.from == Self.leader, case .propose(let proposal) = message.message,
            let checkpoint = try? Checkpoint(text: proposal.request.checkpoint.text)
        {
            delivered["\(checkpoint.view) \(checkpoint.size)", default: []].insert(checkpoint.root)
        }
        trace?.append("\(now) \(message.from) -> \(message.to): \(Self.describe(message.message))")
        var machine = machines[message.to]!
        let effects = machine.receive(message.message, from: message.from, now: now)
        machines[message.to] = machine
        perform(message.to, effects, persisting: true)
    }

    /// Lies in a view change: a signed request for a far view (alone it must not move anyone),
    /// a request for the same view claiming no lock and no final checkpoint, and one with a
    /// forged lock (votes that do not verify).
    mutating func byzantineViewChanges(answering change: ViewChange, to peer: String) {
        let key = ChainFixture.key(for: Self.byzantine)
        func signed(_ view: UInt64, lock: PrepareCertificate?) -> ViewChange? {
            var lie = ViewChange(view: view, sender: Self.byzantine, lock: lock, final: nil, signature: [])
            guard let signature = try? key.sign(text: lie.statement(origin: Self.origin)) else { return nil }
            lie.signature = signature.signature
            return lie
        }
        if let far = signed(change.view + 1 + random.next() % 1000, lock: nil) { send(from: Self.byzantine, to: peer, .viewChange(far)) }
        if let empty = signed(change.view, lock: nil) { send(from: Self.byzantine, to: peer, .viewChange(empty)) }
        if var forged = change.lock {
            // A "higher" lock: the same checkpoint claimed for a later view, votes copied.
            forged.view = change.view - 1
            if let lie = signed(change.view, lock: forged) { send(from: Self.byzantine, to: peer, .viewChange(lie)) }
        }
    }

    static func describe(_ message: NodeMessage) -> String {
        switch message {
        case .submit(let entry): "submit \(entry.hash.hex.prefix(8))"
        case .propose(let proposal): "propose old \(proposal.request.oldSize) +\(proposal.entries.count) \(proposal.request.checkpoint.text.split(separator: "\n").dropFirst().joined(separator: " ").prefix(20))"
        case .prepare(let view, let size, _): "prepare v\(view) \(size)"
        case .commit(let certificate): "commit v\(certificate.view) votes \(certificate.votes.count)"
        case .cosign(let size, _): "cosign \(size)"
        case .conflict(let size): "conflict \(size)"
        case .final(let note): "final \(note.text.split(separator: "\n")[1])"
        case .fetch(let from): "fetch \(from)"
        case .catchUp(let start, let entries, _): "catchUp \(start) +\(entries.count)"
        case .viewChange(let change): "viewChange v\(change.view)"
        case .newView(let newView): "newView v\(newView.view) start \(newView.start) +\(newView.entries.count)"
        case .fetchPrepared(let from, let size): "fetchPrepared \(from)..\(size)"
        case .prepared(let start, let entries): "prepared \(start) +\(entries.count)"
        }
    }

    mutating func byzantineAnswer(to message: InFlight) {
        if case .viewChange(let change) = message.message {
            byzantineViewChanges(answering: change, to: message.from)
            return
        }
        guard case .propose(let proposal) = message.message else { return }
        let key = ChainFixture.key(for: Self.byzantine).withType(.cosignature)
        let garbage = NoteSignature(name: Self.byzantine, keyID: key.verifierKey.keyID, signature: (0..<72).map { _ in UInt8.random(in: 0...255, using: &random) })
        send(from: Self.byzantine, to: message.from, .cosign(size: TreeSize(random.next() % 50), signature: garbage))
        send(from: Self.byzantine, to: message.from, .conflict(size: TreeSize(random.next() % 50)))
        if random.next() % 2 == 0, let signature = try? key.sign(text: Array("forged\n".utf8), timestamp: 1) {
            send(from: Self.byzantine, to: message.from, .cosign(size: proposal.request.checkpoint.signatures.isEmpty ? 0 : 1, signature: signature))
        }
    }

    mutating func perform(_ name: String, _ effects: [NodeEffect], persisting: Bool) {
        for effect in effects {
            switch effect {
            case .persist:
                persisted[name] = machines[name]!.durable
            case .send(let to, let message):
                if faults.byzantineLeader && name == Self.leader {
                    byzantineLeaderSend(to: to, message)
                } else {
                    send(from: name, to: to, message)
                }
            case .commit(let size, let note):
                guard let checkpoint = try? Checkpoint(text: note.text) else { continue }
                if let known = finals[size.rawValue], known != checkpoint.root {
                    violations.append("safety: two final checkpoints of size \(size) with different roots")
                }
                finals[size.rawValue] = checkpoint.root
                let prefix = machines[name]!.entries.prefix(Int(size.rawValue)).map(\.hash)
                if !prefix.starts(with: committedPrefix[name]!) { violations.append("safety: \(name) committed a history that drops committed entries") }
                committedPrefix[name] = prefix
            case .refused(let reason):
                trace?.append("\(now) \(name) refused: \(reason)")
            case .viewChanged(let view, let leader):
                trace?.append("\(now) \(name) view \(view) leader \(leader)")
            }
        }
    }

    /// What the Byzantine leader sends instead of what its (honest) machine would.
    mutating func byzantineLeaderSend(to peer: String, _ message: NodeMessage) {
        switch message {
        case .propose(let proposal):
            guard let checkpoint = try? Checkpoint(text: proposal.request.checkpoint.text), !proposal.entries.isEmpty else { break }
            let slot = "\(checkpoint.view) \(checkpoint.size)"
            if victims[slot] == nil {
                // Most rounds, one witness is shown another checkpoint of the same size.
                let peers = Self.names.filter { $0 != Self.leader }
                let victim: String? = random.next() % 10 < 7 ? peers[Int(random.next() % UInt64(peers.count))] : nil
                victims[slot] = .some(victim)
            }
            guard victims[slot]! == peer else { break }
            let key = "\(slot) \(peer)"
            if forged[key] == nil { forged[key] = forge(proposal, checkpoint: checkpoint) }
            if let lie = forged[key] {
                send(from: Self.leader, to: peer, .propose(lie))
                return
            }
        case .final, .catchUp:
            // Withheld from the witnesses it lied to, and sometimes from the others.
            if victims.values.contains(where: { $0 == peer }) || random.next() % 10 < 3 {
                trace?.append("\(now) \(Self.leader) withholds \(Self.describe(message)) from \(peer)")
                return
            }
        default:
            break
        }
        send(from: Self.leader, to: peer, message)
    }

    /// A proposal of the same size as `proposal` with its last entry replaced by one of the
    /// leader's own: valid entries, another root, signed with the leader's checkpoint key.
    mutating func forge(_ proposal: CheckpointProposal, checkpoint: Checkpoint) -> CheckpointProposal? {
        let old = proposal.request.oldSize
        let key = ChainFixture.key(for: Self.leader)
        fillers += 1
        guard let filler = try? Entry.sign(chain: Self.origin, kind: .proposal, author: key, time: now, body: [
            "subject": "suspected-case", "data": ChainFixture.suspectedCase(nationalID: "byzantine-\(seed)-\(fillers)"),
        ]) else { return nil }
        let entries = Array(proposal.entries.dropLast()) + [filler]
        var store = InMemoryHashStore()
        store.append(contentsOf: machines[Self.leader]!.entries.prefix(Int(old.rawValue)).map(\.hash))
        guard store.tree.size == old else { return nil }
        store.append(contentsOf: entries.map(\.hash))
        guard
            let note = try? Checkpoint(origin: Self.origin, size: store.tree.size, root: store.tree.root, extensions: checkpoint.extensions)
                .signed(by: [try key.renamed(Self.origin)]),
            let proof = old.rawValue == 0 || old == store.tree.size ? [] : try? MerkleProof.consistencyProof(from: old, to: store.tree.size, store: store)
        else { return nil }
        trace?.append("\(now) \(Self.leader) forges a checkpoint of size \(checkpoint.size) in view \(checkpoint.view)")
        return CheckpointProposal(request: AddCheckpointRequest(oldSize: old, proof: proof, checkpoint: note), entries: entries)
    }

    mutating func send(from: String, to: String, _ message: NodeMessage) {
        let faulty = now < faultsEnd
        if faulty, Double(random.next() % 10_000) / 10_000 < faults.dropRate { return }
        let delay = faulty ? Int64.random(in: 0...faults.maxDelay, using: &random) : 0
        network.append(InFlight(at: now + 1 + delay, from: from, to: to, message: message))
        if faulty, Double(random.next() % 10_000) / 10_000 < faults.duplicateRate {
            network.append(InFlight(at: now + 1 + Int64.random(in: 0...faults.maxDelay, using: &random), from: from, to: to, message: message))
        }
    }

    /// Safety: honest nodes agree on every final root; committed prefixes agree pairwise;
    /// nothing invalid is ever replicated.
    mutating func checkSafety() {
        for name in honest {
            let machine = machines[name]!
            // Only when something changed since the last check of this node.
            let stamp = (machine.size.rawValue, machine.committedSize.rawValue, finals.count)
            if let last = checked[name], last == stamp { continue }
            checked[name] = stamp
            var store = InMemoryHashStore()
            store.append(contentsOf: machine.durable.entries.map(\.hash))
            for (size, root) in finals where size <= machine.committedSize.rawValue {
                if (try? MerkleProof.root(size: TreeSize(size), store: store)) != root {
                    violations.append("safety: \(name) committed a history whose root at final size \(size) differs")
                }
            }
            if machine.entries.contains(where: { invalidHashes.contains($0.hash) }) {
                violations.append("safety: \(name) replicated an invalid entry")
            }
        }
        let prefixes = honest.map { committedPrefix[$0]! }
        for a in prefixes { for b in prefixes where !(a.starts(with: b) || b.starts(with: a)) {
            violations.append("safety: two honest nodes committed different histories")
        } }
        if violations.count > 20 { violations = Array(violations.prefix(20)) }
    }

    /// Liveness: once faults stop, every valid submission is committed on every honest node,
    /// and honest nodes at the same size have the same state digest.
    mutating func checkLiveness() {
        for name in honest {
            let machine = machines[name]!
            let committed = Set(machine.entries.prefix(Int(machine.committedSize.rawValue)).map(\.hash))
            let missing = submitted.filter { !committed.contains($0.hash) }
            if !missing.isEmpty { violations.append("liveness: \(name) has \(missing.count) of \(submitted.count) submissions uncommitted") }
        }
        let bySize = Dictionary(grouping: honest, by: { machines[$0]!.size })
        for (_, group) in bySize where Set(group.map { machines[$0]!.replica.digest }).count > 1 {
            violations.append("safety: honest nodes of equal size have different state digests")
        }
        // The Byzantine leader's conflicting checkpoints reached honest nodes: evidence against it
        // is committed everywhere, and it leads no view any more.
        if faults.byzantineLeader, delivered.values.contains(where: { $0.count > 1 }) {
            for name in honest {
                let machine = machines[name]!
                if !machine.committedState.equivocations.contains(where: { $0.offender == Self.leader }) {
                    violations.append("liveness: \(name) has not committed evidence against the equivocating leader")
                }
                if machine.leader == Self.leader || machine.leader(of: machine.view + 1) == Self.leader {
                    violations.append("liveness: the equivocating leader still leads at \(name)")
                }
            }
        }
    }
}
