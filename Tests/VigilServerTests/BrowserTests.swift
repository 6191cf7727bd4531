import Foundation
import NIOHTTP1
import Testing
import VigilCommunity
import VigilLedger
import VigilServer
import VigilStore
import VigilSurveillance
import VigilTestSupport

/// The command centre in a real browser (headless Chromium through WebDriver, see ``Browser``)
/// on the four-node community chain of ``CaseLedgerTests``: the login form, the console as it is
/// laid out, and a click on Endorse that reaches the chain. Screenshots of each step go to
/// ``Browser/screenshots``. Without chromium and chromedriver the test is skipped.
@Suite(.serialized) struct BrowserTests {
    static let enabled = ConditionTrait.enabled(Comment(rawValue: Browser.unavailable ?? "")) {
        if let reason = Browser.unavailable { print("skipping the browser tests: \(reason)") }
        return Browser.unavailable == nil
    }

    @Test(BrowserTests.enabled) func staffLogInThroughTheFormSeeTheConsoleAndEndorseWithOneClick() async throws {
        let (_, sites) = try await CaseLedgerTests.start()
        defer { Task { try? await CaseLedgerTests.stop(sites) } }
        let committee = sites["community.a"]!, hill = sites["clinic.hill"]!
        let url = committee.node.url

        // c1 with a growing outbreak over 20 days, so that the curve has bars.
        let admin = try await committee.platform.token("admin.a", .admin, "sz/ft")
        let added = try await committee.platform.call(.POST, "/jurisdictions", token: admin, json: ["path": CaseLedgerTests.c1, "name": "Riverside"])
        #expect(added.status == 201, "\(added.text)")
        let today = CivilDate(daysSinceEpoch: Int(Date().timeIntervalSince1970) / 86_400)
        for back in 0..<20 {
            let confirmed = back < 10 ? 2 + (10 - back) : 0
            try await CommandCentreTests.report(
                committee.store, CaseLedgerTests.c1, today.addingDays(-back), confirmed: confirmed, suspected: confirmed + 1, status: .approved)
        }

        // clinic.hill reports a suspected case: a proposal that will await community.a's vote.
        let entry = try await CaseLedgerTests.reportSuspectedCase(hill, onset: today)
        let staff = try await committee.platform.token("staff.a", .community, CaseLedgerTests.c1)

        try await Browser.run { browser in
            // The login form: paste the token, press the button.
            try await browser.open("\(url)/login")
            #expect(try await browser.title() == "Log in · Vigil")
            let field = try await browser.element("textarea#token")
            try await browser.type(staff, into: field)
            try await browser.screenshot("command-centre-1-login")
            try await browser.click(try await browser.element("button#login"))
            var at = ""
            let landed = try await browser.eventually {
                at = try await browser.currentURL()
                return at == "\(url)/console"
            }
            #expect(landed, "the login did not land on /console but on \(at)")
            #expect(try await browser.title() == "Command centre · Vigil")
            let session = try await browser.cookies().first { $0["name"] as? String == "vigil_session" }
            #expect(session?["httpOnly"] as? Bool == true && session?["sameSite"] as? String == "Strict", "\(String(describing: session))")
            let who = try await browser.text(try await browser.element("header .who"))
            #expect(who.contains("staff.a (\(Role.community.rawValue), \(CaseLedgerTests.c1))"), "\(who)")

            // The situation, laid out: the risk map's tile for c1 and the curve's bars take room on the page.
            let situation = try await browser.element("section#situation")
            #expect(try await browser.isDisplayed(situation))
            #expect(try await browser.text(try await browser.element("h2", in: situation)).contains("Situation on"))
            let tile = try await browser.element("#risk-map g.risk[data-community=\"\(CaseLedgerTests.c1)\"]")
            #expect(try await browser.text(tile).contains("Riverside"))
            let curve = try await browser.element("#epidemic-curve svg")
            let curveSize = try await browser.size(curve)
            #expect(curveSize.width > 300 && curveSize.height > 80, "the epidemic curve is \(curveSize)")
            #expect(try await browser.elements("#epidemic-curve rect.bar").count == 10)

            // The proposal comes to await this node's vote (the page is reloaded until it does).
            let row = "#proposals tr.proposal[data-id=\"\(entry)\"]"
            let listed = try await browser.eventually {
                try await browser.refresh()
                return try await !browser.elements(row).isEmpty
            }
            try #require(listed, "the report does not await community.a's vote in the console")
            let proposal = try await browser.element(row)
            #expect(try await browser.text(proposal).contains("ili in \(CaseLedgerTests.c1)"))
            #expect(try await browser.elements("button.veto", in: proposal).isEmpty, "only a supervisor may veto")
            let endorse = try await browser.element("button.endorse", in: proposal)
            #expect(try await browser.isDisplayed(endorse))
            #expect(try await browser.text(endorse) == "Endorse")
            try await browser.screenshot("command-centre-2-console")

            // One click: back on the console with the vote recorded.
            try await browser.click(endorse)
            let back = try await browser.eventually {
                at = try await browser.currentURL()
                return at.contains("/console?kind=ok")
            }
            #expect(back, "the endorsement did not come back as done: \(at)")
            let flash = try await browser.waitFor("#flash")
            #expect(try await browser.attribute("class", of: flash) == "ok")
            let message = try await browser.text(flash)
            #expect(message.contains("Endorsed proposal"), "\(message)")
            let endorsed = try await eventually {
                let state = await committee.node.node.chain(slug: "riverside")!.summary()
                return state.proposals.first { $0.id == entry }?.approvers.contains("community.a") == true
            }
            #expect(endorsed, "community.a's endorsement is not on the chain")
            // Voted on, the proposal no longer awaits this node (once the vote is committed).
            let gone = try await browser.eventually {
                try await browser.refresh()
                return try await browser.elements(row).isEmpty
            }
            #expect(gone, "the endorsed proposal still awaits community.a's vote")
            #expect(try await browser.text(try await browser.element("#proposals")).contains("Nothing awaits this node's vote"))
            #expect(try await browser.text(try await browser.element("#chains")).contains("final checkpoint: size"), "no final checkpoint")
            try await browser.screenshot("command-centre-3-endorsed")
        }
        let audit = try await committee.store.auditEvents(after: 0, limit: 1000)
        #expect(audit.contains { $0.action == "session.login" && $0.actor == "staff.a" })
        #expect(audit.contains { $0.action == "ledger.approve" && $0.actor == "staff.a" && $0.purpose == "command-centre" })
    }
}
