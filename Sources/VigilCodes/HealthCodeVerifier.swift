import Crypto
import JWTKit
import VigilCommunity

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Verifies health codes offline against a ``TrustList``: no I/O, no clock, no actor.
///
/// ``verify(_:now:)`` checks, in this order, and throws the first failure as a
/// ``HealthCodeError``:
///
/// 1. the token is a compact JWS of at most ``maximumTokenLength`` bytes
///    (``HealthCodeError/Code/malformedToken``);
/// 2. the header's `alg` is `EdDSA` (``HealthCodeError/Code/unsupportedAlgorithm``);
/// 3. its `kid` names a key in the trust list (``HealthCodeError/Code/unknownKey``);
/// 4. that key made the signature (``HealthCodeError/Code/badSignature``);
/// 5. the payload is version 1 (``HealthCodeError/Code/unsupportedVersion``) with valid claims
///    (``HealthCodeError/Code/invalidClaim``);
/// 6. `iss` equals the key's region (``HealthCodeError/Code/issuerMismatch``);
/// 7. `jur` lies inside `iss` (``HealthCodeError/Code/jurisdictionOutsideIssuer``);
/// 8. `exp` is after `iat` by at most 24 hours (``HealthCodeError/Code/invalidLifetime``);
/// 9. `iat` lies in the key's window `[nbf, exp)` (``HealthCodeError/Code/keyNotValidAtIssue``);
/// 10. `now < exp + leeway` (``HealthCodeError/Code/expired``);
/// 11. `iat <= now + leeway` (``HealthCodeError/Code/issuedInFuture``).
///
/// The leeway (default 60 s) absorbs clock differences between issuing servers and checkpoint
/// devices, in both directions.
///
/// Speed: the signature check dominates. Codes signed by ``HealthCodeIssuer`` carry one of the
/// trust list's own headers byte for byte, so the header is matched, not parsed; only other
/// headers go through jwt-kit's `JWTHeader` decoding. The payload is decoded with the JSON
/// decoder of jwt-kit's `DefaultJWTParser` (`HealthCodeJSONDecoder`) after the signature has
/// been checked. Measured on one core: 0.95 of the raw Ed25519 verification rate for the
/// issuer's codes, 0.80 for codes with another header (`JWTKeyCollection.verify`: 0.6-0.7).
public struct HealthCodeVerifier: Sendable {
    /// The default clock leeway: 60 seconds.
    public static let defaultLeeway: Int64 = 60
    /// The longest token accepted, in bytes; a real code is about 300.
    public static let maximumTokenLength = 2_048

    /// The keys codes are verified against.
    public let trustList: TrustList
    /// Seconds of clock difference tolerated when checking `exp` and `iat`.
    public let leeway: Int64

    private let keysByID: [String: TrustList.Key]
    /// Keys by the encoded header ``HealthCodeIssuer`` writes for them.
    private let keysByHeader: [String: TrustList.Key]
    private let parser: DefaultJWTParser

    /// - Parameters:
    ///   - trustList: every region's code-signing keys.
    ///   - leeway: seconds of clock difference to tolerate, 0 or more (precondition).
    public init(trustList: TrustList, leeway: Int64 = HealthCodeVerifier.defaultLeeway) {
        precondition(leeway >= 0, "leeway \(leeway) is negative")
        self.trustList = trustList
        self.leeway = leeway
        var byID: [String: TrustList.Key] = [:]
        var byHeader: [String: TrustList.Key] = [:]
        for key in trustList.keys {
            byID[key.id.value] = key
            byHeader[HealthCodeIssuer.encodedHeader(for: key.id)] = key
        }
        keysByID = byID
        keysByHeader = byHeader
        parser = DefaultJWTParser(jsonDecoder: HealthCodeJSONDecoder())
    }

    /// The verified content of `token`, checked as of `now` (Unix seconds).
    /// - Throws: ``HealthCodeError`` with the code of the first check that failed (see above).
    public func verify(_ token: String, now: Int64) throws -> VerifiedHealthCode {
        var token = token
        return try token.withUTF8 { try verify(utf8: $0, now: now) }
    }

    /// The verified content of `token`, given as its UTF-8 bytes (as a QR decoder returns them).
    /// - Throws: ``HealthCodeError`` with the code of the first check that failed (see above).
    public func verify(_ token: [UInt8], now: Int64) throws -> VerifiedHealthCode {
        try token.withUnsafeBufferPointer { try verify(utf8: $0, now: now) }
    }

