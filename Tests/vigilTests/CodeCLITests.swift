import ArgumentParser
import Crypto
import Foundation
import Testing
import VigilCodes
import VigilCommunity
import VigilLedger
import VigilServer
import VigilStore
import VigilTestSupport

@testable import vigil

// `vigil code`: the built binary end to end. Codes are issued in-process with HealthCodeIssuer;
// trust lists are written as JWKS files or produced by `vigil code trust-list` from a chain made
// with the chain fixture (as a tlog-tiles directory, a node database, or over HTTP); the offline
// device's log is uploaded to a real `vigil serve` node with health codes enabled.

/// Issuers of three regions, trust lists, and a chain whose members accepted a code key.
enum CodeCLIFixtures {
    /// The issue time of the codes whose verification does not depend on the clock.
    static let t: Int64 = 1_800_000_000
    static let forever: Int64 = 4_000_000_000

    static func issuer(_ region: String, _ kid: String, seed: UInt8) -> HealthCodeIssuer {
        try! HealthCodeIssuer(
            region: try JurisdictionPath(region), keyID: try SigningKeyID(kid),
            privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: seed, count: 32)))
    }

    /// Futian: its key goes on the chain.
    static let ft = issuer("sz/ft", "ft.code-1", seed: 0x11)
    /// Luohu: its key is in a trust-list file.
    static let lh = issuer("sz/lh", "lh.code-1", seed: 0x22)
    /// Tianhe in another city: in a second file.
    static let th = issuer("gz/th", "th.code-1", seed: 0x33)
    /// Someone signing as Futian's key id with another key.
    static let impostor = issuer("sz/ft", "ft.code-1", seed: 0x44)

    static func subject(_ n: Int) -> Pseudonym { try! Pseudonym("codeCliSubject\(String(format: "%04d", n))") }

    static func code(
        _ issuer: HealthCodeIssuer, _ jurisdiction: String, _ colour: HealthColour = .green, subject n: Int = 1, at time: Int64 = t
    ) throws -> String {
        try issuer.issue(subject: subject(n), jurisdiction: try JurisdictionPath(jurisdiction), colour: colour, now: time)
    }

    static func key(_ issuer: HealthCodeIssuer, from notBefore: Int64 = 0, to expires: Int64 = forever) throws -> TrustList.Key {
        try issuer.trustListKey(notBefore: notBefore, expires: expires)
    }

    /// Writes a JWKS of `keys` as `name` in `directory`; its path.
    @discardableResult
    static func writeList(_ keys: [TrustList.Key], to directory: URL, _ name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try TrustList(keys: keys).jwksJSON().write(to: url)
        return url.path
    }

    // MARK: The chain

    static let origin = "vigil.example/codes"
    /// Futian's key as first accepted, then shortened (a retirement): the chain's trust list
    /// holds the second window.
    static let notBefore: Int64 = 1_600_000_000
    static let firstExpiry: Int64 = 1_900_000_000
    static let expiry: Int64 = 1_850_000_000

    static func codeKey(expires: Int64) -> CodeKey {
        CodeKey(region: "sz/ft", kid: "ft.code-1", publicKey: Array(ft.publicKey.rawRepresentation), notBefore: notBefore, notAfter: expires)
    }

    /// Members A, B, C and the supervisor R: B proposes Futian's key, the others vote it in; an
    /// order; then the same key with a shorter validity, voted in too.
    static let chain: ChainFixture = {
        var chain = try! ChainFixture(
            origin: origin, members: [("A", .member), ("B", .member), ("C", .member), ("R", .supervisor)], leader: "A")
        for expires in [firstExpiry, expiry] {
            let proposal = try! chain.propose(.codeKey, by: "B", data: codeKey(expires: expires).jsonValue)
            for voter in ["A", "R", "C"] where chain.state.codeKeys["ft.code-1"]?.notAfter != expires {
                try! chain.vote(proposal, by: voter)
            }
            try! chain.order(by: "R", to: ["all"], text: "code key window \(expires) in force")
        }
        return chain
    }()

    /// The checkpoint of the whole chain, signed as `VerifyChainTests` signs: by the leader's
    /// key named after the origin, cosigned by A, B and R.
    static func checkpoint() throws -> Note {
        let store = chain.store
        let body = try Checkpoint(origin: origin, size: store.tree.size, root: store.tree.root)
        return try body.signed(by: [try ChainFixture.key(for: "A").renamed(origin)]).signed(
            by: ["A", "B", "R"].map { ChainFixture.key(for: $0).withType(.cosignature) }, timestamp: 1_700_000_500)
    }

    /// Writes the chain as a tlog-tiles directory; returns the path of its (only, partial) entry bundle.
    @discardableResult
    static func writeTiles(to directory: URL) throws -> URL {
        let entries = chain.entries
        let store = chain.store
        var bundlePath: URL?
        for id in TileID.tiles(forTreeSize: TreeSize(UInt64(entries.count))) {
            try VerifyChainTests.write(try store.hashes(for: id.nodes).flatMap(\.bytes), to: directory.appendingPathComponent(id.path))
            if id.level == 0 {
                let first = Int(id.index) * TileID.fullWidth
                let bundle = try EntryBundle.encode(entries[first..<(first + id.width)].map(\.bytes))
                bundlePath = directory.appendingPathComponent(id.entriesPath)
                try VerifyChainTests.write(bundle, to: bundlePath!)
            }
        }
        try VerifyChainTests.write(try checkpoint().bytes, to: directory.appendingPathComponent("checkpoint"))
        return try #require(bundlePath)
    }

    /// The trust list the chain gives: Futian's key with the window last accepted.
    static func chainKey() throws -> TrustList.Key { try key(ft, from: notBefore, to: expiry) }

    /// Flips one bit of the first occurrence of `marker` in `file`.
    static func flipFirst(_ marker: String, in file: URL, offset: Int = 2) throws {
        var bytes = [UInt8](try Data(contentsOf: file))
        let needle = Array(marker.utf8)
        let at = try #require((0...(bytes.count - needle.count)).first { bytes[$0..<($0 + needle.count)].elementsEqual(needle) })
        bytes[at + offset] ^= 0x01
        try Data(bytes).write(to: file)
    }

    /// A copy of `token` with one character of its payload changed.
    static func tampered(_ token: String) -> String {
        var bytes = Array(token.utf8)
        let i = bytes.firstIndex(of: UInt8(ascii: "."))! + 5
        bytes[i] = bytes[i] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        return String(decoding: bytes, as: UTF8.self)
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
    }

    /// The keys of a JWKS document by kid.
    static func jwksKeys(_ data: Data) throws -> [String: [String: Any]] {
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let keys = try #require(object["keys"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: keys.map { ($0["kid"] as? String ?? "?", $0) })
    }

    static func lines(_ url: URL) throws -> [String] {
        String(decoding: try Data(contentsOf: url), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// The tokens of the scans still waiting to be uploaded: those in `log` and in any file beside
    /// it named after it (an upload may set the log aside while it sends it), sorted.
    static func pending(_ log: URL) throws -> [String] {
        let directory = log.deletingLastPathComponent()
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(log.lastPathComponent) }
        return try names.flatMap { try lines(directory.appendingPathComponent($0)) }
            .map { try JSONDecoder().decode(OfflineScan.self, from: Data($0.utf8)).token }.sorted()
    }
}

