import ArgumentParser
import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import VigilCodes
import VigilCommunity
import VigilLedger
import VigilServer
import VigilStore

/// `vigil bench codes`: health codes on this machine (issue 8). Offline verification and signing
/// per core beside the Ed25519 rates measured in the same run; issuance and scans over HTTP
/// against a `vigil serve` process on loopback driven by `wrk`; and an overload run far past the
/// admission limit, driven by a built-in closed-loop load generator that times admitted and
/// refused requests apart, then checks that every admitted scan's visit was written.
struct CodesBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codes",
        abstract: "Health-code issuance and verification, over HTTP with wrk and under overload, beside the Ed25519 rates."
    )

    @Option(help: "Persons in the node's colour directory.") var persons: Int = 20_000
    @Option(help: "Seconds per HTTP run.") var duration: Int = 10
    @Option(help: "wrk connections for the capacity runs.") var connections: Int = 64
    @Option(help: "Connections of the overload run (default: 10 × the node's capacity in connections, see --overload-limit).")
    var overloadConnections: Int?
    @Option(help: "The node's admission limit for the capacity runs.") var admissionLimit: Int = 64
    @Option(
        help: """
            The node's admission limit for the overload run (default: its capacity in connections — the fewest \
            wrk connections that reach 90% of the best scan rate).
            """)
    var overloadLimit: Int?
    @Option(help: "Seconds per run of the scan-capacity sweep.") var sweepSeconds: Int = 4
    @Option(help: "Repetitions of the offline measurements (median reported).") var repetitions: Int = 5
    @Option(help: "The wrk executable.") var wrk: String = "/usr/bin/wrk"
    @Option(help: "The nginx executable for the machine's ceiling of an HTTP answer (skipped when absent).") var nginx: String = "/usr/sbin/nginx"
    @Option(help: "Keep the node's files here (default: a new temporary directory, removed after).") var dir: String?

    func run() async throws {
        #if DEBUG
        say("warning: debug build; run `swift run -c release vigil bench codes` for meaningful numbers")
        #endif
        guard persons > 0, duration > 0, connections > 0, overloadConnections ?? 1 > 0, admissionLimit > 0, overloadLimit ?? 1 > 0, sweepSeconds > 0
        else {
            throw ValidationError("counts must be positive")
        }
        guard FileManager.default.isExecutableFile(atPath: wrk) else {
            throw IO.failure("\(wrk) is not an executable (install Debian's wrk: apt-get install wrk, or pass --wrk)")
        }
        try offline()
        try await overHTTP()
    }

    // MARK: Offline

    /// Verification and issuance on one core beside raw Ed25519 on the same bytes.
    func offline() throws {
        say("== offline, one core (medians of \(repetitions))")
        let key = Curve25519.Signing.PrivateKey()
        let region = try JurisdictionPath("sz/ft")
        let issuer = try HealthCodeIssuer(region: region, keyID: try SigningKeyID("bench.code-1"), privateKey: key)
        let verifier = HealthCodeVerifier(trustList: try TrustList(keys: [try issuer.trustListKey(notBefore: 0, expires: 4_000_000_000)]))
        let now = Int64(Date().timeIntervalSince1970)
        let secret = SymmetricKey(data: [UInt8](repeating: 1, count: 32))
        let count = 2_000
        let subjects = (0..<count).map { Pseudonym.derived(from: "bench-\($0)", areaSecret: secret) }
        let jurisdiction = try JurisdictionPath("sz/ft/s1/c1")
        let tokens = try subjects.map { try issuer.issue(subject: $0, jurisdiction: jurisdiction, colour: .green, now: now) }
        // The raw work on the same bytes: each token's signing input and signature.
        let parts = tokens.map { token -> ([UInt8], Data) in
            let dot = token.lastIndex(of: ".")!
            return (Array(token[..<dot].utf8), Data(Base64URL.decode(String(token[token.index(after: dot)...]))!))
        }
        let publicKey = key.publicKey
        var verifyRatios: [Double] = []
        var verifyRates: [Double] = []
        var rawVerify: [Double] = []
        var signRatios: [Double] = []
        var signRates: [Double] = []
        var rawSign: [Double] = []
        for _ in 0..<repetitions {
            let raw = Timing.rate(work: Double(count)) { for (input, signature) in parts { blackHole(publicKey.isValidSignature(signature, for: input)) } }
            let ours = Timing.rate(work: Double(count)) { for token in tokens { blackHole(try! verifier.verify(token, now: now)) } }
            rawVerify.append(raw)
            verifyRates.append(ours)
            verifyRatios.append(ours / raw)
            let rawS = Timing.rate(work: Double(count)) { for (input, _) in parts { blackHole(try! key.signature(for: input)) } }
            let oursS = Timing.rate(work: Double(count)) {
                for subject in subjects { blackHole(try! issuer.issue(subject: subject, jurisdiction: jurisdiction, colour: .green, now: now)) }
            }
            rawSign.append(rawS)
            signRates.append(oursS)
            signRatios.append(oursS / rawS)
        }
        let sha = Timing.median((0..<3).map { _ in Limit.sha256.once() })
        let loop = Limit.plainLoop.once()
        say("   limits: SHA-256/64B \(Timing.format(sha)), plain loop \(Timing.format(loop)), cores \(ProcessInfo.processInfo.activeProcessorCount)")
        say("   token: \(tokens[0].utf8.count) bytes; QR \(try QRCode(text: tokens[0]).version)-M")
        say("| offline, one core | rate | limit (same bytes) | limit rate | ratio |")
        say("|---|---:|---|---:|---:|")
        say("| verify a code (parse, signature, claims, trust list) | \(Timing.format(Timing.median(verifyRates))) | Ed25519 verify | \(Timing.format(Timing.median(rawVerify))) | \(pct(Timing.median(verifyRatios))) |")
        say("| issue a code (claims, JSON, signature) | \(Timing.format(Timing.median(signRates))) | Ed25519 sign | \(Timing.format(Timing.median(rawSign))) | \(pct(Timing.median(signRatios))) |")
    }

    // MARK: Over HTTP

    func overHTTP() async throws {
        let directory = try dir ?? Demo.temporaryDirectory()
        let name = "codes.node"
        guard let port = Demo.freePortRange(from: 7600, count: 1) else { throw IO.failure("no free port above 7600") }
        let keys = try IO.checking("write the node") {
            try Network.writeSingleChain(to: directory, origin: "vigil.local/codes", slug: "codes", names: [name], host: "127.0.0.1", basePort: port)
        }
        // The node's configuration, with health codes.
        let configPath = "\(directory)/\(name).json"
        var configuration = try JSONDecoder().decode(NodeConfiguration.self, from: Data(contentsOf: URL(fileURLWithPath: configPath)))
        var codes = NodeConfiguration.Codes(region: "sz/ft")
        codes.admissionLimit = admissionLimit
        codes.refreshSeconds = 3_600
        configuration.codes = codes
        try Data(try configuration.encoded()).write(to: URL(fileURLWithPath: configPath))

        // Persons and users, written before the node starts.
        say("== node: \(persons) persons, admission limit \(admissionLimit), in \(directory)")
        let store = try SQLiteCommunityStore(path: "\(directory)/data/\(name).sqlite")
        var drafts: [PersonDraft] = []
        for i in 0..<persons {
            var draft = PersonDraft(name: "Bench \(i)", household: try JurisdictionPath("sz/ft/s\(i % 10)/c\(i % 50)/g1/b\(i % 200)/h\(i % 5000)"))
            draft.id = try PersonID(Self.personID(i))
            drafts.append(draft)
        }
        _ = try await store.insertPersons(drafts)
        let staff = UserRecord(name: "bench.staff", role: .community, jurisdiction: try JurisdictionPath("sz/ft"), createdAt: 0)
        let gate = UserRecord(name: "bench.gate", role: .checkpoint, jurisdiction: try JurisdictionPath("sz/ft"), createdAt: 0)
        try await store.saveUser(staff)
        try await store.saveUser(gate)
        let tokens = try await APITokens(nodeKey: keys[name]!)
        let now = Int64(Date().timeIntervalSince1970)
        let staffToken = try await tokens.issue(for: staff, lifetime: 3_600, now: now)
        let gateToken = try await tokens.issue(for: gate, lifetime: 3_600, now: now)

        let network = try LocalNetwork(directory: directory, executable: LocalNetwork.currentExecutable, serveArguments: ["--log-level", "error"])
        do {
            try network.start(name)
            try await network.waitReady()
            let base = "http://127.0.0.1:\(port)"
            try await waitForDirectory(base: base, token: staffToken)
            let codeTokens = try await issueSome(base: base, token: staffToken, count: 200)

            say("== issuance over HTTP: wrk, 1 thread, \(connections) connections, \(duration) s")
            let issue = try runWrk(
                url: base, script: Self.issueScript(bearer: staffToken, persons: persons), connections: connections, in: directory)
            say("   \(issue.summary)")
            say("== scans over HTTP: wrk, 1 thread, \(connections) connections, \(duration) s")
            let before = try await status(base: base, token: staffToken)
            let scans = try runWrk(url: base, script: Self.scanScript(bearer: gateToken, tokens: codeTokens), connections: connections, in: directory)
            say("   \(scans.summary)")

            // The node's capacity in connections: the fewest that reach 90% of the best scan rate.
            say("== scan capacity: wrk, 1 thread, 1 to 32 connections, \(sweepSeconds) s each")
            var sweep: [(connections: Int, result: WrkResult)] = []
            for c in [1, 2, 4, 8, 16, 32] {
                let result = try runWrk(
                    url: base, script: Self.scanScript(bearer: gateToken, tokens: codeTokens), connections: c, seconds: sweepSeconds, in: directory)
                say("   \(c) connections: \(result.summary)")
                sweep.append((c, result))
            }
            sweep.append((connections, scans))
            let best = sweep.map(\.result.rate).max() ?? 0
            let knee = sweep.first { $0.result.rate >= 0.9 * best }?.connections ?? connections
            var after = try await drained(base: base, token: staffToken)
            let admittedA = sweep.reduce(0) { $0 + $1.result.ok }
            let writtenA = after.visitsWritten - before.visitsWritten
            say("   capacity: \(Timing.format(best)) scans/s, reached with \(knee) connections; visits written \(writtenA) for \(admittedA) scans answered 200")

            // Overload: the node restarted with its admission limit at that capacity, 10× the connections.
            let limit = overloadLimit ?? knee
            let offered = overloadConnections ?? 10 * limit
            await network.stopAll()
            configuration.codes?.admissionLimit = limit
            try Data(try configuration.encoded()).write(to: URL(fileURLWithPath: configPath))
            try network.start(name)
            try await network.waitReady()
            try await waitForDirectory(base: base, token: staffToken)
            say("== overload: \(offered) connections of scans, \(duration) s, admission limit \(limit)")
            let load = try await LoadGenerator.run(
                port: port, connections: offered, seconds: duration,
                request: Self.scanRequest(bearer: gateToken, tokens: codeTokens, port: port))
            say("   \(load.summary)")
            after = try await drained(base: base, token: staffToken)
            let writtenB = after.visitsWritten
            say("   visits written: \(writtenB) for \(load.ok) admitted scans; backlog \(after.backlog); server still running: \(network.isRunning(name))")
            say("   admission counters: \(after.admitted) admitted, \(after.rejected) refused")
            let (rss, peak) = NetworkBench.memory(pid: network.pid(name) ?? 0)
            say("   node memory: \(rss / 1024) MiB resident, \(peak / 1024) MiB peak")
            let answered = Double(load.ok + load.refused + load.other) / load.seconds

            // The refusal path alone, driven by wrk: the node restarted with an admission limit of
            // one, so nearly every scan is refused; then the machine's ceiling for an HTTP answer.
            await network.stopAll()
            configuration.codes?.admissionLimit = 1
            try Data(try configuration.encoded()).write(to: URL(fileURLWithPath: configPath))
            try network.start(name)
            try await network.waitReady()
            try await waitForDirectory(base: base, token: staffToken)
            say("== refusals alone: wrk, 1 thread, \(offered) connections, \(duration) s, admission limit 1")
            let refusals = try runWrk(
                url: base, script: Self.scanScript(bearer: gateToken, tokens: codeTokens), connections: offered, in: directory)
            say("   \(refusals.summary)")
            await network.stopAll()
            say("== the machine's ceiling for an HTTP answer: nginx (2 workers) answering 503 + Retry-After, wrk, 1 thread, \(offered) connections, \(duration) s")
            let ceiling = try runNginx(connections: offered, in: directory)
            say("   \(ceiling?.summary ?? "skipped: \(nginx) is not an executable (apt-get install nginx-light, or pass --nginx)")")
            say("")
            say("| over HTTP | rate | p50 | p99 | goal |")
            say("|---|---:|---:|---:|---|")
            say("| issue codes (wrk, \(connections) connections) | \(Timing.format(issue.rate)) | \(ms(issue.p50)) | \(ms(issue.p99)) | ≥ 20 k/s, p99 < 50 ms |")
            say("| scans (wrk, \(connections) connections) | \(Timing.format(scans.rate)) | \(ms(scans.p50)) | \(ms(scans.p99)) | — |")
            say("| scans at capacity (wrk, \(knee) connections) | \(Timing.format(sweep.first { $0.connections == knee }!.result.rate)) | \(ms(sweep.first { $0.connections == knee }!.result.p50)) | \(ms(sweep.first { $0.connections == knee }!.result.p99)) | — |")
            say("| overload: scans admitted (\(offered) connections, limit \(limit)) | \(Timing.format(Double(load.ok) / load.seconds)) | \(ms(load.okP50)) | \(ms(load.okP99)) | p99 < 100 ms |")
            say("| overload: scans refused 503 + Retry-After | \(Timing.format(Double(load.refused) / load.seconds)) | \(ms(load.refusedP50)) | \(ms(load.refusedP99)) | < 5 ms |")
            say("| refusals alone (wrk, \(offered) connections, limit 1) | \(Timing.format(refusals.rate)) | \(ms(refusals.p50)) | \(ms(refusals.p99)) | — |")
            if let ceiling {
                say("| limit: nginx answering 503 (wrk, \(offered) connections) | \(Timing.format(ceiling.rate)) | \(ms(ceiling.p50)) | \(ms(ceiling.p99)) | — |")
                say("10× the capacity rate is \(Timing.format(10 * best)); the machine answers at most \(Timing.format(ceiling.rate)) of the cheapest HTTP exchange (\(pct(10 * best / max(ceiling.rate, 1))) of it would be needed)")
            }
            say("overload: \(offered) connections = \(String(format: "%.0f", Double(offered) / Double(knee)))× the capacity's \(knee); answers \(Timing.format(answered)) = \(String(format: "%.1f", answered / max(best, 1)))× the capacity rate; other statuses \(load.other), connection errors \(load.errors); lost visits \(max(0, admittedA - writtenA) + max(0, load.ok - writtenB))")
        } catch {
            IO.printError(network.logTail(name))
            await network.stopAll()
            throw IO.failure("the benchmark stopped: \(error)")
        }
        await network.stopAll()
        if dir == nil { try? FileManager.default.removeItem(atPath: directory) }
    }

    static func personID(_ i: Int) -> String { String(format: "bench-%07d", i) }

    // MARK: Node calls

    struct Status: Decodable {
        var persons: Int
        var backlog: Int
        var visitsWritten: Int
        var admitted: Int
        var rejected: Int
    }

    func status(base: String, token: String) async throws -> Status {
        let (code, body) = try await HTTPCall.request("GET", "\(base)/api/v1/codes/status", token: token)
        guard code == 200 else { throw IO.failure("codes/status answered \(code): \(String(decoding: body, as: UTF8.self).prefix(200))") }
        return try JSONDecoder().decode(Status.self, from: Data(body))
    }

    /// The node's status once its recorder holds nothing (at most 30 s).
    func drained(base: String, token: String) async throws -> Status {
        var current = try await status(base: base, token: token)
        for _ in 0..<300 where current.backlog > 0 {
            try await Task.sleep(for: .milliseconds(100))
            current = try await status(base: base, token: token)
        }
        return current
    }

    func waitForDirectory(base: String, token: String) async throws {
        for _ in 0..<600 {
            if (try? await status(base: base, token: token))?.persons == persons { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw IO.failure("the node's colour directory never held the \(persons) persons")
    }

    func issueSome(base: String, token: String, count: Int) async throws -> [String] {
        var tokens: [String] = []
        for i in 0..<count {
            let body = Array(#"{"person":"\#(Self.personID(i * 7 % persons))"}"#.utf8)
            let (code, answer) = try await HTTPCall.request("POST", "\(base)/api/v1/codes", token: token, body: body)
            guard code == 200, let object = try JSONSerialization.jsonObject(with: Data(answer)) as? [String: Any], let code = object["token"] as? String
            else { throw IO.failure("issuing a code answered \(code)") }
            tokens.append(code)
        }
        return tokens
    }

    // MARK: wrk

    struct WrkResult {
        var rate: Double
        var p50: Double
        var p99: Double
        var ok: Int
        var summary: String
    }

    static func issueScript(bearer: String, persons: Int) -> String {
        """
        local n = 0
        request = function()
          n = n + 1
          local body = string.format('{"person":"bench-%07d"}', (n * 7919) % \(persons))
          return wrk.format("POST", "/api/v1/codes", {["Authorization"] = "Bearer \(bearer)", ["Content-Type"] = "application/json"}, body)
        end
        \(statusCounter)
        """
    }

    static func scanScript(bearer: String, tokens: [String]) -> String {
        let list = tokens.map { "\"\($0)\"" }.joined(separator: ",\n")
        return """
            local tokens = {\(list)}
            local n = 0
            request = function()
              n = n + 1
              local body = string.format('{"token":"%s","place":"gate-%d"}', tokens[(n % #tokens) + 1], n % 100)
              return wrk.format("POST", "/api/v1/scans", {["Authorization"] = "Bearer \(bearer)", ["Content-Type"] = "application/json"}, body)
            end
            \(statusCounter)
            """
    }

    /// Counts 200 answers in each wrk thread and prints the total at the end (wrk itself counts
    /// only the answers that are not 2xx or 3xx).
    static let statusCounter = """
        local threads = {}
        setup = function(thread) table.insert(threads, thread) end
        ok = 0
        response = function(status, headers, body)
          if status == 200 then ok = ok + 1 end
        end
        done = function(summary, latency, requests)
          local total = 0
          for _, thread in ipairs(threads) do total = total + thread:get("ok") end
          io.write(string.format("vigil-ok %d\\n", total))
        end
        """

    func runWrk(url: String, script: String, connections: Int, seconds: Int? = nil, in directory: String) throws -> WrkResult {
        let path = "\(directory)/bench-\(UUID().uuidString.prefix(8)).lua"
        try Data(script.utf8).write(to: URL(fileURLWithPath: path))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wrk)
        process.arguments = ["-t1", "-c\(connections)", "-d\(seconds ?? duration)s", "--latency", "-s", path, url]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw IO.failure("wrk failed:\n\(output)") }
        func value(after label: String) -> String? {
            output.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) }
                .map { $0.trimmingCharacters(in: .whitespaces).dropFirst(label.count).trimmingCharacters(in: .whitespaces) }
        }
        let rate = Double(value(after: "Requests/sec:") ?? "") ?? 0
        let p50 = Self.seconds(value(after: "50%") ?? "")
        let p99 = Self.seconds(value(after: "99%") ?? "")
        let ok = Int(value(after: "vigil-ok") ?? "") ?? 0
        let non2xx = value(after: "Non-2xx or 3xx responses:") ?? "0"
        let errors = value(after: "Socket errors:") ?? "none"
        return WrkResult(
            rate: rate, p50: p50, p99: p99, ok: ok,
            summary: "\(Timing.format(rate)), latency p50 \(ms(p50)), p99 \(ms(p99)); 200: \(ok), non-2xx: \(non2xx), socket errors: \(errors)")
    }

    /// wrk against nginx answering every request with a fixed 503 and `Retry-After` — the cheapest
    /// HTTP exchange this machine makes, the physical limit of the overload runs; nil without nginx.
    func runNginx(connections: Int, in directory: String) throws -> WrkResult? {
        guard FileManager.default.isExecutableFile(atPath: nginx) else { return nil }
        guard let port = Demo.freePortRange(from: 7700, count: 1) else { throw IO.failure("no free port above 7700 for nginx") }
        let root = "\(directory)/nginx"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let config = """
            worker_processes 2;
            daemon off;
            pid \(root)/nginx.pid;
            error_log \(root)/error.log;
            events { worker_connections \(max(1024, 2 * connections)); }
            http {
              access_log off;
              keepalive_requests 1000000000;
              client_body_temp_path \(root); proxy_temp_path \(root); fastcgi_temp_path \(root); uwsgi_temp_path \(root); scgi_temp_path \(root);
              server {
                listen 127.0.0.1:\(port);
                location / { add_header Retry-After 1 always; return 503 '{"status":503}'; }
              }
            }
            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: "\(root)/nginx.conf"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: nginx)
        process.arguments = ["-c", "\(root)/nginx.conf", "-p", root, "-e", "\(root)/error.log"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        // Ready when it listens.
        var ready = false
        for _ in 0..<50 where !ready {
            Thread.sleep(forTimeInterval: 0.1)
            ready = !Demo.portFree(port)
        }
        guard ready else { throw IO.failure("nginx did not listen on port \(port); see \(root)/error.log") }
        return try runWrk(url: "http://127.0.0.1:\(port)", script: "", connections: connections, in: directory)
    }

    /// wrk's latency text (`812.00us`, `1.23ms`, `2.00s`) in seconds.
    static func seconds(_ text: String) -> Double {
        let units: [(String, Double)] = [("us", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60)]
        for (unit, scale) in units where text.hasSuffix(unit) {
            return (Double(text.dropLast(unit.count)) ?? .nan) * scale
        }
        return .nan
    }

    static func scanRequest(bearer: String, tokens: [String], port: Int) -> @Sendable (Int) -> (HTTPRequestHead, ByteBuffer) {
        let bodies = tokens.map { ByteBuffer(string: #"{"token":"\#($0)","place":"gate-overload"}"#) }
        return { i in
            let body = bodies[i % bodies.count]
            let head = HTTPRequestHead(
                version: .http1_1, method: .POST, uri: "/api/v1/scans",
                headers: [
                    "Host": "127.0.0.1:\(port)", "Authorization": "Bearer \(bearer)", "Content-Type": "application/json",
                    "Content-Length": String(body.readableBytes),
                ])
            return (head, body)
        }
    }

    func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
    func pct(_ ratio: Double) -> String { String(format: "%.0f%%", ratio * 100) }
    func ms(_ seconds: Double) -> String { seconds.isNaN ? "—" : String(format: "%.2f ms", seconds * 1000) }
}

/// The benchmark's few control calls to the node.
enum HTTPCall {
    static func request(_ method: String, _ url: String, token: String, body: [UInt8]? = nil) async throws -> (Int, [UInt8]) {
        let client = HTTPChainSource.makeClient()
        do {
            var request = HTTPClientRequest(url: url)
            request.method = HTTPMethod(rawValue: method)
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: body))
            }
            let response = try await client.execute(request, timeout: .seconds(30))
            let bytes = try await response.body.collect(upTo: 16 << 20)
            try? await client.shutdown()
            return (Int(response.status.code), Array(bytes.readableBytesView))
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
