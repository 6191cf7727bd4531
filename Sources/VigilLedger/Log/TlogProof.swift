#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A C2SP tlog-proof@v1: an offline proof that an entry is in a log, made of the entry's index,
/// its inclusion proof, and a checkpoint with its (co)signatures.
///
/// Vigil puts the entry itself in the `extra` line when the proof is meant to be
/// self-contained; a verifier that has the entry from elsewhere passes it in instead. Either way
/// the entry is trusted only once its inclusion verifies.
public struct TlogProof: Hashable, Sendable {
    /// The first line of every proof.
    public static let header = "c2sp.org/tlog-proof@v1"
    /// Largest proof accepted, in bytes.
    public static let maxSize = Note.maxSize + 64 * 1024

    /// Opaque extra data (unauthenticated until checked).
    public var extra: [UInt8]?
    /// The entry's position in the log.
    public var index: LeafIndex
    /// The inclusion proof, from the leaf's sibling up.
    public var inclusionProof: [Hash]
    /// The signed checkpoint, verbatim.
    public var checkpointNote: Note

    /// Creates a proof.
    public init(extra: [UInt8]? = nil, index: LeafIndex, inclusionProof: [Hash], checkpointNote: Note) {
        self.extra = extra
        self.index = index
        self.inclusionProof = inclusionProof
        self.checkpointNote = checkpointNote
    }

    /// Produces the proof of leaf `index` against a signed checkpoint, reading the nodes from
    /// `store`.
    public static func produce(
        index: LeafIndex, checkpointNote: Note, store: some HashStore, extra: [UInt8]? = nil
    ) throws -> TlogProof {
        let checkpoint = try Checkpoint(text: checkpointNote.text)
        let proof = try MerkleProof.inclusionProof(index: index, size: checkpoint.size, store: store)
        return TlogProof(extra: extra, index: index, inclusionProof: proof, checkpointNote: checkpointNote)
    }

    /// Parses a proof file.
    /// - Throws: ``LedgerError/Code/malformedProofFile`` (or the note's error) with the reason.
    public init(parsing bytes: [UInt8]) throws(LedgerError) {
        guard bytes.count <= TlogProof.maxSize else {
            throw LedgerError(.malformedProofFile, "proof is \(bytes.count) bytes, at most \(TlogProof.maxSize)")
        }
        // The proof part ends at the first empty line; the checkpoint note follows verbatim.
        guard let blank = bytes.indices.dropLast().first(where: { bytes[$0] == 0x0A && bytes[$0 + 1] == 0x0A }) else {
            throw LedgerError(.malformedProofFile, "proof has no empty line before the checkpoint")
        }
        guard let head = String(validating: bytes[...blank].dropLast(), as: UTF8.self) else {
            throw LedgerError(.malformedProofFile, "proof header is not valid UTF-8")
        }
        var lines = head.split(separator: "\n", omittingEmptySubsequences: false)[...]
        guard lines.first == Substring(TlogProof.header) else {
            throw LedgerError(.malformedProofFile, "first line is not \(TlogProof.header)")
        }
        lines.removeFirst()
        if let line = lines.first, line.hasPrefix("extra ") {
            guard let data = Data(base64Encoded: String(line.dropFirst(6))) else {
                throw LedgerError(.malformedProofFile, "extra line is not valid base64")
            }
            extra = Array(data)
            lines.removeFirst()
        } else {
            extra = nil
        }
        guard let indexLine = lines.first, indexLine.hasPrefix("index "),
            let index = StrictDecimal.parse(indexLine.dropFirst(6))
        else {
            throw LedgerError(.malformedProofFile, "missing line \"index N\" (decimal, no leading zeroes)")
        }
        self.index = LeafIndex(index)
        lines.removeFirst()
        guard lines.count <= MerkleProof.maxProofLength else {
            throw LedgerError(.malformedProofFile, "inclusion proof has \(lines.count) hashes, at most \(MerkleProof.maxProofLength)")
        }
        var proof: [Hash] = []
        for (i, line) in lines.enumerated() {
            do {
                proof.append(try Hash(base64: line))
            } catch {
                throw LedgerError(.malformedProofFile, "inclusion proof hash \(i): \(error.message)")
            }
        }
        inclusionProof = proof
        checkpointNote = try Note(parsing: Array(bytes[(blank + 2)...]))
    }

    /// The proof file.
    public var formatted: String {
        var lines = [TlogProof.header]
        if let extra { lines.append("extra " + Data(extra).base64EncodedString()) }
        lines.append("index \(index.rawValue)")
        lines += inclusionProof.map(\.base64)
        return lines.map { $0 + "\n" }.joined() + "\n" + checkpointNote.formatted
    }

    /// Verifies the proof offline: the checkpoint against `policy` (log signature and quorum of
    /// cosignatures), then the inclusion of `entry` (or, when `nil`, of the `extra` data).
    /// - Returns: the policy evaluation, which is satisfied.
    /// - Throws: ``LedgerError/Code/policyNotSatisfied`` naming what is missing,
    ///   ``LedgerError/Code/badProof`` when the entry is not included, or the parse errors.
    public func verify(entry: [UInt8]? = nil, policy: Policy) throws(LedgerError) -> PolicyEvaluation {
        guard let data = entry ?? extra else {
            throw LedgerError(.malformedProofFile, "no entry to check: the proof has no extra line and no entry was given")
        }
        return try verify(leafHash: MerkleHasher.leafHash(data), policy: policy)
    }

    /// Verifies the proof for a known leaf hash.
    public func verify(leafHash: Hash, policy: Policy) throws(LedgerError) -> PolicyEvaluation {
        let evaluation = try policy.evaluate(checkpointNote.bytes)
        guard evaluation.isSatisfied else {
            throw LedgerError(
                .policyNotSatisfied,
                "quorum not met: " + evaluation.missing.map(\.description).joined(separator: "; "))
        }
        try MerkleProof.verifyInclusion(
            index: index, size: evaluation.checkpoint.size, leafHash: leafHash, proof: inclusionProof,
            root: evaluation.checkpoint.root)
        return evaluation
    }
}
