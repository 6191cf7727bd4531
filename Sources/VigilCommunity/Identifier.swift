/// The rule shared by record identifiers (``PersonID``, ``StaffID``): 1 to 64 bytes of
/// `a-z A-Z 0-9 - _ .`, so that ids are safe in paths, CSV files and log lines (a UUID fits).
enum Identifier {
    static let maximumLength = 64

    static func isValid(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= maximumLength
            && text.utf8.allSatisfy { c in
                (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F || c == 0x2E
            }
    }

    static func validated(_ text: String, field: String) throws -> String {
        guard isValid(text) else {
            throw CommunityError(
                .invalidField, "an id is 1-\(maximumLength) of a-z A-Z 0-9 - _ . (got \(text.utf8.count) bytes)", field: field)
        }
        return text
    }
}