private typealias F = CodeCLIFixtures

@Suite struct CodeCLITests {
    // MARK: Parsing

    @Test func theSubcommandsParse() throws {
        let verify = try #require(
            try Vigil.parseAsRoot(["code", "verify", "TOKEN", "--trust-list", "l.json", "--now", "5", "--json"]) as? CodeVerify)
        #expect(verify.token == "TOKEN" && verify.qr == nil && verify.trustList == "l.json" && verify.now == 5 && verify.json)
        let render = try #require(try Vigil.parseAsRoot(["code", "render", "T", "--out", "c.png"]) as? CodeRender)
        #expect(render.scale == 4 && render.out == "c.png")
        let scan = try #require(
            try Vigil.parseAsRoot(["code", "scan", "--qr", "c.png", "--trust-list", "l", "--place", "p", "--log", "s.jsonl"]) as? CodeScan)
        #expect(scan.token == nil && scan.qr == "c.png" && scan.checkpoint == nil && scan.now == nil)
        let list = try #require(
            try Vigil.parseAsRoot(["code", "trust-list", "--dir", "d", "--merge", "a", "--merge", "b"]) as? CodeTrustList)
        #expect(list.merge == ["a", "b"] && list.out == nil)
        for arguments in [
            ["code", "verify", "TOKEN"],  // no --trust-list
            ["code", "render", "T"],  // no --out
            ["code", "scan", "T", "--trust-list", "l", "--log", "s"],  // no --place
            ["code", "upload", "--log", "s", "--url", "http://x"],  // no --token
        ] {
            #expect(throws: (any Error).self, "\(arguments)") { try Vigil.parseAsRoot(arguments) }
        }
    }

    // MARK: Render and verify

    @Test(arguments: HealthColour.allCases)
    func aRenderedPNGVerifiesFromTheImage(colour: HealthColour) throws {
        try withTemporaryDirectory { directory in
            let token = try F.code(F.ft, "sz/ft/s1/c1", colour, subject: 7)
            let list = try F.writeList([try F.key(F.ft)], to: directory, "list.json")
            let png = directory.appendingPathComponent("code.png")
            let render = try VigilBinary.run(["code", "render", token, "--out", png.path], in: directory)
            expectCode(render, status: 0, stderrContains: ["vigil: QR version ", "to \(png.path)"])
            let bytes = [UInt8](try Data(contentsOf: png))
            #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "not a PNG")

            let run = try VigilBinary.run(
                ["code", "verify", "--qr", png.path, "--trust-list", list, "--now", "\(F.t + 10)", "--json"], in: directory)
            expectCode(run, status: 0)
            let object = try F.json(run.stdout)
            #expect(object["colour"] as? String == colour.rawValue)
            #expect(object["region"] as? String == "sz/ft")
            #expect(object["jurisdiction"] as? String == "sz/ft/s1/c1")
            #expect(object["kid"] as? String == "ft.code-1")
            #expect(object["subject"] as? String == F.subject(7).value)
            #expect(object["issuedAt"] as? Int == Int(F.t) && object["expiresAt"] as? Int == Int(F.t + 300))

            // The token itself, and the text form.
            let text = try VigilBinary.run(["code", "verify", token, "--trust-list", list, "--now", "\(F.t + 10)"], in: directory)
            expectCode(text, status: 0)
            #expect(text.stdout == "\(colour): issued by sz/ft (key ft.code-1) for sz/ft/s1/c1, valid until \(F.t + 300)\n")
        }
    }

    @Test func svgIsWrittenForAnyOtherExtensionAndTheScaleSetsTheSize() throws {
        try withTemporaryDirectory { directory in
            let token = try F.code(F.lh, "sz/lh")
            func modules(_ run: VigilBinary.Run) throws -> Int {
                // "vigil: QR version V-M, N×N modules, to FILE"
                let part = try #require(run.stderr.components(separatedBy: ", ").dropFirst().first, "stderr: \(run.stderr)")
                return try #require(Int(part.prefix { $0.isNumber }), "stderr: \(run.stderr)")
            }
            for (name, scale) in [("code.svg", 3), ("code.txt", 4)] {
                let url = directory.appendingPathComponent(name)
                let run = try VigilBinary.run(["code", "render", token, "--out", url.path, "--scale", "\(scale)"], in: directory)
                expectCode(run, status: 0)
                let svg = try String(contentsOf: url, encoding: .utf8)
                let side = (try modules(run) + 8) * scale
                #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(side)\" height=\"\(side)\""), "\(svg.prefix(120))")
                #expect(svg.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("</svg>"))
            }
            // PNG, whatever the case of the extension; its width is (modules + 2 × 4 quiet) × scale.
            for (name, scale) in [("a.png", 2), ("b.PNG", 6)] {
                let url = directory.appendingPathComponent(name)
                let run = try VigilBinary.run(["code", "render", token, "--out", url.path, "--scale", "\(scale)"], in: directory)
                expectCode(run, status: 0)
                let bytes = [UInt8](try Data(contentsOf: url))
                #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
                let width = bytes[16..<20].reduce(0) { $0 << 8 | Int($1) }
                #expect(width == (try modules(run) + 8) * scale, "\(name)")
            }
            for scale in ["0", "65"] {
                let run = try VigilBinary.run(["code", "render", token, "--out", "x.png", "--scale", scale], in: directory)
                #expect(run.status == 64, "--scale \(scale): \(run.stderr)")
                #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("x.png").path))
            }
            expectCode(
                try VigilBinary.run(["code", "render", token, "--out", directory.appendingPathComponent("no/such/dir/c.png").path], in: directory),
                status: 1, stderrContains: ["cannot write"])
            // More than a QR code holds.
            expectCode(
                try VigilBinary.run(["code", "render", String(repeating: "x", count: 5_000), "--out", "big.svg"], in: directory), status: 1)
        }
    }

    // MARK: Verify failures

    @Test func codesThatDoNotVerifyExitOneWithTheReason() throws {
        try withTemporaryDirectory { directory in
            let token = try F.code(F.ft, "sz/ft/s1")
            let list = try F.writeList([try F.key(F.ft)], to: directory, "list.json")
            func verify(_ token: String, list: String = list, now: Int64 = F.t + 10) throws -> VigilBinary.Run {
                try VigilBinary.run(["code", "verify", token, "--trust-list", list, "--now", "\(now)"], in: directory)
            }
            expectCode(try verify(token), status: 0)

            let tampered = try verify(F.tampered(token))
            expectCode(tampered, status: 1, stderrContains: ["vigil: the code does not verify: ", "badSignature"])
            #expect(tampered.stdout.isEmpty)
            expectCode(try verify("not.a-code"), status: 1, stderrContains: ["the code does not verify", "malformedToken"])

            // Expired: the code lives 300 s, the verifier allows 60 s of clock difference.
            expectCode(try verify(token, now: F.t + 359), status: 0)
            expectCode(try verify(token, now: F.t + 360), status: 1, stderrContains: ["the code does not verify", "expired"])
            expectCode(try verify(token, now: F.t - 61), status: 1, stderrContains: ["issuedInFuture"])

            // A trust list without the key.
            let others = try F.writeList([try F.key(F.lh), try F.key(F.th)], to: directory, "others.json")
            expectCode(try verify(token, list: others), status: 1, stderrContains: ["unknownKey", "ft.code-1"])
            // The key, but not yet valid when the code was issued.
            let later = try F.writeList([try F.key(F.ft, from: F.t + 1)], to: directory, "later.json")
            expectCode(try verify(token, list: later), status: 1, stderrContains: ["keyNotValidAtIssue"])
            // Another key under the same id.
            let forged = try F.code(F.impostor, "sz/ft/s1")
            expectCode(try verify(forged), status: 1, stderrContains: ["badSignature"])
        }
    }

    @Test func badTrustListsAndInputsExitOneOrAreUsageErrors() throws {
        try withTemporaryDirectory { directory in
            let token = try F.code(F.ft, "sz/ft/s1")
            let good = try F.writeList([try F.key(F.ft)], to: directory, "list.json")
            func verify(_ arguments: [String]) throws -> VigilBinary.Run {
                try VigilBinary.run(["code", "verify"] + arguments + ["--now", "\(F.t)"], in: directory)
            }
            // Not JSON; a JWKS holding a private key; a key of another type.
            let garbage = directory.appendingPathComponent("garbage.json")
            try Data("{\"keys\": [ not json".utf8).write(to: garbage)
            let run = try verify([token, "--trust-list", garbage.path])
            expectCode(run, status: 1, stderrContains: ["vigil: \(garbage.path) is not a valid trust list: "])
            #expect(run.stdout.isEmpty)
            var object = try F.json(String(decoding: try Data(contentsOf: URL(fileURLWithPath: good)), as: UTF8.self))
            var key = try #require((object["keys"] as? [[String: Any]])?.first)
            key["d"] = key["x"]
            object["keys"] = [key]
            let secret = directory.appendingPathComponent("secret.json")
            try JSONSerialization.data(withJSONObject: object).write(to: secret)
            expectCode(try verify([token, "--trust-list", secret.path]), status: 1, stderrContains: ["is not a valid trust list", "\"d\""])
            key["d"] = nil
            key["crv"] = "P-256"
            object["keys"] = [key]
            try JSONSerialization.data(withJSONObject: object).write(to: secret)
            expectCode(try verify([token, "--trust-list", secret.path]), status: 1, stderrContains: ["is not a valid trust list", "crv"])

            // Missing files.
            let missing = directory.appendingPathComponent("missing.json").path
            expectCode(try verify([token, "--trust-list", missing]), status: 1, stderrContains: ["vigil: cannot read \(missing): no such file or directory"])
            expectCode(try verify([token, "--trust-list", directory.path]), status: 1, stderrContains: ["is a directory"])
            let noImage = directory.appendingPathComponent("missing.png").path
            expectCode(try verify(["--qr", noImage, "--trust-list", good]), status: 1, stderrContains: ["vigil: cannot read \(noImage)"])

            // Images without a code: a blank PNG, and a file that is no PNG at all.
            let blank = directory.appendingPathComponent("blank.png")
            try Data(QRMatrix(size: 21).png()).write(to: blank)
            expectCode(
                try verify(["--qr", blank.path, "--trust-list", good]), status: 1,
                stderrContains: ["vigil: \(blank.path): no health code could be read from the image"])
            let text = directory.appendingPathComponent("text.png")
            try Data("hello".utf8).write(to: text)
            expectCode(try verify(["--qr", text.path, "--trust-list", good]), status: 1, stderrContains: ["no health code could be read"])
            // A QR code of something other than a code.
            let other = directory.appendingPathComponent("other.png")
            try Data(try QRCode(text: "https://example.org/").png()).write(to: other)
            expectCode(try verify(["--qr", other.path, "--trust-list", good]), status: 1, stderrContains: ["malformedToken"])

            // Both a token and an image, or neither: usage errors (status 64, as for every
            // `vigil` usage error), not verification failures.
            try Data(QRCode(text: token).png()).write(to: directory.appendingPathComponent("code.png"))
            for arguments in [[token, "--qr", "code.png", "--trust-list", good], ["--trust-list", good]] {
                let usage = try verify(arguments)
                #expect(usage.status == 64, "\(arguments.count) arguments: exit \(usage.status), \(usage.stderr)")
                #expect(usage.stderr.contains("give exactly one of TOKEN and --qr IMAGE"), "\(usage.stderr)")
                #expect(usage.stdout.isEmpty)
            }
        }
    }

    // MARK: Cross-region trust lists

    @Test func aMergedTrustListVerifiesEveryRegionsCodes() throws {
        try withTemporaryDirectory { directory in
            let merged = try F.writeList([try F.key(F.ft), try F.key(F.lh), try F.key(F.th)], to: directory, "merged.json")
            for (issuer, jurisdiction, colour) in [(F.ft, "sz/ft/s1/c1", HealthColour.red), (F.lh, "sz/lh/s2", .green), (F.th, "gz/th", .yellow)] {
                let token = try F.code(issuer, jurisdiction, colour)
                let run = try VigilBinary.run(["code", "verify", token, "--trust-list", merged, "--now", "\(F.t)", "--json"], in: directory)
                expectCode(run, status: 0)
                let object = try F.json(run.stdout)
                #expect(object["region"] as? String == issuer.region.description && object["colour"] as? String == colour.rawValue)
                #expect(object["jurisdiction"] as? String == jurisdiction && object["kid"] as? String == issuer.keyID.value)
            }
            // One region's key cannot sign another region's codes: Futian's key used for a
            // Luohu code is refused though the signature is good.
            let crossing = try HealthCodeIssuer(
                region: try JurisdictionPath("sz/lh"), keyID: try SigningKeyID("ft.code-1"),
                privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 0x11, count: 32)))
            let token = try crossing.issue(subject: F.subject(2), jurisdiction: try JurisdictionPath("sz/lh"), colour: .green, now: F.t)
            expectCode(
                try VigilBinary.run(["code", "verify", token, "--trust-list", merged, "--now", "\(F.t)"], in: directory), status: 1,
                stderrContains: ["issuerMismatch"])
        }
    }

    @Test func trustListMergesFilesWithTheChainsKeys() throws {
        try withTemporaryDirectory { directory in
            let tiles = directory.appendingPathComponent("chain")
            try F.writeTiles(to: tiles)
            let a = try F.writeList([try F.key(F.lh)], to: directory, "a.json")
            // b holds Tianhe's key and an impostor's key under Futian's id: the chain's key replaces it.
            let b = try F.writeList([try F.key(F.th), try F.key(F.impostor)], to: directory, "b.json")
            let out = directory.appendingPathComponent("merged.json")
            let run = try VigilBinary.run(
                ["code", "trust-list", "--dir", tiles.path, "--merge", a, "--merge", b, "--out", out.path], in: directory)
            expectCode(run, status: 0, stderrContains: ["vigil: wrote 3 keys (1 from the chain) to \(out.path)"])
            #expect(run.stdout.isEmpty)
            let expected = try TrustList(keys: [try F.chainKey(), try F.key(F.lh), try F.key(F.th)])
            #expect(try TrustList(jwks: try Data(contentsOf: out)) == expected)
            #expect(try Data(contentsOf: out) == expected.jwksJSON(), "the JWKS is written canonically")

            for (issuer, jurisdiction) in [(F.ft, "sz/ft/s9"), (F.lh, "sz/lh/s2"), (F.th, "gz/th/x1")] {
                let token = try F.code(issuer, jurisdiction)
                let verified = try VigilBinary.run(["code", "verify", token, "--trust-list", out.path, "--now", "\(F.t)"], in: directory)
                expectCode(verified, status: 0)
                #expect(verified.stdout.contains("issued by \(issuer.region) (key \(issuer.keyID))"), "\(verified.stdout)")
            }
            expectCode(
                try VigilBinary.run(["code", "verify", try F.code(F.impostor, "sz/ft"), "--trust-list", out.path, "--now", "\(F.t)"], in: directory),
                status: 1, stderrContains: ["badSignature"])
            // Without the merge, Tianhe's codes are unknown.
            let alone = try VigilBinary.run(
                ["code", "verify", try F.code(F.th, "gz/th"), "--trust-list", a, "--now", "\(F.t)"], in: directory)
            expectCode(alone, status: 1, stderrContains: ["unknownKey"])

            // A file to merge that is not a trust list, or is missing: nothing is written.
            let garbage = directory.appendingPathComponent("garbage.json")
            try Data("[]".utf8).write(to: garbage)
            let fresh = directory.appendingPathComponent("fresh.json")
            for file in [garbage.path, directory.appendingPathComponent("none.json").path] {
                let failed = try VigilBinary.run(
                    ["code", "trust-list", "--dir", tiles.path, "--merge", a, "--merge", file, "--out", fresh.path], in: directory)
                expectCode(failed, status: 1, stderrContains: [file])
                #expect(!FileManager.default.fileExists(atPath: fresh.path))
            }
        }
    }

    // MARK: Trust list from a chain

    @Test func theFixtureChainAcceptedTheShortenedKey() throws {
        let key = try #require(F.chain.state.codeKeys["ft.code-1"])
        #expect(key.notBefore == F.notBefore && key.notAfter == F.expiry && key.region == "sz/ft")
    }

    @Test func aTilesDirectoryGivesTheChainsKeys() throws {
        try withTemporaryDirectory { directory in
            let tiles = directory.appendingPathComponent("chain")
            try F.writeTiles(to: tiles)
            // The chain verifies as a chain first.
            expectCode(try VigilBinary.run(["verify", "chain", "--dir", tiles.path], in: directory), status: 0)

            let out = directory.appendingPathComponent("list.json")
            let run = try VigilBinary.run(["code", "trust-list", "--dir", tiles.path, "--out", out.path], in: directory)
            expectCode(run, status: 0, stderrContains: ["vigil: wrote 1 keys (1 from the chain) to \(out.path)"])
            let keys = try F.jwksKeys(try Data(contentsOf: out))
            #expect(keys.keys.sorted() == ["ft.code-1"])
            let key = try #require(keys["ft.code-1"])
            #expect(key["region"] as? String == "sz/ft")
            #expect(key["nbf"] as? Int == Int(F.notBefore))
            #expect(key["exp"] as? Int == Int(F.expiry), "the window last accepted, not the first")
            #expect(key["kty"] as? String == "OKP" && key["crv"] as? String == "Ed25519" && key["alg"] as? String == "EdDSA")
            #expect(key["x"] as? String == Base64URL.encode(Array(F.ft.publicKey.rawRepresentation)))
            #expect(key["d"] == nil)

            // Without --out the JWKS goes to standard output.
            let printed = try VigilBinary.run(["code", "trust-list", "--dir", tiles.path], in: directory)
            expectCode(printed, status: 0)
            #expect(Data(printed.stdout.trimmingCharacters(in: .newlines).utf8) == (try Data(contentsOf: out)))

            // The list verifies Futian's codes issued inside the chain's window only.
            let inside = try VigilBinary.run(["code", "verify", try F.code(F.ft, "sz/ft"), "--trust-list", out.path, "--now", "\(F.t)"], in: directory)
            expectCode(inside, status: 0)
            let late = F.expiry + 100
            expectCode(
                try VigilBinary.run(
                    ["code", "verify", try F.code(F.ft, "sz/ft", at: late), "--trust-list", out.path, "--now", "\(late)"], in: directory),
                status: 1, stderrContains: ["keyNotValidAtIssue"])
        }
    }

    @Test func aCorruptedChainGivesNoTrustList() throws {
        try withTemporaryDirectory { directory in
            let tiles = directory.appendingPathComponent("chain")
            let bundle = try F.writeTiles(to: tiles)
            // One bit of the accepted key's x in the entry bundle: a substituted key.
            let x = Base64URL.encode(Array(F.ft.publicKey.rawRepresentation))
            try F.flipFirst(x, in: bundle, offset: 10)
            let out = directory.appendingPathComponent("list.json")
            let run = try VigilBinary.run(["code", "trust-list", "--dir", tiles.path, "--out", out.path], in: directory)
            expectCode(run, status: 1, stderrContains: ["vigil: chain \(F.origin) does not verify: "])
            #expect(run.stdout.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: out.path), "a trust list was written from a chain that does not verify")

            // An existing file is left as it was, and nothing goes to standard output either.
            try Data("previous".utf8).write(to: out)
            expectCode(try VigilBinary.run(["code", "trust-list", "--dir", tiles.path, "--out", out.path], in: directory), status: 1)
            #expect(try Data(contentsOf: out) == Data("previous".utf8))
            let printed = try VigilBinary.run(["code", "trust-list", "--dir", tiles.path], in: directory)
            expectCode(printed, status: 1)
            #expect(printed.stdout.isEmpty)
        }
        // A checkpoint below the chain's quorum is not enough either.
        try withTemporaryDirectory { directory in
            let tiles = directory.appendingPathComponent("chain")
            try F.writeTiles(to: tiles)
            let store = F.chain.store
            let body = try Checkpoint(origin: F.origin, size: store.tree.size, root: store.tree.root)
            let weak = try body.signed(by: [try ChainFixture.key(for: "A").renamed(F.origin)]).signed(
                by: [ChainFixture.key(for: "A").withType(.cosignature)], timestamp: 1_700_000_500)
            try VerifyChainTests.write(weak.bytes, to: tiles.appendingPathComponent("checkpoint"))
            let out = directory.appendingPathComponent("list.json")
            expectCode(
                try VigilBinary.run(["code", "trust-list", "--dir", tiles.path, "--out", out.path], in: directory), status: 1,
                stderrContains: ["does not verify", "quorum"])
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
    }

    /// The chain's key ids allow `/`, a JWS key id does not: such a key is left out with a
    /// warning, and the chain's other keys still make the list.
    @Test func aChainKeyNoJWSCanNameIsLeftOutWithAWarning() throws {
        var chain = try ChainFixture(
            origin: F.origin, members: [("A", .member), ("B", .member), ("C", .member), ("R", .supervisor)], leader: "A")
        for key in [
            F.codeKey(expires: F.expiry),
            CodeKey(region: "sz/lh", kid: "sz/lh-1", publicKey: Array(F.lh.publicKey.rawRepresentation), notBefore: 0, notAfter: F.forever),
        ] {
            let proposal = try chain.propose(.codeKey, by: "B", data: key.jsonValue)
            try chain.vote(proposal, by: "A")
            try chain.vote(proposal, by: "R")
        }
        try #require(chain.state.codeKeys.count == 2)
        try withTemporaryDirectory { directory in
            let tiles = directory.appendingPathComponent("chain")
            let store = chain.store
            for id in TileID.tiles(forTreeSize: TreeSize(UInt64(chain.entries.count))) {
                try VerifyChainTests.write(try store.hashes(for: id.nodes).flatMap(\.bytes), to: tiles.appendingPathComponent(id.path))
                if id.level == 0 {
                    let bundle = try EntryBundle.encode(chain.entries[0..<id.width].map(\.bytes))
                    try VerifyChainTests.write(bundle, to: tiles.appendingPathComponent(id.entriesPath))
                }
            }
            let body = try Checkpoint(origin: F.origin, size: store.tree.size, root: store.tree.root)
            let note = try body.signed(by: [try ChainFixture.key(for: "A").renamed(F.origin)]).signed(
                by: ["A", "B", "R"].map { ChainFixture.key(for: $0).withType(.cosignature) }, timestamp: 1_700_000_500)
            try VerifyChainTests.write(note.bytes, to: tiles.appendingPathComponent("checkpoint"))

            let run = try VigilBinary.run(["code", "trust-list", "--dir", tiles.path], in: directory)
            expectCode(run, status: 0, stderrContains: ["vigil: warning: ", "code key sz/lh-1 cannot go in a trust list"])
            #expect(try TrustList(jwks: Data(run.stdout.utf8)) == TrustList(keys: [try F.chainKey()]))
        }
    }

    @Test func aNodeDatabaseGivesTheChainsKeys() async throws {
        try await withTemporaryNodeDirectory { directory in
            let path = directory.appendingPathComponent("node.sqlite").path
            let store = try SQLiteLedgerStore(path: path)
            _ = try await store.append(F.chain.entries, to: F.origin)
            _ = try await store.saveCheckpoint(try F.checkpoint())
            let out = directory.appendingPathComponent("list.json")
            for arguments in [["--dir", path], ["--dir", directory.path, "--origin", F.origin]] {
                try? FileManager.default.removeItem(at: out)
                let run = try VigilBinary.run(["code", "trust-list"] + arguments + ["--out", out.path], in: directory)
                expectCode(run, status: 0)
                #expect(try TrustList(jwks: try Data(contentsOf: out)) == TrustList(keys: [try F.chainKey()]), "\(arguments)")
            }
            expectCode(
                try VigilBinary.run(["code", "trust-list", "--dir", path, "--origin", "vigil.example/none"], in: directory), status: 1,
                stderrContains: ["holds no chain vigil.example/none"])
            // Neither or both sources: usage errors.
            #expect(try VigilBinary.run(["code", "trust-list"], in: directory).status == 64)
            #expect(try VigilBinary.run(["code", "trust-list", "--dir", path, "--url", "http://127.0.0.1:1/"], in: directory).status == 64)
        }
    }

    @Test(.enabled(if: VerifyChainTests.python != nil)) func aChainServedOverHTTPGivesTheChainsKeys() throws {
        try withTemporaryDirectory { directory in
            let served = directory.appendingPathComponent("log/codes")
            try F.writeTiles(to: served)
            try VerifyChainTests.serving(directory) { port in
                let run = try VigilBinary.run(["code", "trust-list", "--url", "http://127.0.0.1:\(port)/log/codes"], in: directory)
                expectCode(run, status: 0)
                #expect(try TrustList(jwks: Data(run.stdout.utf8)) == TrustList(keys: [try F.chainKey()]))
                expectCode(
                    try VigilBinary.run(["code", "trust-list", "--url", "http://127.0.0.1:\(port)/log/none"], in: directory), status: 1,
                    stderrContains: ["HTTP 404"])
            }
        }
    }

    // MARK: The offline device

    @Test func scanLogsEachValidCodeAndNothingElse() throws {
        try withTemporaryDirectory { directory in
            let list = try F.writeList([try F.key(F.lh)], to: directory, "list.json")
            let log = directory.appendingPathComponent("scans.jsonl")
            func scan(_ code: [String], now: Int64, checkpoint: String? = "gate-a", log: URL = log) throws -> VigilBinary.Run {
                try VigilBinary.run(
                    ["code", "scan"] + code + ["--trust-list", list, "--place", "gate-1", "--log", log.path, "--now", "\(now)"]
                        + (checkpoint.map { ["--checkpoint", $0] } ?? []), in: directory)
            }
            // A code that does not verify creates no log.
            let first = try F.code(F.lh, "sz/lh/s2", .yellow, subject: 1)
            expectCode(try scan([F.tampered(first)], now: F.t + 5), status: 1, stderrContains: ["the code does not verify", "badSignature"])
            #expect(!FileManager.default.fileExists(atPath: log.path))

            let one = try scan([first], now: F.t + 5)
            expectCode(one, status: 0)
            #expect(one.stdout == "yellow: sz/lh, valid until \(F.t + 300); logged\n")
            var lines = try F.lines(log)
            #expect(lines.count == 1)
            let logged = try JSONDecoder().decode(OfflineScan.self, from: Data(lines[0].utf8))
            #expect(logged.token == first && logged.place == "gate-1" && logged.checkpoint == "gate-a" && logged.time == F.t + 5)

            // From a QR image, without a checkpoint id.
            let second = try F.code(F.lh, "sz/lh", .green, subject: 2)
            let png = directory.appendingPathComponent("second.png")
            expectCode(try VigilBinary.run(["code", "render", second, "--out", png.path], in: directory), status: 0)
            expectCode(try scan(["--qr", png.path], now: F.t + 6, checkpoint: nil), status: 0)
            lines = try F.lines(log)
            #expect(lines.count == 2)
            let fromImage = try JSONDecoder().decode(OfflineScan.self, from: Data(lines[1].utf8))
            #expect(fromImage.token == second && fromImage.checkpoint == nil && fromImage.time == F.t + 6)
            #expect(try JSONDecoder().decode(OfflineScan.self, from: Data(lines[0].utf8)).token == first, "the first line was kept")

            // Invalid codes append nothing.
            let before = try Data(contentsOf: log)
            for (code, now, reason) in [
                ([F.tampered(second)], F.t + 7, "badSignature"),
                ([first], F.t + 400, "expired"),
                ([try F.code(F.ft, "sz/ft")], F.t + 7, "unknownKey"),
                (["--qr", directory.appendingPathComponent("none.png").path], F.t + 7, "cannot read"),
            ] {
                let run = try scan(code, now: now)
                expectCode(run, status: 1, stderrContains: [reason])
                #expect(run.stdout.isEmpty)
                #expect(try Data(contentsOf: log) == before, "a failed scan (\(reason)) changed the log")
            }
            // A log that cannot be opened is an error, not a silently lost scan.
            let unwritable = directory.appendingPathComponent("no/such/dir/scans.jsonl")
            expectCode(try scan([first], now: F.t + 8, log: unwritable), status: 1, stderrContains: [unwritable.path])
        }
    }

    @Test func uploadFailsWithoutANodeAndKeepsTheLog() throws {
        try withTemporaryDirectory { directory in
            let list = try F.writeList([try F.key(F.lh)], to: directory, "list.json")
            let log = directory.appendingPathComponent("scans.jsonl")
            let now = Int64(Date().timeIntervalSince1970)
            let token = try F.code(F.lh, "sz/lh", at: now)
            expectCode(
                try VigilBinary.run(["code", "scan", token, "--trust-list", list, "--place", "gate-1", "--log", log.path], in: directory),
                status: 0)
            for _ in 0..<2 {
                let run = try VigilBinary.run(["code", "upload", "--log", log.path, "--url", "http://127.0.0.1:1", "--token", "t"], in: directory)
                #expect(run.status == 1, "stderr: \(run.stderr)")
                #expect(run.stdout.isEmpty)
                #expect(try F.pending(log) == [token], "the scan is no longer waiting to be uploaded")
            }
        }
        try withTemporaryDirectory { directory in
            // A line that is not a scan: nothing is sent (the URL is not even tried).
            let log = directory.appendingPathComponent("scans.jsonl")
            let scan = OfflineScan(token: try F.code(F.lh, "sz/lh"), place: "gate-1", checkpoint: nil, time: F.t)
            try (try JSONEncoder().encode(scan) + Data("\n{\"token\":1}\n".utf8)).write(to: log)
            let malformed = try VigilBinary.run(["code", "upload", "--log", log.path, "--url", "http://127.0.0.1:1", "--token", "t"], in: directory)
            expectCode(malformed, status: 1, stderrContains: [log.path, ":2 is not a scan line"])
            let missing = directory.appendingPathComponent("none.jsonl").path
            expectCode(
                try VigilBinary.run(["code", "upload", "--log", missing, "--url", "http://127.0.0.1:1", "--token", "t"], in: directory), status: 1,
                stderrContains: ["cannot read \(missing)"])
        }
    }

    /// Like every other `vigil` failure (`vigil verify chain --url` says "vigil: cannot fetch
    /// URL: reason"), a node that cannot be reached is reported as `vigil: ` and the reason,
    /// naming the node.
    @Test
    func anUnreachableNodeIsReportedLikeOtherFailures() throws {
        try withTemporaryDirectory { directory in
            let log = directory.appendingPathComponent("scans.jsonl")
            let scan = OfflineScan(token: try F.code(F.lh, "sz/lh"), place: "gate-1", checkpoint: nil, time: F.t)
            try (try JSONEncoder().encode(scan) + Data([0x0A])).write(to: log)
            let run = try VigilBinary.run(["code", "upload", "--log", log.path, "--url", "http://127.0.0.1:1", "--token", "t"], in: directory)
            expectCode(run, status: 1, stderrContains: ["127.0.0.1:1"])
        }
    }

    /// A stand-in node for `POST /api/v1/scans/batch`, served while `body` runs: it writes each
    /// request body to `DIRECTORY/received`, then answers (every scan recorded) only once
    /// `DIRECTORY/go` exists, so a test can act while an upload is in flight.
    static func heldNode<T>(_ directory: URL, _ body: (Int) throws -> T) throws -> T {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(VerifyChainTests.python))
        process.arguments = [
            "-c",
            """
            import http.server, json, os, signal, sys, time
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            d = sys.argv[1]
            class Held(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers["Content-Length"]))
                    with open(os.path.join(d, "received.tmp"), "wb") as f:
                        f.write(body)
                    os.rename(os.path.join(d, "received.tmp"), os.path.join(d, "received"))
                    for _ in range(600):
                        if os.path.exists(os.path.join(d, "go")):
                            break
                        time.sleep(0.05)
                    n = len(json.loads(body)["scans"])
                    out = json.dumps({"recorded": n, "refused": 0, "results": [{"index": i, "result": "recorded"} for i in range(n)]}).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                def log_message(self, *args):
                    pass
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Held)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """,
            directory.path,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            line.append(chunk)
        }
        let port = try #require(Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        return try body(port)
    }

    /// The upload promises that no scan is lost. A checkpoint keeps scanning while it uploads:
    /// a scan logged while a batch is in flight must still be in the log afterwards.
    @Test(
        .enabled(if: VerifyChainTests.python != nil))
    func aScanLoggedDuringAnUploadIsKept() throws {
        try withTemporaryDirectory { directory in
            let list = try F.writeList([try F.key(F.lh)], to: directory, "list.json")
            let log = directory.appendingPathComponent("scans.jsonl")
            func scan(_ token: String) throws {
                expectCode(
                    try VigilBinary.run(
                        ["code", "scan", token, "--trust-list", list, "--place", "gate-1", "--log", log.path, "--now", "\(F.t)"], in: directory),
                    status: 0)
            }
            let first = try F.code(F.lh, "sz/lh", subject: 1)
            let second = try F.code(F.lh, "sz/lh", subject: 2)
            try scan(first)
            let held = directory.appendingPathComponent("node")
            try FileManager.default.createDirectory(at: held, withIntermediateDirectories: true)
            try Self.heldNode(held) { port in
                let stdout = directory.appendingPathComponent("upload.out")
                let stderr = directory.appendingPathComponent("upload.err")
                try Data().write(to: stdout)
                try Data().write(to: stderr)
                let upload = Process()
                upload.executableURL = try VigilBinary.location.get()
                upload.arguments = ["code", "upload", "--log", log.path, "--url", "http://127.0.0.1:\(port)", "--token", "t"]
                upload.currentDirectoryURL = directory
                upload.standardOutput = try FileHandle(forWritingTo: stdout)
                upload.standardError = try FileHandle(forWritingTo: stderr)
                upload.standardInput = FileHandle.nullDevice
                try upload.run()
                defer { if upload.isRunning { kill(upload.processIdentifier, SIGKILL) } }
                let received = held.appendingPathComponent("received")
                for _ in 0..<600 where !FileManager.default.fileExists(atPath: received.path) { usleep(50_000) }
                try #require(FileManager.default.fileExists(atPath: received.path), "the upload never reached the node")
                // While the node holds the batch, the gate scans another code.
                try scan(second)
                try Data().write(to: held.appendingPathComponent("go"))
                upload.waitUntilExit()
                let errors = String(decoding: try Data(contentsOf: stderr), as: UTF8.self)
                #expect(upload.terminationStatus == 0, "stderr: \(errors)")
                #expect(String(decoding: try Data(contentsOf: stdout), as: UTF8.self) == "uploaded 1 scans: 1 recorded, 0 refused\n")
            }
            let left = try F.pending(log)
            #expect(left == [second], "waiting after the upload: \(left.count) scans")
        }
    }

    /// A gate uploads whenever it is online; when nothing was scanned since the last upload,
    /// there is nothing to send, which is not a failure (the brief: upload "empties the log").
    @Test(
        .enabled(if: VerifyChainTests.python != nil))
    func uploadingAgainWithNothingNewIsNotAnError() throws {
        try withTemporaryDirectory { directory in
            let list = try F.writeList([try F.key(F.lh)], to: directory, "list.json")
            let log = directory.appendingPathComponent("scans.jsonl")
            expectCode(
                try VigilBinary.run(
                    ["code", "scan", try F.code(F.lh, "sz/lh"), "--trust-list", list, "--place", "gate-1", "--log", log.path, "--now", "\(F.t)"],
                    in: directory), status: 0)
            let held = directory.appendingPathComponent("node")
            try FileManager.default.createDirectory(at: held, withIntermediateDirectories: true)
            try Data().write(to: held.appendingPathComponent("go"))
            try Self.heldNode(held) { port in
                let arguments = ["code", "upload", "--log", log.path, "--url", "http://127.0.0.1:\(port)", "--token", "t"]
                let first = try VigilBinary.run(arguments, in: directory)
                expectCode(first, status: 0)
                #expect(first.stdout == "uploaded 1 scans: 1 recorded, 0 refused\n")
                let again = try VigilBinary.run(arguments, in: directory)
                expectCode(again, status: 0)
                #expect(again.stdout == "uploaded 0 scans: 0 recorded, 0 refused\n")
            }
            #expect(try F.pending(log).isEmpty)
        }
    }

    /// A scan is logged only if the node can record it later: a place or checkpoint id that no
    /// node accepts (empty, surrounding spaces, control characters) is refused at the device.
    @Test(
        arguments: [["--place", "gate-1 "], ["--place", ""], ["--place", "gate-1", "--checkpoint", "gate\ta"]])
    func scanRefusesIdsNoNodeAccepts(ids: [String]) throws {
        try withTemporaryDirectory { directory in
            let list = try F.writeList([try F.key(F.lh)], to: directory, "list.json")
            let log = directory.appendingPathComponent("scans.jsonl")
            let run = try VigilBinary.run(
                ["code", "scan", try F.code(F.lh, "sz/lh"), "--trust-list", list, "--log", log.path, "--now", "\(F.t)"] + ids, in: directory)
            #expect(run.status != 0, "\(ids) was logged: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            #expect(!FileManager.default.fileExists(atPath: log.path))
        }
    }
}

