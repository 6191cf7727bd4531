/// An error from the health-code library: a code callers match on, plus a message with the values
/// that explain this failure, and the field (configuration key, JWKS member or claim) it concerns
/// when there is one.
///
/// Equality and hashing use ``code`` only, so tests can write
/// `#expect(throws: HealthCodeError(.expired)) { ... }`. Messages never carry a token, a subject
/// or key material, only the names and numbers that explain the failure.
public struct HealthCodeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure. Extensible: new codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidConfiguration, invalidStatus, invalidArgument
            case invalidTrustList, duplicateKeyID, invalidKeyEncoding, wrongKeyLength, unsupportedKeyType
            case malformedToken, unsupportedAlgorithm, unknownKey, badSignature, unsupportedVersion, invalidClaim
            case issuerMismatch, jurisdictionOutsideIssuer, invalidLifetime, keyNotValidAtIssue, expired, issuedInFuture
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        // Configuration and inputs.

        /// Colour-rule configuration that breaks its rules (``HealthCodeError/field`` names the key,
        /// e.g. `rules[2].when.missedCheckInsAtLeast`).
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// A ``CodeSubjectStatus`` with an impossible value (a negative count).
        public static let invalidStatus = Code(.invalidStatus)
        /// An argument outside its documented range (a key identifier, a pseudonym, an issuer's
        /// region or a code's jurisdiction).
        public static let invalidArgument = Code(.invalidArgument)

        // Trust lists.

        /// A trust list that is not a JWKS of code-signing keys: a missing or mistyped member, a bad
        /// region or a validity window that ends before it starts.
        public static let invalidTrustList = Code(.invalidTrustList)
        /// Two keys with the same `kid`.
        public static let duplicateKeyID = Code(.duplicateKeyID)
        /// A key's `x` that is not unpadded base64url.
        public static let invalidKeyEncoding = Code(.invalidKeyEncoding)
        /// A key's `x` that does not decode to the 32 bytes of an Ed25519 public key.
        public static let wrongKeyLength = Code(.wrongKeyLength)
        /// A key whose `kty`, `crv`, `alg` or `use` is not `OKP`, `Ed25519`, `EdDSA`, `sig`.
        public static let unsupportedKeyType = Code(.unsupportedKeyType)

        // Verification, in the order the verifier checks.

        /// A string that is not a compact JWS of a health code (segments, base64url, JSON, claims).
        public static let malformedToken = Code(.malformedToken)
        /// A header whose `alg` is not `EdDSA`.
        public static let unsupportedAlgorithm = Code(.unsupportedAlgorithm)
        /// A header without a `kid`, or with one the trust list does not hold.
        public static let unknownKey = Code(.unknownKey)
        /// A signature that the key named by `kid` did not make (a tampered or forged code).
        public static let badSignature = Code(.badSignature)
        /// A format version (`v`) other than 1.
        public static let unsupportedVersion = Code(.unsupportedVersion)
        /// A claim that is missing or has an invalid value (``HealthCodeError/field`` names it).
        public static let invalidClaim = Code(.invalidClaim)
        /// An `iss` that is not the region of the key that signed the code.
        public static let issuerMismatch = Code(.issuerMismatch)
        /// A `jur` outside the issuing region `iss`.
        public static let jurisdictionOutsideIssuer = Code(.jurisdictionOutsideIssuer)
        /// A code whose `exp` is not after its `iat`, or whose lifetime exceeds the maximum
        /// (24 hours); for an issuer, a lifetime outside 1 s ... 24 h.
        public static let invalidLifetime = Code(.invalidLifetime)
        /// An `iat` outside the signing key's validity window `[nbf, exp)`.
        public static let keyNotValidAtIssue = Code(.keyNotValidAtIssue)
        /// A code at or past its `exp` (plus leeway).
        public static let expired = Code(.expired)
        /// A code whose `iat` is later than now plus the leeway.
        public static let issuedInFuture = Code(.issuedInFuture)

        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// What went wrong, with the values that explain it (never a token, a subject or a key).
    public var message: String
    /// The field (configuration key, JWKS member or claim) the error concerns, if any.
    public var field: String?
    /// The source file that threw the error.
    public var file: String
    /// The line that threw the error.
    public var line: Int

    /// Creates an error; `file` and `line` record where it was thrown.
    public init(_ code: Code, _ message: String = "", field: String? = nil, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.field = field
        self.file = file
        self.line = line
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String {
        "HealthCodeError.\(code)" + (field.map { " (\($0))" } ?? "") + (message.isEmpty ? "" : ": \(message)")
    }
}
