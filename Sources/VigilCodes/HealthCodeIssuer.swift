public import Crypto
import JWTKit
public import VigilCommunity

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Issues a region's health codes: compact JWS strings (EdDSA / Ed25519) of ``HealthCodeClaims``.
///
/// The header is `{"alg":"EdDSA","kid":"<keyID>"}`; the payload is serialised by jwt-kit's
/// `DefaultJWTSerializer` with members sorted and slashes unescaped, so the same claims always
/// give the same bytes and paths stay short. Issuing is synchronous and touches no actor
/// (jwt-kit's `JWTKeyCollection.sign` is an actor call): the header is encoded once, at init,
/// and each code costs one direct JSON encoding (`HealthCodeJSONEncoder`) and one Ed25519
/// signature. Measured on one core: 62 000 codes/s, 0.88 of the raw Ed25519 signing rate
/// (`JWTKeyCollection.sign`: 0.3-0.4).
///
/// The value is immutable and `Sendable`; share it across threads.
public struct HealthCodeIssuer: Sendable {
    /// How long a code is valid unless configured otherwise: 5 minutes.
    public static let defaultLifetime: Int64 = 300
    /// The longest a code may be valid: 24 hours. The verifier refuses longer-lived codes.
    public static let maximumLifetime: Int64 = 86_400

    /// The issuing region (`iss`); the signing key's `region` in the trust list.
    public let region: JurisdictionPath
    /// The signing key's id (`kid`).
    public let keyID: SigningKeyID
    /// How long each code is valid, in seconds.
    public let lifetime: Int64

    private let privateKey: Curve25519.Signing.PrivateKey
    /// `base64url(header) "."`, the start of every code.
    private let headerSegment: [UInt8]
    private let serializer: DefaultJWTSerializer

    /// An issuer for `region` signing with `privateKey`.
    /// - Parameters:
    ///   - region: the region whose codes this issues.
    ///   - keyID: the id under which the key's public half is in the trust list.
    ///   - privateKey: the region's Ed25519 code-signing key.
    ///   - lifetime: seconds each code is valid, 1 ... ``maximumLifetime`` (default 5 minutes).
    /// - Throws: ``HealthCodeError/Code/invalidLifetime`` (field `lifetime`) for a lifetime out of range.
    public init(
        region: JurisdictionPath, keyID: SigningKeyID, privateKey: Curve25519.Signing.PrivateKey,
        lifetime: Int64 = HealthCodeIssuer.defaultLifetime
    ) throws {
        guard (1...Self.maximumLifetime).contains(lifetime) else {
            throw HealthCodeError(
                .invalidLifetime, "a code lifetime of \(lifetime) s is outside 1...\(Self.maximumLifetime)", field: "lifetime")
        }
        self.region = region
        self.keyID = keyID
        self.lifetime = lifetime
        self.privateKey = privateKey
        self.headerSegment = Array(Self.encodedHeader(for: keyID).utf8) + [UInt8(ascii: ".")]
        self.serializer = DefaultJWTSerializer(jsonEncoder: HealthCodeJSONEncoder())
    }

    /// The public key to publish in the trust list.
    public var publicKey: Curve25519.Signing.PublicKey { privateKey.publicKey }

    /// The trust-list entry for this issuer's key, valid for signing from `notBefore` until
    /// `expires` (Unix seconds).
    /// - Throws: ``HealthCodeError/Code/invalidTrustList`` when `expires <= notBefore`.
    public func trustListKey(notBefore: Int64, expires: Int64) throws -> TrustList.Key {
        try TrustList.Key(id: keyID, region: region, publicKey: publicKey, notBefore: notBefore, expires: expires)
    }

    /// A code for `subject`, valid from `now` for ``lifetime`` seconds.
    /// - Parameters:
    ///   - subject: the person's pseudonym, computed by the caller with the area secret
    ///     (``Pseudonym/derived(from:areaSecret:)``); never a name or an identifier.
    ///   - jurisdiction: the person's jurisdiction, inside ``region``.
    ///   - colour: the colour, usually ``ColourRules/evaluate(_:)``'s.
    ///   - now: the issue time, Unix seconds.
    /// - Throws: ``HealthCodeError/Code/jurisdictionOutsideIssuer`` when `jurisdiction` is not
    ///   inside ``region``; ``HealthCodeError/Code/invalidLifetime`` when `now + lifetime`
    ///   overflows.
    public func issue(subject: Pseudonym, jurisdiction: JurisdictionPath, colour: HealthColour, now: Int64) throws -> String {
        let (expiry, overflow) = now.addingReportingOverflow(lifetime)
        guard !overflow else { throw HealthCodeError(.invalidLifetime, "now \(now) plus the lifetime overflows", field: "exp") }
        return try issue(
            HealthCodeClaims(
                subject: subject, issuer: region, jurisdiction: jurisdiction, colour: colour, issuedAt: now,
                expiresAt: expiry))
    }

    /// Signs `claims` as they are.
    /// - Throws: ``HealthCodeError/Code/issuerMismatch`` when `iss` is not ``region``;
    ///   ``HealthCodeError/Code/jurisdictionOutsideIssuer`` when `jur` is not inside it;
    ///   ``HealthCodeError/Code/invalidLifetime`` when `exp - iat` is outside 1 ... 24 h.
    public func issue(_ claims: HealthCodeClaims) throws -> String {
        guard claims.issuer == region else {
            throw HealthCodeError(.issuerMismatch, "claims name issuer \(claims.issuer), this issuer is \(region)", field: "iss")
        }
        try claims.checkJurisdiction()
        let (span, overflow) = claims.expiresAt.subtractingReportingOverflow(claims.issuedAt)
        guard !overflow, (1...Self.maximumLifetime).contains(span) else {
            throw HealthCodeError(.invalidLifetime, "a code lifetime of \(span) s is outside 1...\(Self.maximumLifetime)", field: "exp")
        }
        var token = headerSegment
        let payload = try serializer.serialize(claims, header: JWTHeader())
        token.reserveCapacity(token.count + payload.count + 1 + 86)
        token.append(contentsOf: payload)
        let signature = try privateKey.signature(for: token)
        token.append(UInt8(ascii: "."))
        Base64URL.encode(signature, into: &token)
        return String(decoding: token, as: UTF8.self)
    }

    /// The encoded header every code signed with `keyID` carries: base64url of
    /// `{"alg":"EdDSA","kid":"<keyID>"}`. Key ids need no JSON escaping.
    static func encodedHeader(for keyID: SigningKeyID) -> String {
        Base64URL.encode(Array("{\"alg\":\"EdDSA\",\"kid\":\"\(keyID.value)\"}".utf8))
    }
}
