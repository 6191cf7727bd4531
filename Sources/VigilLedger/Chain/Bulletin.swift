/// A published, desensitised daily report as it goes on a chain: the body of a `bulletin` entry.
///
/// `{"community": "sz/ft/s1/c1", "day": "2026-11-20", "zero": false,
///   "counts": {"newConfirmed": "<5", "newSuspected": 12, ...}}`
///
/// Only what a public page may show: the community's jurisdiction path, the day, the zero-report
/// mark and counts as disclosed (``Count``): 0, a count from ``suppressBelow`` up, or the string
/// `"<5"` for the counts in between, so that a small count cannot single a resident out. The
/// schema is fixed (unknown fields and count names are rejected), so free text, and with it
/// personal data, has nowhere to go.
public struct Bulletin: Hashable, Sendable {
    /// Counts above zero and below this are disclosed as `"<suppressBelow"`.
    public static let suppressBelow: Int64 = 5

    /// The count names a bulletin may carry: those of a community's daily report.
    public static let countNames: Set<String> = [
        "newSuspected", "newProbable", "newConfirmed", "newRuledOut", "newCloseContacts", "contactsUnderFollowUp", "quarantined", "referrals",
    ]

    /// A count as disclosed.
    public enum Count: Hashable, Sendable, CustomStringConvertible {
        /// Zero, or a count of at least ``Bulletin/suppressBelow``.
        case exact(Int64)
        /// A count from 1 to ``Bulletin/suppressBelow`` - 1.
        case suppressed

        /// The desensitising rule: `count` as it may be disclosed.
        public init(disclosing count: Int) {
            // A negative count stays exact, so that a bulletin made of it is refused.
            let count = Int64(count)
            self = count <= 0 || count >= Bulletin.suppressBelow ? .exact(count) : .suppressed
        }

        /// As the public page shows it: `12`, `0` or `<5`.
        public var description: String {
            switch self {
            case .exact(let count): String(count)
            case .suppressed: "<\(Bulletin.suppressBelow)"
            }
        }

        var json: JSONValue {
            switch self {
            case .exact(let count): .number(Double(count))
            case .suppressed: .string(description)
            }
        }

        init(json: JSONValue, _ reader: FieldReader, _ field: String) throws(LedgerError) {
            switch json {
            case .string(let text) where text == "<\(Bulletin.suppressBelow)":
                self = .suppressed
            case .number(let d) where d == d.rounded() && (d == 0 || (d >= Double(Bulletin.suppressBelow) && d <= 9_007_199_254_740_992)):
                self = .exact(Int64(d))
            default:
                throw reader.fail(field, "must be 0, an integer from \(Bulletin.suppressBelow) up, or \"<\(Bulletin.suppressBelow)\"")
            }
        }
    }

    /// The community's jurisdiction path, e.g. `sz/ft/s1/c1`.
    public var community: String
    /// The day reported on, `YYYY-MM-DD`.
    public var day: String
    /// Whether the report is a zero report (then every count is 0).
    public var zero: Bool
    /// The disclosed counts by name (a subset of ``countNames``).
    public var counts: [String: Count]

    /// A bulletin from a report's raw counts, each disclosed by ``Count/init(disclosing:)``.
    /// - Throws: ``LedgerError/Code/malformedEntry`` when it breaks the schema.
    public init(community: String, day: String, zero: Bool, rawCounts: [String: Int]) throws(LedgerError) {
        let value = JSONValue.object([
            "community": .string(community), "day": .string(day), "zero": .bool(zero),
            "counts": .object(rawCounts.mapValues { Count(disclosing: $0).json }),
        ])
        try self.init(json: value)
    }

    /// Parses and checks a `bulletin` body.
    /// - Throws: ``LedgerError/Code/malformedEntry`` naming the field and the reason.
    public init(json: JSONValue) throws(LedgerError) {
        let r = try FieldReader(json, context: "bulletin", allowed: ["community", "day", "zero", "counts"])
        community = try r.string("community", maxLength: 7 * 33)
        guard Self.isJurisdictionPath(community) else {
            throw r.fail("community", "is not a jurisdiction path (1 to 7 codes of 1-32 a-z A-Z 0-9 - _ . joined by /)")
        }
        day = try r.string("day", maxLength: 10)
        guard Identifier.isDate(day) else { throw r.fail("day", "is not a date YYYY-MM-DD") }
        zero = try r.bool("zero")
        let c = try FieldReader(try r.value("counts"), context: "bulletin.counts", allowed: Self.countNames)
        guard !c.fields.isEmpty else { throw r.fail("counts", "is empty") }
        var counts: [String: Count] = [:]
        for (name, value) in c.fields { counts[name] = try Count(json: value, c, name) }
        if zero, let name = counts.keys.sorted().first(where: { counts[$0] != .exact(0) }) {
            throw c.fail(name, "is not 0 in a zero report")
        }
        self.counts = counts
    }

    /// The entry body.
    public var json: JSONValue {
        .object([
            "community": .string(community), "day": .string(day), "zero": .bool(zero),
            "counts": .object(counts.mapValues(\.json)),
        ])
    }

    /// What a later bulletin for the same community and day supersedes.
    public var key: String { "\(community)@\(day)" }

    static func isJurisdictionPath(_ text: String) -> Bool {
        let codes = text.split(separator: "/", omittingEmptySubsequences: false)
        return (1...7).contains(codes.count)
            && codes.allSatisfy { code in
                !code.isEmpty && code.utf8.count <= 32
                    && code.utf8.allSatisfy { c in
                        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F || c == 0x2E
                    }
            }
    }
}
