import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import VigilCommunity
import VigilLedger
import VigilStore
import VigilSurveillance

extension RecordKind {
    /// The `bulletin` entry a node signed for one of its published daily reports (id: the
    /// report's id, `community@day`).
    static let bulletin = RecordKind("ledger-bulletin")
}

/// A published report's `bulletin` entry as the node keeps it: the signed entry itself, so that
/// a retry submits the same entry again (idempotent), never a second one.
struct BulletinRecord: Codable {
    /// The bulletin chain's origin.
    var chain: String
    /// The entry's hash, hex.
    var entry: String
    /// The entry's canonical bytes, base64.
    var signed: String
    /// Which publication of the report (1 for the first) the entry is of.
    var publication: Int
    /// The entries of the report's earlier publications (before an unapproval), oldest first:
    /// the chain keeps them, superseded.
    var superseded: [String]
}

/// The public page and the bulletins on the ledger (docs/web.md, "The public page").
///
/// Bulletins are built only from daily reports that passed two-person review (approved or
/// published), desensitised: no names or other personal fields (reports carry none), and counts
/// from 1 to ``Bulletin/suppressBelow`` - 1 shown as a range so a small count cannot single a
/// resident out (``Bulletin/Count/init(disclosing:)``, the one rule for the page and the chain).
/// A report that is unapproved again leaves the page.
///
/// On a node with a bulletin chain (``ChainSetup/bulletins``), publishing a report puts its
/// bulletin on that chain as a `bulletin` entry signed by the node, with exactly the counts the
/// page shows; the page links each published bulletin's C2SP tlog-proof once a final checkpoint
/// covers it, which anyone can check offline with `vigil verify proof` against the chain's
/// policy (`/public/policy`).
struct PublicBulletins {
    let api: CommunityAPI
    let node: Node
    /// Days shown, latest first.
    static let days = 14
    /// The counts the page shows and a bulletin carries: a report's count name and the page's column.
    static let columns: [(name: String, column: String)] = [
        ("newConfirmed", "confirmed"), ("newSuspected", "suspected"), ("newCloseContacts", "contacts"),
        ("contactsUnderFollowUp", "followUp"), ("quarantined", "quarantined"),
    ]

    /// The node's bulletin chain, if it has one.
    var ledger: CaseLedger? { CaseLedger.bulletinChain(of: node) }

    /// The bulletin of `report`: its community, day, zero mark and the counts the page shows,
    /// desensitised. What the page shows of a report is read from this value too.
    static func bulletin(of report: DailyReport) throws -> Bulletin {
        let shown = Set(columns.map(\.name))
        let raw = Dictionary(uniqueKeysWithValues: report.counts.named.filter { shown.contains($0.name) }.map { ($0.name, $0.value) })
        return try Bulletin(community: report.community.description, day: report.day.description, zero: report.isZeroReport, rawCounts: raw)
    }

    /// The approved and published reports of the node's area (the cities its users work in),
    /// each with the community's name.
    func reports() async throws -> [(name: String, report: DailyReport)] {
        let cities = Set(try await api.store.users().compactMap { $0.jurisdiction.ancestor(at: .city) })
        var names: [JurisdictionPath: String] = [:]
        var reports: [(name: String, report: DailyReport)] = []
        for city in cities.sorted() {
            for place in try await api.jurisdictions(in: city) { names[place.path] = place.name }
            for record in try await api.store.allRecords(.dailyReport, in: city) {
                guard let report = try? JSONDecoder().decode(DailyReport.self, from: Data(record.draft.body)), report.status >= .approved else { continue }
                reports.append((names[report.community].map { "\($0) (\(report.community))" } ?? report.community.description, report))
            }
        }
        return reports
    }

    // MARK: Bulletins on the chain

    /// Which publication of `report` this is: the number of its publish actions.
    static func publication(of report: DailyReport) -> Int {
        report.history.filter { $0.kind == .publish }.count
    }

    /// The path of a bulletin's proof.
    static func proofPath(community: JurisdictionPath, day: CivilDate) -> String {
        "/public/proofs/\(community)/\(day)"
    }