// MARK: - Upload to a running node

extension CodeCLITests {
    /// Upload to a `vigil serve` process with health codes for `sz/ft` that trusts Luohu's key
    /// (from a file), with a checkpoint user.
    @Suite(.serialized) struct Upload {
        struct Node {
            static let name = "codes.node"
            let net: URL
            let url: String
            let bearer: String
            let network: LocalNetwork

            static func start(in directory: URL) async throws -> Node {
                let net = directory.appendingPathComponent("net")
                let port = try #require(Demo.freePortRange(from: Int.random(in: 20000...40000), count: 1))
                _ = try Network.writeSingleChain(
                    to: net.path, origin: "vigil.local/codes", slug: "codes", names: [name], host: "127.0.0.1", basePort: port)
                try F.writeList([try F.key(F.lh)], to: net.appendingPathComponent("keys"), "trust.jwks")
                let config = net.appendingPathComponent("\(name).json")
                var configuration = try JSONDecoder().decode(NodeConfiguration.self, from: Data(contentsOf: config))
                configuration.codes = NodeConfiguration.Codes(region: "sz/ft", trustListFile: "keys/trust.jwks")
                try Data(try configuration.encoded()).write(to: config)

                expectCode(
                    try VigilBinary.run(
                        ["user", "add", "--config", config.path, "--name", "gate.one", "--role", "checkpoint", "--jurisdiction", "sz/ft"],
                        in: directory), status: 0)
                let issued = try VigilBinary.run(["token", "issue", "--config", config.path, "--user", "gate.one"], in: directory)
                expectCode(issued, status: 0)

                let network = try LocalNetwork(
                    directory: net.path, executable: try VigilBinary.location.get(), serveArguments: ["--log-level", "warning"])
                try network.start(name)
                do { try await network.waitReady() } catch {
                    await network.stopAll()
                    throw error
                }
                return Node(
                    net: net, url: "http://127.0.0.1:\(port)", bearer: issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                    network: network)
            }

