import Crypto
import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore
import VigilCommunity
import VigilLedger
import VigilStore
import VigilSurveillance

/// The command centre and the public page (docs/web.md): server-rendered HTML with inline SVG
/// charts, no script.
///
/// A user logs in with an API token (`vigil token issue`); the session is that token in an
/// `HttpOnly`, `SameSite=Strict` cookie, checked on every request exactly as the API checks a
/// bearer token. Every panel is filled by calling the API's own handlers in process as that user
/// (``CommunityAPI/invoke(_:_:as:body:context:)``), so a panel shows what the user's role and
/// jurisdiction allow through the API, and reads of personal data are audited the same way.
/// Forms that change something carry a token derived from the session (`csrf`).
public struct CommandCentre: Sendable {
    public let api: CommunityAPI
    public let node: Node
    static let cookie = "vigil_session"
    static let purpose = "command-centre"

    public init(api: CommunityAPI, node: Node) {
        self.api = api
        self.node = node
    }

    public func register(on router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in Self.redirect("/console") }
        router.get("/login") { _, _ in Self.html(WebTemplates.render("login", ["title": "Log in", "node": node.setup.name])) }
        router.post("/login") { request, context in try await login(request, context) }
        router.post("/logout") { request, _ in try await logout(request) }
        router.get("/console") { request, context in try await console(request, context) }
        router.post("/console/votes") { request, context in try await vote(request, context) }
        router.get("/public") { request, _ in try await publicPage(request) }
        router.get("/public/proofs/**") { _, context in try await PublicBulletins(api: api, node: node).proof(context) }
        router.get("/public/policy") { _, _ in try await PublicBulletins(api: api, node: node).policy() }
    }

    // MARK: Sessions

    /// The session's caller, or nil when there is no valid session.
    func caller(_ request: Request) async -> (Caller, token: String)? {
        guard let token = Self.cookie(request, named: Self.cookie) else { return nil }
        return try? await (authenticate(token), token)
    }

    func authenticate(_ token: String) async throws -> Caller {
        var head = HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/console")
        head.headerFields[.authorization] = "Bearer \(token)"
        head.headerFields[HTTPField.Name("Vigil-Purpose")!] = Self.purpose
        return try await api.authenticate(Request(head: head, body: RequestBody(buffer: ByteBuffer())))
    }

    func login(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let form = try await Self.form(request)
        let token = (form["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            let caller = try await authenticate(token)
            try await api.audit(caller, "session.login", "console")
            return Self.redirect(
                "/console",
                cookie: "\(Self.cookie)=\(token); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(Self.maxAge(token, now: api.clock()))")
        } catch let problem as Problem {
            let page = WebTemplates.render(
                "login", ["title": "Log in", "node": node.setup.name, "flash": ["kind": "error", "text": "Not logged in: \(problem.detail)"]])
            return Self.html(page, status: .unauthorized)
        }
    }

    func logout(_ request: Request) async throws -> Response {
        let form = try await Self.form(request)
        if let (_, token) = await caller(request), form["csrf"] != Self.csrf(token) {
            throw Problem(.forbidden, "bad-form", "the form is stale: reload the page")
        }
        return Self.redirect("/login", cookie: "\(Self.cookie)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
    }

    /// Seconds until the token expires (its `exp`), at least 60, for the cookie's `Max-Age`.
    static func maxAge(_ token: String, now: Int64) -> Int64 {
        let parts = token.split(separator: ".")
        guard parts.count == 3, let payload = Base64URL.decode(String(parts[1])),
            let exp = (try? JSONValue(parsing: payload))?["exp"]?.doubleValue
        else { return 3600 }
        return max(60, Int64(exp) - now)
    }

    /// The form token of a session: forms that change something must carry it.
    static func csrf(_ token: String) -> String {
        SHA256.hash(data: Array("vigil/csrf/v1 \(token)".utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    // MARK: Console

    func console(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        guard let (caller, token) = await caller(request) else { return Self.redirect("/login") }
        let query = request.uri.queryParameters
        var page: [String: Any] = [
            "title": "Command centre", "node": node.setup.name, "user": caller.name, "role": caller.role.rawValue,
            "scope": caller.scope.description, "csrf": Self.csrf(token),
        ]
        if let text = query["flash"] { page["flash"] = ["kind": query["kind"] == "error" ? "error" : "ok", "text": String(text.prefix(300))] }
        var hidden: [String] = []
        var day = Self.today(api.clock())
        if let asked = query["day"].flatMap({ CivilDate(iso8601: $0) }) { day = asked }

        if AccessPolicy.allows(caller.role, .readReports) {
            page["situation"] = try await situation(caller, day: &day, fixed: query["day"] != nil)
        } else {
            hidden.append("situation, epidemic curve and Rt")
        }
        let (proposals, chains) = await chainPanels(caller, token: token)
        if AccessPolicy.allows(caller.role, .readCases) || AccessPolicy.allows(caller.role, .voteLedger) {
            page["showProposals"] = true
            page["proposals"] = proposals
            page["hasProposals"] = !proposals.isEmpty
        } else {
            hidden.append("proposals")
        }
        page["chains"] = chains

        var sections: [[String: Any]] = []
        for panel in panels(day: day) {
            let answer = await api.invoke(.get, panel.target, as: caller, context: context)
            if answer.status == 403 {
                hidden.append(panel.title.lowercased())
                continue
            }
            var section: [String: Any] = ["id": panel.id, "title": panel.title]
            if answer.ok {
                section["table"] = WebTable(panel.items(answer), columns: panel.columns, limit: panel.limit, empty: panel.empty).context
                if let note = panel.note?(answer) { section["note"] = note }
                let extras = await panel.extra?(answer, caller, context) ?? []
                section["extras"] = extras.map { ["title": $0.title, "table": $0.table.context] }
            } else {
                section["note"] = "Could not read: \(answer.problem ?? "status \(answer.status)")"
            }
            sections.append(section)
        }
        page["sections"] = sections
        page["hidden"] = hidden
        page["hasHidden"] = !hidden.isEmpty
        return Self.html(WebTemplates.render("console", page))
    }

    /// The risk map, the epidemic curve with its alarms and Rt, from the daily reports in the
    /// caller's scope. Without `fixed`, the picture ends on today or on the latest reported day
    /// if that is later (a simulated city may run ahead of the wall clock).
    func situation(_ caller: Caller, day: inout CivilDate, fixed: Bool) async throws -> [String: Any] {
        let records = try await api.store.allRecords(.dailyReport, in: caller.scope)
        let reports = records.compactMap { try? JSONDecoder().decode(DailyReport.self, from: Data($0.draft.body)) }
        if !fixed, let latest = reports.map(\.day).max(), latest > day { day = latest }
        let places = try await api.jurisdictions(in: caller.scope).filter { $0.path.level == .community }
        let picture = Situation.analyse(reports: reports, communities: places.map(\.path), through: day)
        let names = Dictionary(places.map { ($0.path, $0.name) }, uniquingKeysWith: { first, _ in first })
        let alarms = picture.days.filter(\.alarm).map { "\($0.date): \($0.confirmed) confirmed" }
        let rt = SVGCharts.reproductionNumber(picture.days)
        return [
            "day": day.description, "scope": caller.scope.description, "reportCount": reports.count,
            "riskMap": SVGCharts.riskMap(picture.communities, names: names), "curve": SVGCharts.epidemicCurve(picture.days),
            "rt": rt, "hasRt": !rt.isEmpty, "alarms": alarms, "hasAlarms": !alarms.isEmpty,
        ]
    }

    /// Proposals awaiting this node's vote on each of its chains, and each chain's stage,
    /// leader, final checkpoint, members with credits, orders with receipts and decided proposals.
    func chainPanels(_ caller: Caller, token: String) async -> (proposals: [[String: Any]], chains: [[String: Any]]) {
        let me = node.setup.name
        let canVote = AccessPolicy.allows(caller.role, .voteLedger)
        var proposals: [[String: Any]] = []
        var chains: [[String: Any]] = []
        for driver in node.chains {
            let state = await driver.committedState()
            let summary = ChainSummary(state)
            let slug = node.setup.chains.first { $0.origin == driver.origin }?.slug ?? ""
            let role = state.members[me]?.role
            for id in state.proposalOrder {
                guard let proposal = state.proposals[id], proposal.status == .pending, proposal.deadline > state.clock,
                    proposal.author != me, proposal.votes[me] == nil, role == .member || role == .supervisor
                else { continue }
                proposals.append([
                    "chain": driver.origin, "slug": slug, "id": id.hex, "index": proposal.index, "subject": proposal.subject.rawValue,
                    "author": proposal.author, "details": Self.details(proposal.payload), "approvers": proposal.approvers.joined(separator: ", "),
                    "canVote": canVote, "canVeto": canVote && role == .supervisor, "csrf": Self.csrf(token),
                ])
            }
            var chain: [String: Any] = [
                "origin": summary.origin, "stage": summary.stage, "leader": summary.leader, "size": summary.size,
                "members": summary.members.map { ["name": $0.name, "role": $0.role, "credit": $0.credit] },
            ]
            let orders = summary.orders.suffix(10).reversed().map { order -> [String: Any] in
                let missing = order.recipients.filter { !order.receipts.contains($0) }
                return [
                    "index": order.index, "text": order.text, "author": order.author, "receiptCount": order.receipts.count,
                    "recipientCount": order.recipients.count, "missing": missing.isEmpty ? false : missing.joined(separator: ", "),
                ]
            }
            chain["orders"] = Array(orders)
            chain["hasOrders"] = !orders.isEmpty
            let recent = summary.proposals.filter { $0.status != "pending" }.suffix(10).reversed().map { proposal -> [String: Any] in
                ["index": proposal.index, "subject": proposal.subject, "author": proposal.author, "status": proposal.status, "vetoedBy": proposal.vetoedBy ?? false]
            }
            chain["recent"] = Array(recent)
            chain["hasRecent"] = !recent.isEmpty
            if let stored = try? await node.store.latestCheckpoint(of: driver.origin), let note = try? Note(parsing: stored.note.bytes),
                let checkpoint = try? Checkpoint(text: note.text)
            {
                chain["checkpoint"] = ["size": Int(checkpoint.size.rawValue), "root": checkpoint.root.hex, "cosigners": note.signatures.count]
            }
            chains.append(chain)
        }
        return (proposals, chains)
    }

    /// A proposal's pseudonymous content in a few words.
    static func details(_ payload: ProposalPayload) -> String {
        switch payload {
        case .suspectedCase(let report): "\(report.syndrome) in \(report.community), onset \(report.onset), age \(report.ageBand)"
        case .alert(let alert): "\(alert.method) alarm in \(alert.community) on \(alert.date): \(alert.observed) \(alert.syndrome)"
        case .stage(let stage): "enter the \(stage.rawValue) stage"
        case .leader(let leader): "make \(leader) the leader"
        case .admitMember(let member): "admit \(member.name) as \(member.role.rawValue)"
        case .removeMember(let name): "remove \(name)"
        case .peerChain(let peer): "link the peer chain \(peer.origin)"
        case .codeKey(let key): "trust the health-code key \(key.kid) of \(key.region)"
        }
    }

    /// Endorse, reject or veto a proposal on one of the node's chains, signed by the node.
    func vote(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        guard let (caller, token) = await caller(request) else { return Self.redirect("/login") }
        let form = try await Self.form(request)
        guard form["csrf"] == Self.csrf(token) else { throw Problem(.forbidden, "bad-form", "the form is stale: reload the page") }
        guard AccessPolicy.allows(caller.role, .voteLedger) else { return Self.back("the role \(caller.role) may not vote", error: true) }
        guard let slug = form["chain"], node.chain(slug: slug) != nil else { return Self.back("no such chain", error: true) }
        guard let id = form["proposal"].flatMap({ try? Hash(hex: $0) }) else { return Self.back("no such proposal", error: true) }
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let (kind, body, action): (EntryKind, JSONValue, String)
        switch form["decision"] {
        case "endorse": (kind, body, action) = (.vote, .object(["proposal": .string(id.hex), "approve": true]), "ledger.approve")
        case "reject": (kind, body, action) = (.vote, .object(["proposal": .string(id.hex), "approve": false]), "ledger.reject")
        case "veto":
            guard !reason.isEmpty else { return Self.back("a veto needs a reason", error: true) }
            (kind, body, action) = (.veto, .object(["proposal": .string(id.hex), "reason": .string(String(reason.prefix(500)))]), "ledger.veto")
        default: return Self.back("choose endorse, reject or veto", error: true)
        }
        let ledger = CaseLedger(node: node, slug: slug, areaSecret: [])
        do {
            let (entry, refusals) = try await ledger.submit(kind, body: body, time: api.clock())
            guard refusals.isEmpty else { return Self.back("the chain refused it: \(refusals.joined(separator: "; "))", error: true) }
            try await api.audit(caller, action, "proposal/\(id.hex)->\(entry.hash.hex)")
            let verb = ["endorse": "Endorsed", "reject": "Rejected", "veto": "Vetoed"][form["decision"] ?? ""] ?? "Decided"
            return Self.back("\(verb) proposal \(id.hex.prefix(12))…: entry \(entry.hash.hex.prefix(12))… submitted", error: false)
        } catch let error as CaseLedger.Unavailable {
            return Self.back("the chain cannot take entries now: \(error.description)", error: true)
        }
    }

    // MARK: Panels

    /// One API-backed panel of the console.
    struct Panel {
        var id: String
        var title: String
        var target: String
        var columns: [(String, String)]?
        var empty: String
        var items: (APIAnswer) -> [[String: JSONValue]] = { $0.items }
        var limit = 50
        var note: ((APIAnswer) -> String?)?
        var extra: ((APIAnswer, Caller, BasicRequestContext) async -> [Extra])?
    }

    /// A titled table under a panel's own.
    struct Extra {
        var title: String
        var table: WebTable
    }

    /// `items` ordered by the value at `path` (a ``WebTable`` path): numbers by value, other
    /// values by their text; items without one last.
    static func sorted(_ items: [[String: JSONValue]], by path: String, descending: Bool = true) -> [[String: JSONValue]] {
        func key(_ item: [String: JSONValue]) -> (Double?, String)? {
            guard let value = WebTable.value(item, path), value != .null else { return nil }
            return (value.doubleValue, WebTable.text(value))
        }
        return items.map { ($0, key($0)) }.sorted { a, b in
            guard let x = a.1 else { return false }
            guard let y = b.1 else { return true }
            let before = if let u = x.0, let v = y.0 { u < v } else { x.1 < y.1 }
            let after = if let u = x.0, let v = y.0 { u > v } else { x.1 > y.1 }
            return descending ? after : before
        }.map(\.0)
    }

    /// The items of an answer to a list call, newest first by `path`.
    static func newest(_ path: String) -> (APIAnswer) -> [[String: JSONValue]] {
        { sorted($0.items, by: path) }
    }

    func panels(day: CivilDate) -> [Panel] {
        [
            Panel(
                id: "reports", title: "Daily reports", target: "/reports?day=\(day)",
                columns: [
                    ("community", "community"), ("status", "status"), ("zero report", "isZeroReport"), ("confirmed", "counts.newConfirmed"),
                    ("suspected", "counts.newSuspected"), ("contacts", "counts.newCloseContacts"), ("follow-up", "counts.contactsUnderFollowUp"),
                    ("quarantined", "counts.quarantined"),
                ],
                empty: "No report for \(day) yet.", items: { $0.json?["reports"]?.arrayValue?.compactMap(\.objectValue) ?? [] },
                note: { answer in
                    let missing = answer.json?["missing"]?.arrayValue?.compactMap(\.stringValue) ?? []
                    return missing.isEmpty ? "Every community has reported for \(day)." : "Not reported for \(day): \(missing.joined(separator: ", "))"
                }),
            Panel(
                id: "supplies", title: "Supplies", target: "/supplies/stock",
                columns: [
                    ("site", "site.community ?? site.depot|{} (depot)"), ("item", "item"), ("on hand", "onHand"), ("reserve", "reserve"),
                    ("daily use", "cover.dailyConsumption|1dp"), ("days of cover", "cover.daysOfCover|1dp ?? 'no use'"),
                    ("stock-out", "cover.stockOutDay"), ("need", "need"), ("unmet need", "unmetNeed"), ("needed by", "neededBy"),
                ],
                empty: "No stock recorded.", items: { Self.sorted($0.items, by: "cover.daysOfCover", descending: false) }, limit: 100,
                note: { answer in
                    guard let cover = answer.items.first?["cover"] else { return nil }
                    return "Days of cover of the regular stock (the reserve is not counted) at the use of the \(WebTable.text(cover["windowDays"])) days "
                        + "to \(WebTable.text(cover["asOf"])); the shortest first."
                },
                extra: { _, caller, context in
                    var extras: [Extra] = []
                    let requests = await api.invoke(.get, "/supplies/requests?limit=1000", as: caller, context: context)
                    if requests.ok {
                        let columns = [
                            ("community", "record.community"), ("item", "record.item"), ("status", "record.status"), ("requested", "record.history[0].quantity"),
                            ("granted", "record.history[status=approved].quantity ?? record.history[status=partiallyApproved].quantity"),
                            ("shipped", "record.history[status=shipped].quantity"), ("received", "record.history[status=received].quantity"),
                            ("filed", "record.history[0].at|time"), ("last step", "record.history[-1].at|time"), ("why", "record.history[-1].reason"),
                        ]
                        extras.append(
                            Extra(
                                title: "Recent supply requests",
                                table: WebTable(Self.sorted(requests.items, by: "record.history[-1].at"), columns: columns, limit: 15, empty: "No supply request.")))
                    }
                    let allocations = await api.invoke(.get, "/supplies/allocations?limit=1000", as: caller, context: context)
                    if allocations.ok {
                        let columns = [
                            ("item", "record.item"), ("from", "record.source.stock ?? record.source.shipment|a shipment of {} units"),
                            ("allocated", "record.allocated"), ("left", "record.remaining"), ("unmet need", "record.totalNeed"),
                            ("shares", "record.shares[*]|{community}: {quantity} ({risk})"), ("by", "record.by"), ("at", "record.at|time"),
                        ]
                        extras.append(
                            Extra(
                                title: "Recent allocations",
                                table: WebTable(Self.sorted(allocations.items, by: "record.at"), columns: columns, limit: 10, empty: "No allocation applied.")))
                    }
                    return extras
                }),
            Panel(
                id: "referrals", title: "Referrals and hospital occupancy", target: "/referrals?limit=1000",
                columns: [
                    ("stage", "record.steps[-1].stage"), ("outcome", "record.steps[-1].outcome"), ("from clinic", "record.clinic"),
                    ("to hospital", "record.hospital"), ("referred", "record.steps[0].at|time"), ("admitted", "record.steps[stage=admission].at|time"),
                    ("last step", "record.steps[-1].at|time"),
                ],
                empty: "No referrals.", items: Self.newest("record.steps[0].at"),
                extra: { answer, caller, context in
                    let hospitals = Set(answer.items.compactMap { $0["record"]?["hospital"]?.stringValue }).sorted()
                    var rows: [[String: JSONValue]] = []
                    for hospital in hospitals.prefix(10) {
                        let capacity = await api.invoke(.get, "/hospitals/\(Self.percent(hospital))/capacity", as: caller, context: context)
                        if var object = capacity.json?.objectValue {
                            object["hospital"] = object["hospital"] ?? .string(hospital)
                            rows.append(object)
                        }
                    }
                    let columns = [("hospital", "hospital"), ("occupied", "occupied"), ("total", "total"), ("free", "free")]
                    return rows.isEmpty ? [] : [Extra(title: "Hospital beds", table: WebTable(rows, columns: columns, empty: ""))]
                }),
            Panel(
                id: "tasks", title: "Volunteer tasks", target: "/tasks?limit=1000",
                columns: [
                    ("kind", "record.kind"), ("status", "record.steps[-1].stage"), ("volunteer", "record.steps[volunteer=*].volunteer"),
                    ("area", "record.location"), ("priority", "record.priority"), ("created", "record.steps[0].at|time"),
                    ("last step", "record.steps[-1].at|time"), ("note", "record.note"),
                ],
                empty: "No volunteer tasks.", items: Self.newest("record.steps[-1].at")),
            Panel(
                id: "resident-orders", title: "Resident orders", target: "/orders?limit=1000",
                columns: [
                    ("status", "record.steps[-1].stage"), ("household", "record.household"), ("items", "record.lines[*]|{quantity} × {goods}"),
                    ("on behalf", "record.onBehalf"), ("placed", "record.steps[0].at|time"), ("delivered", "record.steps[stage=delivered].at|time"),
                    ("confirmed by", "record.steps[stage=delivered].confirmedBy"),
                ],
                empty: "No resident orders.", items: Self.newest("record.steps[0].at")),
            Panel(
                id: "activations", title: "Emergency-plan activations", target: "/plans/activations?limit=1000",
                columns: [
                    ("plan", "record.plan"), ("level", "record.level"), ("event type", "record.eventType"), ("scope", "record.scope"),
                    ("activated on", "record.activatedOn"), ("last held on", "record.lastHeldOn"), ("open", "record.open"),
                    ("ended on", "record.endedOn"), ("superseded by", "record.supersededBy"), ("reasons", "record.reasons[*].text"),
                ],
                empty: "No plan has been activated.", items: Self.newest("record.activatedOn")),
        ]
    }

    // MARK: Public page

    func publicPage(_ request: Request) async throws -> Response {
        try await PublicBulletins(api: api, node: node).page(request)
    }

    // MARK: Helpers

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                HTTPField.Name("Content-Security-Policy")!: "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(_ location: String, cookie: String? = nil) -> Response {
        var headers: HTTPFields = [.location: location, .cacheControl: "no-store"]
        if let cookie { headers[.setCookie] = cookie }
        return Response(status: .seeOther, headers: headers)
    }

    /// Back to the console with a message.
    static func back(_ message: String, error: Bool) -> Response {
        redirect("/console?kind=\(error ? "error" : "ok")&flash=\(percent(message))")
    }

    static func percent(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// The value of a cookie.
    static func cookie(_ request: Request, named name: String) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces)
                if pair.hasPrefix(name + "=") { return String(pair.dropFirst(name.count + 1)) }
            }
        }
        return nil
    }

    /// An `application/x-www-form-urlencoded` body (at most 64 KiB).
    static func form(_ request: Request) async throws -> [String: String] {
        let bytes = try await NodeRoutes.collect(request, limit: 64 << 10)
        var fields: [String: String] = [:]
        for pair in String(decoding: bytes, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    static func today(_ now: Int64) -> CivilDate {
        CivilDate(daysSinceEpoch: Int((Double(now) / 86_400).rounded(.down)))
    }
}
