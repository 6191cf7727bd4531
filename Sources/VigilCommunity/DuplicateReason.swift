/// Why two files may be the same person. Raw values are what JSON and the duplicates report carry.
public enum DuplicateReason: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// The same person id (a re-imported export, an update).
    case sameID = "same-id"
    /// The same national id.
    case sameNationalID = "same-national-id"
    /// The same normalised name and the same birth date.
    case sameNameAndBirthDate = "same-name-and-birth-date"
    /// The same normalised name (birth dates unknown on one side or different).
    case sameName = "same-name"
    /// Normalised names with a Jaro-Winkler similarity of at least
    /// ``DuplicateFinder/similarNameThreshold``.
    case similarName = "similar-name"
    /// The same birth date (written, or read from the national id), with a similar name.
    case sameBirthDate = "same-birth-date"
    /// The same normalised phone number.
    case samePhone = "same-phone"

    var rank: Int { Self.allCases.firstIndex(of: self)! }

    /// Declaration order, strongest evidence first.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}