            /// Stops the node gracefully (it writes every visit it holds) and reads the visits at `place`.
            func stop(visitsAt place: String, around time: Int64) async throws -> [Visit] {
                await network.stopAll()
                let store = try SQLiteCommunityStore(path: net.appendingPathComponent("data/\(Self.name).sqlite").path)
                return try await store.visits(at: try PlaceID(place), overlapping: (time - 600)...(time + 600), openDuration: 3_600)
            }

            /// Runs `body`; on failure, records the node's log and stops it.
            func running(_ body: () async throws -> Void) async throws {
                do { try await body() } catch {
                    Issue.record("\(error)\n\(network.logTail(Self.name))")
                    await network.stopAll()
                    throw error
                }
            }
        }

        /// Scans `codes` offline into `log` at `place` (real time, as an upload must be recent).
        static func scan(_ codes: [[String]], place: String = "gate-1", trusting list: String, log: URL, in directory: URL) throws {
            let start = FileManager.default.fileExists(atPath: log.path) ? try F.lines(log).count : 0
            for (n, arguments) in codes.enumerated() {
                let run = try VigilBinary.run(
                    ["code", "scan"] + arguments + ["--trust-list", list, "--place", place, "--log", log.path], in: directory)
                expectCode(run, status: 0)
                #expect(try F.lines(log).count == start + n + 1)
            }
        }

