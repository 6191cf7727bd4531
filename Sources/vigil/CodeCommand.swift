import ArgumentParser
import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import VigilCodes
import VigilCommunity
import VigilLedger
import VigilStore

/// `vigil code`: health codes offline — the trust list from a chain, verifying a code or a QR
/// image, rendering one, and a checkpoint device that scans offline and uploads later.
struct CodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "code",
        abstract: "Health codes: trust lists, offline verification, QR images, offline scanning.",
        subcommands: [CodeTrustList.self, CodeVerify.self, CodeRender.self, CodeScan.self, CodeUpload.self]
    )

    /// The token given, or the one read from a QR image.
    static func token(_ token: String?, qr: String?) throws -> String {
        switch (token, qr) {
        case (let token?, nil): return token.trimmingCharacters(in: .whitespacesAndNewlines)
        case (nil, let qr?):
            let bytes = try IO.read(qr, limit: 32 << 20)
            do {
                let image = try PNGDecoder.decode(bytes)
                let matrix = try QRImageReader.read(image)
                let payload = try QRMatrixDecoder.decode(matrix)
                return String(decoding: payload, as: UTF8.self)
            } catch {
                throw IO.failure("\(qr): no health code could be read from the image: \(error)")
            }
        default: throw ValidationError("give exactly one of TOKEN and --qr IMAGE")
        }
    }

    static func trustList(_ path: String) throws -> TrustList {
        let bytes = try IO.read(path, limit: 16 << 20)
        do { return try TrustList(jwks: Data(bytes)) } catch { throw IO.failure("\(path) is not a valid trust list: \(error)") }
    }

    static func now(_ given: Int64?) -> Int64 { given ?? Int64(Date().timeIntervalSince1970) }
}

struct CodeTrustList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust-list",
        abstract: "Verify a chain and write the code-signing keys it accepted as a JWKS trust list.",
        discussion: """
            Every entry, tile and checkpoint of the chain is verified first (as `vigil verify chain`); \
            only a chain that verifies gives keys. With several --merge files, their keys are added \
            (a chain's key replaces a file's key of the same id).
            """
    )

    @Option(help: "The chain's tlog-tiles prefix URL (http or https).") var url: String?
    @Option(help: "A tlog-tiles directory, a node's SQLite database, or a directory holding one.") var dir: String?
    @Option(help: "With a database: the chain of this origin.") var origin: String?
    @Option(help: "Another trust list (JWKS) to merge in.") var merge: [String] = []
    @Option(help: "Where to write the JWKS (default: standard output).") var out: String?

    func run() async throws {
        var verify = try VerifyChain.parse((url.map { ["--url", $0] } ?? []) + (dir.map { ["--dir", $0] } ?? []) + (origin.map { ["--origin", $0] } ?? []))
        try verify.validate()
        let sources = try await verify.sources(origin: origin)
        let verifier = ChainVerifier(pinned: nil, progress: { _, _ in })
        var keys: [SigningKeyID: TrustList.Key] = [:]
        for file in merge { for key in try CodeCommand.trustList(file).keys { keys[key.id] = key } }
        var failures: [String] = []
        var fromChains = 0
        for source in sources {
            let report = await verifier.verify(source)
            guard report.isValid else {
                failures.append("chain \(report.origin ?? report.source) does not verify: \(report.problems.first?.message ?? "incomplete")")
                continue
            }
            for key in report.codeKeys {
                do {
                    let id = try SigningKeyID(key.kid)
                    keys[id] = try TrustList.Key(
                        id: id, region: try JurisdictionPath(key.region), publicKey: try .init(rawRepresentation: key.publicKey),
                        notBefore: key.notBefore, expires: key.notAfter)
                    fromChains += 1
                } catch {
                    // The chain accepted it, but no JWS verifier here could use it: say so, go on.
                    IO.printError("vigil: warning: chain \(report.origin ?? report.source): code key \(key.kid) cannot go in a trust list: \(error)")
                }
            }
        }
        for case let source as HTTPChainSource in sources { try? await source.client.shutdown() }
        guard failures.isEmpty else { throw VerifyChain.failure(first: failures[0], rest: Array(failures.dropFirst())) }
        let list: TrustList
        do { list = try TrustList(keys: keys.keys.sorted().map { keys[$0]! }) } catch { throw IO.failure("\(error)") }
        let json = list.jwksJSON()
        if let out {
            do { try Data(json).write(to: URL(fileURLWithPath: out)) } catch { throw IO.failure("cannot write \(out): \(IO.reason(error))") }
            IO.printError("vigil: wrote \(list.keys.count) keys (\(fromChains) from the chain) to \(out)")
        } else {
            print(String(decoding: json, as: UTF8.self))
        }
    }
}

