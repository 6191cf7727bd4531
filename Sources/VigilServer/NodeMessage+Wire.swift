public import VigilLedger

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The JSON form of a ``NodeMessage`` inside a signed ``MessageEnvelope``: a `type` naming the
/// case and the case's fields, all optional here so that every case shares one flat object.
///
/// Encodings (docs/node-server.md, "Messages"):
/// - an entry is its canonical bytes (``Entry/bytes``) in standard base64;
/// - a signed note (checkpoint) is its text with its signature lines (``Note/formatted``);
/// - a proposal's add-checkpoint request is the exact C2SP tlog-witness request body, as text;
/// - a cosignature is the signer's key name and base64 of key ID (4 bytes) || signature;
/// - Ed25519 signatures are standard base64; sizes and views are JSON integers.
///
/// This file is the whole codec: adding a message case means one branch in ``init(_:)``, one in
/// ``NodeMessage/init(wire:)``, and a name in ``NodeMessage/kind``.
public struct WireMessage: Codable, Hashable, Sendable {
    public var type: String
    public var entry: String?
    public var entries: [String]?
    public var request: String?
    public var size: UInt64?
    public var view: UInt64?
    public var cosigner: String?
    public var signature: String?
    public var note: String?
    public var from: UInt64?
    public var start: UInt64?
    public var certificate: WireCertificate?
    public var change: WireViewChange?
    public var changes: [WireViewChange]?

    init(type: String) { self.type = type }

    /// The wire form of `message`.
    public init(_ message: NodeMessage) {
        self.init(type: message.kind)
        switch message {
        case .submit(let entry):
            self.entry = Wire.encode(entry)
        case .propose(let proposal):
            request = String(decoding: proposal.request.body, as: UTF8.self)
            entries = proposal.entries.map(Wire.encode)
        case .prepare(let view, let size, let signature):
            self.view = view
            self.size = size.rawValue
            self.signature = Wire.base64(signature)
        case .commit(let certificate):
            self.certificate = WireCertificate(certificate)
        case .cosign(let size, let signature):
            self.size = size.rawValue
            cosigner = signature.name
            self.signature = signature.base64
        case .conflict(let size):
            self.size = size.rawValue
        case .final(let note):
            self.note = note.formatted
        case .fetch(let from):
            self.from = from.rawValue
        case .catchUp(let start, let entries, let final):
            self.start = start.rawValue
            self.entries = entries.map(Wire.encode)
            note = final.formatted
        case .viewChange(let change):
            self.change = WireViewChange(change)
        case .newView(let newView):
            view = newView.view
            changes = newView.changes.map(WireViewChange.init)
            start = newView.start.rawValue
            entries = newView.entries.map(Wire.encode)
        case .fetchPrepared(let from, let size):
            self.from = from.rawValue
            self.size = size.rawValue
        case .prepared(let start, let entries):
            self.start = start.rawValue
            self.entries = entries.map(Wire.encode)
        }
    }
}

extension NodeMessage {
    /// The case's name on the wire, in logs and in metric labels.
    public var kind: String {
        switch self {
        case .submit: "submit"
        case .propose: "propose"
        case .prepare: "prepare"
        case .commit: "commit"
        case .cosign: "cosign"
        case .conflict: "conflict"
        case .final: "final"
        case .fetch: "fetch"
        case .catchUp: "catch-up"
        case .viewChange: "view-change"
        case .newView: "new-view"
        case .fetchPrepared: "fetch-prepared"
        case .prepared: "prepared"
        }
    }

    /// Reads a message from its wire form.
    /// - Throws: ``WireError`` naming the field and the reason.
    public init(wire: WireMessage) throws(WireError) {
        switch wire.type {
        case "submit":
            self = .submit(try Wire.entry(wire.entry, field: "entry"))
        case "propose":
            let text = try Wire.require(wire.request, field: "request")
            let request: AddCheckpointRequest
            do { request = try AddCheckpointRequest(parsing: Array(text.utf8)) } catch { throw WireError("request: \(error.message)") }
            self = .propose(CheckpointProposal(request: request, entries: try Wire.entries(wire.entries)))
        case "prepare":
            self = .prepare(
                view: try Wire.require(wire.view, field: "view"), size: TreeSize(try Wire.require(wire.size, field: "size")),
                signature: try Wire.bytes(try Wire.require(wire.signature, field: "signature"), field: "signature"))
        case "commit":
            self = .commit(try Wire.require(wire.certificate, field: "certificate").certificate(field: "certificate"))
        case "cosign":
            self = .cosign(size: TreeSize(try Wire.require(wire.size, field: "size")), signature: try Wire.signature(wire))
        case "conflict":
            self = .conflict(size: TreeSize(try Wire.require(wire.size, field: "size")))
        case "final":
            self = .final(try Wire.note(wire.note, field: "note"))
        case "fetch":
            self = .fetch(from: TreeSize(try Wire.require(wire.from, field: "from")))
        case "catch-up":
            self = .catchUp(
                start: TreeSize(try Wire.require(wire.start, field: "start")), entries: try Wire.entries(wire.entries),
                final: try Wire.note(wire.note, field: "note"))
        case "view-change":
            self = .viewChange(try Wire.require(wire.change, field: "change").viewChange(field: "change"))
        case "new-view":
            var changes: [ViewChange] = []
            for (i, change) in try Wire.require(wire.changes, field: "changes").enumerated() {
                changes.append(try change.viewChange(field: "changes[\(i)]"))
            }
            self = .newView(
                NewView(
                    view: try Wire.require(wire.view, field: "view"), changes: changes,
                    start: TreeSize(try Wire.require(wire.start, field: "start")), entries: try Wire.entries(wire.entries)))
        case "fetch-prepared":
            self = .fetchPrepared(
                from: TreeSize(try Wire.require(wire.from, field: "from")), size: TreeSize(try Wire.require(wire.size, field: "size")))
        case "prepared":
            self = .prepared(start: TreeSize(try Wire.require(wire.start, field: "start")), entries: try Wire.entries(wire.entries))
        default:
            throw WireError("unknown message type \"\(wire.type.prefix(40))\"")
        }
    }
}

