import Crypto
import Foundation
import JWTKit
import Testing
import VigilCodes
import VigilCommunity

/// Keys, regions and hand-made tokens shared by the health-code and trust-list tests.
enum Fixture {
    static let now: Int64 = 1_750_000_000
    static let regionA = try! JurisdictionPath("sz/ft")
    static let regionB = try! JurisdictionPath("sz/lh")
    static let homeA = try! JurisdictionPath("sz/ft/xl/c07/g3")
    static let homeB = try! JurisdictionPath("sz/lh/nt/c02")
    static let kidA = try! SigningKeyID("sz-ft-2025")
    static let kidB = try! SigningKeyID("sz-lh-2025")
    static let areaSecret = SymmetricKey(data: Array(repeating: UInt8(7), count: 32))
    static let subject = Pseudonym.derived(from: "person-4711", areaSecret: areaSecret)

    /// A fixed Ed25519 key made from one repeated byte.
    static func key(_ byte: UInt8) -> Curve25519.Signing.PrivateKey {
        try! Curve25519.Signing.PrivateKey(rawRepresentation: Array(repeating: byte, count: 32))
    }

    static let keyA = key(1)
    static let keyB = key(2)

    static func issuer(
        region: JurisdictionPath = regionA, kid: SigningKeyID = kidA, key: Curve25519.Signing.PrivateKey = keyA,
        lifetime: Int64 = HealthCodeIssuer.defaultLifetime
    ) -> HealthCodeIssuer {
        try! HealthCodeIssuer(region: region, keyID: kid, privateKey: key, lifetime: lifetime)
    }

    /// A trust-list entry valid for a year around `now`.
    static func trusted(
        _ kid: SigningKeyID, _ region: JurisdictionPath, _ key: Curve25519.Signing.PrivateKey, notBefore: Int64 = now - 86_400 * 180,
        expires: Int64 = now + 86_400 * 180
    ) -> TrustList.Key {
        try! TrustList.Key(id: kid, region: region, publicKey: key.publicKey, notBefore: notBefore, expires: expires)
    }

    static let trustA = try! TrustList(keys: [trusted(kidA, regionA, keyA)])
    static let trustAB = try! TrustList(keys: [trusted(kidA, regionA, keyA), trusted(kidB, regionB, keyB)])

    static func base64URL(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func fromBase64URL(_ text: some StringProtocol) -> Data {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s)!
    }

    /// A compact JWS of exactly this header and payload JSON, signed with `key`.
    static func token(header: String, payload: String, key: Curve25519.Signing.PrivateKey) throws -> String {
        let input = base64URL(Array(header.utf8)) + "." + base64URL(Array(payload.utf8))
        return input + "." + base64URL(try key.signature(for: Array(input.utf8)))
    }

    /// A payload JSON with these claims (defaults: a valid green code of region A).
    static func payload(
        sub: String? = nil, iss: String = "sz/ft", jur: String = "sz/ft/xl/c07/g3", col: String = "g", iat: Int64 = now,
        exp: Int64 = now + 300, v: Int = 1
    ) -> String {
        #"{"sub":"\#(sub ?? subject.value)","iss":"\#(iss)","jur":"\#(jur)","col":"\#(col)","iat":\#(iat),"exp":\#(exp),"v":\#(v)}"#
    }

    static func header(kid: String = kidA.value, alg: String = "EdDSA") -> String { #"{"alg":"\#(alg)","kid":"\#(kid)"}"# }

    /// The three segments of a token.
    static func segments(_ token: String) -> [Substring] { token.split(separator: ".", omittingEmptySubsequences: false) }
}

@Suite struct HealthCodeTests {
    let issuerA = Fixture.issuer()
    let verifier = HealthCodeVerifier(trustList: Fixture.trustA)

    // MARK: Round trip