struct CodeVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Verify a health code offline against a trust list: colour, region, validity.")

    @Argument(help: "The code (a compact JWS).") var token: String?
    @Option(help: "A PNG image of the code's QR code instead of the token.") var qr: String?
    @Option(name: .customLong("trust-list"), help: "The trust list (JWKS), e.g. from `vigil code trust-list`.") var trustList: String
    @Option(help: "Verify as at this Unix time (default: now).") var now: Int64?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let token = try CodeCommand.token(token, qr: qr)
        let verifier = HealthCodeVerifier(trustList: try CodeCommand.trustList(trustList))
        let code: VerifiedHealthCode
        do { code = try verifier.verify(token, now: CodeCommand.now(now)) } catch {
            throw IO.failure("the code does not verify: \(error)")
        }
        if json {
            let object: [String: Any] = [
                "colour": code.colour.rawValue, "region": code.region.description, "jurisdiction": code.jurisdiction.description,
                "issuedAt": code.issuedAt, "expiresAt": code.expiresAt, "kid": code.keyID.value, "subject": code.subject.value,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("\(code.colour): issued by \(code.region) (key \(code.keyID)) for \(code.jurisdiction), valid until \(code.expiresAt)")
        }
    }
}

struct CodeRender: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "render", abstract: "Write a code's QR code as SVG or PNG.")

    @Argument(help: "The code (a compact JWS), or any text.") var token: String
    @Option(help: "Output file; .png writes PNG, anything else SVG.") var out: String
    @Option(help: "Pixels per module.") var scale: Int = 4

    func run() throws {
        guard (1...64).contains(scale) else { throw ValidationError("--scale must be 1-64") }
        let code: QRCode
        do { code = try QRCode(text: token, errorCorrection: .medium) } catch { throw IO.failure("\(error)") }
        let bytes = out.lowercased().hasSuffix(".png") ? code.png(moduleSize: scale) : Array(code.svg(moduleSize: scale).utf8)
        do { try Data(bytes).write(to: URL(fileURLWithPath: out)) } catch { throw IO.failure("cannot write \(out): \(IO.reason(error))") }
        IO.printError("vigil: QR version \(code.version)-\(code.errorCorrection.rawValue), \(code.matrix.size)×\(code.matrix.size) modules, to \(out)")
    }
}

/// One scan a checkpoint device recorded offline: a line of its log.
struct OfflineScan: Codable {
    var token: String
    var place: String
    var checkpoint: String?
    var time: Int64
}

struct CodeScan: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "A checkpoint device offline: verify a code against the trust list and append the scan to a log.",
        discussion: "Upload the log later with `vigil code upload`. A code that does not verify is not logged (exit 1).")

    @Argument(help: "The code (a compact JWS).") var token: String?
    @Option(help: "A PNG image of the code's QR code instead of the token.") var qr: String?
    @Option(name: .customLong("trust-list"), help: "The trust list (JWKS).") var trustList: String
    @Option(help: "The place id of this checkpoint.") var place: String
    @Option(help: "This checkpoint's id.") var checkpoint: String?
    @Option(help: "The scan log (JSON lines), created if missing.") var log: String
    @Option(help: "The scan time as Unix seconds (default: now).") var now: Int64?

    func run() throws {
        let token = try CodeCommand.token(token, qr: qr)
        // What the node would refuse is refused here, before it goes in the log.
        do { _ = try Visit(person: "checked", place: try PlaceID(place), checkpoint: checkpoint, timeIn: 0) } catch let error as CommunityError {
            throw ValidationError("--\(error.field == "checkpoint" ? "checkpoint" : "place"): \(error.message)")
        }
        let time = CodeCommand.now(now)
        let verifier = HealthCodeVerifier(trustList: try CodeCommand.trustList(trustList))
        let code: VerifiedHealthCode
        do { code = try verifier.verify(token, now: time) } catch { throw IO.failure("the code does not verify: \(error)") }
        let line = try JSONEncoder().encode(OfflineScan(token: token, place: place, checkpoint: checkpoint, time: time)) + Data([0x0A])
        if !FileManager.default.fileExists(atPath: log) { FileManager.default.createFile(atPath: log, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: log) else { throw IO.failure("cannot open \(log) for appending") }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
            try handle.synchronize()
        } catch { throw IO.failure("cannot append to \(log): \(IO.reason(error))") }
        print("\(code.colour): \(code.region), valid until \(code.expiresAt); logged")
    }
}

