public import JWTKit
public import VigilCommunity

/// The payload of a health code, with short claim names to keep the QR code small.
///
/// | claim | meaning                                                                      |
/// |-------|------------------------------------------------------------------------------|
/// | `sub` | the subject's ``Pseudonym`` (never a name or identifier)                     |
/// | `iss` | the issuing region, a jurisdiction path (`sz/ft`)                            |
/// | `jur` | the subject's jurisdiction path; lies inside `iss`                           |
/// | `col` | the colour as one letter: `g`, `y` or `r` (``HealthColour/letter``)          |
/// | `iat` | when the code was issued, Unix seconds (integer)                             |
/// | `exp` | when it expires, Unix seconds (integer)                                      |
/// | `v`   | the format version, 1                                                        |
///
/// For example `{"sub":"q2J8nS0xv4yBfA1Zt7kR9w","iss":"sz/ft","jur":"sz/ft/xl/c07","col":"g",
/// "iat":1700000000,"exp":1700000300,"v":1}`. The JWS header is `{"alg":"EdDSA","kid":"..."}`.
public struct HealthCodeClaims: JWTPayload, Hashable {
    /// The only format version this library reads and writes.
    public static let formatVersion = 1

    /// `sub`: who the code is for, as a pseudonym.
    public var subject: Pseudonym
    /// `iss`: the region whose key signed the code.
    public var issuer: JurisdictionPath
    /// `jur`: the subject's jurisdiction.
    public var jurisdiction: JurisdictionPath
    /// `col`: the colour.
    public var colour: HealthColour
    /// `iat`: Unix seconds.
    public var issuedAt: Int64
    /// `exp`: Unix seconds.
    public var expiresAt: Int64
    /// `v`: the format version (``formatVersion``).
    public let version: Int

    /// Claims of format version 1. The issuer and verifier check the relations between them.
    public init(
        subject: Pseudonym, issuer: JurisdictionPath, jurisdiction: JurisdictionPath, colour: HealthColour, issuedAt: Int64,
        expiresAt: Int64
    ) {
        self.subject = subject
        self.issuer = issuer
        self.jurisdiction = jurisdiction
        self.colour = colour
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.version = Self.formatVersion
    }

    /// The checks that need neither a key nor a clock: `jur` lies inside `iss`. (The version is
    /// checked when decoding.) ``HealthCodeVerifier`` makes this and every other check, without
    /// going through jwt-kit's asynchronous path.
    /// - Throws: ``HealthCodeError/Code/jurisdictionOutsideIssuer``.
    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try checkJurisdiction()
    }

    func checkJurisdiction() throws {
        guard issuer.contains(jurisdiction) else {
            throw HealthCodeError(
                .jurisdictionOutsideIssuer, "jurisdiction \(jurisdiction) lies outside the issuing region \(issuer)", field: "jur")
        }
    }

    enum CodingKeys: String, CodingKey {
        case subject = "sub", issuer = "iss", jurisdiction = "jur", colour = "col", issuedAt = "iat", expiresAt = "exp"
        case version = "v"
    }

    /// Decodes the claims, the version first: the meaning of the others depends on it.
    /// - Throws: ``HealthCodeError/Code/unsupportedVersion`` for a `v` other than 1;
    ///   ``HealthCodeError/Code/invalidClaim`` naming the claim that is missing or invalid.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func claim<T: Decodable>(_ key: CodingKeys, as type: T.Type) throws -> T {
            do {
                return try c.decode(T.self, forKey: key)
            } catch let error as HealthCodeError {
                throw HealthCodeError(.invalidClaim, error.message, field: key.rawValue)
            } catch let error as CommunityError {
                throw HealthCodeError(.invalidClaim, error.message, field: key.rawValue)
            } catch {
                throw HealthCodeError(.invalidClaim, "claim \"\(key.rawValue)\" is missing or not a valid \(T.self)", field: key.rawValue)
            }
        }
        version = try claim(.version, as: Int.self)
        guard version == Self.formatVersion else {
            throw HealthCodeError(.unsupportedVersion, "format version \(version) is not \(Self.formatVersion)", field: "v")
        }
        let letter = try claim(.colour, as: String.self)
        guard let colour = HealthColour(letter: letter) else {
            throw HealthCodeError(.invalidClaim, "colour \"\(letter.prefix(8))\" is not g, y or r", field: "col")
        }
        self.colour = colour
        subject = try claim(.subject, as: Pseudonym.self)
        issuer = try claim(.issuer, as: JurisdictionPath.self)
        jurisdiction = try claim(.jurisdiction, as: JurisdictionPath.self)
        issuedAt = try claim(.issuedAt, as: Int64.self)
        expiresAt = try claim(.expiresAt, as: Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(subject, forKey: .subject)
        try c.encode(issuer, forKey: .issuer)
        try c.encode(jurisdiction, forKey: .jurisdiction)
        try c.encode(colour.letter, forKey: .colour)
        try c.encode(issuedAt, forKey: .issuedAt)
        try c.encode(expiresAt, forKey: .expiresAt)
        try c.encode(version, forKey: .version)
    }
}
