import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import VigilLedger
import VigilStore

/// `vigil verify chain`: verifies a whole chain offline, from a tlog-tiles URL, a tlog-tiles
/// directory, or a node's SQLite database.
struct VerifyChain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chain",
        abstract: "Verify a whole chain: entries, hash tiles, root, replay and checkpoint quorum. Exit 0 = valid, 1 = invalid.",
        discussion: """
            --url reads a chain served in the C2SP tlog-tiles layout (<prefix>/checkpoint, \
            <prefix>/tile/...). --dir reads a directory in that layout (a checkpoint file and \
            tile/), or a node's SQLite database (a *.sqlite file, or a directory holding one), \
            whose every chain is verified (or only --origin) with every stored checkpoint. \
            Every entry must hash to its leaf in the hash tiles, every tile hash must be the root \
            of the tile below, the entries' root must equal each checkpoint's, every entry must \
            replay from the genesis (signatures, membership, rules), and each checkpoint must \
            meet the chain's quorum of cosignatures. --checkpoint pins a trusted checkpoint the \
            chain must be consistent with.
            """
    )

    @Option(help: "The chain's tlog-tiles prefix URL (http or https).") var url: String?
    @Option(help: "A tlog-tiles directory, a node's SQLite database, or a directory holding one.") var dir: String?
    @Option(help: "With a database: verify only the chain of this origin.") var origin: String?
    @Option(help: "A trusted checkpoint (signed note) the chain must be consistent with.") var checkpoint: String?
    @Flag(help: "Print a JSON report on standard output.") var json = false

    /// Problem lines printed on standard error at most.
    static let maxLines = 20
    /// Chains at least this long get progress lines on standard error.
    static let progressThreshold: UInt64 = 4096

    func validate() throws {
        guard (url == nil) != (dir == nil) else { throw ValidationError("give exactly one of --url and --dir") }
        if origin != nil, url != nil { throw ValidationError("--origin selects a chain of a node database; use it with --dir") }
        if origin != nil, let dir, TilesDirectoryChainSource.isTilesDirectory(dir) {
            throw ValidationError("--origin selects a chain of a node database; \(dir) is a tiles directory")
        }
    }

    func run() async throws {
        let pinned = try checkpoint.map { try IO.read($0, limit: Note.maxSize) }
        // A pinned checkpoint names the chain of a database to verify.
        let pinnedOrigin = pinned.flatMap { try? Checkpoint(text: Note(parsing: $0).text).origin }
        let sources = try await self.sources(origin: origin ?? pinnedOrigin)
        let verifier = ChainVerifier(pinned: pinned, progress: Self.progressPrinter())
        var reports: [ChainVerification] = []
        for source in sources { reports.append(await verifier.verify(source)) }
        for case let source as HTTPChainSource in sources { try? await source.client.shutdown() }
        if json {
            print(Self.json(reports))
        } else {
            for report in reports where report.isValid { print(Self.summary(report)) }
        }
        let failed = reports.filter { !$0.isValid }
        guard !failed.isEmpty else { return }
        var lines: [String] = []
        for report in failed {
            let prefix = reports.count > 1 ? "chain \(report.origin ?? report.source): " : ""
            lines += report.problems.map { prefix + $0.message }
            if report.moreProblems > 0 { lines.append(prefix + "and \(report.moreProblems) more problems") }
        }
        let shown = lines.prefix(Self.maxLines)
        var rest = shown.dropFirst().map { "  " + $0 }
        if lines.count > shown.count { rest.append("  ... and \(lines.count - shown.count) more lines") }
        throw Self.failure(first: shown.first ?? "verification failed", rest: rest)
    }

    /// Prints `vigil: first` then the other lines, and exits 1.
    static func failure(first: String, rest: [String]) -> ExitCode {
        IO.printError("vigil: " + first + (rest.isEmpty ? "" : "\n" + rest.joined(separator: "\n")))
        return ExitCode(1)
    }

    // MARK: Sources

    func sources(origin: String?) async throws -> [any ChainSource] {
        if let url {
            guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme),
                parsed.host != nil
            else { throw IO.failure("--url \(url) is not an http or https URL") }
            return [HTTPChainSource(prefix: url, client: HTTPChainSource.makeClient())]
        }
        let dir = self.dir!
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory) else { throw IO.failure("\(dir) does not exist") }
        let database: String
        if isDirectory.boolValue {
            if TilesDirectoryChainSource.isTilesDirectory(dir) {
                return [TilesDirectoryChainSource(path: dir)]
            }
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".sqlite") }.sorted()
            guard let only = files.first else {
                throw IO.failure("\(dir) has neither a checkpoint file (a tiles directory) nor a *.sqlite node database")
            }
            guard files.count == 1 else {
                throw IO.failure("\(dir) holds several databases (\(files.joined(separator: ", "))): give one with --dir")
            }
            database = dir + "/" + only
        } else {
            database = dir
        }
        return try await Self.storeSources(database, origin: origin)
    }

    static func storeSources(_ path: String, origin: String?) async throws -> [any ChainSource] {
        let store: SQLiteLedgerStore
        do {
            store = try SQLiteLedgerStore.openReadOnly(path: path)
        } catch let error as StoreError {
            throw IO.failure("cannot open \(path): \(error.message)")
        }
        var origins = try await store.origins()
        guard !origins.isEmpty else { throw IO.failure("\(path) holds no chains") }
        if let origin {
            guard origins.contains(origin) else {
                throw IO.failure("\(path) holds no chain \(origin) (it holds: \(origins.joined(separator: ", ")))")
            }
            origins = [origin]
        }
        var sources: [any ChainSource] = []
        for origin in origins {
            sources.append(
                LedgerStoreChainSource(
                    store: store, origin: origin, location: path, checkpointSizes: try await store.checkpointSizes(of: origin)))
        }
        return sources
    }

    // MARK: Output

    static func summary(_ report: ChainVerification) -> String {
        var lines = ["valid: chain \(report.origin ?? "?"): \(report.size) entries, root \(report.root.map(\.description) ?? "-")"]
        if let checkpoint = report.checkpoint {
            var line = "checkpoint: size \(checkpoint.size), cosigned by " + (report.cosigners.isEmpty ? "nobody" : report.cosigners.joined(separator: ", "))
            if report.checkpointsChecked > 1 { line += " (\(report.checkpointsChecked) checkpoints checked)" }
            lines.append(line)
        }
        let kinds = EntryKind.allCases.compactMap { kind in report.entriesByKind[kind].map { "\($0) \(kind.rawValue)" } }
        lines.append("entries: " + kinds.joined(separator: ", "))
        lines.append("source: \(report.source)")
        return lines.joined(separator: "\n")
    }

    static func json(_ reports: [ChainVerification]) -> String {
        let chains: [[String: Any]] = reports.map { report in
            var chain: [String: Any] = [
                "source": report.source,
                "valid": report.isValid,
                "complete": report.isComplete,
                "size": Int(report.size.rawValue),
                "entriesReplayed": report.entriesReplayed,
                "checkpointsChecked": report.checkpointsChecked,
                "cosigners": report.cosigners,
                "entriesByKind": Dictionary(uniqueKeysWithValues: report.entriesByKind.map { ($0.key.rawValue, $0.value) }),
                "problems": report.problems.map { problem -> [String: Any] in
                    var item: [String: Any] = ["message": problem.message]
                    if let entry = problem.entry { item["entry"] = Int(entry.rawValue) }
                    return item
                },
                "moreProblems": report.moreProblems,
            ]
            if let origin = report.origin { chain["origin"] = origin }
            if let root = report.root { chain["root"] = root.base64 }
            if let checkpoint = report.checkpoint {
                chain["checkpoint"] = ["size": Int(checkpoint.size.rawValue), "root": checkpoint.root.base64] as [String: Any]
            }
            return chain
        }
        let object: [String: Any] = ["valid": reports.allSatisfy(\.isValid), "chains": chains]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Progress lines on standard error for long chains, about every tenth.
    static func progressPrinter() -> @Sendable (UInt64, UInt64) -> Void {
        let last = Mutex<UInt64>(0)
        return { done, total in
            guard total >= progressThreshold else { return }
            let step = done * 10 / total
            let due = last.withLock { previous in
                guard step > previous else { return false }
                previous = step
                return true
            }
            if due { IO.printError("vigil: verified \(done) of \(total) entries") }
        }
    }
}