/// A ``PrepareCertificate`` on the wire (and in the stored view state).
public struct WireCertificate: Codable, Hashable, Sendable {
    public var view: UInt64
    /// The checkpoint note with its signature lines.
    public var checkpoint: String
    /// Base64 Ed25519 signatures of the prepare statement, by node name.
    public var votes: [String: String]

    public init(_ certificate: PrepareCertificate) {
        view = certificate.view
        checkpoint = certificate.checkpoint.formatted
        votes = certificate.votes.mapValues(Wire.base64)
    }

    func certificate(field: String) throws(WireError) -> PrepareCertificate {
        var decoded: [String: [UInt8]] = [:]
        for (name, vote) in votes { decoded[name] = try Wire.bytes(vote, field: "\(field).votes.\(name.prefix(60))") }
        return PrepareCertificate(view: view, checkpoint: try Wire.note(checkpoint, field: "\(field).checkpoint"), votes: decoded)
    }
}

/// A ``ViewChange`` on the wire.
public struct WireViewChange: Codable, Hashable, Sendable {
    public var view: UInt64
    public var sender: String
    public var lock: WireCertificate?
    public var final: String?
    public var signature: String

    public init(_ change: ViewChange) {
        view = change.view
        sender = change.sender
        lock = change.lock.map(WireCertificate.init)
        final = change.final?.formatted
        signature = Wire.base64(change.signature)
    }

    func viewChange(field: String) throws(WireError) -> ViewChange {
        ViewChange(
            view: view, sender: sender, lock: try lock?.certificate(field: "\(field).lock"),
            final: try final.map { text throws(WireError) in try Wire.note(text, field: "\(field).final") },
            signature: try Wire.bytes(signature, field: "\(field).signature"))
    }
}

/// A message that does not read as a ``NodeMessage`` (a 400 Bad Request).
public struct WireError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Field encodings shared by the cases.
enum Wire {
    static func encode(_ entry: Entry) -> String { base64(entry.bytes) }

    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    static func require<T>(_ value: T?, field: String) throws(WireError) -> T {
        guard let value else { throw WireError("missing field \"\(field)\"") }
        return value
    }

    static func bytes(_ text: String, field: String) throws(WireError) -> [UInt8] {
        guard let data = Data(base64Encoded: text) else { throw WireError("\(field) is not standard base64") }
        return Array(data)
    }

    static func entry(_ text: String?, field: String) throws(WireError) -> Entry {
        let bytes = try bytes(try require(text, field: field), field: field)
        do { return try Entry(parsing: bytes) } catch { throw WireError("\(field): \(error.message)") }
    }

    static func entries(_ texts: [String]?) throws(WireError) -> [Entry] {
        var entries: [Entry] = []
        for (i, text) in try require(texts, field: "entries").enumerated() { entries.append(try entry(text, field: "entries[\(i)]")) }
        return entries
    }

    static func note(_ text: String?, field: String) throws(WireError) -> Note {
        let text = try require(text, field: field)
        do { return try Note(parsing: text) } catch { throw WireError("\(field): \(error.message)") }
    }

    static func signature(_ wire: WireMessage) throws(WireError) -> NoteSignature {
        let name = try require(wire.cosigner, field: "cosigner")
        let raw = try bytes(try require(wire.signature, field: "signature"), field: "signature")
        guard raw.count > 4, raw.count <= 4 + 72 else { throw WireError("signature is \(raw.count) bytes, want 4 + signature") }
        let id = raw.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return NoteSignature(name: name, keyID: KeyID(rawValue: id), signature: Array(raw.dropFirst(4)))
    }
}
