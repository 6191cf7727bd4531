import Foundation
import Hummingbird
import VigilCommunity
import VigilLedger
import VigilStore
import VigilSurveillance

/// The public page: bulletins built only from daily reports that passed two-person review
/// (approved or published), desensitised: no names or other personal fields (reports carry
/// none), and counts from 1 to ``suppressBelow`` - 1 shown as a range so a small count cannot
/// single a resident out. A report that is unapproved again leaves the page.
struct PublicBulletins {
    let api: CommunityAPI
    let node: Node
    /// Counts below this (and above zero) are suppressed.
    static let suppressBelow = 5
    /// Days shown, latest first.
    static let days = 14

    /// One community's bulletin for one day.
    struct Bulletin {
        var community: String
        var day: CivilDate
        var zero: Bool
        var counts: DailyReport.Counts
    }

    /// The approved reports of the node's area (the cities its users work in).
    func bulletins() async throws -> [Bulletin] {
        let cities = Set(try await api.store.users().compactMap { $0.jurisdiction.ancestor(at: .city) })
        var names: [JurisdictionPath: String] = [:]
        var bulletins: [Bulletin] = []
        for city in cities.sorted() {
            for place in try await api.jurisdictions(in: city) { names[place.path] = place.name }
            for record in try await api.store.allRecords(.dailyReport, in: city) {
                guard let report = try? JSONDecoder().decode(DailyReport.self, from: Data(record.draft.body)), report.status >= .approved else { continue }
                let name = names[report.community].map { "\($0) (\(report.community))" } ?? report.community.description
                bulletins.append(Bulletin(community: name, day: report.day, zero: report.isZeroReport, counts: report.counts))
            }
        }
        return bulletins
    }

    /// A count as disclosed: 0, the count from `suppressBelow` up, or `<suppressBelow` between.
    static func disclosed(_ count: Int) -> String {
        count == 0 || count >= suppressBelow ? String(count) : "<\(suppressBelow)"
    }

    func page() async throws -> Response {
        let all = try await bulletins()
        let byDay = Dictionary(grouping: all, by: \.day)
        let days = byDay.keys.sorted(by: >).prefix(Self.days).map { day -> [String: Any] in
            [
                "day": day.description,
                "bulletins": byDay[day]!.sorted { $0.community < $1.community }.map { bulletin -> [String: Any] in
                    [
                        "community": bulletin.community, "zero": bulletin.zero, "confirmed": Self.disclosed(bulletin.counts.newConfirmed),
                        "suspected": Self.disclosed(bulletin.counts.newSuspected), "contacts": Self.disclosed(bulletin.counts.newCloseContacts),
                        "followUp": Self.disclosed(bulletin.counts.contactsUnderFollowUp), "quarantined": Self.disclosed(bulletin.counts.quarantined),
                        "proof": false,
                    ]
                },
            ]
        }
        return CommandCentre.html(
            WebTemplates.render("public", ["title": "Public bulletins", "node": node.setup.name, "days": Array(days), "suppressBelow": Self.suppressBelow]))
    }
}