/// A chain served over HTTP in the C2SP tlog-tiles layout below `prefix`.
///
/// A failed connection or request is retried twice (after 0.5 and 1 s); an HTTP status is not.
struct HTTPChainSource: ChainSource {
    var prefix: String
    var client: HTTPClient
    /// Per request.
    static let timeout = TimeAmount.seconds(30)
    static let retryDelays: [Duration] = [.milliseconds(500), .seconds(1)]

    init(prefix: String, client: HTTPClient) {
        self.prefix = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        self.client = client
    }

    /// A client that fails at once when it cannot connect (AsyncHTTPClient's default keeps
    /// retrying until the request's deadline); shut it down after use.
    static func makeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(10)
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    var name: String { prefix }

    func checkpoints() async throws -> [[UInt8]] { [try await get("checkpoint", limit: Note.maxSize)] }

    func entryBundle(_ id: TileID) async throws -> [UInt8] {
        try await get(id.entriesPath, limit: TileID.fullWidth * (2 + Entry.maxSize))
    }

    func tile(_ id: TileID) async throws -> [UInt8] { try await get(id.path, limit: TileID.fullWidth * Hash.byteCount) }

    func get(_ path: String, limit: Int) async throws -> [UInt8] {
        var delays = Self.retryDelays[...]
        while true {
            do {
                return try await getOnce(path, limit: limit)
            } catch let failure as Retryable {
                guard let delay = delays.popFirst() else { throw failure.error }
                try await Task.sleep(for: delay)
            }
        }
    }

    /// A failure a retry may cure: no connection, or a broken one.
    struct Retryable: Error {
        var error: StoreError
    }

    /// One request: ``Retryable`` when the connection failed, ``StoreError`` for an HTTP status
    /// other than 200.
    func getOnce(_ path: String, limit: Int) async throws -> [UInt8] {
        let url = prefix + "/" + path
        let response: HTTPClientResponse
        do {
            response = try await client.execute(HTTPClientRequest(url: url), timeout: Self.timeout)
        } catch {
            throw Retryable(error: StoreError(.io, "cannot fetch \(url): \(error)"))
        }
        switch response.status.code {
        case 200: break
        case 404: throw StoreError(.notFound, "\(url): HTTP 404 Not Found")
        default: throw StoreError(.io, "\(url): HTTP \(response.status.code) \(response.status.reasonPhrase)")
        }
        do {
            let body = try await response.body.collect(upTo: limit)
            return Array(body.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw StoreError(.corrupt, "\(url) is larger than \(limit) bytes")
        } catch {
            throw Retryable(error: StoreError(.io, "\(url): cannot read the body (the connection broke): \(error)"))
        }
    }
}
