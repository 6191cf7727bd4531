import Crypto
import Foundation
import Logging
import NIOCore
import NIOEmbedded
import HTTPTypes
import NIOHTTP1
import NIOHTTPTypes
import Synchronization
import Testing
import VigilCodes
import VigilCommunity
import VigilLedger
import VigilServer
import VigilStore
import VigilSurveillance
import VigilTestSupport

/// A platform whose node issues and checks health codes for the region `sz/ft`, trusting also
/// the key of the neighbouring region `sz/lh` (from a trust-list file).
struct CodePlatform {
    static let region = "sz/ft"
    static let neighbour = "sz/lh"
    let platform: Platform
    let codes: CodeService
    /// The neighbouring region's issuer, whose key the node trusts.
    let foreign: HealthCodeIssuer

    static func start(admissionLimit: Int = 256, store: any CommunityStore = InMemoryCommunityStore()) async throws -> CodePlatform {
        var logger = Logger(label: "test.codes")
        logger.logLevel = .warning
        let foreign = try HealthCodeIssuer(
            region: try JurisdictionPath(neighbour), keyID: try SigningKeyID("lh.code-1"),
            privateKey: Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 9, count: 32)))
        let settings = CodeSettings(
            region: try JurisdictionPath(region), keyID: try SigningKeyID("solo.node.code-1"),
            signingKey: try Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 7, count: 32)),
            trustList: try TrustList(keys: [try foreign.trustListKey(notBefore: 0, expires: 4_000_000_000)]), refreshSeconds: 3600,
            admissionLimit: admissionLimit, utcOffsetSeconds: 0, subjectSecret: [UInt8](repeating: 3, count: 32))
        let api = try await CommunityAPI.forNode(key: ChainFixture.key(for: "solo.node"), store: store, logger: logger)
        var chain = Chains.setup(try Chains.solo(), slug: "solo")
        chain.areaSecret = CaseLedgerTests.secret
        let made = Mutex<CodeService?>(nil)
        let node = try await RunningNode.start("solo.node", chains: [chain], store: InMemoryLedgerStore(), community: api) { node in
            let service = try codeService(for: node, settings: settings, store: store, logger: logger)!
            made.withLock { $0 = service }
            return service
        }
        let platform = Platform(node: node, store: store, tokens: api.tokens)
        return CodePlatform(platform: platform, codes: try #require(made.withLock { $0 }), foreign: foreign)
    }

    static var now: Int64 { Int64(Date().timeIntervalSince1970) }
    static var today: CivilDate { CodeSubjectStatus.day(at: now) }

    /// Issues `person`'s code as `token`'s user; the JSON answer.
    func issue(_ person: String, token: String) async throws -> [String: Any] {
        let answer = try await platform.call(.POST, "/codes", token: token, json: ["person": person])
        #expect(answer.status == 200, "\(answer.text)")
        return try answer.json()
    }

    /// Waits until the recorder has written everything it holds.
    func drained() async throws {
        for _ in 0..<500 where codes.recorder.backlog > 0 { try await Task.sleep(for: .milliseconds(20)) }
        #expect(codes.recorder.backlog == 0)
    }
}

