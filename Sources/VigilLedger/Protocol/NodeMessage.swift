internal import Crypto
import Foundation

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

/// Statements nodes sign outside notes. Each starts with its own header line, so a signature
/// for one can never be read as another, as an entry or as a note.
public enum Statement {
    /// A witness has validated the checkpoint of `size` and `root` in `view` (the first round).
    public static func prepare(origin: String, view: UInt64, size: TreeSize, root: Hash) -> [UInt8] {
        Array("vigil-prepare/v1\n\(origin)\n\(view)\n\(size.rawValue)\n\(root.base64)\n".utf8)
    }

    /// `sender` moves to `view`, carrying its lock and latest final checkpoint (by digest).
    public static func viewChange(origin: String, view: UInt64, sender: String, lock: Hash, final: Hash) -> [UInt8] {
        Array("vigil-view-change/v1\n\(origin)\n\(view)\n\(sender)\n\(lock.base64)\n\(final.base64)\n".utf8)
    }
}

/// A quorum of prepare votes for one checkpoint of one view: what lets a witness cosign it, and
/// what a node carries into a view change (its *lock*).
public struct PrepareCertificate: Hashable, Sendable {
    public var view: UInt64
    /// The checkpoint, signed by the leader of `view`.
    public var checkpoint: Note
    /// Ed25519 signatures of ``Statement/prepare(origin:view:size:root:)`` by node name.
    public var votes: [String: [UInt8]]

    public init(view: UInt64, checkpoint: Note, votes: [String: [UInt8]]) {
        self.view = view
        self.checkpoint = checkpoint
        self.votes = votes
    }

    /// A digest of everything in the certificate, for the view-change signature.
    public var digest: Hash {
        var text = "\(view)\n" + checkpoint.formatted
        for name in votes.keys.sorted() { text += "\(name) \(Data(votes[name]!).base64EncodedString())\n" }
        return SHA256.hash(data: Array(text.utf8)).withUnsafeBytes { Hash(unsafeBytes: $0) }
    }
}

/// A node's signed request to move to `view`: its lock (highest prepare certificate) and its
/// latest final checkpoint. A quorum of them for one view is the new view's certificate.
public struct ViewChange: Hashable, Sendable {
    public var view: UInt64
    public var sender: String
    public var lock: PrepareCertificate?
    public var final: Note?
    /// Ed25519 signature of ``Statement/viewChange(origin:view:sender:lock:final:)``.
    public var signature: [UInt8]

    public init(view: UInt64, sender: String, lock: PrepareCertificate?, final: Note?, signature: [UInt8]) {
        self.view = view
        self.sender = sender
        self.lock = lock
        self.final = final
        self.signature = signature
    }

    static let none = Hash(0, 0, 0, 0)

    /// The signed statement.
    public func statement(origin: String) -> [UInt8] {
        Statement.viewChange(
            origin: origin, view: view, sender: sender, lock: lock?.digest ?? Self.none,
            final: final.map { note in SHA256.hash(data: note.bytes).withUnsafeBytes { Hash(unsafeBytes: $0) } } ?? Self.none)
    }
}

/// The new leader's announcement of `view`: the view-change certificate (a quorum of
/// ``ViewChange``s for `view`) and the entries from `start` to the base it determines.
public struct NewView: Hashable, Sendable {
    public var view: UInt64
    public var changes: [ViewChange]
    public var start: TreeSize
    public var entries: [Entry]

    public init(view: UInt64, changes: [ViewChange], start: TreeSize, entries: [Entry]) {
        self.view = view
        self.changes = changes
        self.start = start
        self.entries = entries
    }
}

/// Messages between the nodes of one chain. The transport authenticates the sender (and in
/// production each message is signed); checkpoints, votes, cosignatures and view changes carry
/// their own signatures, so they can be forwarded.
public enum NodeMessage: Hashable, Sendable {
    /// An entry for the leader to sequence.
    case submit(Entry)
    /// A new checkpoint to validate (first round).
    case propose(CheckpointProposal)
    /// A witness's prepare vote: signature of ``Statement/prepare(origin:view:size:root:)``.
    case prepare(view: UInt64, size: TreeSize, signature: [UInt8])
    /// A quorum of prepare votes: the witness may now cosign (second round).
    case commit(PrepareCertificate)
    /// A witness's cosignature of the checkpoint of `size`.
    case cosign(size: TreeSize, signature: NoteSignature)
    /// The witness's latest validated size differs from the proposal's old size.
    case conflict(size: TreeSize)
    /// A checkpoint whose cosignatures meet the quorum. With its leader's signature only, a
    /// checkpoint echoed for the equivocation check (never taken for final).
    case final(Note)
    /// A request for the entries after `from` and the latest final checkpoint.
    case fetch(from: TreeSize)
    /// Entries from `start` and the final checkpoint they lead to.
    case catchUp(start: TreeSize, entries: [Entry], final: Note)
    /// A request to move to a new view.
    case viewChange(ViewChange)
    /// The start of a new view.
    case newView(NewView)
    /// A new leader's request for the prepared entries from `from` up to `size` (the base).
    case fetchPrepared(from: TreeSize, size: TreeSize)
    /// Prepared entries from `start`.
    case prepared(start: TreeSize, entries: [Entry])
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
    /// This node moved to `view` (for logs and metrics).
    case viewChanged(view: UInt64, leader: String)
}

extension Checkpoint {
    /// The view a checkpoint was signed in: its `view N` extension line (0 when absent).
    public var view: UInt64 {
        for line in extensions where line.hasPrefix("view ") {
            if let view = StrictDecimal.parse(line.dropFirst(5)) { return view }
        }
        return 0
    }
}
