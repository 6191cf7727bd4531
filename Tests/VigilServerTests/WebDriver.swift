import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

// Shared by two test targets: Tests/vigilTests/WebDriver.swift is a symbolic link to this file
// (a test target cannot import another, and the library targets need no HTTP client for it).

/// Headless Chromium driven through `chromedriver` with the W3C WebDriver protocol (JSON over
/// HTTP, https://www.w3.org/TR/webdriver2/): the browser tests of the command centre.
///
/// ``run(_:)`` starts `chromedriver` as a child process on a port the system chooses, opens a
/// session, and always ends both. Screenshots go to ``screenshots``.
final class Browser {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// An element of the current page, by its WebDriver reference.
    struct Element: CustomStringConvertible {
        let reference: String
        let selector: String
        var description: String { "element \(selector)" }
    }

    /// The element reference key of the WebDriver protocol.
    static let elementKey = "element-6066-11e4-a52e-4f735466cecf"
    static let client = HTTPClient(eventLoopGroupProvider: .singleton)

    /// The browser and its driver, found on `PATH` (Debian's `chromium` and `chromium-driver`).
    static let chromium = executable(["chromium", "chromium-browser", "google-chrome"])
    static let chromedriver = executable(["chromedriver"])

    /// Why no browser test can run here, or nil when the browser and its driver are installed.
    static let unavailable: String? = {
        var missing: [String] = []
        if chromium == nil { missing.append("chromium") }
        if chromedriver == nil { missing.append("chromedriver") }
        if missing.isEmpty { return nil }
        return "\(missing.joined(separator: " and ")) not found on PATH (Debian: apt-get install chromium chromium-driver)"
    }()

    /// Where screenshots go: `$VIGIL_SCREENSHOTS`, else `.build/screenshots` in the package.
    static let screenshots: URL = {
        if let directory = ProcessInfo.processInfo.environment["VIGIL_SCREENSHOTS"], !directory.isEmpty {
            return URL(fileURLWithPath: directory, isDirectory: true)
        }
        // This file is <package>/Tests/<target>/WebDriver.swift.
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/screenshots", isDirectory: true)
    }()

