public import VigilCommunity

/// A health code that passed every check of ``HealthCodeVerifier``: what a checkpoint may act on.
public struct VerifiedHealthCode: Sendable, Hashable {
    /// The colour.
    public let colour: HealthColour
    /// The subject's pseudonym (`sub`).
    public let subject: Pseudonym
    /// The issuing region (`iss`), which is the signing key's region.
    public let region: JurisdictionPath
    /// The subject's jurisdiction (`jur`), inside ``region``.
    public let jurisdiction: JurisdictionPath
    /// When the code was issued, Unix seconds.
    public let issuedAt: Int64
    /// When it expires, Unix seconds.
    public let expiresAt: Int64
    /// The id of the key that signed it.
    public let keyID: SigningKeyID

    /// A verified code from its parts (``HealthCodeVerifier/verify(_:now:)`` makes them).
    public init(
        colour: HealthColour, subject: Pseudonym, region: JurisdictionPath, jurisdiction: JurisdictionPath, issuedAt: Int64,
        expiresAt: Int64, keyID: SigningKeyID
    ) {
        self.colour = colour
        self.subject = subject
        self.region = region
        self.jurisdiction = jurisdiction
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.keyID = keyID
    }

    /// Whether the code was issued by `region` or a region inside it.
    public func isIssued(within region: JurisdictionPath) -> Bool { region.contains(self.region) }
}
