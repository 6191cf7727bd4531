import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The kinds of chain entries (DESIGN §3.1).
public enum EntryKind: String, CaseIterable, Hashable, Sendable, Comparable {
    /// The genesis config: members, roles, policies. Only as the first entry.
    case config
    /// A broadcast order from the leader or a supervisor.
    case order
    /// A proposal members vote on.
    case proposal
    /// An approving or rejecting vote on an open proposal.
    case vote
    /// A supervisor's veto of an open proposal.
    case veto
    /// A suspected case later confirmed or ruled out.
    case outcome
    /// Records relayed from a child chain, with their proofs.
    case relay
    /// Records shared by a peer chain, with their proofs.
    case share
    /// Proof that a key signed two conflicting checkpoints.
    case evidence
    /// A published, desensitised daily report (``Bulletin``).
    case bulletin

    public static func < (lhs: EntryKind, rhs: EntryKind) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The hash that identifies an entry: the RFC 9162 leaf hash of its canonical signed bytes.
/// Submitting the same entry twice is idempotent because it has the same hash.
public typealias EntryHash = Hash

/// A signed chain entry: the canonical JSON (RFC 8785) of
/// `{v, chain, kind, author, time, body}` plus the author's Ed25519 signature `sig` over
/// `vigil-entry/v1\n` followed by the canonical bytes without `sig`.
public struct Entry: Hashable, Sendable {
    /// The only entry format version.
    public static let version = 1
    /// Largest entry accepted, in canonical bytes: what a C2SP tlog-tiles entry bundle can carry
    /// (a big-endian uint16 length per entry).
    public static let maxSize = 65_535
    static let domain = Array("vigil-entry/v1\n".utf8)

    /// The chain's origin.
    public var chain: String
    public var kind: EntryKind
    /// The author's node name (a member's key name).
    public var author: String
    /// POSIX seconds, as the author states it.
    public var time: Int64
    /// The kind's body.
    public var body: JSONValue
    /// The Ed25519 signature.
    public var signature: [UInt8]

    /// The canonical bytes: what is stored as the leaf and hashed.
    public let bytes: [UInt8]
    /// The leaf hash of ``bytes``.
    public let hash: EntryHash

    /// Signs a new entry.
    /// - Throws: ``LedgerError/Code/malformedEntry`` when the key cannot sign for `author`.
    public static func sign(
        chain: String, kind: EntryKind, author: SignerKey, time: Int64, body: JSONValue
    ) throws(LedgerError) -> Entry {
        guard author.type == .ed25519 else { throw LedgerError(.malformedEntry, "entries are signed with a 0x01 key") }
        // What is signed must read back as itself on every node: exact integers only, finite
        // numbers, bounded depth.
        guard abs(time) <= Entry.maxExactInteger else {
            throw LedgerError(.malformedEntry, "entry time \(time) is beyond the exact integers of JSON (2^53)")
        }
        do { try body.validateForCanonicalization() } catch { throw LedgerError(.malformedEntry, "entry body: \(error.message)") }
        let unsigned = Entry.unsignedObject(chain: chain, kind: kind, author: author.name, time: time, body: body)
        let message = Entry.domain + unsigned.canonicalBytes()
        let signature = try author.sign(text: message).signature
        let entry = try Entry(chain: chain, kind: kind, author: author.name, time: time, body: body, signature: signature)
        guard let parsed = try? Entry(parsing: entry.bytes), parsed == entry else {
            throw LedgerError(.malformedEntry, "entry does not read back as itself (a value JSON cannot carry exactly)")
        }
        return entry
    }

    /// The largest integer JSON numbers carry exactly (2^53).
    static let maxExactInteger: Int64 = 9_007_199_254_740_992

    init(chain: String, kind: EntryKind, author: String, time: Int64, body: JSONValue, signature: [UInt8]) throws(LedgerError) {
        self.chain = chain
        self.kind = kind
        self.author = author
        self.time = time
        self.body = body
        self.signature = signature
        var fields = Entry.unsignedFields(chain: chain, kind: kind, author: author, time: time, body: body)
        fields["sig"] = .string(Data(signature).base64EncodedString())
        bytes = JSONValue.object(fields).canonicalBytes()
        guard bytes.count <= Entry.maxSize else {
            throw LedgerError(.malformedEntry, "entry is \(bytes.count) bytes, at most \(Entry.maxSize)")
        }
        hash = MerkleHasher.leafHash(bytes)
    }

    static func unsignedFields(chain: String, kind: EntryKind, author: String, time: Int64, body: JSONValue) -> [String: JSONValue] {
        [
            "v": .number(Double(version)), "chain": .string(chain), "kind": .string(kind.rawValue),
            "author": .string(author), "time": .number(Double(time)), "body": body,
        ]
    }

    static func unsignedObject(chain: String, kind: EntryKind, author: String, time: Int64, body: JSONValue) -> JSONValue {
        .object(unsignedFields(chain: chain, kind: kind, author: author, time: time, body: body))
    }

    /// The message the author signed.
    public var signedMessage: [UInt8] {
        Entry.domain + Entry.unsignedObject(chain: chain, kind: kind, author: author, time: time, body: body).canonicalBytes()
    }

    /// Whether `key` signed this entry.
    ///
    /// A node checks the same entry several times (when it is submitted, proposed, committed, and
    /// on every replay of a copy of the state), so successful checks are remembered by entry hash
    /// and key (``SignatureMemo``): the hash covers every byte of the entry, signature included,
    /// so a remembered result is the result the check would give again.
    /// Forgets the signature checks remembered so far, so that the next check of every entry
    /// verifies its signature again: for benchmarks that measure what a fresh process pays.
    public static func forgetVerifiedSignatures() {
        SignatureMemo.shared.removeAll()
    }