    @Test func issuedCodeVerifies() throws {
        let token = try issuerA.issue(subject: Fixture.subject, jurisdiction: Fixture.homeA, colour: .yellow, now: Fixture.now)
        let code = try verifier.verify(token, now: Fixture.now + 30)
        #expect(code == VerifiedHealthCode(
            colour: .yellow, subject: Fixture.subject, region: Fixture.regionA, jurisdiction: Fixture.homeA, issuedAt: Fixture.now,
            expiresAt: Fixture.now + 300, keyID: Fixture.kidA))
        #expect(try verifier.verify(Array(token.utf8), now: Fixture.now + 30) == code)
    }

    @Test func codeIsACompactJWSWithShortClaims() throws {
        let token = try issuerA.issue(subject: Fixture.subject, jurisdiction: Fixture.homeA, colour: .red, now: Fixture.now)
        let parts = Fixture.segments(token)
        #expect(parts.count == 3)
        #expect(String(decoding: Fixture.fromBase64URL(parts[0]), as: UTF8.self) == #"{"alg":"EdDSA","kid":"sz-ft-2025"}"#)
        let payload = String(decoding: Fixture.fromBase64URL(parts[1]), as: UTF8.self)
        #expect(payload == #"{"col":"r","exp":1750000300,"iat":1750000000,"iss":"sz/ft","jur":"sz/ft/xl/c07/g3","sub":"\#(Fixture.subject.value)","v":1}"#)
        #expect(Fixture.fromBase64URL(parts[2]).count == 64)
        #expect(token.utf8.count < 320, "a typical code is about 300 bytes, not \(token.utf8.count)")
    }

    @Test func payloadIsWhatJSONEncoderWritesForTheClaims() throws {
        for colour in HealthColour.allCases {
            let claims = HealthCodeClaims(
                subject: Fixture.subject, issuer: Fixture.regionA, jurisdiction: Fixture.homeA, colour: colour, issuedAt: Fixture.now,
                expiresAt: Fixture.now + 60)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let token = try issuerA.issue(claims)
            #expect(Fixture.fromBase64URL(Fixture.segments(token)[1]) == (try encoder.encode(claims)))
            #expect(try JSONDecoder().decode(HealthCodeClaims.self, from: try encoder.encode(claims)) == claims)
        }
    }

    @Test func sameClaimsGiveTheSameCode() throws {
        let a = try issuerA.issue(subject: Fixture.subject, jurisdiction: Fixture.homeA, colour: .green, now: Fixture.now)
        let b = try issuerA.issue(subject: Fixture.subject, jurisdiction: Fixture.homeA, colour: .green, now: Fixture.now)
        #expect(a == b)
    }

    @Test func codeFromOneRegionVerifiesAtAnother() throws {
        // Each region publishes its own key; region B's checkpoints load the merged list.
        let publishedA = try TrustList(jwks: Fixture.trustA.jwksJSON())
        let publishedB = try TrustList(keys: [Fixture.trusted(Fixture.kidB, Fixture.regionB, Fixture.keyB)])
        let checkpointB = HealthCodeVerifier(trustList: try publishedB.merging(publishedA))
        let issuerB = Fixture.issuer(region: Fixture.regionB, kid: Fixture.kidB, key: Fixture.keyB)

        let fromA = try issuerA.issue(subject: Fixture.subject, jurisdiction: Fixture.homeA, colour: .green, now: Fixture.now)
        let codeA = try checkpointB.verify(fromA, now: Fixture.now + 5)
        #expect(codeA.region == Fixture.regionA)
        #expect(codeA.keyID == Fixture.kidA)
        #expect(!codeA.isIssued(within: Fixture.regionB))

        let fromB = try issuerB.issue(subject: Fixture.subject, jurisdiction: Fixture.homeB, colour: .red, now: Fixture.now)
        let codeB = try checkpointB.verify(fromB, now: Fixture.now + 5)
        #expect(codeB.region == Fixture.regionB)
        #expect(codeB.colour == .red)
        #expect(codeB.isIssued(within: try JurisdictionPath("sz")))

        // A checkpoint that only knows region A cannot check B's codes.
        #expect(throws: HealthCodeError(.unknownKey)) { try verifier.verify(fromB, now: Fixture.now) }
    }

    // MARK: jwt-kit interoperability

    @Test func codeVerifiesWithJWTKitAndItsTokensVerifyHere() async throws {
        let keys = JWTKeyCollection()
        await keys.add(eddsa: EdDSA.PrivateKey(backing: Fixture.keyA), kid: JWKIdentifier(string: Fixture.kidA.value))
        let token = try issuerA.issue(subject: Fixture.subject, jurisdiction: Fixture.homeA, colour: .yellow, now: Fixture.now)
        let claims = try await keys.verify(token, as: HealthCodeClaims.self)
        #expect(claims.colour == .yellow && claims.jurisdiction == Fixture.homeA && claims.version == 1)

        // jwt-kit writes another header (typ, any member order) and escapes slashes: the
        // verifier's general path must read it the same.
        let foreign = try await keys.sign(
            HealthCodeClaims(
                subject: Fixture.subject, issuer: Fixture.regionA, jurisdiction: Fixture.homeA, colour: .red, issuedAt: Fixture.now,
                expiresAt: Fixture.now + 120),
            kid: JWKIdentifier(string: Fixture.kidA.value))
        #expect(foreign != token)
        #expect(String(decoding: Fixture.fromBase64URL(Fixture.segments(foreign)[1]), as: UTF8.self).contains(#"sz\/ft"#))
        let code = try verifier.verify(foreign, now: Fixture.now)
        #expect(code.colour == .red && code.region == Fixture.regionA && code.expiresAt == Fixture.now + 120)
    }

    @Test func unusualButValidJSONReadsTheSame() throws {
        let payload = """
            { "v" : 1, "exp":\(Fixture.now + 300), "iat" :\(Fixture.now),
              "jur": "sz\\/ft\\/xl\\/c07\\/g3", "iss":"sz/ft", "col":"y", "sub":"\(Fixture.subject.value)", "note": {"x": [1, 2.5]} }
            """
        let token = try Fixture.token(header: #"{ "kid": "sz-ft-2025", "typ": "JWT", "alg": "EdDSA" }"#, payload: payload, key: Fixture.keyA)
        let code = try verifier.verify(token, now: Fixture.now)
        #expect(code.colour == .yellow && code.jurisdiction == Fixture.homeA && code.subject == Fixture.subject)
    }

    // MARK: Failures, one per check

    @Test func tamperedPayloadFails() throws {
        let token = try issuerA.issue(subject: Fixture.subject, jurisdiction: Fixture.homeA, colour: .red, now: Fixture.now)
        var parts = Fixture.segments(token).map(String.init)
        let green = String(decoding: Fixture.fromBase64URL(parts[1]), as: UTF8.self).replacingOccurrences(of: #""col":"r""#, with: #""col":"g""#)
        parts[1] = Fixture.base64URL(Array(green.utf8))
        let error = #expect(throws: HealthCodeError(.badSignature)) { try verifier.verify(parts.joined(separator: "."), now: Fixture.now) }
        #expect(error?.description.contains("sz-ft-2025") == true)
    }

    @Test func tamperedSignatureFails() throws {
        let token = try issuerA.issue(subject: Fixture.subject, jurisdiction: Fixture.homeA, colour: .green, now: Fixture.now)
        var signature = [UInt8](Fixture.fromBase64URL(Fixture.segments(token)[2]))
        signature[10] ^= 0x01
        let forged = Fixture.segments(token)[0...1].joined(separator: ".") + "." + Fixture.base64URL(signature)
        #expect(throws: HealthCodeError(.badSignature)) { try verifier.verify(forged, now: Fixture.now) }
    }

    @Test func codeSignedWithAnotherKeyFails() throws {
        let impostor = Fixture.issuer(key: Fixture.key(9))  // same kid and region, wrong key
        let token = try impostor.issue(subject: Fixture.subject, jurisdiction: Fixture.homeA, colour: .green, now: Fixture.now)
        #expect(throws: HealthCodeError(.badSignature)) { try verifier.verify(token, now: Fixture.now) }
    }

    @Test func unknownKeyFails() throws {
        let stranger = Fixture.issuer(kid: try SigningKeyID("sz-ft-old"))
        let token = try stranger.issue(subject: Fixture.subject, jurisdiction: Fixture.homeA, colour: .green, now: Fixture.now)
        let error = #expect(throws: HealthCodeError(.unknownKey)) { try verifier.verify(token, now: Fixture.now) }
        #expect(error?.message.contains("sz-ft-old") == true)
        let noKid = try Fixture.token(header: #"{"alg":"EdDSA"}"#, payload: Fixture.payload(), key: Fixture.keyA)
        #expect(throws: HealthCodeError(.unknownKey)) { try verifier.verify(noKid, now: Fixture.now) }
    }

    @Test func otherAlgorithmFails() throws {
        for alg in ["HS256", "none", "ES256"] {
            let token = try Fixture.token(header: Fixture.header(alg: alg), payload: Fixture.payload(), key: Fixture.keyA)
            #expect(throws: HealthCodeError(.unsupportedAlgorithm)) { try verifier.verify(token, now: Fixture.now) }
        }
    }

    @Test func issuerOtherThanTheKeysRegionFails() throws {
        // Region B signs with its own key but claims to be region A.
        let trust = HealthCodeVerifier(trustList: Fixture.trustAB)
        let token = try Fixture.token(
            header: Fixture.header(kid: Fixture.kidB.value), payload: Fixture.payload(iss: "sz/ft", jur: "sz/ft/xl"), key: Fixture.keyB)
        let error = #expect(throws: HealthCodeError(.issuerMismatch)) { try trust.verify(token, now: Fixture.now) }
        #expect(error?.field == "iss")
        // The same through the issuer: B's key listed for region B, issuer configured as region A.
        let misconfigured = Fixture.issuer(region: Fixture.regionA, kid: Fixture.kidB, key: Fixture.keyB)
        let token2 = try misconfigured.issue(subject: Fixture.subject, jurisdiction: Fixture.homeA, colour: .green, now: Fixture.now)
        #expect(throws: HealthCodeError(.issuerMismatch)) { try trust.verify(token2, now: Fixture.now) }
    }

    @Test func jurisdictionOutsideTheIssuerFails() throws {
        #expect(throws: HealthCodeError(.jurisdictionOutsideIssuer)) {
            try issuerA.issue(subject: Fixture.subject, jurisdiction: Fixture.homeB, colour: .green, now: Fixture.now)
        }
        for jur in ["sz/lh/nt", "sz", "gz/ft"] {
            let token = try Fixture.token(header: Fixture.header(), payload: Fixture.payload(jur: jur), key: Fixture.keyA)
            let error = #expect(throws: HealthCodeError(.jurisdictionOutsideIssuer)) { try verifier.verify(token, now: Fixture.now) }
            #expect(error?.field == "jur")
        }
    }

    @Test func expiredCodeFails() throws {
        let token = try issuerA.issue(subject: Fixture.subject, jurisdiction: Fixture.homeA, colour: .green, now: Fixture.now)
        let exp = Fixture.now + 300
        #expect(try verifier.verify(token, now: exp - 1).colour == .green)
        #expect(try verifier.verify(token, now: exp + 59).colour == .green)  // within the 60 s leeway
        #expect(throws: HealthCodeError(.expired)) { try verifier.verify(token, now: exp + 60) }
        #expect(throws: HealthCodeError(.expired)) { try verifier.verify(token, now: exp + 86_400) }
        let strict = HealthCodeVerifier(trustList: Fixture.trustA, leeway: 0)
        #expect(throws: HealthCodeError(.expired)) { try strict.verify(token, now: exp) }
    }

    @Test func codeFromTheFutureFails() throws {
        let token = try issuerA.issue(subject: Fixture.subject, jurisdiction: Fixture.homeA, colour: .green, now: Fixture.now)
        #expect(try verifier.verify(token, now: Fixture.now - 60).colour == .green)
        let error = #expect(throws: HealthCodeError(.issuedInFuture)) { try verifier.verify(token, now: Fixture.now - 61) }
        #expect(error?.field == "iat")
    }

    @Test func codeIssuedOutsideTheKeysWindowFails() throws {
        let token = try issuerA.issue(subject: Fixture.subject, jurisdiction: Fixture.homeA, colour: .green, now: Fixture.now)
        let notYet = HealthCodeVerifier(trustList: try TrustList(keys: [
            Fixture.trusted(Fixture.kidA, Fixture.regionA, Fixture.keyA, notBefore: Fixture.now + 1, expires: Fixture.now + 86_400)
        ]))
        #expect(throws: HealthCodeError(.keyNotValidAtIssue)) { try notYet.verify(token, now: Fixture.now) }
        let retired = HealthCodeVerifier(trustList: try TrustList(keys: [
            Fixture.trusted(Fixture.kidA, Fixture.regionA, Fixture.keyA, notBefore: Fixture.now - 86_400, expires: Fixture.now)
        ]))
        #expect(throws: HealthCodeError(.keyNotValidAtIssue)) { try retired.verify(token, now: Fixture.now) }
        let exactStart = HealthCodeVerifier(trustList: try TrustList(keys: [
            Fixture.trusted(Fixture.kidA, Fixture.regionA, Fixture.keyA, notBefore: Fixture.now, expires: Fixture.now + 1)
        ]))
        #expect(try exactStart.verify(token, now: Fixture.now).keyID == Fixture.kidA)
    }

    @Test func otherFormatVersionFails() throws {
        let token = try Fixture.token(header: Fixture.header(), payload: Fixture.payload(v: 2), key: Fixture.keyA)
        let error = #expect(throws: HealthCodeError(.unsupportedVersion)) { try verifier.verify(token, now: Fixture.now) }
        #expect(error?.field == "v")
        let missing = try Fixture.token(
            header: Fixture.header(), payload: #"{"sub":"\#(Fixture.subject.value)","iss":"sz/ft","jur":"sz/ft","col":"g","iat":1,"exp":2}"#,
            key: Fixture.keyA)
        #expect(throws: HealthCodeError(.invalidClaim)) { try verifier.verify(missing, now: Fixture.now) }
    }

    @Test(
        "invalid claims name the claim",
        arguments: [
            (Fixture.payload(col: "green"), "col"),
            (Fixture.payload(col: "x"), "col"),
            (Fixture.payload(sub: "Zhang Wei"), "sub"),
            (Fixture.payload(sub: "short"), "sub"),
            (Fixture.payload(iss: "sz//ft"), "iss"),
            (Fixture.payload(jur: ""), "jur"),
            (#"{"sub":"\#(Fixture.subject.value)","iss":"sz/ft","jur":"sz/ft","col":"g","iat":"1750000000","exp":1750000300,"v":1}"#, "iat"),
            (#"{"sub":"\#(Fixture.subject.value)","iss":"sz/ft","jur":"sz/ft","col":"g","iat":1750000000,"exp":1750000300.5,"v":1}"#, "exp"),
        ])
    func invalidClaim(_ payload: String, _ claim: String) throws {
        let token = try Fixture.token(header: Fixture.header(), payload: payload, key: Fixture.keyA)
        let error = #expect(throws: HealthCodeError(.invalidClaim)) { try verifier.verify(token, now: Fixture.now) }
        #expect(error?.field == claim)
    }

    @Test func overlongOrInvertedLifetimeFails() throws {
        for (iat, exp) in [(Fixture.now, Fixture.now), (Fixture.now, Fixture.now - 10), (Fixture.now, Fixture.now + 86_401), (Fixture.now, Int64.max)] {
            let token = try Fixture.token(header: Fixture.header(), payload: Fixture.payload(iat: iat, exp: exp), key: Fixture.keyA)
            #expect(throws: HealthCodeError(.invalidLifetime)) { try verifier.verify(token, now: Fixture.now) }
        }
        let longest = try Fixture.token(header: Fixture.header(), payload: Fixture.payload(exp: Fixture.now + 86_400), key: Fixture.keyA)
        #expect(try verifier.verify(longest, now: Fixture.now).expiresAt == Fixture.now + 86_400)
    }

    @Test(
        "malformed tokens",
        arguments: [
            "", "abc", "a.b", "a.b.c.d", "..", "bm90IGpzb24.e30.AAAA", "!!!.e30.AAAA",
            String(repeating: "A", count: 3_000) + ".e30.AAAA",
        ])
    func malformedToken(_ token: String) {
        #expect(throws: HealthCodeError(.malformedToken)) { try verifier.verify(token, now: Fixture.now) }
    }

    @Test func malformedPartsAfterAKnownHeader() throws {
        let good = try issuerA.issue(subject: Fixture.subject, jurisdiction: Fixture.homeA, colour: .green, now: Fixture.now)
        let parts = Fixture.segments(good)
        // Signature padded, too short, not base64url.
        for signature in [parts[2] + "==", parts[2].dropLast(4), "*" + parts[2].dropFirst()] {
            let token = parts[0] + "." + parts[1] + "." + signature
            #expect(throws: HealthCodeError(.malformedToken)) { try verifier.verify(String(token), now: Fixture.now) }
        }
        // A signed payload that is not JSON.
        let notJSON = try Fixture.token(header: Fixture.header(), payload: "not json", key: Fixture.keyA)
        #expect(throws: HealthCodeError(.malformedToken)) { try verifier.verify(notJSON, now: Fixture.now) }
        // Critical header extensions are refused.
        let crit = try Fixture.token(
            header: #"{"alg":"EdDSA","kid":"sz-ft-2025","crit":["exp"]}"#, payload: Fixture.payload(), key: Fixture.keyA)
        #expect(throws: HealthCodeError(.malformedToken)) { try verifier.verify(crit, now: Fixture.now) }
    }

    @Test func claimGivenTwiceFails() throws {
        let twice = Fixture.payload(col: "r").replacingOccurrences(of: #","v":1}"#, with: #","v":1,"col":"g"}"#)
        let token = try Fixture.token(header: Fixture.header(), payload: twice, key: Fixture.keyA)
        let error = #expect(throws: HealthCodeError(.malformedToken)) { try verifier.verify(token, now: Fixture.now) }
        #expect(error?.field == "col")
        let unknownTwice = Fixture.payload().replacingOccurrences(of: #","v":1}"#, with: #","v":1,"x":1,"x":2}"#)
        let ignored = try Fixture.token(header: Fixture.header(), payload: unknownTwice, key: Fixture.keyA)
        #expect(try verifier.verify(ignored, now: Fixture.now).colour == .green)
    }

    @Test func errorsDoNotRevealTheSubject() throws {
        let token = try Fixture.token(header: Fixture.header(), payload: Fixture.payload(jur: "gz"), key: Fixture.keyA)
        do {
            _ = try verifier.verify(token, now: Fixture.now)
            Issue.record("expected a failure")
        } catch let error as HealthCodeError {
            #expect(!error.description.contains(Fixture.subject.value))
            #expect(!error.description.contains(token))
        }
    }

    // MARK: Issuer

    @Test func issuerLifetimeIsBounded() throws {
        for lifetime: Int64 in [0, -5, 86_401] {
            let error = #expect(throws: HealthCodeError(.invalidLifetime)) {
                try HealthCodeIssuer(region: Fixture.regionA, keyID: Fixture.kidA, privateKey: Fixture.keyA, lifetime: lifetime)
            }
            #expect(error?.field == "lifetime")
        }
        let daily = Fixture.issuer(lifetime: 86_400)
        let token = try daily.issue(subject: Fixture.subject, jurisdiction: Fixture.regionA, colour: .green, now: Fixture.now)
        #expect(try verifier.verify(token, now: Fixture.now + 86_000).expiresAt == Fixture.now + 86_400)
        #expect(Fixture.issuer().lifetime == 300)
    }

    @Test func issuerSignsOnlyItsOwnRegion() {
        let claims = HealthCodeClaims(
            subject: Fixture.subject, issuer: Fixture.regionB, jurisdiction: Fixture.homeB, colour: .green, issuedAt: Fixture.now,
            expiresAt: Fixture.now + 300)
        #expect(throws: HealthCodeError(.issuerMismatch)) { try issuerA.issue(claims) }
        var long = claims
        long.issuer = Fixture.regionA
        long.jurisdiction = Fixture.homeA
        long.expiresAt = Fixture.now + 100_000
        #expect(throws: HealthCodeError(.invalidLifetime)) { try issuerA.issue(long) }
    }

    @Test func trustListEntryMatchesTheIssuer() throws {
        let entry = try issuerA.trustListKey(notBefore: 10, expires: 20)
        #expect(entry.id == Fixture.kidA && entry.region == Fixture.regionA)
        #expect(entry.publicKey.rawRepresentation == Fixture.keyA.publicKey.rawRepresentation)
        #expect(throws: HealthCodeError(.invalidTrustList)) { try issuerA.trustListKey(notBefore: 20, expires: 20) }
    }

    // MARK: Pseudonyms

    @Test func subjectIsAPseudonymThatNeverContainsThePersonID() throws {
        let people = ["person-4711", "110101199003071234", "p1", "zhang.wei@example.org", "4711"]
        for person in people {
            let pseudonym = Pseudonym.derived(from: person, areaSecret: Fixture.areaSecret)
            let token = try issuerA.issue(subject: pseudonym, jurisdiction: Fixture.homeA, colour: .green, now: Fixture.now)
            let payload = String(decoding: Fixture.fromBase64URL(Fixture.segments(token)[1]), as: UTF8.self)
            #expect(!payload.contains(person), "payload \(payload) contains \(person)")
            #expect(!token.contains(person))
            #expect(try verifier.verify(token, now: Fixture.now).subject == pseudonym)
            #expect(pseudonym.value.utf8.count == 22)
        }
    }

    @Test func pseudonymIsStablePerAreaSecret() throws {
        let a1 = Pseudonym.derived(from: "person-4711", areaSecret: Fixture.areaSecret)
        let a2 = Pseudonym.derived(from: "person-4711", areaSecret: Fixture.areaSecret)
        let other = Pseudonym.derived(from: "person-4711", areaSecret: SymmetricKey(data: Array(repeating: UInt8(8), count: 32)))
        let otherPerson = Pseudonym.derived(from: "person-4712", areaSecret: Fixture.areaSecret)
        #expect(a1 == a2)
        #expect(a1 != other)
        #expect(a1 != otherPerson)
    }

    @Test func pseudonymRefusesNamesAndShortIDs() {
        for text in ["Zhang Wei", "p1", "person-4711", "张伟张伟张伟张伟张伟张伟", String(repeating: "a", count: 65)] {
            #expect(throws: HealthCodeError(.invalidArgument)) { try Pseudonym(text) }
        }
        #expect(throws: Never.self) { try Pseudonym("q2J8nS0xv4yBfA1Zt7kR9w") }
    }
}
