import Testing
@testable import VigilCommunity

@Suite struct DuplicateFinderTests {
    func finder(_ persons: [Person], marks: NotDuplicateMarks = NotDuplicateMarks()) -> DuplicateFinder {
        DuplicateFinder(persons: persons, marks: marks)
    }

    @Test func sameNationalIDIsCertainWhateverTheName() throws {
        let nid = Fixture.nationalID()
        let f = finder([try Fixture.person("a", name: "Wang Wei", nationalID: nid)])
        let found = f.candidates(for: Fixture.draft(name: "Wang Xiaowei", nationalID: nid.lowercased()))
        #expect(found == [DuplicateCandidate(person: Fixture.id("a"), score: 1.0, reasons: [.sameNationalID])])
    }

    @Test func differentNationalIDsAreNeverCandidates() throws {
        let f = finder([try Fixture.person("a", name: "Wang Wei", nationalID: Fixture.nationalID(sequence: "111"), phone: "13800138000")])
        #expect(f.candidates(for: Fixture.draft(name: "Wang Wei", nationalID: Fixture.nationalID(sequence: "222"), phone: "13800138000")).isEmpty)
    }

    @Test func sameNormalisedNameAndBirthDate() throws {
        let f = finder([try Fixture.person("a", name: "ZHANG  Wei", birth: "1980-05-06")])
        let found = f.candidates(for: Fixture.draft(name: "zhang wei", birth: "1980-05-06"))
        #expect(found == [DuplicateCandidate(person: Fixture.id("a"), score: 0.92, reasons: [.sameNameAndBirthDate])])
        // Full-width letters and spaces between ideographs do not matter.
        let g = finder([
            try Fixture.person("b", name: "张 三", birth: "1980-05-06"), try Fixture.person("c", name: "ＺＨＡＮＧ Wei", birth: "1980-05-06"),
        ])
        #expect(g.candidates(for: Fixture.draft(name: "张三", birth: "1980-05-06")).map(\.person) == [Fixture.id("b")])
        #expect(g.candidates(for: Fixture.draft(name: "Zhang Wei", birth: "1980-05-06")).map(\.person) == [Fixture.id("c")])
    }

    @Test func theBirthDateIsReadFromTheNationalIDWhenNotWritten() throws {
        let f = finder([try Fixture.person("a", name: "Li Na", nationalID: Fixture.nationalID(birth: "19750203"))])
        let found = f.candidates(for: Fixture.draft(name: "Li Na", birth: "1975-02-03"))
        #expect(found.first?.reasons == [.sameNameAndBirthDate])
    }

    @Test func similarNameWithSameBirthDate() throws {
        let f = finder([try Fixture.person("a", name: "Jonathan Smith", birth: "1970-01-01")])
        let found = f.candidates(for: Fixture.draft(name: "Jonathon Smith", birth: "1970-01-01"))
        #expect(found == [DuplicateCandidate(person: Fixture.id("a"), score: 0.80, reasons: [.similarName, .sameBirthDate])])
        #expect(f.candidates(for: Fixture.draft(name: "Jonathon Smith", birth: "1970-01-02")).isEmpty)
        #expect(f.candidates(for: Fixture.draft(name: "Mary Jones", birth: "1970-01-01")).isEmpty)
    }

    @Test func samePhoneInAnyFormatWithTheSameName() throws {
        let f = finder([try Fixture.person("a", name: "Li Na", phone: "+86 138 0013 8000")])
        let found = f.candidates(for: Fixture.draft(name: "Li Na", phone: "13800138000"))
        #expect(found == [DuplicateCandidate(person: Fixture.id("a"), score: 0.85, reasons: [.sameName, .samePhone])])
        // Family members share a phone: a phone alone is not evidence.
        #expect(f.candidates(for: Fixture.draft(name: "Li Ming", phone: "13800138000")).isEmpty)
        // Same name and phone but different birth dates: a weak candidate.
        let g = finder([try Fixture.person("b", name: "Li Na", birth: "1990-01-01", phone: "13800138000")])
        #expect(g.candidates(for: Fixture.draft(name: "Li Na", birth: "1991-01-01", phone: "13800138000")).map(\.score) == [0.60])
    }

    @Test func notDuplicateMarksSuppressCandidates() throws {
        let a = try Fixture.person("a", name: "Li Na", birth: "1990-01-01")
        let b = try Fixture.person("b", name: "Li Na", birth: "1990-01-01")
        #expect(finder([a, b]).candidates(for: a).map(\.person) == [b.id])
        var marks = NotDuplicateMarks()
        #expect(marks.insert(try PersonPair(b.id, a.id)))
        let f = finder([a, b], marks: marks)
        #expect(f.candidates(for: a).isEmpty)
        #expect(f.candidates(for: b).isEmpty)
        // A draft for a's file (an edit) is also covered; an anonymous draft is not.
        var edit = a.draft
        edit.name = "LI NA"
        #expect(f.candidates(for: edit).map(\.person) == [a.id])
        #expect(f.candidates(for: Fixture.draft(name: "Li Na", birth: "1990-01-01")).map(\.person) == [a.id, b.id])
        #expect(Fixture.errorField { _ = try PersonPair(a.id, a.id) } == "persons")
    }

