/// A suspected-case report as it goes on a chain: no personal data, only a pseudonymous subject
/// that the area's agencies can match to their own records, a commitment to the local record,
/// and coarse attributes.
public struct SuspectedCase: Hashable, Sendable {
    /// `HMAC-SHA256(area secret, national id)`, hex.
    public var pseudonym: Hash
    /// `SHA-256(salt || local record)`, hex: proves later which record the report was about.
    public var commitment: Hash
    public var syndrome: String
    public var community: String
    /// Date of onset, `YYYY-MM-DD`.
    public var onset: String
    /// Age band such as `30-39` or `80+`.
    public var ageBand: String

    public init(pseudonym: Hash, commitment: Hash, syndrome: String, community: String, onset: String, ageBand: String) {
        self.pseudonym = pseudonym
        self.commitment = commitment
        self.syndrome = syndrome
        self.community = community
        self.onset = onset
        self.ageBand = ageBand
    }

    static let fields: Set<String> = ["pseudonym", "commitment", "syndrome", "community", "onset", "ageBand"]

    init(json: JSONValue, context: String) throws(LedgerError) {
        let r = try FieldReader(json, context: context, allowed: Self.fields)
        pseudonym = try r.hash("pseudonym")
        commitment = try r.hash("commitment")
        syndrome = try Identifier.check(try r.string("syndrome"), r, "syndrome")
        community = try Identifier.check(try r.string("community"), r, "community")
        onset = try r.string("onset", maxLength: 10)
        guard Identifier.isDate(onset) else { throw r.fail("onset", "is not a date YYYY-MM-DD") }
        ageBand = try r.string("ageBand", maxLength: 8)
        guard Identifier.isAgeBand(ageBand) else { throw r.fail("ageBand", "is not an age band such as 30-39 or 80+") }
    }

    var json: JSONValue {
        .object([
            "pseudonym": .string(pseudonym.hex), "commitment": .string(commitment.hex), "syndrome": .string(syndrome),
            "community": .string(community), "onset": .string(onset), "ageBand": .string(ageBand),
        ])
    }
}

/// An early-warning alert: an aberration detected in a community's counts.
public struct AlertReport: Hashable, Sendable {
    public var community: String
    public var syndrome: String
    /// The method that raised it, e.g. `ears-c2` or `farrington-flexible`.
    public var method: String
    /// The day or week start, `YYYY-MM-DD`.
    public var date: String
    public var observed: Int64
    /// The method's upper bound, in thousandths (integers keep the canonical form simple).
    public var upperboundMilli: Int64

    public init(community: String, syndrome: String, method: String, date: String, observed: Int64, upperboundMilli: Int64) {
        self.community = community
        self.syndrome = syndrome
        self.method = method
        self.date = date
        self.observed = observed
        self.upperboundMilli = upperboundMilli
    }

    init(json: JSONValue, context: String) throws(LedgerError) {
        let r = try FieldReader(json, context: context, allowed: ["community", "syndrome", "method", "date", "observed", "upperboundMilli"])
        community = try Identifier.check(try r.string("community"), r, "community")
        syndrome = try Identifier.check(try r.string("syndrome"), r, "syndrome")
        method = try Identifier.check(try r.string("method"), r, "method")
        date = try r.string("date", maxLength: 10)
        guard Identifier.isDate(date) else { throw r.fail("date", "is not a date YYYY-MM-DD") }
        observed = try r.integer("observed")
        upperboundMilli = try r.integer("upperboundMilli")
        guard observed >= 0, upperboundMilli >= 0 else { throw r.fail("observed", "and upperboundMilli must not be negative") }
    }

    var json: JSONValue {
        .object([
            "community": .string(community), "syndrome": .string(syndrome), "method": .string(method), "date": .string(date),
            "observed": .number(Double(observed)), "upperboundMilli": .number(Double(upperboundMilli)),
        ])
    }
}

/// What a proposal asks the members to decide.
public enum ProposalPayload: Hashable, Sendable {
    case suspectedCase(SuspectedCase)
    case alert(AlertReport)
    case stage(Stage)
    case leader(String)
    case admitMember(Member)
    case removeMember(String)
    case peerChain(LinkedChain)
    case codeKey(CodeKey)

