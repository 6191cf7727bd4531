internal import VigilSurveillance

/// The field rules of a person's file, one function per field so that a CSV import can report
/// every broken field of a row while the validating initialisers stop at the first.
/// Each function returns the normalised value and throws ``CommunityError/Code/invalidField``
/// naming the JSON property (which is also the CSV column).
enum PersonRules {
    static let maximumNameLength = 100
    static let maximumAddressLength = 200

    /// Trimmed, 1-100 characters, no control characters or line separators.
    static func name(_ text: String) throws -> String {
        let name = String(text.trimmingWhiteSpace())
        guard !name.isEmpty else { throw CommunityError(.invalidField, "a name is required", field: "name") }
        guard name.count <= maximumNameLength else {
            throw CommunityError(.invalidField, "a name has at most \(maximumNameLength) characters, not \(name.count)", field: "name")
        }
        guard !containsControlCharacters(name) else {
            throw CommunityError(.invalidField, "a name has no control characters or line breaks", field: "name")
        }
        return name
    }

    /// Empty means none; else a GB 11643 id (see ``NationalID``).
    static func nationalID(_ text: String?) throws -> String? {
        guard let text, !text.trimmingWhiteSpace().isEmpty else { return nil }
        return try NationalID.validated(text)
    }

    /// Empty means none; else, after removing spaces, `-`, `.`, `(` and `)` and folding full-width
    /// digits, an optional leading `+` and 6 to 20 digits.
    static func phone(_ text: String?) throws -> String? {
        guard let text else { return nil }
        let trimmed = text.trimmingWhiteSpace()
        guard !trimmed.isEmpty else { return nil }
        var out = ""
        var digits = 0
        for (i, c) in trimmed.unicodeScalars.enumerated() {
            switch c.value {
            case 0x2B where i == 0:  // "+"
                out.unicodeScalars.append(c)
            case 0x30...0x39:
                out.unicodeScalars.append(c)
                digits += 1
            case 0xFF10...0xFF19:  // full-width digits
                out.unicodeScalars.append(Unicode.Scalar(c.value - 0xFF10 + 0x30)!)
                digits += 1
            case 0x20, 0x09, 0x2D, 0x2E, 0x28, 0x29, 0x3000:  // space, tab, - . ( ), ideographic space
                continue
            default:
                throw CommunityError(
                    .invalidField, "a phone number is digits with an optional leading +, and may contain spaces - . ( )", field: "phone")
            }
        }
        guard (6...20).contains(digits) else {
            throw CommunityError(.invalidField, "a phone number has 6 to 20 digits, not \(digits)", field: "phone")
        }
        return out
    }

    /// Empty means none; else trimmed, at most 200 characters, no control characters.
    static func address(_ text: String?) throws -> String? {
        guard let text else { return nil }
        let address = String(text.trimmingWhiteSpace())
        guard !address.isEmpty else { return nil }
        guard address.count <= maximumAddressLength else {
            throw CommunityError(
                .invalidField, "an address has at most \(maximumAddressLength) characters, not \(address.count)", field: "address")
        }
        guard !containsControlCharacters(address) else {
            throw CommunityError(.invalidField, "an address has no control characters or line breaks", field: "address")
        }
        return address
    }

    /// A birth date must agree with the one written in the national id, when both are given.
    static func birthDate(_ date: CivilDate?, nationalID: String?) throws -> CivilDate? {
        if let date, let nationalID, let inID = NationalID.birthDate(in: nationalID), inID != date {
            throw CommunityError(.invalidField, "the birth date differs from the one in the national id", field: "birthDate")
        }
        return date
    }

    static func containsControlCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains { s in
            s.properties.generalCategory == .control || s == "\u{2028}" || s == "\u{2029}"
        }
    }
}
