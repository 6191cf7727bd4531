import HTTPTypes
import Crypto
import Foundation
import JWTKit
public import VigilCommunity
public import VigilLedger
public import VigilStore

/// The claims of an API bearer token: who (`sub`), their role and jurisdiction (`role`, `jur`),
/// which node issued it (`iss`), for whom (`aud` = `vigil-api`), and when it expires.
struct APIClaims: JWTPayload {
    var sub: SubjectClaim
    var iss: IssuerClaim
    var aud: AudienceClaim
    var iat: IssuedAtClaim
    var exp: ExpirationClaim
    var role: String
    var jur: String

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try aud.verifyIntendedAudience(includes: APITokens.audience)
    }
}

/// Issues and checks the API's bearer tokens: JWS compact tokens signed with EdDSA (Ed25519).
///
/// The signing key is derived from the node's key — the SHA-256 of the node's (deterministic)
/// Ed25519 signature of a fixed label — so it needs no file of its own, yet a token key is never
/// the key that signs ledger entries.
public struct APITokens: Sendable {
    static let audience = "vigil-api"
    static let keyLabel = "vigil/api-token-key/v1"

    private let keys: JWTKeyCollection
    /// The issuing node's name (`iss`).
    public let issuer: String

    public init(nodeKey: SignerKey) async throws {
        let seed = try APITokens.derivedSecret(nodeKey, label: APITokens.keyLabel)
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        keys = JWTKeyCollection()
        await keys.add(eddsa: EdDSA.PrivateKey(backing: key), kid: JWKIdentifier(string: nodeKey.name))
        issuer = nodeKey.name
    }

    /// A secret of 32 bytes bound to the node's key and `label`.
    static func derivedSecret(_ nodeKey: SignerKey, label: String) throws -> [UInt8] {
        let signature = try nodeKey.withType(.ed25519).sign(text: Array(label.utf8))
        return Array(SHA256.hash(data: signature.signature))
    }

    /// A token for `user`, valid from `now` for `lifetime` seconds.
    public func issue(for user: UserRecord, lifetime: Int64, now: Int64) async throws -> String {
        let claims = APIClaims(
            sub: SubjectClaim(value: user.name), iss: IssuerClaim(value: issuer), aud: AudienceClaim(value: [Self.audience]),
            iat: IssuedAtClaim(value: Date(timeIntervalSince1970: TimeInterval(now))),
            exp: ExpirationClaim(value: Date(timeIntervalSince1970: TimeInterval(now + lifetime))), role: user.role.rawValue,
            jur: user.jurisdiction.description)
        return try await keys.sign(claims, kid: JWKIdentifier(string: issuer))
    }

    /// The claims of a valid token: signed by this node's token key, for this API, not expired.
    func verify(_ token: String) async throws -> APIClaims {
        try await keys.verify(token, as: APIClaims.self)
    }
}

/// The authenticated user of one API request.
public struct Caller: Sendable, Hashable {
    public var name: String
    public var role: Role
    /// The part of the jurisdiction tree the caller may act on.
    public var scope: JurisdictionPath
    /// Why the caller reads personal data (the `Vigil-Purpose` header), for the audit log.
    public var purpose: String

    /// Throws 403 unless the caller's role has `permission` and, for a record at `target`, the
    /// record lies in the caller's jurisdiction.
    func require(_ permission: Permission, at target: JurisdictionPath? = nil) throws {
        guard AccessPolicy.allows(role, permission) else {
            throw Problem(.forbidden, "forbidden", "the role \(role) may not \(permission.rawValue)")
        }
        if let target, !scope.contains(target) {
            throw Problem(.forbidden, "outside-jurisdiction", "\(target) is outside this caller's jurisdiction \(scope)")
        }
    }
}