        @Test
        func uploadRecordsTheVisitsAndEmptiesTheLogAndAnErrorKeepsIt() async throws {
            try await withTemporaryNodeDirectory { directory in
                // The device trusts a key the node does not (Nanshan's): that scan is refused on upload.
                let nanshan = F.issuer("sz/ns", "ns.code-1", seed: 0x55)
                let list = try F.writeList([try F.key(F.lh), try F.key(nanshan)], to: directory, "device.json")
                let log = directory.appendingPathComponent("scans.jsonl")
                let now = Int64(Date().timeIntervalSince1970)
                try Self.scan(
                    [
                        [try F.code(F.lh, "sz/lh/s2", .green, subject: 1, at: now), "--checkpoint", "gate-a"],
                        [try F.code(F.lh, "sz/lh", .yellow, subject: 2, at: now)],
                        [try F.code(nanshan, "sz/ns", .green, subject: 3, at: now)],
                    ], trusting: list, log: log, in: directory)
                let logged = try F.pending(log)
                #expect(logged.count == 3)

                let node = try await Node.start(in: directory.appendingPathComponent("node"))
                try await node.running {
                    // The node refuses the token: the upload fails and the log is kept whole.
                    let refused = try VigilBinary.run(
                        ["code", "upload", "--log", log.path, "--url", node.url, "--token", "not-a-token"], in: directory)
                    expectCode(refused, status: 1, stderrContains: ["vigil: the node answered 401 after 0 of 3 scans"])
                    #expect(refused.stdout.isEmpty)
                    #expect(try F.pending(log) == logged, "scans were lost by a failed upload")

                    // Everything waiting goes now. (Fails while CodeUpload.run, after sending what
                    // the failed upload set aside, finds neither LOG nor LOG.sending and exits 1.)
                    let uploaded = try VigilBinary.run(
                        ["code", "upload", "--log", log.path, "--url", node.url + "/", "--token", node.bearer], in: directory)
                    expectCode(uploaded, status: 0, stderrContains: ["vigil: scan 3 refused: ", "ns.code-1", "vigil: uploaded 3 / 3"])
                    #expect(uploaded.stdout == "uploaded 3 scans: 2 recorded, 1 refused\n")
                    #expect(try F.pending(log).isEmpty, "the uploaded scans are still waiting")
                }
                let visits = try await node.stop(visitsAt: "gate-1", around: now)
                #expect(
                    Set(visits.map(\.person)) == ["code:sz/lh:\(F.subject(1).value)", "code:sz/lh:\(F.subject(2).value)"], "\(visits)")
                #expect(visits.count == 2)
                #expect(visits.first { $0.person.hasSuffix(F.subject(1).value) }?.checkpoint == "gate-a")
                #expect(visits.allSatisfy { abs($0.timeIn - now) <= 60 })
            }
        }

