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

    /// The numbers on the output line that starts with `prefix`, in order.
    static func figures(after prefix: String, in output: String) throws -> [Int] {
        let line = try #require(output.split(separator: "\n").first { $0.contains(prefix) }, "the output lacks \"\(prefix)\"")
        return line.components(separatedBy: prefix).last!.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
    }

    /// The token of `user` in the demo's `logins.txt`.
    static func token(_ user: String, in directory: URL) throws -> String {
        let lines = try String(contentsOf: directory.appendingPathComponent("logins.txt"), encoding: .utf8).split(separator: "\n")
        let index = try #require(lines.firstIndex { $0.hasPrefix(user + " ") })
        return lines[index + 2].trimmingCharacters(in: .whitespaces)
    }

    /// The running demo's command centre and public page in headless Chromium, as the CDC
    /// officer logs in with the token the demo printed; screenshots of each page.
    static func browse(_ base: String, token: String) async throws {
        try await Browser.run { browser in
            try await browser.open("\(base)/login")
            try await browser.type(token, into: try await browser.element("textarea#token"))
            try await browser.screenshot("demo-1-login")
            try await browser.click(try await browser.element("button#login"))
            var at = ""
            let landed = try await browser.eventually {
                at = try await browser.currentURL()
                return at == "\(base)/console"
            }
            #expect(landed, "the login did not land on /console but on \(at)")
            #expect(try await browser.title() == "Command centre · Vigil")
            let who = try await browser.text(try await browser.element("header .who"))
            #expect(who.contains("cdc.officer (cdc, vc/d1)"), "\(who)")

            // The situation: a tile per community on the risk map, the curve from the 32 reports.
            #expect(try await browser.text(try await browser.element("#situation h2")).contains("from 60 daily reports"))
            let map = try await browser.element("#risk-map svg")
            #expect(try await browser.isDisplayed(map))
            let mapSize = try await browser.size(map)
            #expect(mapSize.width > 100 && mapSize.height > 30, "the risk map is \(mapSize)")
            var tiles: [String] = []
            for tile in try await browser.elements("#risk-map g.risk") { tiles.append(try await browser.attribute("data-community", of: tile) ?? "") }
            #expect(tiles.sorted() == ["vc/d1/s1/c1", "vc/d1/s1/c2"], "\(tiles)")
            let curve = try await browser.element("#epidemic-curve svg")
            let curveSize = try await browser.size(curve)
            #expect(curveSize.width > 300 && curveSize.height > 80, "the epidemic curve is \(curveSize)")
            #expect(try await !browser.elements("#epidemic-curve rect.bar").isEmpty, "the curve has no bars")

            // The chains panel: the district's chain and both communities', each with its stage.
            var origins: [String] = []
            for chain in try await browser.elements("#chains .chain") {
                origins.append(try await browser.attribute("data-origin", of: chain) ?? "")
                #expect(try await !browser.text(try await browser.element(".stage", in: chain)).isEmpty)
            }
            #expect(origins.sorted() == ["vigil.local/d1", "vigil.local/d1/c1", "vigil.local/d1/c2"], "\(origins)")
            try await browser.screenshot("demo-2-console")

            // The public page: the bulletins table, 14 days × 2 communities.
            try await browser.click(try await browser.element("header nav a[href=\"/public\"]"))
            let moved = try await browser.eventually {
                at = try await browser.currentURL()
                return at == "\(base)/public"
            }
            #expect(moved, "the link did not lead to /public but to \(at)")
            #expect(try await browser.title() == "Public bulletins · Vigil")
            #expect(try await browser.elements("section.bulletin-day").count == 14)
            let rows = try await browser.elements("tr.bulletin")
            #expect(rows.count == 28)
            let first = try #require(rows.first)
            #expect(try await browser.isDisplayed(first))
            #expect(try await browser.elements("td", in: first).count == 7)
            #expect(try await browser.text(try await browser.element("section.bulletin-day thead")).contains("confirmed"))
            try await browser.screenshot("demo-3-public")
        }
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
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = try VigilBinary.location.get()
        process.arguments = [
            "demo", "--days", "30", "--residents", "800", "--communities", "2", "--speed", "0", "--data-dir", data.path, "--port", "\(port)",
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
            "== Vigil demo: 800 residents", "nodes started as separate processes", "the committees import their residents", "day 30/30",
            "== final checkpoints", "community-c1:", "community-c2:", "district:", "token: ",
            // Seed 1's outbreak: the plans take the district chain into the alert, then the
            // response stage, whose orders go out; codes turn red and yellow; the services run.
            "emergency plan district-ili-iv: activated", "the CDC proposes the alert stage", "emergency plan district-ili-ii: activated",
            "the CDC proposes the response stage", "orders of the response stage on the district chain", "referrals to the designated hospital:",
            "resident orders placed",
        ] {
            #expect(stdout.contains(line), "the output lacks \"\(line)\"")
        }
        let issued = try Self.figures(after: "health codes issued: ", in: stdout)
        #expect(issued.count >= 3 && issued[2] > 0, "no red code was issued: \(issued)")
        let standing = try Self.figures(after: "codes of the residents in quarantine or isolation today: ", in: stdout)
        #expect(standing.count >= 3 && standing[1] > 0 && standing[2] > 0, "no yellow or red code at the end: \(standing)")

        // The command centre as the CDC officer: the district's situation and its chains.
        let base = "http://127.0.0.1:\(port)"
        let login = try await Self.fetch("\(base)/login", form: "token=" + (try Self.token("cdc.officer", in: data)))
        #expect(login.status == 303)
        let cookie = try #require(login.headers["Set-Cookie"].first?.split(separator: ";").first.map(String.init))
        let console = try await Self.fetch("\(base)/console", cookie: cookie)
        #expect(console.status == 200)
        #expect(console.text.contains("id=\"epidemic-curve\"") && console.text.contains("from 60 daily reports"), "\(console.text.prefix(2000))")
        for community in ["vc/d1/s1/c1", "vc/d1/s1/c2"] { #expect(console.text.contains("data-community=\"\(community)\"")) }
        for origin in ["vigil.local/d1/c1", "vigil.local/d1/c2", "vigil.local/d1"] { #expect(console.text.contains("data-origin=\"\(origin)\"")) }
        #expect(console.text.contains("Every community has reported"), "a community's daily report is missing")
        #expect(console.text.contains("wet markets and schools close"), "the response stage's orders are not on the console")

        // The district chain, as any node serves it: in the response stage, with its orders.
        let district = try await Self.fetch("\(base)/node/v1/chains/district/state")
        let state = try JSONSerialization.jsonObject(with: Data(district.text.utf8)) as? [String: Any]
        #expect(state?["stage"] as? String == "response", "\(district.text.prefix(300))")
        let orders = state?["orders"] as? [[String: Any]] ?? []
        #expect(orders.count >= 4 && orders.allSatisfy { $0["author"] as? String == "health.commission" }, "\(orders)")

        // The public page: 14 days × 2 communities of published reports.
        let bulletins = try await Self.fetch("\(base)/public")
        #expect(bulletins.text.components(separatedBy: "class=\"bulletin\"").count - 1 == 28)

        // The same pages in a real browser, with screenshots (skipped without chromium and chromedriver).
        if let reason = Browser.unavailable {
            print("skipping the browser part of the demo test: \(reason)")
        } else {
            do {
                try await Self.browse(base, token: try Self.token("cdc.officer", in: data))
            } catch {
                Issue.record(error, "the demo in the browser")
            }
        }

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
