internal import VigilSurveillance

/// The CSV form of persons, shared by import and export. Columns are ``Person``'s JSON names:
///
/// | Column            | Content                                                          |
/// |-------------------|------------------------------------------------------------------|
/// | `id`              | the person id; empty for a new person                            |
/// | `nationalID`      | GB 11643 id, 18 characters                                       |
/// | `name`            | required                                                         |
/// | `sex`             | `female`, `male`, `unknown` (also `f`, `m`, `女`, `男`); empty = unknown |
/// | `birthDate`       | `YYYY-MM-DD` (import also takes `YYYY/M/D` and `YYYYMMDD`)       |
/// | `phone`           | digits, optional leading `+`                                     |
/// | `address`         | free text                                                        |
/// | `household`       | required: a jurisdiction path `city/district/.../household`     |
/// | `vulnerabilities` | `;`-separated flags (`elderly-alone;chronic-illness`)            |
/// | `group`           | `susceptible` (empty), `key` or `confirmed`                      |
///
/// An import file needs `name` and `household`; other columns may be left out, in any order.
public enum PersonCSV {
    /// All columns, in the order export writes them.
    public static let columns = [
        "id", "nationalID", "name", "sex", "birthDate", "phone", "address", "household", "vulnerabilities", "group",
    ]
    /// The columns an import file must have.
    public static let requiredColumns: Set<String> = ["name", "household"]

    /// The CSV text of `persons` in the given order, with a header line and all ``columns``.
    /// - Parameter byteOrderMark: see ``CSVCodec/encode(_:byteOrderMark:)``.
    public static func export(_ persons: some Sequence<Person>, byteOrderMark: Bool = false) -> String {
        CSVCodec.encode(CollectionOfOne(columns) + persons.lazy.map(row(of:)), byteOrderMark: byteOrderMark)
    }

    static func row(of person: Person) -> [String] {
        [
            person.id.rawValue, person.nationalID ?? "", person.name, person.sex == .unknown ? "" : person.sex.rawValue,
            person.birthDate?.description ?? "", person.phone ?? "", person.address ?? "", person.household.description,
            person.vulnerabilities.sorted().map(\.rawValue).joined(separator: ";"),
            person.group.rawValue,
        ]
    }

    /// Parses one field into `draft`, normalised.
    /// - Throws: ``CommunityError`` naming `column`.
    static func read(_ text: String, column: String, into draft: inout PersonDraft) throws {
        let trimmed = String(text.trimmingWhiteSpace())
        switch column {
        case "id": draft.id = trimmed.isEmpty ? nil : try PersonID(trimmed)
        case "nationalID": draft.nationalID = try PersonRules.nationalID(trimmed)
        case "name": draft.name = try PersonRules.name(text)
        case "sex":
            guard let sex = Sex(csv: trimmed) else {
                throw CommunityError(.invalidField, "sex is female, male or unknown (or f, m, 女, 男)", field: "sex")
            }
            draft.sex = sex
        case "birthDate":
            if trimmed.isEmpty {
                draft.birthDate = nil
            } else {
                guard let date = date(trimmed) else {
                    throw CommunityError(.invalidField, "a birth date is written YYYY-MM-DD", field: "birthDate")
                }
                draft.birthDate = date
            }
        case "phone": draft.phone = try PersonRules.phone(trimmed)
        case "address": draft.address = try PersonRules.address(text)
        case "household":
            guard !trimmed.isEmpty else { throw CommunityError(.invalidField, "a household is required", field: "household") }
            do { draft.household = try JurisdictionPath(trimmed) } catch let error as CommunityError {
                throw CommunityError(.invalidField, error.message, field: "household")
            }
        case "vulnerabilities":
            var flags: Set<Vulnerability> = []
            for part in trimmed.split(whereSeparator: { $0 == ";" || $0 == "|" }) {
                let name = part.trimmingWhiteSpace().lowercased()
                guard !name.isEmpty else { continue }
                guard let flag = Vulnerability(rawValue: name) else {
                    throw CommunityError(
                        .invalidField,
                        "unknown vulnerability (known: \(Vulnerability.allCases.map(\.rawValue).joined(separator: ", ")))",
                        field: "vulnerabilities")
                }
                flags.insert(flag)
            }
            draft.vulnerabilities = flags
        case "group":
            if trimmed.isEmpty {
                draft.group = .susceptible
            } else {
                guard let group = PersonGroup(rawValue: trimmed.lowercased()) else {
                    throw CommunityError(.invalidField, "group is susceptible, key or confirmed", field: "group")
                }
                draft.group = group
            }
        default:
            preconditionFailure("unknown column \(column)")
        }
    }

    /// `YYYY-MM-DD`, `YYYY/M/D` (what spreadsheets write) or `YYYYMMDD`.
    static func date(_ text: String) -> CivilDate? {
        if let date = CivilDate(iso8601: text) { return date }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 3, parts[0].count == 4, (1...2).contains(parts[1].count), (1...2).contains(parts[2].count) {
            let padded = parts.map { $0.count == 1 ? "0\($0)" : String($0) }
            return CivilDate(iso8601: padded.joined(separator: "-"))
        }
        if text.utf8.count == 8, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            let t = Array(text)
            return CivilDate(iso8601: "\(String(t[0..<4]))-\(String(t[4..<6]))-\(String(t[6..<8]))")
        }
        return nil
    }
}