    /// The bulletin entry of a published report, submitted to the chain unless the chain knows
    /// it already. The entry of the report's current publication is signed once and kept before
    /// it is submitted: a failure afterwards loses nothing, and the next try submits the same
    /// entry. A report published again after an unapproval gets a new entry, which supersedes
    /// the earlier one on the chain.
    /// - Returns: the entry, where it stands, and the chain's reasons if it refused it.
    /// - Throws: ``CaseLedger/Unavailable`` when the chain cannot take it now (the entry is kept),
    ///   or a store error.
    func submitBulletin(of report: DailyReport, to ledger: CaseLedger) async throws -> (entry: Entry, status: EntryStatus?, refusals: [String]) {
        let entry = try await bulletinEntry(of: report, on: ledger)
        if let status = try await ledger.status(of: entry.hash) { return (entry, status, []) }
        let refusals = try await ledger.submit(entry)
        return (entry, try await ledger.status(of: entry.hash), refusals)
    }

    /// The kept entry of the report's current publication, or a new one, signed and kept.
    func bulletinEntry(of report: DailyReport, on ledger: CaseLedger) async throws -> Entry {
        let id = "\(report.community)@\(report.day)"
        let publication = Self.publication(of: report)
        // A concurrent request may keep one first (the store refuses the second write): use it.
        for _ in 0..<3 {
            let stored = try await api.store.record(.bulletin, id: id)
            var superseded: [String] = []
            if let stored {
                let kept = try JSONDecoder().decode(BulletinRecord.self, from: Data(stored.draft.body))
                if kept.publication == publication, let bytes = Data(base64Encoded: kept.signed) {
                    return try Entry(parsing: Array(bytes))
                }
                superseded = kept.superseded + [kept.entry]
            }
            let time = report.history.last { $0.kind == .publish }?.at ?? api.clock()
            let entry = try ledger.sign(.bulletin, body: try Self.bulletin(of: report).json, time: time)
            let record = BulletinRecord(
                chain: entry.chain, entry: entry.hash.hex, signed: Data(entry.bytes).base64EncodedString(), publication: publication,
                superseded: superseded)
            let draft = RecordDraft(kind: .bulletin, id: id, jurisdiction: report.community, body: try CommunityAPI.encode(record), time: api.clock())
            do {
                if let stored {
                    _ = try await api.store.updateRecord(draft, expectedVersion: stored.version)
                } else {
                    _ = try await api.store.insertRecord(draft)
                }
                return entry
            } catch let error as StoreError where error.code == .conflict {
                continue
            }
        }
        throw Problem(.conflict, "conflict", "the bulletin of \(id) changed meanwhile, three times")
    }

    /// After `caller` published `report`: its bulletin goes on the node's bulletin chain. The
    /// publication stands whatever happens here. A bulletin the chain cannot take now is kept,
    /// signed, and submitted again whenever the public page or its proof is asked for (the
    /// node's protocol also resends what it has taken until it is committed).
    func published(_ report: DailyReport, by caller: Caller) async {
        guard let ledger else { return }
        let id = "\(report.community)@\(report.day)"
        do {
            let (entry, _, refusals) = try await submitBulletin(of: report, to: ledger)
            try await api.audit(caller, "report.bulletin", "report/\(id)->\(entry.hash.hex)")
            if !refusals.isEmpty {
                api.logger.warning(
                    "The bulletin chain refused a bulletin", metadata: ["report.id": "\(id)", "refusal": "\(refusals.joined(separator: "; "))"])
            }
        } catch {
            api.logger.warning("Bulletin kept for later: \(error)", metadata: ["report.id": "\(id)", "chain.slug": "\(ledger.slug)"])
        }
    }

    /// Where a bulletin stands on the page.
    enum Standing {
        /// The node has no bulletin chain, or the report is approved but not published.
        case none
        /// Published; its entry is not in a final checkpoint yet (or the chain is unavailable).
        case pending
        /// In a final checkpoint: the entry's index.
        case final(index: UInt64)
    }

    func standing(of report: DailyReport) async -> Standing {
        guard let ledger, report.status == .published else { return .none }
        do {
            let (_, status, _) = try await submitBulletin(of: report, to: ledger)
            if case .committed(let index, _?) = status { return .final(index: index) }
        } catch {
            api.logger.info("Bulletin pending: \(error)", metadata: ["report.id": "\(report.community)@\(report.day)"])
        }
        return .pending
    }

    // MARK: Routes