@Suite(.serialized) struct CodeAPITests {
    @Test func coloursComeFromRecordsAndCodesVerifyOffline() async throws {
        let env = try await CodePlatform.start()
        let p = env.platform
        let well = try await p.person("Well Resident", household: Platform.h1)
        let patient = try await p.person("Patient", household: Platform.h1)
        let isolated = try await p.person("Home Isolated", household: Platform.h2)
        let staff = try await p.token("staff.codes", .community, Platform.c1)
        let clinician = try await p.token("doctor.codes", .clinician, Platform.c1)
        let today = CodePlatform.today
        let opened = try await p.call(.POST, "/cases", token: clinician, json: ["person": patient, "onset": today.addingDays(-2).description])
        #expect(opened.status == 201, "\(opened.text)")
        let quarantine: [String: Any] = [
            "person": isolated, "kind": "home", "location": ["household": Platform.h2], "from": today.addingDays(-1).description,
            "to": today.addingDays(5).description, "method": "verbal",
        ]
        #expect(try await p.call(.POST, "/quarantines", token: staff, json: quarantine).status == 201)
        #expect(try await p.call(.POST, "/codes/refresh", token: try await p.token("cdc.codes", .cdc, "sz/ft"), json: [String: Any]()).status == 200)

        let green = try await env.issue(well, token: staff)
        let red = try await env.issue(patient, token: staff)
        let yellow = try await env.issue(isolated, token: staff)
        #expect(green["colour"] as? String == "green" && (green["reasons"] as? [Any])?.isEmpty == true)
        #expect(red["colour"] as? String == "red", "\(red)")
        #expect(yellow["colour"] as? String == "yellow", "\(yellow)")
        #expect(((yellow["reasons"] as? [[String: Any]]) ?? []).contains { ($0["code"] as? String)?.hasPrefix("quarantine") == true })

        // Any holder of the trust list verifies the code with no call to the node.
        let trust = try await p.call(.GET, "/codes/trust-list", token: staff)
        #expect(trust.headers["Content-Type"].first == "application/jwk-set+json")
        let verifier = HealthCodeVerifier(trustList: try TrustList(jwks: Data(trust.text.utf8)))
        let token = try #require(red["token"] as? String)
        let verified = try verifier.verify(token, now: CodePlatform.now)
        #expect(verified.colour == .red && verified.region.description == "sz/ft" && verified.jurisdiction.description == Platform.c1)
        // No name, id or household in the code.
        let payload = String(decoding: Base64URL.decode(String(token.split(separator: ".")[1])) ?? [], as: UTF8.self)
        for secret in [patient, "Patient", Platform.h1] { #expect(!payload.contains(secret), "\(payload)") }

        // Access: a resident gets the codes of their household only; a checkpoint none.
        let resident = try await p.token("resident.h1", .resident, Platform.h1)
        #expect(try await p.call(.POST, "/codes", token: resident, json: ["person": well]).status == 200)
        let refused = try await p.call(.POST, "/codes", token: resident, json: ["person": isolated])
        #expect(refused.status == 403 && !refused.text.contains(Platform.h2), "the refusal names no household: \(refused.text)")
        let checkpoint = try await p.token("gate.1", .checkpoint, Platform.c1)
        #expect(try await p.call(.POST, "/codes", token: checkpoint, json: ["person": well]).status == 403)
        // The body read by hand or by the JSON decoder gives the same answer.
        for body in [#" { "person" : "\#(well)" } "#, #"{"person":"\u00\#(String(format: "%02x", well.utf8.first!))\#(well.dropFirst())"}"#] {
            let answer = try await p.call(.POST, "/codes", token: staff, body: Array(body.utf8), headers: [("Content-Type", "application/json")])
            let colour = try answer.json()["colour"] as? String
            #expect(answer.status == 200 && colour == "green", "\(body): \(answer.text)")
        }
        #expect(try await p.call(.POST, "/codes", token: staff, body: Array(#"{"person":"\#(well)""#.utf8)).status == 400)
        let unknown = try await p.call(.POST, "/codes", token: staff, json: ["person": "nobody"])
        #expect(unknown.status == 404 && unknown.problemField == "person")
        #expect(try await p.call(.POST, "/codes", token: staff, json: ["who": well]).problemField == "person")

        // Every issued code is audited (asynchronously, in batches).
        try await env.drained()
        let log = try await p.store.auditEvents(after: 0, limit: 10_000)
        #expect(log.filter { $0.action == "code.issue" }.count == 6)
        #expect(log.contains { $0.action == "code.issue" && $0.resource == "person/\(patient)" && $0.actor == "staff.codes" })
        try await p.stop()
    }

    @Test func theQRCodeCarriesTheTokenAndReadsBack() async throws {
        let env = try await CodePlatform.start()
        let p = env.platform
        let person = try await p.person("Scanned Resident", household: Platform.h1)
        let staff = try await p.token("staff.qr", .community, Platform.c1)
        try await env.codes.refresh()
        let png = try await p.call(.POST, "/codes", token: staff, json: ["person": person], headers: [("Accept", "image/png")])
        #expect(png.status == 200 && png.headers["Content-Type"].first == "image/png")
        let token = try #require(png.headers["Vigil-Health-Code"].first)
        let matrix = try QRImageReader.read(try PNGDecoder.decode(Array(png.body)))
        #expect(String(decoding: try QRMatrixDecoder.decode(matrix), as: UTF8.self) == token)
        let svg = try await p.call(.POST, "/codes", token: staff, json: ["person": person], headers: [("Accept", "image/svg+xml")])
        #expect(svg.headers["Content-Type"].first == "image/svg+xml" && svg.text.hasPrefix("<svg") || svg.text.contains("<svg"))
        try await p.stop()
    }

    @Test func scansRecordVisitsForLocalAndForeignCodes() async throws {
        let env = try await CodePlatform.start()
        let p = env.platform
        let person = try await p.person("Shopper", household: Platform.h1)
        let staff = try await p.token("staff.scan", .community, Platform.c1)
        let gate = try await p.token("gate.market", .checkpoint, Platform.c1)
        try await env.codes.refresh()
        let token = try #require(try await env.issue(person, token: staff)["token"] as? String)

        let scanned = try await p.call(.POST, "/scans", token: gate, json: ["token": token, "place": "market-1", "checkpoint": "gate-a"])
        #expect(scanned.status == 200, "\(scanned.text)")
        let answer = try scanned.json()
        #expect(answer["result"] as? String == "recorded" && answer["colour"] as? String == "green" && answer["local"] as? Bool == true)

        // A code of the neighbouring region verifies here and is kept under its pseudonym.
        let foreignCode = try env.foreign.issue(
            subject: try Pseudonym("visitorFromLuohu0001"), jurisdiction: try JurisdictionPath("sz/lh/s1"), colour: .yellow, now: CodePlatform.now)
        let visitor = try await p.call(.POST, "/scans", token: gate, json: ["token": foreignCode, "place": "market-1"])
        let visitorAnswer = try visitor.json()
        #expect(visitorAnswer["local"] as? Bool == false && visitorAnswer["colour"] as? String == "yellow", "\(visitor.text)")

        // A tampered code, or one from an unknown key, is refused and records nothing.
        var bytes = Array(token.utf8)
        let i = bytes.firstIndex(of: UInt8(ascii: "."))! + 5
        bytes[i] = bytes[i] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let tampered = try await p.call(.POST, "/scans", token: gate, json: ["token": String(decoding: bytes, as: UTF8.self), "place": "market-1"])
        let tamperedAnswer = try tampered.json()
        #expect(tampered.status == 422 && tamperedAnswer["reason"] as? String == "invalid-code")
        let stranger = try HealthCodeIssuer(
            region: try JurisdictionPath("sz/ns"), keyID: try SigningKeyID("ns.code-1"),
            privateKey: Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 5, count: 32)))
        let strangerCode = try stranger.issue(
            subject: try Pseudonym("someoneElse000000001"), jurisdiction: try JurisdictionPath("sz/ns"), colour: .green, now: CodePlatform.now)
        #expect(try await p.call(.POST, "/scans", token: gate, json: ["token": strangerCode, "place": "market-1"]).status == 422)
        #expect(try await p.call(.POST, "/scans", token: staff, json: ["token": token]).problemField == "place")
        #expect(try await p.call(.POST, "/scans", token: try await p.token("res.scan", .resident, Platform.h1), json: ["token": token, "place": "x"]).status == 403)