    @Test func marksMoveToTheSurvivorOfAMerge() throws {
        let (x, absorbed, s) = (Fixture.id("x"), Fixture.id("absorbed"), Fixture.id("s"))
        var marks = NotDuplicateMarks([try PersonPair(x, absorbed), try PersonPair(absorbed, s)])
        marks.reassign(absorbed, to: s)
        #expect(marks.pairs == [try PersonPair(s, x)])
    }

    @Test func candidatesAreOrderedByScoreThenID() throws {
        let persons = [
            try Fixture.person("c", name: "Li Na", birth: "1990-01-01"),
            try Fixture.person("b", name: "Li Na", birth: "1990-01-01"),
            try Fixture.person("z", name: "Li Na", birth: "1990-01-01", phone: "13800138000"),
            try Fixture.person("a", name: "Li Nan", birth: "1990-01-01"),
            try Fixture.person("y", name: "Other", nationalID: Fixture.nationalID(birth: "19900101")),
        ]
        let probe = Fixture.draft(name: "Li Na", nationalID: Fixture.nationalID(birth: "19900101"), phone: "13800138000")
        let found = finder(persons).candidates(for: probe)
        #expect(found.map(\.person.rawValue) == ["y", "z", "b", "c", "a"])
        #expect(found.map(\.score) == [1.0, 0.97, 0.92, 0.92, 0.80])
        #expect(found == finder(persons.reversed()).candidates(for: probe))
    }

    @Test func insertReplacesAndRemoveForgets() throws {
        var f = finder([try Fixture.person("a", name: "Li Na", birth: "1990-01-01")])
        let probe = Fixture.draft(name: "Li Na", birth: "1990-01-01")
        #expect(f.candidates(for: probe).count == 1)
        f.insert(try Fixture.person("a", name: "Wu Gang", birth: "1990-01-01"))
        #expect(f.count == 1)
        #expect(f.candidates(for: probe).isEmpty)
        f.insert(try Fixture.person("b", name: "Li Na", birth: "1990-01-01"))
        f.remove(Fixture.id("b"))
        #expect(f.candidates(for: probe).isEmpty)
        #expect(f.count == 1)
    }

    @Test func exactKeysStillWorkWhenASharedPhoneBlockIsTooLarge() throws {
        let shared = "075588880000"
        let many = try (0..<(DuplicateFinder.maximumBlockSize + 10)).map { i in
            try Fixture.person("p\(i)", name: "Resident \(i)", phone: shared)
        }
        let f = finder(many + [try Fixture.person("target", name: "Huang Lei", phone: shared)])
        #expect(f.candidates(for: Fixture.draft(name: "Huang Lei", phone: shared)).map(\.person) == [Fixture.id("target")])
        // Similar names are looked for only in blocks up to the cap.
        #expect(f.candidates(for: Fixture.draft(name: "Huang Leii", phone: shared)).isEmpty)
    }

    /// Cross-check: blocking finds exactly what comparing all pairs finds (blocks under the cap).
    @Test func blockingAgreesWithComparingAllPairs() throws {
        var rng = SeededGenerator(seed: 42)
        let surnames = ["Li", "Wang", "Zhang", "Liu", "Chen"]
        let given = ["Na", "Nan", "Wei", "Wie", "Min", "Ming", "Jing", "Jingg"]
        func randomPerson(_ i: Int) throws -> Person {
            let name = "\(surnames.randomElement(using: &rng)!) \(given.randomElement(using: &rng)!)"
            let birth = Bool.random(using: &rng) ? "1990-01-0\(Int.random(in: 1...4, using: &rng))" : nil
            let phone = Bool.random(using: &rng) ? "1380013800\(Int.random(in: 0...5, using: &rng))" : nil
            let day = Int.random(in: 1...4, using: &rng)
            let sequence = Int.random(in: 0...2, using: &rng)
            let nid = Int.random(in: 0..<4, using: &rng) == 0 ? Fixture.nationalID(birth: "1990010\(day)", sequence: "00\(sequence)") : nil
            // Keep each file consistent: a national id fixes the birth date.
            return try Fixture.person("p\(i)", name: name, nationalID: nid, birth: nid == nil ? birth : nil, phone: phone)
        }
        let persons = try (0..<200).map(randomPerson)
        let f = finder(persons)
        var found = 0
        for person in persons {
            let expected = persons.compactMap { other -> DuplicateCandidate? in
                guard other.id != person.id,
                    let m = DuplicateRules.evaluate(MatchProfile(person.draft.withoutID), MatchProfile(other))
                else { return nil }
                return DuplicateCandidate(person: other.id, score: m.score, reasons: m.reasons)
            }.sorted { $0.score != $1.score ? $0.score > $1.score : $0.person < $1.person }
            #expect(f.candidates(for: person) == expected)
            found += expected.count
        }
        #expect(found > 200)  // the data really has many candidates
    }
}

extension PersonDraft {
    var withoutID: PersonDraft {
        var copy = self
        copy.id = nil
        return copy
    }
}