    private func verify(utf8 token: UnsafeBufferPointer<UInt8>, now: Int64) throws -> VerifiedHealthCode {
        let period = UInt8(ascii: ".")
        guard token.count <= Self.maximumTokenLength else {
            throw HealthCodeError(.malformedToken, "token has \(token.count) bytes, more than \(Self.maximumTokenLength)")
        }
        guard let first = token.firstIndex(of: period), let second = token[(first + 1)...].firstIndex(of: period),
            !token[(second + 1)...].contains(period)
        else {
            throw HealthCodeError(.malformedToken, "a compact JWS has three parts separated by two periods")
        }
        let header = UnsafeBufferPointer(rebasing: token[..<first])
        let key = try signingKey(header: header)

        guard let signature = Base64URL.decode(token[(second + 1)...]), signature.count == 64 else {
            throw HealthCodeError(.malformedToken, "the signature is not 64 bytes of unpadded base64url")
        }
        guard key.publicKey.isValidSignature(signature, for: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: token[..<second]))) else {
            throw HealthCodeError(.badSignature, "the signature does not verify with key \(key.id)")
        }

        guard let payloadJSON = Base64URL.decode(token[(first + 1)..<second]) else {
            throw HealthCodeError(.malformedToken, "the payload is not unpadded base64url")
        }
        let claims: HealthCodeClaims
        do {
            claims = try parser.jsonDecoder.decode(HealthCodeClaims.self, from: Data(payloadJSON))
        } catch let error as HealthCodeError {
            throw error
        } catch {
            throw HealthCodeError(.malformedToken, "the payload is not a JSON object of health-code claims")
        }
        try check(claims, key: key, now: now)
        return VerifiedHealthCode(
            colour: claims.colour, subject: claims.subject, region: claims.issuer, jurisdiction: claims.jurisdiction,
            issuedAt: claims.issuedAt, expiresAt: claims.expiresAt, keyID: key.id)
    }

    /// The key named by the header: matched byte for byte against the headers the issuer
    /// writes, else decoded as a jwt-kit `JWTHeader`.
    private func signingKey(header encoded: UnsafeBufferPointer<UInt8>) throws -> TrustList.Key {
        if let key = keysByHeader[String(decoding: encoded, as: UTF8.self)] { return key }
        guard let json = Base64URL.decode(encoded) else {
            throw HealthCodeError(.malformedToken, "the header is not unpadded base64url")
        }
        let header: JWTHeader
        do {
            header = try parser.jsonDecoder.decode(JWTHeader.self, from: Data(json))
        } catch {
            throw HealthCodeError(.malformedToken, "the header is not a JSON object")
        }
        guard let alg = header.alg, alg == "EdDSA" else {
            throw HealthCodeError(.unsupportedAlgorithm, "alg \(header.alg.map { "\"\($0.prefix(20))\"" } ?? "missing") is not EdDSA")
        }
        if header.fields["crit"] != nil {
            throw HealthCodeError(.malformedToken, "the header has critical extensions (crit), which health codes do not use")
        }
        guard let kid = header.kid else {
            throw HealthCodeError(.unknownKey, "the header has no kid")
        }
        guard let key = keysByID[kid] else {
            throw HealthCodeError(.unknownKey, "key \"\(kid.prefix(64))\" is not in the trust list")
        }
        return key
    }

    private func check(_ claims: HealthCodeClaims, key: TrustList.Key, now: Int64) throws {
        guard claims.issuer == key.region else {
            throw HealthCodeError(
                .issuerMismatch, "issuer \(claims.issuer) is not the region \(key.region) of key \(key.id)", field: "iss")
        }
        try claims.checkJurisdiction()
        let (lifetime, overflow) = claims.expiresAt.subtractingReportingOverflow(claims.issuedAt)
        guard claims.expiresAt > claims.issuedAt, !overflow, lifetime <= HealthCodeIssuer.maximumLifetime else {
            throw HealthCodeError(
                .invalidLifetime,
                "exp \(claims.expiresAt) - iat \(claims.issuedAt) is outside 1...\(HealthCodeIssuer.maximumLifetime) s", field: "exp")
        }
        guard key.isValid(at: claims.issuedAt) else {
            throw HealthCodeError(
                .keyNotValidAtIssue,
                "issued at \(claims.issuedAt), outside the window \(key.notBefore) ..< \(key.expires) of key \(key.id)", field: "iat")
        }
        guard now < Self.saturatingSum(claims.expiresAt, leeway) else {
            throw HealthCodeError(
                .expired, "expired at \(claims.expiresAt), now is \(now) (leeway \(leeway) s)", field: "exp")
        }
        guard claims.issuedAt <= Self.saturatingSum(now, leeway) else {
            throw HealthCodeError(
                .issuedInFuture, "issued at \(claims.issuedAt), after now \(now) plus leeway \(leeway) s", field: "iat")
        }
    }

    /// `a + b` (b ≥ 0), or `Int64.max` when that overflows: a crafted `exp` must not trap.
    private static func saturatingSum(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }
}