struct CodeUpload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Upload a checkpoint's offline scan log to a node (POST /api/v1/scans/batch).",
        discussion: """
            The log is first renamed to LOG.sending and a new, empty LOG is created, so scans the \
            device records meanwhile go to the new LOG. Scans go in batches of up to 1,000 (and 2 MiB); after each batch the node has accepted, \
            LOG.sending is rewritten without it, so an interrupted upload resumes where it stopped \
            (the next upload sends LOG.sending first) and no scan is lost. A batch whose answer was \
            lost is sent again, so a scan can be recorded twice, never dropped. Scans the node \
            refuses (a code expired at scan time) are listed.
            """)

    @Option(help: "The scan log written by `vigil code scan`.") var log: String
    @Option(help: "The node's base URL, e.g. http://127.0.0.1:7400.") var url: String
    @Option(help: "A bearer token of a checkpoint user (`vigil token issue`).") var token: String

    func run() async throws {
        let sending = log + ".sending"
        let manager = FileManager.default
        let client = HTTPChainSource.makeClient()
        do {
            // What an interrupted upload left goes first; then the current log, moved aside.
            var any = false
            var total = (scans: 0, refused: 0)
            func add(_ counts: (scans: Int, refused: Int)) { total = (total.scans + counts.scans, total.refused + counts.refused) }
            if manager.fileExists(atPath: sending) {
                any = true
                add(try await upload(file: sending, client: client))
            }
            if manager.fileExists(atPath: log) {
                any = true
                do { try manager.moveItem(atPath: log, toPath: sending) } catch {
                    throw IO.failure("cannot move \(log) to \(sending): \(IO.reason(error))")
                }
                // A new, empty log for the scans to come (unless `vigil code scan` made one already).
                let fd = open(log, O_CREAT | O_EXCL | O_WRONLY, 0o644)
                if fd >= 0 { close(fd) }
                add(try await upload(file: sending, client: client))
            }
            if !any { throw IO.failure("cannot read \(log): no such file") }
            print("uploaded \(total.scans) scans: \(total.scans - total.refused) recorded, \(total.refused) refused")
        } catch {
            try? await client.shutdown()
            throw error
        }
        try? await client.shutdown()
    }

    /// Uploads the scans of `file`, rewriting it after each accepted batch and removing it at the end.
    func upload(file: String, client: HTTPClient) async throws -> (scans: Int, refused: Int) {
        let text = String(decoding: try IO.read(file, limit: 1 << 30), as: UTF8.self)
        var scans: [OfflineScan] = []
        for (i, line) in text.split(separator: "\n").enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            do { scans.append(try JSONDecoder().decode(OfflineScan.self, from: Data(line.utf8))) } catch {
                throw IO.failure("\(file):\(i + 1) is not a scan line")
            }
        }
        let refused = try await upload(scans, file: file, client: client)
        try? FileManager.default.removeItem(atPath: file)
        return (scans.count, refused)
    }

    /// Sends `scans` in batches; the number the node refused.
    func upload(_ scans: [OfflineScan], file log: String, client: HTTPClient) async throws -> Int {
        var sent = 0
        var refused = 0
        while sent < scans.count {
            // At most 1,000 scans and 2 MiB a batch, well under the node's 4 MiB body limit.
            var end = sent
            var bytes = 0
            while end < scans.count, end - sent < 1_000 {
                let size = scans[end].token.utf8.count + scans[end].place.utf8.count + (scans[end].checkpoint?.utf8.count ?? 0) + 64
                if end > sent, bytes + size > 2 << 20 { break }
                bytes += size
                end += 1
            }
            let batch = Array(scans[sent..<end])
            var request = HTTPClientRequest(url: url.trimmingCharacters(in: ["/"]) + "/api/v1/scans/batch")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(["scans": batch])))
            let response: HTTPClientResponse
            let body: ByteBuffer
            do {
                response = try await client.execute(request, timeout: .seconds(60))
                body = try await response.body.collect(upTo: 64 << 20)
            } catch {
                throw IO.failure("cannot reach \(url) after \(sent) of \(scans.count) scans (the rest stay in \(log)): \(error)")
            }
            guard response.status.code == 200 else {
                throw IO.failure("the node answered \(response.status.code) after \(sent) of \(scans.count) scans: \(String(buffer: body).prefix(300))")
            }
            struct Answer: Decodable {
                struct Result: Decodable {
                    var index: Int?
                    var result: String
                    var detail: String?
                }
                var recorded: Int
                var refused: Int
                var results: [Result]
            }
            let answer = try JSONDecoder().decode(Answer.self, from: Data(body.readableBytesView))
            for result in answer.results where result.result != "recorded" {
                IO.printError("vigil: scan \(sent + (result.index ?? 0) + 1) refused: \(result.detail ?? result.result)")
            }
            refused += answer.refused
            sent += batch.count
            let rest = scans[sent...].map { String(decoding: (try? JSONEncoder().encode($0)) ?? Data(), as: UTF8.self) }
            let remaining = rest.isEmpty ? "" : rest.joined(separator: "\n") + "\n"
            do { try Data(remaining.utf8).write(to: URL(fileURLWithPath: log), options: .atomic) } catch {
                throw IO.failure("uploaded \(sent) scans but cannot rewrite \(log): \(IO.reason(error))")
            }
            IO.printError("vigil: uploaded \(sent) / \(scans.count)")
        }
        return refused
    }
}

