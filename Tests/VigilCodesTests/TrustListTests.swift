import Crypto
import Foundation
import JWTKit
import Testing
import VigilCodes
import VigilCommunity

@Suite struct TrustListTests {
    /// The Ed25519 key of RFC 8037, appendix A.1.
    static let rfcKey = try! Curve25519.Signing.PrivateKey(
        rawRepresentation: Fixture.fromBase64URL("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"))
    static let rfcX = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"

    static func entry(
        kty: String = "OKP", crv: String = "Ed25519", x: String = rfcX, kid: String = "sz-2025", region: String = "sz",
        nbf: String = "1735689600", exp: String = "1767225600", extra: String = ""
    ) -> String {
        #"{"kty":"\#(kty)","crv":"\#(crv)","x":"\#(x)","kid":"\#(kid)","alg":"EdDSA","use":"sig","region":"\#(region)","nbf":\#(nbf),"exp":\#(exp)\#(extra)}"#
    }

    static func jwks(_ entries: String...) -> Data { Data(#"{"keys":[\#(entries.joined(separator: ","))]}"#.utf8) }

    // MARK: Round trip

    @Test func jwksRoundTripsByteForByte() throws {
        let json = Fixture.trustAB.jwksJSON()
        let loaded = try TrustList(jwks: json)
        #expect(loaded == Fixture.trustAB)
        #expect(loaded.jwksJSON() == json)
        #expect(loaded[Fixture.kidB]?.region == Fixture.regionB)
        #expect(loaded.keys(of: Fixture.regionA).map(\.id) == [Fixture.kidA])
    }

    @Test func jwksIsDeterministicWithSortedMembersAndKeys() throws {
        let rfc = try TrustList.Key(
            id: try SigningKeyID("sz-2025"), region: try JurisdictionPath("sz"), publicKey: Self.rfcKey.publicKey, notBefore: 1_735_689_600,
            expires: 1_767_225_600)
        let a = Fixture.trusted(try SigningKeyID("a-1"), Fixture.regionA, Fixture.keyA, notBefore: 1, expires: 2)
        let one = try TrustList(keys: [rfc, a])
        let other = try TrustList(keys: [a, rfc])
        #expect(one.jwksJSON() == other.jwksJSON())
        let expected =
            #"{"keys":[{"alg":"EdDSA","crv":"Ed25519","exp":2,"kid":"a-1","kty":"OKP","nbf":1,"region":"sz/ft","use":"sig","x":"\#(Fixture.base64URL(Fixture.keyA.publicKey.rawRepresentation))"},"#
            + #"{"alg":"EdDSA","crv":"Ed25519","exp":1767225600,"kid":"sz-2025","kty":"OKP","nbf":1735689600,"region":"sz","use":"sig","x":"\#(Self.rfcX)"}]}"#
        #expect(String(decoding: one.jwksJSON(), as: UTF8.self) == expected)
    }

    @Test func minimalEntryWithoutAlgAndUseLoads() throws {
        let list = try TrustList(
            jwks: Data(#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"\#(Self.rfcX)","kid":"k","region":"sz/ft","nbf":0,"exp":10,"key_ops":["verify"]}]}"#.utf8))
        let key = try #require(list.keys.first)
        #expect(key.publicKey.rawRepresentation == Self.rfcKey.publicKey.rawRepresentation)
        #expect(key.isValid(at: 0) && key.isValid(at: 9) && !key.isValid(at: 10) && !key.isValid(at: -1))
    }

    @Test func trustListIsCodableInsideOtherDocuments() throws {
        struct Bundle: Codable, Equatable { var trust: TrustList }
        let bundle = Bundle(trust: Fixture.trustAB)
        #expect(try JSONDecoder().decode(Bundle.self, from: try JSONEncoder().encode(bundle)) == bundle)
    }

    @Test func jwtKitReadsTheTrustListAndVerifiesACode() async throws {
        let keys = JWTKeyCollection()
        try await keys.add(jwksJSON: String(decoding: Fixture.trustAB.jwksJSON(), as: UTF8.self))
        let token = try Fixture.issuer().issue(subject: Fixture.subject, jurisdiction: Fixture.homeA, colour: .green, now: Fixture.now)
        let claims = try await keys.verify(token, as: HealthCodeClaims.self)
        #expect(claims.issuer == Fixture.regionA)
    }

    // MARK: Validation

    struct BadList: Sendable, CustomTestStringConvertible {
        let name: String
        let json: Data
        let code: HealthCodeError.Code
        let field: String?
        var testDescription: String { name }
    }

    static let badLists: [BadList] = [
        BadList(name: "duplicate kid", json: jwks(entry(), entry(x: Fixture.base64URL(Fixture.keyA.publicKey.rawRepresentation))),
                code: .duplicateKeyID, field: "keys[1].kid"),
        BadList(name: "x not base64url", json: jwks(entry(x: "11qYAYKxCrfVS+7TyWQHOg7hcvPapiMlrwIaaPcHURo")),
                code: .invalidKeyEncoding, field: "keys[0].x"),
        BadList(name: "x padded", json: jwks(entry(x: rfcX + "=")), code: .invalidKeyEncoding, field: "keys[0].x"),
        BadList(name: "x with non-zero trailing bits", json: jwks(entry(x: String(rfcX.dropLast()) + "p")),
                code: .invalidKeyEncoding, field: "keys[0].x"),
        BadList(name: "x of 31 bytes", json: jwks(entry(x: Fixture.base64URL([UInt8](repeating: 1, count: 31)))),
                code: .wrongKeyLength, field: "keys[0].x"),
        BadList(name: "x of 64 bytes", json: jwks(entry(x: Fixture.base64URL([UInt8](repeating: 1, count: 64)))),
                code: .wrongKeyLength, field: "keys[0].x"),
        BadList(name: "kty EC", json: jwks(entry(kty: "EC")), code: .unsupportedKeyType, field: "keys[0].kty"),
        BadList(name: "kty RSA in the second key", json: jwks(entry(), entry(kty: "RSA", kid: "b")),
                code: .unsupportedKeyType, field: "keys[1].kty"),
        BadList(name: "crv X25519", json: jwks(entry(crv: "X25519")), code: .unsupportedKeyType, field: "keys[0].crv"),
        BadList(name: "crv Ed448", json: jwks(entry(crv: "Ed448")), code: .unsupportedKeyType, field: "keys[0].crv"),
        BadList(name: "alg ES256",
                json: Data(#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"\#(rfcX)","kid":"k","alg":"ES256","region":"sz","nbf":0,"exp":1}]}"#.utf8),
                code: .unsupportedKeyType, field: "keys[0].alg"),
        BadList(name: "use enc",
                json: Data(#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"\#(rfcX)","kid":"k","use":"enc","region":"sz","nbf":0,"exp":1}]}"#.utf8),
                code: .unsupportedKeyType, field: "keys[0].use"),
        BadList(name: "private key", json: jwks(entry(extra: #","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A""#)),
                code: .invalidTrustList, field: "keys[0].d"),
        BadList(name: "no kid", json: Data(#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"\#(rfcX)","region":"sz","nbf":0,"exp":1}]}"#.utf8),
                code: .invalidTrustList, field: "keys[0].kid"),
        BadList(name: "kid with a quote", json: jwks(entry(kid: #"a\"b"#)), code: .invalidTrustList, field: "keys[0].kid"),
        BadList(name: "no region", json: Data(#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"\#(rfcX)","kid":"k","nbf":0,"exp":1}]}"#.utf8),
                code: .invalidTrustList, field: "keys[0].region"),
        BadList(name: "bad region", json: jwks(entry(region: "sz//ft")), code: .invalidTrustList, field: "keys[0].region"),
        BadList(name: "no nbf", json: Data(#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"\#(rfcX)","kid":"k","region":"sz","exp":1}]}"#.utf8),
                code: .invalidTrustList, field: "keys[0].nbf"),
        BadList(name: "exp before nbf", json: jwks(entry(nbf: "100", exp: "100")), code: .invalidTrustList, field: "keys[0].exp"),
        BadList(name: "nbf as a string", json: jwks(entry(nbf: #""2025-01-01""#)), code: .invalidTrustList, field: "keys[0].nbf"),
        BadList(name: "no keys member", json: Data(#"{"jwks":[]}"#.utf8), code: .invalidTrustList, field: "keys"),
        BadList(name: "not JSON", json: Data("keys".utf8), code: .invalidTrustList, field: nil),
    ]

    @Test("invalid trust lists are refused with the member named", arguments: badLists)
    func invalidTrustList(_ bad: BadList) {
        let error = #expect(throws: HealthCodeError(bad.code)) { try TrustList(jwks: bad.json) }
        #expect(error?.field == bad.field, "\(error.map(String.init(describing:)) ?? "")")
        #expect(error?.message.isEmpty == false)
    }

    @Test func emptyTrustListLoadsAndVerifiesNothing() throws {
        let empty = try TrustList(jwks: Data(#"{"keys":[]}"#.utf8))
        #expect(empty.keys.isEmpty)
        let token = try Fixture.issuer().issue(subject: Fixture.subject, jurisdiction: Fixture.homeA, colour: .green, now: Fixture.now)
        #expect(throws: HealthCodeError(.unknownKey)) { try HealthCodeVerifier(trustList: empty).verify(token, now: Fixture.now) }
    }

    @Test func duplicateKeyIDsAreRefusedWhenBuilding() {
        let a = Fixture.trusted(Fixture.kidA, Fixture.regionA, Fixture.keyA)
        let sameIDOtherKey = Fixture.trusted(Fixture.kidA, Fixture.regionB, Fixture.keyB)
        let error = #expect(throws: HealthCodeError(.duplicateKeyID)) { try TrustList(keys: [a, sameIDOtherKey]) }
        #expect(error?.field == "keys[1].kid")
    }

    @Test func mergingKeepsIdenticalKeysOnceAndRefusesConflicts() throws {
        let merged = try Fixture.trustA.merging(Fixture.trustAB)
        #expect(merged == Fixture.trustAB)
        let conflicting = try TrustList(keys: [Fixture.trusted(Fixture.kidA, Fixture.regionB, Fixture.keyB)])
        #expect(throws: HealthCodeError(.duplicateKeyID)) { try Fixture.trustA.merging(conflicting) }
    }

    @Test func keyDescriptionCarriesNoKeyMaterial() {
        let key = Fixture.trusted(Fixture.kidA, Fixture.regionA, Fixture.keyA, notBefore: 1, expires: 2)
        #expect(key.description == "sz-ft-2025 (sz/ft, 1 ... 2)")
    }

    @Test func keyIDsAreRestricted() {
        for text in ["", "with space", "quote\"", String(repeating: "k", count: 65), "ключ"] {
            #expect(throws: HealthCodeError(.invalidArgument)) { try SigningKeyID(text) }
        }
        #expect(throws: Never.self) { try SigningKeyID("sz-ft_2025.06:1") }
    }
}
