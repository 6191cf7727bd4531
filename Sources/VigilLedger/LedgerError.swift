/// An error from the ledger core: a code that callers can match on, plus a message that carries
/// the values explaining this particular failure.
///
/// Equality and hashing use ``code`` only, so tests can write
/// `#expect(throws: LedgerError(.badProof)) { ... }`.
public struct LedgerError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure. Extensible: new codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case malformedHash, badProof, badTreeSize, storeMissingNode
            case malformedNote, malformedKey, ambiguousKey, badSignature, noVerifiedSignature
            case malformedCheckpoint, malformedCosignature, malformedPolicy, malformedTile
            case malformedProofFile, policyNotSatisfied, unknownLog
            case malformedJSON
            case malformedEntry, malformedGenesis, rejectedEntry
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A hash that is not 32 bytes or not valid base64.
        public static let malformedHash = Code(.malformedHash)
        /// An inclusion or consistency proof that does not verify.
        public static let badProof = Code(.badProof)
        /// A tree size or leaf index that is out of range.
        public static let badTreeSize = Code(.badTreeSize)
        /// A hash store that lacks a node a proof needs.
        public static let storeMissingNode = Code(.storeMissingNode)
        /// A signed note that breaks the C2SP signed-note format.
        public static let malformedNote = Code(.malformedNote)
        /// A signer or verifier key that cannot be parsed.
        public static let malformedKey = Code(.malformedKey)
        /// Two known keys share a name and key ID.
        public static let ambiguousKey = Code(.ambiguousKey)
        /// A signature from a known key that does not verify.
        public static let badSignature = Code(.badSignature)
        /// A note none of whose signatures is from a known key.
        public static let noVerifiedSignature = Code(.noVerifiedSignature)
        /// A checkpoint body that breaks C2SP tlog-checkpoint.
        public static let malformedCheckpoint = Code(.malformedCheckpoint)
        /// A cosignature that breaks C2SP tlog-cosignature.
        public static let malformedCosignature = Code(.malformedCosignature)
        /// A policy file that breaks C2SP tlog-policy.
        public static let malformedPolicy = Code(.malformedPolicy)
        /// A tile path or tile coordinates that break C2SP tlog-tiles.
        public static let malformedTile = Code(.malformedTile)
        /// A proof file that breaks C2SP tlog-proof.
        public static let malformedProofFile = Code(.malformedProofFile)
        /// A checkpoint whose signatures do not satisfy a policy.
        public static let policyNotSatisfied = Code(.policyNotSatisfied)
        /// A checkpoint not signed by any log the policy knows.
        public static let unknownLog = Code(.unknownLog)
        /// JSON text that breaks RFC 8259 or the I-JSON rules (RFC 7493) that canonical JSON
        /// (RFC 8785) relies on, or a value that has no canonical form.
        public static let malformedJSON = Code(.malformedJSON)

        /// A chain entry that breaks the entry format or its kind's body schema.
        public static let malformedEntry = Code(.malformedEntry)
        /// A genesis config that is inconsistent or breaks its schema.
        public static let malformedGenesis = Code(.malformedGenesis)
        /// A well-formed entry that the chain's state does not allow (wrong author, role, stage,
        /// closed proposal, double vote, ...).
        public static let rejectedEntry = Code(.rejectedEntry)

        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// The values that explain this failure, e.g. "wrong proof size 4, want 3".
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String = "") {
        self.code = code
        self.message = message
    }

    public var description: String { message.isEmpty ? "\(code)" : message }

    public static func == (lhs: LedgerError, rhs: LedgerError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
