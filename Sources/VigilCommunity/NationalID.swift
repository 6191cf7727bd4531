public import VigilSurveillance

/// The rule for national ids: the 18-character citizen identification number of GB 11643-1999.
///
/// Characters 1-6 are the address code, 7-14 the birth date `YYYYMMDD`, 15-17 a sequence number
/// (odd for men), and 18 a check character computed with ISO 7064 MOD 11-2 over the first 17:
/// the weights are `2^(17-i) mod 11`, and the remainder of the weighted sum modulo 11 selects one of
/// `1 0 X 9 8 7 6 5 4 3 2`. Only this form is accepted: the old 15-digit numbers and passport or
/// other foreign numbers are refused (record those in `address` notes until a typed id is added).
public enum NationalID {
    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checkCharacters: [UInt8] = Array("10X98765432".utf8)

    /// The check character for the first 17 characters, or nil when they are not 17 ASCII digits.
    public static func checkCharacter(for first17: some StringProtocol) -> Character? {
        let digits = Array(first17.utf8)
        guard digits.count == 17, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        var sum = 0
        for (digit, weight) in zip(digits, weights) { sum += Int(digit - 0x30) * weight }
        return Character(Unicode.Scalar(checkCharacters[sum % 11]))
    }

    /// The id with surrounding white space removed and a lowercase `x` raised.
    public static func normalised(_ text: some StringProtocol) -> String {
        // Printable ASCII without spaces (every well-formed id) needs no trimming, and only
        // `a`-`z` change case; anything else takes the Unicode path.
        if text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            if !text.utf8.contains(where: { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) { return String(text) }
            return String(decoding: text.utf8.map { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") ? $0 - 0x20 : $0 }, as: UTF8.self)
        }
        return String(text.trimmingWhiteSpace()).uppercased()
    }

    /// Checks a normalised id and returns it.
    /// - Throws: ``CommunityError/Code/invalidField`` (field `nationalID`) naming the broken part:
    ///   length, characters, birth date or check character. The message never repeats the id.
    public static func validated(_ text: some StringProtocol) throws -> String {
        let id = normalised(text)
        let bytes = Array(id.utf8)
        guard bytes.count == 18 else {
            throw CommunityError(.invalidField, "a national id has 18 characters (GB 11643), not \(id.count)", field: "nationalID")
        }
        guard let check = checkCharacter(for: id.prefix(17)) else {
            throw CommunityError(.invalidField, "the first 17 characters of a national id are digits", field: "nationalID")
        }
        guard birthDate(inDigits: bytes) != nil else {
            throw CommunityError(.invalidField, "characters 7-14 of the national id are not a valid date YYYYMMDD", field: "nationalID")
        }
        guard Character(Unicode.Scalar(bytes[17])) == check else {
            throw CommunityError(.invalidField, "the national id's check character is wrong (ISO 7064 MOD 11-2)", field: "nationalID")
        }
        return id
    }

    /// Whether the text is a valid id once normalised.
    public static func isValid(_ text: some StringProtocol) -> Bool { (try? validated(text)) != nil }

    /// The birth date written in a valid id (characters 7-14), or nil when the id is not valid.
    public static func birthDate(in text: some StringProtocol) -> CivilDate? {
        guard let id = try? validated(text) else { return nil }
        return birthDate(inDigits: Array(id.utf8))
    }

    /// The date `YYYYMMDD` in characters 7-14, or nil when they are not digits of a real date.
    static func birthDate(inDigits bytes: [UInt8]) -> CivilDate? {
        guard bytes.count >= 14 else { return nil }
        var value = 0
        for byte in bytes[6..<14] {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return CivilDate.checked(year: value / 10_000, month: value / 100 % 100, day: value % 100)
    }
}

extension StringProtocol {
    /// The text without leading and trailing white space (Unicode `White_Space`).
    func trimmingWhiteSpace() -> SubSequence {
        // Text whose first and last characters are printable ASCII other than a space (most
        // text) has nothing to trim.
        if let first = first?.asciiValue, let last = last?.asciiValue, (0x21..<0x7F).contains(first), (0x21..<0x7F).contains(last) {
            return self[startIndex..<endIndex]
        }
        guard let start = firstIndex(where: { !$0.isWhitespace }) else { return self[endIndex..<endIndex] }
        let end = lastIndex(where: { !$0.isWhitespace })!
        return self[start...end]
    }
}