    static func executable(_ names: [String]) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in names {
            for directory in path.split(separator: ":") {
                let candidate = directory + "/" + name
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }

    let driver: Process
    let workspace: URL
    let endpoint: String
    let session: String

    private init(driver: Process, workspace: URL, endpoint: String, session: String) {
        self.driver = driver
        self.workspace = workspace
        self.endpoint = endpoint
        self.session = session
    }

    // MARK: Lifetime

    /// Runs `body` with a new browser; ends the session and `chromedriver` however `body` ends.
    static func run<T>(_ body: (Browser) async throws -> T) async throws -> T {
        let browser = try await start()
        do {
            let result = try await body(browser)
            await browser.quit()
            return result
        } catch {
            await browser.quit()
            throw error
        }
    }

    static func start() async throws -> Browser {
        guard let chromium, let chromedriver else { throw Failure(description: unavailable ?? "no browser") }
        let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-webdriver-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        let log = workspace.appendingPathComponent("chromedriver.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let driver = Process()
        driver.executableURL = URL(fileURLWithPath: chromedriver)
        driver.arguments = ["--port=0"]  // the system chooses a free port; chromedriver prints it
        driver.standardOutput = try FileHandle(forWritingTo: log)
        driver.standardError = driver.standardOutput
        try driver.run()

        func stopDriver() async {
            await terminate(driver)
            try? FileManager.default.removeItem(at: workspace)
        }
        do {
            // "ChromeDriver was started successfully on port 43701."
            var port: Int?
            let deadline = ContinuousClock.now + .seconds(30)
            while port == nil, driver.isRunning, ContinuousClock.now < deadline {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                if let range = text.range(of: "started successfully on port ") {
                    port = Int(text[range.upperBound...].prefix { $0.isNumber })
                }
                if port == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            guard let port else {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                throw Failure(description: "chromedriver did not start: \(text.suffix(1000))")
            }
            let endpoint = "http://127.0.0.1:\(port)"
            let options: [String: Any] = [
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1600"],
            ]
            let capabilities: [String: Any] = [
                "browserName": "chrome", "goog:chromeOptions": options, "timeouts": ["pageLoad": 60_000, "script": 10_000],
            ]
            let created = try await Self.command(endpoint, .POST, "/session", ["capabilities": ["alwaysMatch": capabilities]])
            guard let session = (created as? [String: Any])?["sessionId"] as? String else {
                throw Failure(description: "new session: no sessionId in \(String(describing: created))")
            }
            return Browser(driver: driver, workspace: workspace, endpoint: endpoint, session: session)
        } catch {
            await stopDriver()
            throw error
        }
    }

    /// Ends the session (which closes Chromium), then chromedriver.
    func quit() async {
        _ = try? await Self.command(endpoint, .DELETE, "/session/\(session)", nil)
        await Self.terminate(driver)
        try? FileManager.default.removeItem(at: workspace)
    }

    static func terminate(_ process: Process) async {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    // MARK: Protocol

    /// Sends one WebDriver command; answers its `value`, or throws the error the driver reports.
    static func command(_ endpoint: String, _ method: HTTPMethod, _ path: String, _ body: [String: Any]?) async throws -> Any? {
        var request = HTTPClientRequest(url: endpoint + path)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        let response = try await client.execute(request, timeout: .seconds(120))
        let bytes = Data(Array(buffer: try await response.body.collect(upTo: 64 << 20)))
        let answer = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any]
        let value = answer?["value"]
        if response.status != .ok {
            let error = (value as? [String: Any])?["error"] as? String ?? "HTTP \(response.status.code)"
            let message = ((value as? [String: Any])?["message"] as? String ?? String(decoding: bytes.prefix(500), as: UTF8.self))
                .split(separator: "\n").first.map(String.init) ?? ""
            throw Failure(description: "WebDriver \(method) \(path): \(error): \(message)")
        }
        return value is NSNull ? nil : value
    }

    @discardableResult
    func command(_ method: HTTPMethod, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        try await Self.command(endpoint, method, "/session/\(session)" + path, method == .POST ? (body ?? [:]) : nil)
    }

    // MARK: Navigation

    func open(_ url: String) async throws { try await command(.POST, "/url", ["url": url]) }
    func refresh() async throws { try await command(.POST, "/refresh") }
    func title() async throws -> String { try await command(.GET, "/title") as? String ?? "" }
    func currentURL() async throws -> String { try await command(.GET, "/url") as? String ?? "" }

    /// The cookies of the current page, including `HttpOnly` ones (which scripts cannot read).
    func cookies() async throws -> [[String: Any]] { try await command(.GET, "/cookie") as? [[String: Any]] ?? [] }

    /// Polls `condition` until it holds or `timeout` passes; answers whether it held.
    func eventually(timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }

    // MARK: Elements

    /// The elements matching a CSS selector, in document order (inside `parent` when given).
    func elements(_ selector: String, in parent: Element? = nil) async throws -> [Element] {
        let path = parent.map { "/element/\($0.reference)/elements" } ?? "/elements"
        let found = try await command(.POST, path, ["using": "css selector", "value": selector]) as? [[String: Any]] ?? []
        return found.compactMap { ($0[Self.elementKey] as? String).map { Element(reference: $0, selector: selector) } }
    }

    /// The first element matching `selector`; throws when there is none.
    func element(_ selector: String, in parent: Element? = nil) async throws -> Element {
        guard let first = try await elements(selector, in: parent).first else {
            throw Failure(description: "no element matches \(selector) on \(try await currentURL())")
        }
        return first
    }

    /// The first element matching `selector` once there is one; throws after `timeout`.
    func waitFor(_ selector: String, timeout: Duration = .seconds(30)) async throws -> Element {
        var found: Element?
        _ = try await eventually(timeout: timeout) {
            found = try await elements(selector).first
            return found != nil
        }
        guard let found else { throw Failure(description: "no element matches \(selector) on \(try await currentURL()) after \(timeout)") }
        return found
    }

    /// The rendered text of an element (what a reader sees, not the markup).
    func text(_ element: Element) async throws -> String {
        try await command(.GET, "/element/\(element.reference)/text") as? String ?? ""
    }

    func attribute(_ name: String, of element: Element) async throws -> String? {
        try await command(.GET, "/element/\(element.reference)/attribute/\(name)") as? String
    }

    func isDisplayed(_ element: Element) async throws -> Bool {
        try await command(.GET, "/element/\(element.reference)/displayed") as? Bool ?? false
    }

    /// The element's laid-out size in CSS pixels.
    func size(_ element: Element) async throws -> (width: Double, height: Double) {
        let rect = try await command(.GET, "/element/\(element.reference)/rect") as? [String: Any] ?? [:]
        return (Self.number(rect["width"]) ?? 0, Self.number(rect["height"]) ?? 0)
    }

    /// A JSON number as decoded by `JSONSerialization` (an `Int`, a `Double` or an `NSNumber`).
    static func number(_ value: Any?) -> Double? {
        switch value {
        case let value as Int: Double(value)
        case let value as Double: value
        case let value as NSNumber: value.doubleValue
        default: nil
        }
    }

    func click(_ element: Element) async throws { try await command(.POST, "/element/\(element.reference)/click") }

    /// Types `text` into a form field, as keystrokes.
    func type(_ text: String, into element: Element) async throws {
        try await command(.POST, "/element/\(element.reference)/value", ["text": text])
    }

    // MARK: Screenshots

    /// Saves a PNG of the whole page as `<screenshots>/<name>.png` and prints its path. The window
    /// grows to the page's height for the shot (at most 12,000 pixels), then shrinks back.
    @discardableResult
    func screenshot(_ name: String) async throws -> URL {
        let height = (try? await command(.POST, "/execute/sync", ["script": "return document.documentElement.scrollHeight", "args": []]))
            .flatMap(Self.number).map { Int($0) }
        let grown = height.map { $0 > 1600 } ?? false
        if grown, let height { try await command(.POST, "/window/rect", ["width": 1280, "height": min(height + 140, 12_000)]) }
        let encoded = try await command(.GET, "/screenshot") as? String ?? ""
        if grown { try await command(.POST, "/window/rect", ["width": 1280, "height": 1600]) }
        guard let png = Data(base64Encoded: encoded), png.starts(with: [0x89, 0x50, 0x4E, 0x47]) else {
            throw Failure(description: "the screenshot \(name) is not a PNG")
        }
        try FileManager.default.createDirectory(at: Self.screenshots, withIntermediateDirectories: true)
        let file = Self.screenshots.appendingPathComponent(name + ".png")
        try png.write(to: file)
        print("screenshot: \(file.path)")
        return file
    }
}
