/// A C2SP tlog-witness `add-checkpoint` request: the old size, a consistency proof from it, and
/// the checkpoint to cosign.
public struct AddCheckpointRequest: Hashable, Sendable {
    /// Most consistency proof lines (the spec's limit).
    public static let maxProofLines = 63

    public var oldSize: TreeSize
    public var proof: [Hash]
    public var checkpoint: Note

    public init(oldSize: TreeSize, proof: [Hash], checkpoint: Note) {
        self.oldSize = oldSize
        self.proof = proof
        self.checkpoint = checkpoint
    }

    /// Parses a request body: `old N`, proof lines, an empty line, the checkpoint note.
    /// - Throws: ``LedgerError/Code/malformedProofFile`` or the note's error, with the reason
    ///   (a 400 Bad Request).
    public init(parsing body: [UInt8]) throws(LedgerError) {
        guard body.count <= Note.maxSize + 8 * 1024 else {
            throw LedgerError(.malformedProofFile, "request is \(body.count) bytes, too large")
        }
        guard let blank = body.indices.dropLast().first(where: { body[$0] == 0x0A && body[$0 + 1] == 0x0A }) else {
            throw LedgerError(.malformedProofFile, "request has no empty line before the checkpoint")
        }
        guard let head = String(validating: body[..<blank], as: UTF8.self) else {
            throw LedgerError(.malformedProofFile, "request head is not UTF-8")
        }
        var lines = head.split(separator: "\n", omittingEmptySubsequences: false)[...]
        guard let first = lines.popFirst(), first.hasPrefix("old "), let old = StrictDecimal.parse(first.dropFirst(4)) else {
            throw LedgerError(.malformedProofFile, "first line must be \"old N\" (decimal, no leading zeroes)")
        }
        guard lines.count <= AddCheckpointRequest.maxProofLines else {
            throw LedgerError(.malformedProofFile, "\(lines.count) consistency proof lines, at most \(AddCheckpointRequest.maxProofLines)")
        }
        var proof: [Hash] = []
        for (i, line) in lines.enumerated() {
            do { proof.append(try Hash(base64: line)) } catch {
                throw LedgerError(.malformedProofFile, "consistency proof line \(i + 1): \(error.message)")
            }
        }
        self.oldSize = TreeSize(old)
        self.proof = proof
        self.checkpoint = try Note(parsing: Array(body[(blank + 2)...]))
    }

    /// The request body.
    public var body: [UInt8] {
        Array((["old \(oldSize.rawValue)"] + proof.map(\.base64)).map { $0 + "\n" }.joined().utf8) + [0x0A] + checkpoint.bytes
    }
}

/// What a witness keeps per log: the latest checkpoint it cosigned. It must be persisted, with
/// a compare-and-set on ``size``, before the cosignature is returned.
public struct WitnessRecord: Hashable, Sendable {
    public var origin: String
    public var size: TreeSize
    public var root: Hash

    public init(origin: String, size: TreeSize, root: Hash) {
        self.origin = origin
        self.size = size
        self.root = root
    }
}

/// The answer to an `add-checkpoint` request.
public enum AddCheckpointOutcome: Hashable, Sendable {
    /// 200: persist `record` (only if the stored size is still the request's old size), then
    /// return the cosignature lines.
    case cosigned(signatures: [NoteSignature], record: WitnessRecord)
    /// 409 with `text/x.tlog.size`: the witness's latest cosigned size differs from the old
    /// size (or, at equal sizes, the roots differ).
    case conflict(currentSize: TreeSize, reason: String)
    /// 400, 403, 404 or 422 with the reason.
    case refused(status: Int, reason: String)

    /// The HTTP status the C2SP tlog-witness protocol gives this outcome.
    public var status: Int {
        switch self {
        case .cosigned: 200
        case .conflict: 409
        case .refused(let status, _): status
        }
    }
}

/// The pure core of a C2SP tlog-witness: the checks of `add-checkpoint` and the cosignature.
/// It holds no state; the caller passes the stored record and persists the returned one
/// atomically (check-and-set on the old size) before answering.
public struct Witness: Sendable {
    /// The witness's cosignature key (type 0x04).
    public let key: SignerKey
    /// Trusted log keys per origin.
    public let logs: [String: [VerifierKey]]

    public init(key: SignerKey, logs: [String: [VerifierKey]]) throws(LedgerError) {
        guard key.type == .cosignature else { throw LedgerError(.malformedKey, "a witness cosigns with a 0x04 key") }
        self.key = key
        self.logs = logs
    }

    /// Checks an `add-checkpoint` request against the latest record (nil if none) and cosigns.
    /// - Parameters:
    ///   - timestamp: POSIX seconds for the cosignature (the caller's clock).
    ///   - validate: extra checks before cosigning, e.g. a full replica validating the new
    ///     entries and the root they give; a non-nil error refuses the checkpoint (422).
    public func addCheckpoint(
        _ request: AddCheckpointRequest, current: WitnessRecord?, timestamp: UInt64,
        validate: (Checkpoint) -> LedgerError? = { _ in nil }
    ) -> AddCheckpointOutcome {
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint(text: request.checkpoint.text)
        } catch {
            return .refused(status: 400, reason: error.message)
        }
        guard let keys = logs[checkpoint.origin] else {
            return .refused(status: 404, reason: "unknown log origin \(checkpoint.origin.prefix(100))")
        }
        do {
            _ = try VerifierSet(keys).verify(request.checkpoint)
        } catch {
            return .refused(status: 403, reason: "checkpoint not signed by a trusted log key: \(error.message)")
        }
        guard request.oldSize <= checkpoint.size else {
            return .refused(status: 400, reason: "old size \(request.oldSize) is larger than the checkpoint size \(checkpoint.size)")
        }
        let currentSize = current?.size ?? 0
        guard request.oldSize == currentSize else {
            return .conflict(currentSize: currentSize, reason: "old size \(request.oldSize) is not the latest cosigned size \(currentSize)")
        }
        if let current, current.size == checkpoint.size {
            guard current.root == checkpoint.root else {
                return .conflict(currentSize: currentSize, reason: "size \(checkpoint.size) was cosigned with another root")
            }
            guard request.proof.isEmpty else { return .refused(status: 422, reason: "equal sizes need an empty proof") }
        } else if let current, current.size > 0 {
            do {
                try MerkleProof.verifyConsistency(
                    from: current.size, to: checkpoint.size, proof: request.proof, oldRoot: current.root, newRoot: checkpoint.root)
            } catch {
                return .refused(status: 422, reason: "consistency proof: \(error.message)")
            }
        } else {
            guard request.proof.isEmpty else { return .refused(status: 422, reason: "a proof from size 0 must be empty") }
        }
        if let problem = validate(checkpoint) {
            return .refused(status: 422, reason: "checkpoint not valid for this witness: \(problem.message)")
        }
        let signature: NoteSignature
        do {
            signature = try key.sign(text: Array(request.checkpoint.text.utf8), timestamp: timestamp)
        } catch {
            return .refused(status: 500, reason: error.message)
        }
        return .cosigned(signatures: [signature], record: WitnessRecord(origin: checkpoint.origin, size: checkpoint.size, root: checkpoint.root))
    }
}
