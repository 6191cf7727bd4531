import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import VigilCommunity
import VigilLedger
import VigilServer
import VigilStore
import VigilSurveillance
import VigilTestSupport

/// The command centre and the public page over real HTTP on the four-node community chain of
/// ``CaseLedgerTests``: login by token into a cookie session, the panels by role, the charts from
/// daily reports, a one-click endorsement that reaches the chain, and the bulletins.
@Suite(.serialized) struct CommandCentreTests {
    /// A client that does not follow redirects, so the tests see each 303 and its cookie.
    static let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    struct Page {
        var status: Int
        var headers: HTTPHeaders
        var text: String
        var location: String? { headers["Location"].first }
    }

    static func send(_ method: HTTPMethod, _ url: String, cookie: String? = nil, form: [(String, String)]? = nil) async throws -> Page {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let cookie { request.headers.add(name: "Cookie", value: cookie) }
        if let form {
            let body = form.map { "\(percent($0.0))=\(percent($0.1))" }.joined(separator: "&")
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(20))
        let body = try await response.body.collect(upTo: 16 << 20)
        return Page(status: Int(response.status.code), headers: response.headers, text: String(buffer: body))
    }

    static func percent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }

    /// Logs in with `token`: answers the session cookie.
    static func login(_ site: CaseLedgerTests.Site, token: String) async throws -> String {
        let answer = try await send(.POST, "\(site.node.url)/login", form: [("token", token)])
        #expect(answer.status == 303 && answer.location == "/console", "\(answer.status) \(answer.text.prefix(300))")
        let cookie = try #require(answer.headers["Set-Cookie"].first)
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "\(cookie)")
        return String(cookie.prefix { $0 != ";" })
    }

    /// The value of the first `name="csrf"` field on a page.
    static func csrf(_ page: String) throws -> String {
        let marker = "name=\"csrf\" value=\""
        let start = try #require(page.range(of: marker)).upperBound
        return String(page[start...].prefix { $0 != "\"" })
    }

    /// A report of `community` for `day` with `confirmed` cases, taken through review to `status`.
    static func report(
        _ store: any CommunityStore, _ community: String, _ day: CivilDate, confirmed: Int, suspected: Int = 0, status: DailyReport.Status
    ) async throws {
        var report = try DailyReport(
            community: try JurisdictionPath(community), day: day, counts: .init(newSuspected: suspected, newConfirmed: confirmed),
            isZeroReport: confirmed == 0 && suspected == 0, by: "staff.a", at: 0)
        if status >= .submitted { try report.submit(by: "staff.a", at: 1) }
        if status >= .approved { try report.approve(by: "staff.b", at: 2) }
        if status >= .published { try report.publish(by: "staff.b", at: 3) }
        _ = try await store.insertRecord(
            RecordDraft(
                kind: .dailyReport, id: "\(community)@\(day)", jurisdiction: try JurisdictionPath(community),
                body: Array(try JSONEncoder().encode(report)), time: 0))
    }

    @Test func staffLogInSeeTheSituationAndEndorseAProposalWithOneClick() async throws {
        let (_, sites) = try await CaseLedgerTests.start()
        defer { Task { try? await CaseLedgerTests.stop(sites) } }
        let committee = sites["community.a"]!, hill = sites["clinic.hill"]!
        let url = committee.node.url

        // Two communities; c1 has a growing outbreak over 30 days, c2 only zero reports.
        let admin = try await committee.platform.token("admin.a", .admin, "sz/ft")
        for (path, name) in [(CaseLedgerTests.c1, "Riverside"), ("sz/ft/s1/c2", "Hillview")] {
            let added = try await committee.platform.call(.POST, "/jurisdictions", token: admin, json: ["path": path, "name": name])
            #expect(added.status == 201, "\(added.text)")
        }
        let today = CivilDate(daysSinceEpoch: Int(Date().timeIntervalSince1970) / 86_400)
        for back in 0..<30 {
            let day = today.addingDays(-back)
            let confirmed = back < 15 ? 2 + (15 - back) : (back % 5 == 0 ? 1 : 0)
            try await Self.report(committee.store, CaseLedgerTests.c1, day, confirmed: confirmed, suspected: confirmed + 1, status: .approved)
            try await Self.report(committee.store, "sz/ft/s1/c2", day, confirmed: 0, status: .approved)
        }

        // A referral admitted to a hospital with two beds.
        let ward = try await committee.platform.token("ward.east", .hospital, "sz/ft")
        #expect(try await committee.platform.call(.PUT, "/hospitals/hosp-east/capacity", token: ward, json: ["total": 2]).status == 201)
        let referredPerson = try await CaseLedgerTests.person(committee, "Zhao Lei", nationalID: nil)
        let doctor = try await committee.platform.token("dr.a", .clinician, CaseLedgerTests.c1)
        let referral = try await committee.platform.call(
            .POST, "/referrals", token: doctor, json: ["person": referredPerson, "clinic": "clinic-hill", "hospital": "hosp-east"])
        let referralID = try #require(try referral.json()["id"] as? String)
        #expect(try await committee.platform.call(.POST, "/referrals/\(referralID)/transport", token: doctor).status == 200)
        #expect(try await committee.platform.call(.POST, "/referrals/\(referralID)/admit", token: ward).status == 200)

        // Supplies at c1: 100 received, 14 used three days ago (2 a day over 7 days: 43 days of
        // cover for the 86 left), and a request filed by the staff.
        #expect(try await committee.platform.call(.PUT, "/supplies/items/n95", token: admin, json: ["name": "N95", "unit": "piece", "category": "protective"]).status == 201)
        let storesToken = try await committee.platform.token("stores.a", .community, CaseLedgerTests.c1)
        let now = Int64(Date().timeIntervalSince1970)
        for movement: [String: Any] in [["kind": "received", "quantity": 100, "time": now - 4 * 86_400], ["kind": "consumed", "quantity": 14, "time": now - 3 * 86_400]] {
            let moved = try await committee.platform.call(.POST, "/supplies/stock/sz~ft~s1~c1@n95/movements", token: storesToken, json: movement)
            #expect(moved.status == 200 || moved.status == 201, "\(moved.text)")
        }
        let filed = try await committee.platform.call(
            .POST, "/supplies/requests", token: storesToken, json: ["community": CaseLedgerTests.c1, "item": "n95", "quantity": 40, "reason": "fever clinic"])
        #expect(filed.status == 201, "\(filed.text)")

        // No session: to the login page. A bad token is refused there and sets no cookie.
        let anonymous = try await Self.send(.GET, "\(url)/console")
        #expect(anonymous.status == 303 && anonymous.location == "/login")
        let refused = try await Self.send(.POST, "\(url)/login", form: [("token", "not-a-token")])
        #expect(refused.status == 401 && refused.text.contains("Not logged in") && refused.headers["Set-Cookie"].isEmpty)
        #expect(try await Self.send(.GET, "\(url)/console", cookie: "vigil_session=forged").location == "/login")

        let staff = try await committee.platform.token("staff.a", .community, CaseLedgerTests.c1)
        let cookie = try await Self.login(committee, token: staff)
        let console = try await Self.send(.GET, "\(url)/console", cookie: cookie)
        #expect(console.status == 200)
        #expect(console.headers["Content-Security-Policy"].first?.contains("default-src 'none'") == true)
        let page = console.text
        // The situation of the caller's scope (c1 only): the curve with bars, Rt with its band.
        #expect(page.contains("id=\"epidemic-curve\"") && page.contains("class=\"bar\""), "no curve")
        #expect(page.contains("class=\"band\""), "no Rt band")
        #expect(page.contains("data-community=\"\(CaseLedgerTests.c1)\""))
        #expect(page.contains("risk-medium") || page.contains("risk-high"), "c1 is not at risk")
        #expect(!page.contains("data-community=\"sz/ft/s1/c2\""), "c2 is outside staff.a's scope")
        #expect(page.contains("Riverside"))
        // Panels filled through the API as staff.a; no chain proposal yet.
        #expect(page.contains("id=\"supplies\"") && page.contains("id=\"referrals\"") && page.contains("id=\"reports\""))
        #expect(page.contains("Nothing awaits this node's vote"))
        #expect(page.contains("hosp-east") && page.contains("<th>occupied</th>"), "no referral or occupancy")
        // Curated columns: the referral's stage, clinic, hospital and times (not its id or the
        // patient's key); the stock's site, cover and unmet need; the recent requests.
        #expect(!page.contains(referralID) && !page.contains(referredPerson), "the referral panel shows ids")
        for header in ["stage", "from clinic", "to hospital", "referred", "admitted", "hospital", "free"] {
            #expect(page.contains("<th>\(header)</th>"), "no referral column \(header)")
        }
        #expect(page.contains("<td>admission</td><td></td><td>clinic-hill</td><td>hosp-east</td>"), "the referral row is not curated")
        #expect(page.range(of: "<td>\(today) [0-2][0-9]:[0-5][0-9]</td>", options: .regularExpression) != nil, "no referral time as YYYY-MM-DD HH:MM")
        for header in ["site", "item", "on hand", "reserve", "daily use", "days of cover", "stock-out", "unmet need"] {
            #expect(page.contains("<th>\(header)</th>"), "no supply column \(header)")
        }
        #expect(
            page.contains("<td>\(CaseLedgerTests.c1)</td><td>n95</td><td>86</td><td>0</td><td>2.0</td><td>43.0</td>"),
            "the stock's cover does not count the back-dated use")
        #expect(page.contains("<h3>Recent supply requests</h3>") && page.contains("<td>requested</td><td>40</td>"), "no recent request")
        #expect(page.contains("<h3>Recent allocations</h3>") && page.contains("No allocation applied."))
        let reads = try await committee.store.auditEvents(after: 0, limit: 1000)
        #expect(reads.contains { $0.actor == "staff.a" && $0.action == "referral.list" && $0.purpose == "command-centre" }, "the panel's read is not audited")
        #expect(page.contains("data-origin=\"vigil.test/community\""))

        // A district CDC user sees both communities; the alarm days of the outbreak are marked.
        let cdc = try await committee.platform.token("cdc.a", .cdc, "sz/ft")
        let district = try await Self.send(.GET, "\(url)/console", cookie: try await Self.login(committee, token: cdc)).text
        #expect(district.contains("data-community=\"sz/ft/s1/c2\"") && district.contains("risk-low"))
        #expect(!district.contains("id=\"resident-orders\""), "cdc may not read resident orders")
        #expect(district.contains("id=\"hidden-sections\""))

        // clinic.hill reports a suspected case; it awaits community.a's vote, with one-click buttons.
        let entry = try await CaseLedgerTests.reportSuspectedCase(hill, onset: today)
        var awaiting = ""
        let listed = try await eventually {
            awaiting = try await Self.send(.GET, "\(url)/console", cookie: cookie).text
            return awaiting.contains("data-id=\"\(entry)\"")
        }
        #expect(listed, "the report does not await community.a's vote")
        #expect(awaiting.contains("class=\"endorse\"") && !awaiting.contains("class=\"veto\""), "only a supervisor may veto")
        #expect(awaiting.contains("ili in \(CaseLedgerTests.c1)"))

        // A form without the session's token is refused; with it, the endorsement reaches the chain.
        let forged = try await Self.send(
            .POST, "\(url)/console/votes", cookie: cookie,
            form: [("csrf", "0000"), ("chain", "riverside"), ("proposal", entry), ("decision", "endorse")])
        #expect(forged.status == 403)
        let clicked = try await Self.send(
            .POST, "\(url)/console/votes", cookie: cookie,
            form: [("csrf", try Self.csrf(awaiting)), ("chain", "riverside"), ("proposal", entry), ("decision", "endorse")])
        #expect(clicked.status == 303 && clicked.location?.contains("kind=ok") == true, "\(clicked.location ?? clicked.text)")
        let endorsed = try await eventually {
            let state = await committee.node.node.chain(slug: "riverside")!.summary()
            return state.proposals.first { $0.id == entry }?.approvers.contains("community.a") == true
        }
        #expect(endorsed, "community.a's endorsement is not on the chain")
        let after = try await Self.send(.GET, "\(url)\(clicked.location!)", cookie: cookie).text
        #expect(after.contains("id=\"flash\"") && after.contains("Endorsed proposal"))
        #expect(after.contains("final checkpoint: size"), "no final checkpoint")
        let audit = try await committee.store.auditEvents(after: 0, limit: 1000)
        #expect(audit.contains { $0.action == "ledger.approve" && $0.actor == "staff.a" && $0.purpose == "command-centre" })
        #expect(audit.contains { $0.action == "session.login" && $0.actor == "staff.a" })

        // A volunteer sees no situation and no proposals, and cannot vote.
        let volunteer = try await committee.platform.token("vol.a", .volunteer, CaseLedgerTests.c1)
        let volunteerCookie = try await Self.login(committee, token: volunteer)
        let limited = try await Self.send(.GET, "\(url)/console", cookie: volunteerCookie).text
        #expect(!limited.contains("id=\"epidemic-curve\"") && !limited.contains("id=\"proposals\"") && !limited.contains("id=\"supplies\""))
        let denied = try await Self.send(
            .POST, "\(url)/console/votes", cookie: volunteerCookie,
            form: [("csrf", try Self.csrf(limited)), ("chain", "riverside"), ("proposal", entry), ("decision", "reject")])
        #expect(denied.location?.contains("kind=error") == true)

        // Logging out ends the session in the browser.
        let out = try await Self.send(.POST, "\(url)/logout", cookie: cookie, form: [("csrf", try Self.csrf(after))])
        #expect(out.status == 303 && out.headers["Set-Cookie"].first?.contains("Max-Age=0") == true)
    }

    @Test func thePublicPageShowsOnlyApprovedReportsWithSmallCountsSuppressed() async throws {
        let (_, sites) = try await CaseLedgerTests.start()
        defer { Task { try? await CaseLedgerTests.stop(sites) } }
        let committee = sites["community.a"]!
        _ = try await committee.platform.token("staff.a", .community, CaseLedgerTests.c1)
        let today = CivilDate(daysSinceEpoch: Int(Date().timeIntervalSince1970) / 86_400)
        try await Self.report(committee.store, CaseLedgerTests.c1, today, confirmed: 3, suspected: 12, status: .published)
        try await Self.report(committee.store, CaseLedgerTests.c1, today.addingDays(-1), confirmed: 0, status: .approved)
        try await Self.report(committee.store, CaseLedgerTests.c1, today.addingDays(-2), confirmed: 40, status: .submitted)

        let page = try await Self.send(.GET, "\(committee.node.url)/public")
        #expect(page.status == 200)
        let text = page.text
        #expect(text.contains(today.description) && text.contains(today.addingDays(-1).description))
        #expect(!text.contains(today.addingDays(-2).description), "a report still in review is disclosed")
        #expect(text.contains("&lt;5") && !text.contains("<td>3</td>"), "a small count is shown")
        #expect(text.contains("<td>12</td>"))
        #expect(text.contains("(zero report)"))
        #expect(!text.contains("staff.a"), "reviewers' names are disclosed")
    }
}