    func page(_ request: Request) async throws -> Response {
        let byDay = Dictionary(grouping: try await reports(), by: { $0.report.day })
        let base = Self.baseURL(request)
        let hasChain = ledger != nil
        var days: [[String: Any]] = []
        for day in byDay.keys.sorted(by: >).prefix(Self.days) {
            var rows: [[String: Any]] = []
            for (name, report) in byDay[day]!.sorted(by: { $0.name < $1.name }) {
                let bulletin = try Self.bulletin(of: report)
                var row: [String: Any] = ["community": name, "zero": bulletin.zero]
                for (count, column) in Self.columns { row[column] = bulletin.counts[count]?.description ?? "" }
                switch await standing(of: report) {
                case .final(let index):
                    let path = Self.proofPath(community: report.community, day: report.day)
                    row["hasProof"] = true
                    row["proof"] = path
                    row["index"] = Int(index)
                    row["commands"] = [
                        "curl -o b.tlog-proof \(base)\(path)", "curl -o policy \(base)/public/policy", "vigil verify proof b.tlog-proof --policy policy",
                    ]
                case .pending:
                    row["isPending"] = true
                case .none:
                    break
                }
                rows.append(row)
            }
            days.append(["day": day.description, "bulletins": rows])
        }
        return CommandCentre.html(
            WebTemplates.render(
                "public",
                [
                    "title": "Public bulletins", "node": node.setup.name, "days": days, "suppressBelow": Int(Bulletin.suppressBelow),
                    "hasChain": hasChain, "chain": ledger.flatMap { ledger in node.setup.chains.first { $0.slug == ledger.slug }?.origin } ?? "",
                ]))
    }

    /// `GET /public/proofs/{community...}/{day}`: the C2SP tlog-proof of a published report's
    /// bulletin entry, with the entry as the extra data, once a final checkpoint covers it.
    func proof(_ context: some RequestContext) async throws -> Response {
        let parts = context.parameters.getCatchAll().map(String.init)
        guard parts.count >= 2, let day = CivilDate(iso8601: parts.last!), let community = try? JurisdictionPath(parts.dropLast().joined(separator: "/"))
        else { throw Problem.notFound("a bulletin's proof is at /public/proofs/COMMUNITY-PATH/YYYY-MM-DD") }
        let ledger = try bulletinChain()
        let id = "\(community)@\(day)"
        guard let stored = try await api.store.record(.dailyReport, id: id),
            let report = try? JSONDecoder().decode(DailyReport.self, from: Data(stored.draft.body)), report.status == .published
        else { throw Problem.notFound("no published bulletin of \(community) for \(day)") }
        do {
            let (entry, _, refusals) = try await submitBulletin(of: report, to: ledger)
            guard let proof = try await ledger.proof(of: entry.hash, extra: entry.bytes) else {
                let why = refusals.isEmpty ? "" : " (the chain refused it: \(refusals.joined(separator: "; ")))"
                throw Problem(
                    .notFound, "pending", "the bulletin's entry \(entry.hash.hex) is not in a final checkpoint yet\(why)", headers: [.retryAfter: "5"])
            }
            return Self.text(proof.formatted)
        } catch let error as CaseLedger.Unavailable {
            throw Problem.unavailable("the bulletin chain cannot be read now: \(error.description)")
        }
    }

    /// `GET /public/policy`: the bulletin chain's C2SP tlog-policy, to check its proofs offline.
    func policy() async throws -> Response {
        do {
            return Self.text(try await bulletinChain().policy().text)
        } catch let error as CaseLedger.Unavailable {
            throw Problem.unavailable("the bulletin chain cannot be read now: \(error.description)")
        }
    }

    func bulletinChain() throws -> CaseLedger {
        guard let ledger else { throw Problem(.notFound, "no-bulletin-chain", "this node puts its bulletins on no chain") }
        return ledger
    }

    static func text(_ text: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// `http://HOST` as the request names this node, for the commands on the page; `http://NODE`
    /// when it names none that is plainly a host name.
    static func baseURL(_ request: Request) -> String {
        let host = request.head.authority ?? ""
        let plain = !host.isEmpty && host.count <= 255
            && host.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-:[]".unicodeScalars.contains($0)) }
        return "http://\(plain ? host : "NODE")"
    }
}