    public var subject: Subject {
        switch self {
        case .suspectedCase: .suspectedCase
        case .alert: .alert
        case .stage: .stage
        case .leader: .leader
        case .admitMember: .admitMember
        case .removeMember: .removeMember
        case .peerChain: .peerChain
        case .codeKey: .codeKey
        }
    }

    /// Whether the proposal reports something (credited when accepted, debited when false).
    public var isReport: Bool { subject == .suspectedCase || subject == .alert }

    init(subject: Subject, json: JSONValue, context: String) throws(LedgerError) {
        switch subject {
        case .suspectedCase: self = .suspectedCase(try SuspectedCase(json: json, context: context))
        case .alert: self = .alert(try AlertReport(json: json, context: context))
        case .stage:
            let r = try FieldReader(json, context: context, allowed: ["stage"])
            guard let stage = Stage(rawValue: try r.string("stage")) else { throw r.fail("stage", "is not a known stage") }
            self = .stage(stage)
        case .leader:
            let r = try FieldReader(json, context: context, allowed: ["leader"])
            self = .leader(try r.string("leader"))
        case .admitMember:
            let r = try FieldReader(json, context: context, allowed: ["name", "key", "role"])
            let key: VerifierKey
            do { key = try VerifierKey(try r.string("key")) } catch { throw r.fail("key", error.message) }
            guard let role = MemberRole(rawValue: try r.string("role")) else { throw r.fail("role", "is not member, supervisor or observer") }
            let name = try r.string("name")
            guard key.name == name, key.type == .ed25519 else { throw r.fail("key", "must be a 0x01 key named \(name.prefix(100))") }
            self = .admitMember(Member(name: name, key: key, role: role))
        case .removeMember:
            let r = try FieldReader(json, context: context, allowed: ["name"])
            self = .removeMember(try r.string("name"))
        case .peerChain:
            do {
                self = .peerChain(try LinkedChain(json: json, context: context))
            } catch {
                throw LedgerError(.malformedEntry, error.message)
            }
        case .codeKey: self = .codeKey(try CodeKey(json: json, context: context))
        }
    }

    var json: JSONValue {
        switch self {
        case .suspectedCase(let c): c.json
        case .alert(let a): a.json
        case .stage(let s): .object(["stage": .string(s.rawValue)])
        case .leader(let l): .object(["leader": .string(l)])
        case .admitMember(let m): .object(["name": .string(m.name), "key": .string(m.key.description), "role": .string(m.role.rawValue)])
        case .removeMember(let n): .object(["name": .string(n)])
        case .peerChain(let link): link.json
        case .codeKey(let key): key.json
        }
    }
}

/// Shape rules for the short identifiers allowed in bodies, so free text (and with it personal
/// data) has nowhere to go.
enum Identifier {
    static func check(_ value: String, _ reader: FieldReader, _ field: String) throws(LedgerError) -> String {
        let ok = !value.isEmpty && value.utf8.count <= 64
            && value.utf8.allSatisfy { c in
                (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x2E || c == 0x5F || c == 0x2F
            }
        guard ok else { throw reader.fail(field, "must be 1-64 characters of a-z 0-9 . _ - /") }
        return value
    }

    static func isDate(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count == 10, b[4] == 0x2D, b[7] == 0x2D else { return false }
        let digits = [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy { b[$0] >= 0x30 && b[$0] <= 0x39 }
        guard digits, let year = Int(s.prefix(4)), let month = Int(s.dropFirst(5).prefix(2)), let day = Int(s.suffix(2)),
            (1...12).contains(month)
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day)
    }

    static func isAgeBand(_ s: String) -> Bool {
        func number(_ t: Substring) -> Int? {
            guard !t.isEmpty, t.count <= 3, t.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), t == "0" || t.first != "0" else { return nil }
            return Int(t)
        }
        if s.hasSuffix("+") { return number(s.dropLast()).map { $0 <= 130 } ?? false }
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let lo = number(parts[0]), let hi = number(parts[1]) else { return false }
        return lo <= hi && hi <= 130
    }
}
