internal import VigilSurveillance

/// What duplicate matching compares of one file, normalised once when it is indexed.
struct MatchProfile: Sendable {
    var id: PersonID?
    /// Normalised national id, as entered (a draft's may be invalid; it then matches only itself).
    var nationalID: String?
    /// Normalised name as scalars, for Jaro-Winkler.
    var name: [Unicode.Scalar]
    /// Normalised name as text, for exact keys.
    var nameKey: String
    /// Days since 1970-01-01 of the birth date, or of the date in the national id when no birth
    /// date is written.
    var birthDay: Int?
    /// Phone digits with `+86`/`0086` removed (other country codes kept with their `+`).
    var phoneKey: String?

    init(_ draft: PersonDraft) {
        id = draft.id
        let nid = draft.nationalID.map { NationalID.normalised($0) }
        nationalID = nid?.isEmpty == false ? nid : nil
        name = Self.normalisedName(draft.name)
        var key = ""
        key.unicodeScalars.append(contentsOf: name)
        nameKey = key
        birthDay = (draft.birthDate ?? nationalID.flatMap { NationalID.birthDate(in: $0) })?.daysSinceEpoch
        phoneKey = Self.phoneKey(draft.phone)
    }

    init(_ person: Person) { self.init(person.draft) }

    /// Lower case; full-width ASCII folded to ASCII; the middle-dot variants of transcribed names
    /// (`・` `•` `‧` `･`) to `·`; white space collapsed to one space, and removed at the ends and
    /// next to an ideograph (`张 三` is `张三`). Diacritics are not folded.
    static func normalisedName(_ text: String) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.unicodeScalars.count)
        var pendingSpace = false
        for s0 in text.unicodeScalars {
            var s = s0
            switch s.value {
            case 0xFF01...0xFF5E: s = Unicode.Scalar(s.value - 0xFEE0)!
            case 0x30FB, 0x2022, 0x2027, 0xFF65: s = "\u{00B7}"
            default: break
            }
            if s.properties.isWhitespace {
                pendingSpace = true
                continue
            }
            if pendingSpace {
                if let last = out.last, !last.properties.isIdeographic, !s.properties.isIdeographic { out.append(" ") }
                pendingSpace = false
            }
            if s.isASCII {
                out.append(s.value >= 0x41 && s.value <= 0x5A ? Unicode.Scalar(s.value + 0x20)! : s)
            } else if s.properties.changesWhenLowercased {
                out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
            } else {
                out.append(s)
            }
        }
        return out
    }

    static func phoneKey(_ text: String?) -> String? {
        guard let text else { return nil }
        let phone = (try? PersonRules.phone(text)) ?? String(text.unicodeScalars.filter { $0.properties.numericType == .decimal })
        guard !phone.isEmpty else { return nil }
        for prefix in ["+86", "0086"] where phone.hasPrefix(prefix) && phone.count > prefix.count + 5 {
            return String(phone.dropFirst(prefix.count))
        }
        return phone
    }
}