        /// `vigil code upload` promises that scans the node refuses are listed and the rest
        /// recorded. A logged scan whose place id the node does not accept (here a trailing space,
        /// as in a log written before `vigil code scan` checked ids) must not block the scans
        /// logged with it.
        @Test
        func aScanTheNodeCannotRecordDoesNotBlockTheOthers() async throws {
            try await withTemporaryNodeDirectory { directory in
                let list = try F.writeList([try F.key(F.lh)], to: directory, "device.json")
                let log = directory.appendingPathComponent("scans.jsonl")
                let now = Int64(Date().timeIntervalSince1970)
                try Self.scan([[try F.code(F.lh, "sz/lh", subject: 4, at: now)]], trusting: list, log: log, in: directory)
                let valid = try F.pending(log)
                // Written as `vigil code scan --place "gate-1 "` writes it.
                let bad = OfflineScan(token: try F.code(F.lh, "sz/lh", subject: 5, at: now), place: "gate-1 ", checkpoint: nil, time: now)
                try (try Data(contentsOf: log) + JSONEncoder().encode(bad) + Data([0x0A])).write(to: log)
                let node = try await Node.start(in: directory.appendingPathComponent("node"))
                var upload: VigilBinary.Run?
                try await node.running {
                    upload = try VigilBinary.run(["code", "upload", "--log", log.path, "--url", node.url, "--token", node.bearer], in: directory)
                }
                let visits = try await node.stop(visitsAt: "gate-1", around: now)
                let run = try #require(upload)
                #expect(
                    visits.map(\.person) == ["code:sz/lh:\(F.subject(4).value)"],
                    "the valid scan was not recorded; upload exit \(run.status), stderr: \(run.stderr)")
                #expect(!(try F.pending(log)).contains(valid[0]), "the valid scan is still waiting in the log")
            }
        }
    }
}

private func expectCode(
    _ run: VigilBinary.Run, status: Int32, stderrContains fragments: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(run.status == status, "exit \(run.status), want \(status); stderr: \(run.stderr)", sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(run.stderr.contains(fragment), "stderr \"\(run.stderr)\" lacks \"\(fragment)\"", sourceLocation: sourceLocation)
    }
    if status == 1 {
        #expect(run.stderr.hasPrefix("vigil: "), "stderr: \(run.stderr)", sourceLocation: sourceLocation)
    }
}