    public func isSigned(by key: VerifierKey) -> Bool {
        guard key.type == .ed25519, key.name == author else { return false }
        if SignatureMemo.shared.contains(hash, key.publicKey) { return true }
        guard key.verify(text: signedMessage, signature: signature) else { return false }
        SignatureMemo.shared.insert(hash, key.publicKey)
        return true
    }

    /// Parses an entry from JSON. The input need not be canonical; ``bytes`` is.
    /// - Throws: ``LedgerError/Code/malformedEntry`` or ``LedgerError/Code/malformedJSON`` naming
    ///   the field and the reason.
    public init(parsing input: [UInt8]) throws(LedgerError) {
        guard input.count <= Entry.maxSize else {
            throw LedgerError(.malformedEntry, "entry is \(input.count) bytes, at most \(Entry.maxSize)")
        }
        let json = try JSONValue(parsing: input)
        guard case .object(let fields) = json else { throw LedgerError(.malformedEntry, "entry is not a JSON object") }
        let allowed: Set<String> = ["v", "chain", "kind", "author", "time", "body", "sig"]
        if let extra = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw LedgerError(.malformedEntry, "entry has unknown field \"\(extra.prefix(40))\"")
        }
        let reader = FieldReader(fields, context: "entry")
        guard try reader.integer("v") == Int64(Entry.version) else {
            throw LedgerError(.malformedEntry, "entry version is not \(Entry.version)")
        }
        let kindText = try reader.string("kind")
        guard let kind = EntryKind(rawValue: kindText) else {
            throw LedgerError(.malformedEntry, "unknown entry kind \"\(kindText.prefix(40))\"")
        }
        guard let body = fields["body"] else { throw LedgerError(.malformedEntry, "entry has no body") }
        let sigText = try reader.string("sig")
        guard let sig = Data(base64Encoded: sigText), sig.count == 64 else {
            throw LedgerError(.malformedEntry, "entry sig is not base64 of a 64-byte Ed25519 signature")
        }
        let author = try reader.string("author")
        guard NoteName.isValid(author) else { throw LedgerError(.malformedEntry, "entry author is not a valid key name") }
        let chain = try reader.string("chain")
        guard !chain.isEmpty, !chain.contains("\n") else { throw LedgerError(.malformedEntry, "entry chain is not a valid origin") }
        try self.init(chain: chain, kind: kind, author: author, time: try reader.integer("time"), body: body, signature: Array(sig))
    }
}

/// Reads typed fields from a JSON object with messages that name the field.
struct FieldReader {
    let fields: [String: JSONValue]
    let context: String
    /// The code of the errors this reader throws.
    let code: LedgerError.Code

    init(_ fields: [String: JSONValue], context: String, code: LedgerError.Code = .malformedEntry) {
        self.fields = fields
        self.context = context
        self.code = code
    }

    /// A reader for an object whose fields must all be in `allowed` (a schema: anything else,
    /// such as personal data, is rejected).
    init(_ value: JSONValue, context: String, allowed: Set<String>, code: LedgerError.Code = .malformedEntry) throws(LedgerError) {
        guard case .object(let fields) = value else { throw LedgerError(code, "\(context) is not a JSON object") }
        if let extra = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw LedgerError(code, "\(context) has field \"\(extra.prefix(40))\" that is not in its schema")
        }
        self.fields = fields
        self.context = context
        self.code = code
    }

    func fail(_ field: String, _ reason: String) -> LedgerError {
        LedgerError(code, "\(context).\(field) \(reason)")
    }

    func has(_ field: String) -> Bool { fields[field] != nil && fields[field] != .null }

    func value(_ field: String) throws(LedgerError) -> JSONValue {
        guard let value = fields[field] else { throw fail(field, "is missing") }
        return value
    }

    func string(_ field: String, maxLength: Int = 1024) throws(LedgerError) -> String {
        guard case .string(let s) = try value(field) else { throw fail(field, "is not a string") }
        guard s.utf8.count <= maxLength else { throw fail(field, "is longer than \(maxLength) bytes") }
        return s
    }

    func optionalString(_ field: String, maxLength: Int = 1024) throws(LedgerError) -> String? {
        has(field) ? try string(field, maxLength: maxLength) : nil
    }

    func integer(_ field: String) throws(LedgerError) -> Int64 {
        guard case .number(let d) = try value(field), d == d.rounded(), abs(d) <= 9_007_199_254_740_992 else {
            throw fail(field, "is not an integer")
        }
        return Int64(d)
    }

    func optionalInteger(_ field: String) throws(LedgerError) -> Int64? {
        has(field) ? try integer(field) : nil
    }

    func bool(_ field: String) throws(LedgerError) -> Bool {
        guard case .bool(let b) = try value(field) else { throw fail(field, "is not true or false") }
        return b
    }

    func optionalBool(_ field: String) throws(LedgerError) -> Bool? {
        has(field) ? try bool(field) : nil
    }

    func array(_ field: String, maxCount: Int = 1024) throws(LedgerError) -> [JSONValue] {
        guard case .array(let a) = try value(field) else { throw fail(field, "is not an array") }
        guard a.count <= maxCount else { throw fail(field, "has more than \(maxCount) items") }
        return a
    }

    func strings(_ field: String, maxCount: Int = 1024) throws(LedgerError) -> [String] {
        try array(field, maxCount: maxCount).enumerated().map { item throws(LedgerError) in
            guard case .string(let s) = item.element else { throw fail("\(field)[\(item.offset)]", "is not a string") }
            return s
        }
    }

    func hash(_ field: String) throws(LedgerError) -> Hash {
        let text = try string(field, maxLength: 100)
        do { return try Hash(hex: text) } catch { throw fail(field, "is not a 64-digit hex hash") }
    }
}