        try await env.drained()
        let range = (CodePlatform.now - 600)...(CodePlatform.now + 600)
        let visits = try await p.store.visits(at: try PlaceID("market-1"), overlapping: range, openDuration: 3600)
        #expect(visits.count == 2, "\(visits)")
        #expect(visits.contains { $0.person == person && $0.checkpoint == "gate-a" })
        #expect(visits.contains { $0.person == "code:sz/lh:visitorFromLuohu0001" })

        // Offline scans uploaded later are each checked at their scan time.
        let t = CodePlatform.now
        let shortLived = try HealthCodeIssuer(
            region: try JurisdictionPath(CodePlatform.neighbour), keyID: try SigningKeyID("lh.code-1"),
            privateKey: Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 9, count: 32)), lifetime: 60)
        let old = try shortLived.issue(subject: try Pseudonym("offlineVisitor000001"), jurisdiction: try JurisdictionPath("sz/lh"), colour: .green, now: t - 3600)
        let batch: [String: Any] = [
            "scans": [
                ["token": old, "place": "clinic-2", "time": t - 3590],  // valid when scanned
                ["token": old, "place": "clinic-2", "time": t - 3000],  // expired by then
                ["token": token, "place": "clinic-2", "time": t - 10],
                ["token": token, "place": "clinic-2"],
            ]
        ]
        let uploaded = try await p.call(.POST, "/scans/batch", token: gate, json: batch)
        #expect(uploaded.status == 200, "\(uploaded.text)")
        let result = try uploaded.json()
        #expect(result["recorded"] as? Int == 2 && result["refused"] as? Int == 2, "\(result)")
        #expect(((result["results"] as? [[String: Any]]) ?? []).map { $0["result"] as? String ?? "" } == ["recorded", "refused", "recorded", "refused"])
        try await env.drained()
        let clinic = try await p.store.visits(at: try PlaceID("clinic-2"), overlapping: (t - 4000)...(t + 10), openDuration: 3600)
        #expect(clinic.count == 2)
        #expect(try await p.call(.POST, "/scans/batch", token: gate, json: ["scans": [] as [Any]]).problemField == "scans")
        // A live scan's time is now; any other (even the smallest Int64) is refused, not trapped on.
        let early = try await p.call(.POST, "/scans", token: gate, json: ["token": token, "place": "gate", "time": Int64.min])
        #expect(early.status == 422 && early.problemField == "time")
        // In an upload a bad field refuses that scan only.
        let mixed = try await p.call(
            .POST, "/scans/batch", token: gate,
            json: ["scans": [["token": token, "place": " spaced ", "time": t - 5], ["token": token, "place": "clinic-3", "time": t - 5]]])
        #expect(try mixed.json()["recorded"] as? Int == 1, "\(mixed.text)")
        try await p.stop()
    }

    @Test func aVisitToAFlaggedPlaceTurnsACodeYellow() async throws {
        let env = try await CodePlatform.start()
        let p = env.platform
        let person = try await p.person("Market Visitor", household: Platform.h1)
        let staff = try await p.token("staff.risk", .community, Platform.c1)
        let now = CodePlatform.now
        let visits: [String: Any] = ["jurisdiction": Platform.c1, "visits": [["person": person, "place": "wet-market", "timeIn": now - 3 * 86_400]]]
        #expect(try await p.call(.POST, "/visits", token: staff, json: visits).status < 300)
        try await env.codes.refresh()
        #expect(try await env.issue(person, token: staff)["colour"] as? String == "green")
        let flag: [String: Any] = ["from": now - 5 * 86_400, "to": now, "reason": "cluster", "jurisdiction": Platform.c1]
        #expect(try await p.call(.PUT, "/codes/risk-places/wet-market", token: staff, json: flag).status == 201)
        #expect(try await p.call(.PUT, "/codes/risk-places/other", token: staff, json: ["from": now, "to": now - 1, "reason": "x", "jurisdiction": Platform.c1]).problemField == "to")
        #expect(try await p.call(.PUT, "/codes/risk-places/far", token: staff, json: ["from": now - 1, "to": now, "reason": "x", "jurisdiction": Platform.c2]).status == 403)
        try await env.codes.refresh()
        let code = try await env.issue(person, token: staff)
        #expect(code["colour"] as? String == "yellow", "\(code)")
        // A place id that needs percent-encoding in the path is stored decoded, as scans record it.
        #expect(try await p.call(.PUT, "/codes/risk-places/%E8%8F%9C%E5%B8%82%E5%9C%BA", token: staff, json: flag).status == 201)
        let listed = try await p.call(.GET, "/codes/risk-places?scope=\(Platform.c1)", token: staff).json()["items"] as? [[String: Any]]
        #expect(Set(listed?.compactMap { $0["place"] as? String } ?? []) == ["wet-market", "菜市场"])
        try await p.stop()
    }

    @Test func theNodesCodeKeyGoesOnTheChainAndIntoTheTrustList() async throws {
        let env = try await CodePlatform.start()
        let p = env.platform
        let admin = try await p.token("admin.codes", .admin, "sz")
        let proposed = try await p.call(.POST, "/codes/key", token: admin)
        #expect(proposed.status == 202, "\(proposed.text)")
        #expect(try proposed.json()["kid"] as? String == "solo.node.code-1")
        // The solo chain accepts it (no other voter); the trust list then carries the chain's entry.
        let onChain = try await eventually {
            let state = p.node.node.chains.first.map { _ in true } ?? false
            guard state else { return false }
            let keys = await p.node.node.chains[0].committedState().codeKeys
            return keys["solo.node.code-1"] != nil
        }
        #expect(onChain)
        try await env.codes.refresh()
        let list = try TrustList(jwks: Data(try await p.call(.GET, "/codes/trust-list", token: admin).text.utf8))
        let key = try #require(list[try SigningKeyID("solo.node.code-1")])
        #expect(key.region.description == "sz/ft" && key.expires < 4_000_000_000, "the chain's window, not the open-ended local one")
        #expect(list[try SigningKeyID("lh.code-1")] != nil)
        let status = try await p.call(.GET, "/codes/status", token: admin).json()
        #expect(status["trustedKeys"] as? Int == 2)
        #expect(try await p.call(.POST, "/codes/key", token: try await p.token("staff.k", .community, Platform.c1)).status == 403)
        try await p.stop()
    }

    @Test func scansGoOnWhileTheStoreIsDownAndNothingIsLost() async throws {
        let store = StallingStore()
        let env = try await CodePlatform.start(store: store)
        let p = env.platform
        let person = try await p.person("Commuter", household: Platform.h1)
        let staff = try await p.token("staff.down", .community, Platform.c1)
        let gate = try await p.token("gate.down", .checkpoint, Platform.c1)
        try await env.codes.refresh()
        let token = try #require(try await env.issue(person, token: staff)["token"] as? String)
        try await env.drained()

        // The store refuses every write: scans and issuance are still answered at once.
        store.fail(true)
        for i in 0..<20 {
            let scanned = try await p.call(.POST, "/scans", token: gate, json: ["token": token, "place": "station-\(i % 2)"])
            #expect(scanned.status == 200, "\(scanned.text)")
        }
        #expect(try await p.call(.POST, "/codes", token: staff, json: ["person": person]).status == 200)
        let failing = try await eventually(timeout: .seconds(10)) { store.refused > 0 }
        #expect(failing, "the recorder tried to write")
        let held = try await eventually(timeout: .seconds(10)) { env.codes.recorder.backlog == 21 }
        #expect(held, "held between attempts, not dropped")

        // The store comes back: everything held is written.
        store.fail(false)
        try await env.drained()
        let range = (CodePlatform.now - 600)...(CodePlatform.now + 600)
        let written = try await store.visits(at: [VisitQuery(place: try PlaceID("station-0"), range: range), VisitQuery(place: try PlaceID("station-1"), range: range)], openDuration: 3600)
        #expect(written.map(\.count) == [10, 10])
        #expect(try await store.auditEvents(after: 0, limit: 100).filter { $0.action == "code.issue" }.count == 2)
        #expect(env.codes.recorder.written.failures > 0)
        try await p.stop()
    }

    // MARK: Admission control

    @Test func beyondTheLimitACodeRequestIsRefusedAtOnceAndTheNodeRecovers() throws {
        let control = AdmissionControl(limit: 1, retryAfterSeconds: 2)
        let first = EmbeddedChannel(handler: control.handler())
        let second = EmbeddedChannel(handler: control.handler())
        func head(_ path: String) -> HTTPRequestPart {
            .head(HTTPRequest(method: .post, scheme: "http", authority: "x", path: path))
        }
        // The first scan is admitted and passed on; the second, on another connection, is
        // answered 503 with Retry-After and never reaches the application.
        try first.writeInbound(head("/api/v1/scans"))
        try first.writeInbound(HTTPRequestPart.end(nil))
        #expect(try first.readInbound(as: HTTPRequestPart.self) != nil)
        try second.writeInbound(head("/api/v1/scans"))
        try second.writeInbound(HTTPRequestPart.end(nil))
        #expect(try second.readInbound(as: HTTPRequestPart.self) == nil)
        guard case .head(let refused)? = try second.readOutbound(as: HTTPResponsePart.self) else {
            Issue.record("no response head")
            return
        }
        #expect(refused.status == .serviceUnavailable && refused.headerFields[.retryAfter] == "2")
        // The router's spelling of the same path is counted too.
        let fourth = EmbeddedChannel(handler: control.handler())
        try fourth.writeInbound(head("/api/v1//scans/?x=1"))
        #expect(try fourth.readInbound(as: HTTPRequestPart.self) == nil, "refused: the limit is taken")
        #expect(control.counts.rejected == 2)
        // Other endpoints are not counted.
        try second.writeInbound(head("/api/v1/persons"))
        #expect(try second.readInbound(as: HTTPRequestPart.self) != nil)
        #expect(control.counts.rejected == 2 && control.counts.inFlight == 1)

        // When the first response ends, the place is free again.
        try first.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        try first.writeOutbound(HTTPResponsePart.end(nil))
        #expect(control.counts.inFlight == 0)
        let third = EmbeddedChannel(handler: control.handler())
        try third.writeInbound(head("/api/v1/codes"))
        #expect(try third.readInbound(as: HTTPRequestPart.self) != nil)
        // A connection that closes gives its place back.
        _ = try third.finish()
        #expect(control.counts.inFlight == 0 && control.counts.admitted == 2)
    }

    @Test func theAdmissionLimitAnswersOverHTTP() async throws {
        let env = try await CodePlatform.start(admissionLimit: 2)
        let p = env.platform
        let gate = try await p.token("gate.load", .checkpoint, Platform.c1)
        let staff = try await p.token("staff.load", .community, Platform.c1)
        let person = try await p.person("Queue", household: Platform.h1)
        try await env.codes.refresh()
        let token = try #require(try await env.issue(person, token: staff)["token"] as? String)
        // 64 scans at once against a limit of 2: every answer is either a recorded scan or a 503
        // with Retry-After, and nothing admitted is lost.
        let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for _ in 0..<64 {
                group.addTask {
                    let answer = try await p.call(.POST, "/scans", token: gate, json: ["token": token, "place": "gate-load"])
                    return (answer.status, answer.headers["Retry-After"].first)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.allSatisfy { $0.0 == 200 || ($0.0 == 503 && $0.1 == "1") }, "\(statuses)")
        let admitted = statuses.filter { $0.0 == 200 }.count
        #expect(admitted >= 1)
        try await env.drained()
        let visits = try await p.store.visits(at: try PlaceID("gate-load"), overlapping: (CodePlatform.now - 600)...(CodePlatform.now + 600), openDuration: 3600)
        #expect(visits.count == admitted)
        // Afterwards a single scan goes through.
        #expect(try await p.call(.POST, "/scans", token: gate, json: ["token": token, "place": "gate-load"]).status == 200)
        try await p.stop()
    }
}
