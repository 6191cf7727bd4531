import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import vigil

/// `vigil demo` end to end, as a user runs it: the city's nodes as separate processes, the
/// simulated days, the command centre and the public page of the running demo, then Ctrl-C.
@Suite(.serialized) struct CityDemoTests {
    static let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    static func fetch(_ url: String, cookie: String? = nil, form: String? = nil) async throws -> (status: Int, headers: HTTPHeaders, text: String) {
        var request = HTTPClientRequest(url: url)
        if let cookie { request.headers.add(name: "Cookie", value: cookie) }
        if let form {
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: form))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), response.headers, String(buffer: try await response.body.collect(upTo: 32 << 20)))
    }

    /// The token of `user` in the demo's `logins.txt`.
    static func token(_ user: String, in directory: URL) throws -> String {
        let lines = try String(contentsOf: directory.appendingPathComponent("logins.txt"), encoding: .utf8).split(separator: "\n")
        let index = try #require(lines.firstIndex { $0.hasPrefix(user + " ") })
        return lines[index + 2].trimmingCharacters(in: .whitespaces)
    }

    @Test func theDemoRunsACityThroughItsNodesAndServesTheCommandCentreUntilInterrupted() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("net")
        // Ports away from the 7400 range other tests' networks take by default.
        let firstPort = try #require(Demo.freePortRange(from: Int.random(in: 41000...50000), count: 9))
        let port = firstPort + 8
        let output = directory.appendingPathComponent("stdout")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = try VigilBinary.location.get()
        process.arguments = [
            "demo", "--days", "16", "--residents", "800", "--communities", "2", "--speed", "0", "--data-dir", data.path, "--port", "\(port)",
            "--base-port", "\(firstPort)",
        ]
        process.currentDirectoryURL = directory
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = process.standardOutput
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        // Wait for the simulation to end (the demo then keeps serving).
        var stdout = ""
        let deadline = ContinuousClock.now + .seconds(600)
        while ContinuousClock.now < deadline, process.isRunning {
            stdout = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if stdout.contains("The nodes keep running") { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        if !process.isRunning { stdout = (try? String(contentsOf: output, encoding: .utf8)) ?? "" }
        try #require(stdout.contains("The nodes keep running"), "the demo did not finish its days:\n\(stdout.suffix(3000))")
        for line in [
            "== Vigil demo: 800 residents", "nodes started as separate processes", "the committees import their residents", "day 16/16",
            "== final checkpoints", "community-c1:", "community-c2:", "district:", "token: ",
        ] {
            #expect(stdout.contains(line), "the output lacks \"\(line)\"")
        }

        // The command centre as the CDC officer: the district's situation and its chains.
        let base = "http://127.0.0.1:\(port)"
        let login = try await Self.fetch("\(base)/login", form: "token=" + (try Self.token("cdc.officer", in: data)))
        #expect(login.status == 303)
        let cookie = try #require(login.headers["Set-Cookie"].first?.split(separator: ";").first.map(String.init))
        let console = try await Self.fetch("\(base)/console", cookie: cookie)
        #expect(console.status == 200)
        #expect(console.text.contains("id=\"epidemic-curve\"") && console.text.contains("from 32 daily reports"), "\(console.text.prefix(2000))")
        for community in ["vc/d1/s1/c1", "vc/d1/s1/c2"] { #expect(console.text.contains("data-community=\"\(community)\"")) }
        for origin in ["vigil.local/d1/c1", "vigil.local/d1/c2", "vigil.local/d1"] { #expect(console.text.contains("data-origin=\"\(origin)\"")) }
        #expect(console.text.contains("Every community has reported"), "a community's daily report is missing")

        // The public page: 14 days × 2 communities of published reports.
        let bulletins = try await Self.fetch("\(base)/public")
        #expect(bulletins.text.components(separatedBy: "class=\"bulletin\"").count - 1 == 28)

        // Ctrl-C: the demo stops its nodes and exits.
        process.interrupt()
        let stopped = ContinuousClock.now + .seconds(60)
        while process.isRunning, ContinuousClock.now < stopped { try await Task.sleep(for: .milliseconds(200)) }
        #expect(!process.isRunning, "the demo did not stop on SIGINT")
        let final = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        #expect(final.contains("stopped. Verify a node's chains offline"), "\(final.suffix(500))")
        await #expect(throws: (any Error).self) { _ = try await Self.fetch("\(base)/public") }

        // Every chain in the CDC's database verifies offline.
        let verified = try VigilBinary.run(["verify", "chain", "--dir", data.appendingPathComponent("data/cdc.district.sqlite").path], in: directory)
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.components(separatedBy: "valid: chain").count - 1 == 3, "\(verified.stdout)")
    }
}
