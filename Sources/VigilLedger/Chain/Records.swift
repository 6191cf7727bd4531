import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Entries of another chain with their inclusion proofs and that chain's cosigned checkpoint:
/// the body of a `relay` or `share` entry, verified offline like a light client against the
/// other chain's registered policy (log key, witness keys, quorum).
public struct RecordBundle: Hashable, Sendable {
    public var entries: [Entry]
    /// Each entry's position on its chain.
    public var indices: [LeafIndex]
    public var checkpoint: Checkpoint

    /// Most records in one bundle.
    public static let maxRecords = 64

    /// The body of a relay or share entry carrying `entries` of chain `from`.
    /// - Parameters:
    ///   - indices: each entry's position on its chain.
    ///   - store: the other chain's hash store, for the inclusion proofs.
    ///   - checkpoint: the other chain's checkpoint note, cosigned to its quorum.
    public static func body(
        from: String, entries: [Entry], indices: [LeafIndex], store: some HashStore, checkpoint: Note, deadline: Int64? = nil
    ) throws -> JSONValue {
        let parsed = try Checkpoint(text: checkpoint.text)
        var records: [JSONValue] = []
        for (entry, index) in zip(entries, indices) {
            let proof = try MerkleProof.inclusionProof(index: index, size: parsed.size, store: store)
            records.append(.object([
                "entry": .string(Data(entry.bytes).base64EncodedString()),
                "index": .number(Double(index.rawValue)),
                "proof": .array(proof.map { .string($0.base64) }),
            ]))
        }
        var body: [String: JSONValue] = ["from": .string(from), "records": .array(records), "checkpoint": .string(checkpoint.formatted)]
        if let deadline { body["deadline"] = .number(Double(deadline)) }
        return .object(body)
    }

    /// Verifies the bundle in a relay or share body against the linked chain.
    init(reader r: FieldReader, from link: LinkedChain) throws(LedgerError) {
        let noteText = try r.string("checkpoint", maxLength: Note.maxSize)
        let evaluation: PolicyEvaluation
        do {
            evaluation = try link.policy.evaluate(Array(noteText.utf8))
        } catch {
            throw LedgerError(.rejectedEntry, "\(r.context) checkpoint of \(link.origin.prefix(100)): \(error.message)")
        }
        guard evaluation.checkpoint.origin == link.origin else {
            throw LedgerError(.rejectedEntry, "\(r.context) checkpoint is of \(evaluation.checkpoint.origin.prefix(100)), not \(link.origin.prefix(100))")
        }
        guard evaluation.isSatisfied else {
            throw LedgerError(
                .rejectedEntry,
                "\(r.context) checkpoint does not meet \(link.origin.prefix(100))'s quorum: " + evaluation.missing.map(\.description).joined(separator: "; "))
        }
        let records = try r.array("records", maxCount: RecordBundle.maxRecords)
        guard !records.isEmpty else { throw r.fail("records", "is empty") }
        var entries: [Entry] = []
        var indices: [LeafIndex] = []
        for (i, record) in records.enumerated() {
            let rr = try FieldReader(record, context: "\(r.context).records[\(i)]", allowed: ["entry", "index", "proof"])
            guard let bytes = Data(base64Encoded: try rr.string("entry", maxLength: Entry.maxSize * 2)) else {
                throw rr.fail("entry", "is not base64")
            }
            let index = try rr.integer("index")
            guard index >= 0 else { throw rr.fail("index", "is negative") }
            var proof: [Hash] = []
            for (j, item) in try rr.array("proof", maxCount: MerkleProof.maxProofLength).enumerated() {
                guard case .string(let text) = item, let hash = try? Hash(base64: text) else { throw rr.fail("proof[\(j)]", "is not a base64 hash") }
                proof.append(hash)
            }
            let entry = try Entry(parsing: Array(bytes))
            guard entry.chain == link.origin else { throw rr.fail("entry", "is of chain \(entry.chain.prefix(100)), not \(link.origin.prefix(100))") }
            do {
                try MerkleProof.verifyInclusion(
                    index: LeafIndex(UInt64(index)), size: evaluation.checkpoint.size, leafHash: entry.hash, proof: proof,
                    root: evaluation.checkpoint.root)
            } catch {
                throw LedgerError(.rejectedEntry, "\(rr.context) is not in \(link.origin.prefix(100)) at size \(evaluation.checkpoint.size): \(error.message)")
            }
            entries.append(entry)
            indices.append(LeafIndex(UInt64(index)))
        }
        self.entries = entries
        self.indices = indices
        self.checkpoint = evaluation.checkpoint
    }
}

/// Helpers that keep personal data off the chain.
public enum Privacy {
    /// The pseudonymous subject of a case: `HMAC-SHA256(area secret, national id)`. The area's
    /// agencies share the secret, so each can match the subject to its own records; nobody else
    /// can reverse it.
    public static func pseudonym(areaSecret: [UInt8], nationalID: String) -> Hash {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(nationalID.utf8), using: SymmetricKey(data: areaSecret))
        return try! Hash(bytes: Array(mac))
    }

    /// A commitment to a local record: `SHA-256(salt || record)`. With the salt (kept with the
    /// record) the organisation can later show which record a report was about.
    /// - Precondition: `salt` is at least 16 random bytes.
    public static func commitment(salt: [UInt8], record: [UInt8]) -> Hash {
        precondition(salt.count >= 16, "a commitment needs at least 16 bytes of salt")
        return Hash(digest: SHA256.hash(data: salt + record))
    }
}
