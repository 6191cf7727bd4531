/// Finds the existing persons a new or changed file may duplicate, without comparing all pairs.
///
/// Names are normalised (lower case, full-width folded, white space collapsed and removed next to
/// ideographs) and compared by ``JaroWinkler``; phones are compared as digits without `+86`;
/// a birth date missing from a file is read from its national id. Scores:
///
/// | Evidence                                                   | Score |
/// |------------------------------------------------------------|-------|
/// | same person id, or same national id                        | 1.00  |
/// | same name, same birth date, same phone                     | 0.97  |
/// | same name, same birth date                                 | 0.92  |
/// | similar name, same birth date, same phone                  | 0.85  |
/// | same name, same phone (a birth date unknown)               | 0.85  |
/// | similar name, same birth date                              | 0.80  |
/// | similar name, same phone (a birth date unknown)            | 0.75  |
/// | same name, same phone, different birth dates               | 0.60  |
/// | similar name, same phone, different birth dates            | 0.50  |
///
/// "Similar" is a Jaro-Winkler similarity of at least ``similarNameThreshold`` (0.90). Files with
/// *different* national ids are never candidates, nor are files whose only common evidence is a
/// phone or a birth date (family members share phones). Pairs in ``marks`` are never proposed.
///
/// Lookups use blocking keys (person id; national id; name + birth date; name + phone; and for
/// similar names birth date and phone, each skipped when shared by more than
/// ``maximumBlockSize`` files), so building is O(n) and a lookup O(block size).
public struct DuplicateFinder: Sendable {
    /// The Jaro-Winkler similarity from which two normalised names count as similar.
    public static let similarNameThreshold = DuplicateRules.similarNameThreshold
    /// Birth-date and phone blocks larger than this are not searched for similar names.
    public static let maximumBlockSize = MatchIndex<PersonID>.maximumBlockSize

    private var index = MatchIndex<PersonID>()
    /// Pairs confirmed not to be duplicates.
    public var marks: NotDuplicateMarks

    /// Indexes `persons` (a later person with the same id replaces an earlier one).
    public init(persons: some Sequence<Person> = [Person](), marks: NotDuplicateMarks = NotDuplicateMarks()) {
        self.marks = marks
        for person in persons { insert(person) }
    }

    /// The number of persons indexed.
    public var count: Int { index.count }

    /// Adds a person, or replaces the one with the same id (after an update or a merge).
    public mutating func insert(_ person: Person) { index.insert(MatchProfile(person), for: person.id) }

    /// Removes a person (absorbed by a merge, deleted).
    public mutating func remove(_ id: PersonID) { index.remove(id) }

    /// The indexed persons that may be the person `draft` describes, best first (score
    /// descending, then id). A draft with an ``PersonDraft/id`` finds that person with reason
    /// ``DuplicateReason/sameID``, and its marks apply.
    public func candidates(for draft: PersonDraft) -> [DuplicateCandidate] {
        candidates(MatchProfile(draft))
    }

    /// The indexed persons, other than `person` itself, that may be the same person, best first.
    public func candidates(for person: Person) -> [DuplicateCandidate] {
        var profile = MatchProfile(person)
        profile.id = nil  // the person itself is excluded below, not reported as the same id
        return candidates(profile, excluding: person.id, marksFor: person.id)
    }

    func candidates(_ profile: MatchProfile, excluding: PersonID? = nil, marksFor: PersonID? = nil) -> [DuplicateCandidate] {
        let subject = marksFor ?? profile.id
        return index.matches(for: profile, excluding: excluding) { other in subject.map { marks.contains($0, other) } ?? false }
            .map { DuplicateCandidate(person: $0.key, score: $0.score, reasons: $0.reasons) }
    }
}
