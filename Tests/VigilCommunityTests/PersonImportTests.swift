import Testing
import VigilCommunity
import VigilSurveillance

@Suite struct PersonImportTests {
    let empty = DuplicateFinder()

    func plan(_ csv: String, against finder: DuplicateFinder? = nil) throws -> ImportPlan {
        try PersonImport.plan(csv: csv, against: finder ?? empty)
    }

    @Test(arguments: [
        ("", "csv", "empty"),
        ("name,household,nom,foo\n", "nom", "\"nom\", \"foo\""),
        ("name,nationalID\n", "household", "household"),
        ("name,household,Name\n", "name", "repeated"),
    ])
    func headerProblemsRefuseTheWholeFile(_ csv: String, _ field: String, _ mention: String) {
        #expect(Fixture.errorField { _ = try plan(csv) } == field)
        #expect(Fixture.errorMessage { _ = try plan(csv) }?.contains(mention) == true)
    }

    @Test func columnsMatchIgnoringCaseAndOrder() throws {
        let p = try plan(" HOUSEHOLD , Name ,birthdate\nsz/ft,王伟,1990/1/2\nsz/ft,李娜,19900103\n")
        #expect(p.new.map(\.draft.name) == ["王伟", "李娜"])
        #expect(p.new.map(\.draft.birthDate) == [Fixture.date("1990-01-02"), Fixture.date("1990-01-03")])
    }

    @Test func rowErrorsNameTheRowTheLineAndEveryBrokenField() throws {
        let csv = """
            name,household,address,phone,sex,nationalID,birthDate\r
            Wang Wei,sz/ft,"Room 1\r
            Block 2",13800138000,m,,\r
            Li Na,sz/ft,,12,x,,\r
            Zhou Jie,sz ft,,,f,,\r
            Wu Gang,sz/ft,,,,11010519491231002X,1949-12-30\r
            Short,sz/ft\r
            ,sz/ft,,,,,\r

            """
        let p = try plan(csv)
        #expect(p.total == 6)
        #expect(p.new.isEmpty)
        #expect(p.errors.map { "\($0.row)/\($0.line)/\($0.field)" } == [
            "1/2/address", "2/4/phone", "2/4/sex", "3/5/household", "4/6/birthDate", "5/7/row", "6/8/name",
        ])
        #expect(p.errors[1].description == "row 2 (line 4), phone: a phone number has 6 to 20 digits, not 2")
        #expect(!p.errors.contains { $0.message.contains("Li Na") || $0.message.contains("13800138000") })
    }

    @Test func aFileWithOneBadRowImportsNothingUnlessOnlyValidIsConfirmed() throws {
        let p = try plan("name,household,phone\nWang Wei,sz/ft,13800138000\nLi Na,sz/ft,not a phone\nZhou Jie,sz/ft,\n")
        #expect(!p.isImportable)
        #expect(throws: CommunityError(.invalidField)) { try p.rowsToImport() }
        #expect(Fixture.errorMessage { _ = try p.rowsToImport() }?.contains("1 of 3 rows") == true)
        #expect(try p.rowsToImport(.onlyValid).map(\.row) == [1, 3])
        let good = try plan("name,household\nWang Wei,sz/ft\n")
        #expect(good.isImportable)
        #expect(try good.rowsToImport().map(\.draft.name) == ["Wang Wei"])
    }

    @Test func duplicatesOfExistingAndWithinTheFileAreSetAsideUntilConfirmed() throws {
        let nid = Fixture.nationalID(birth: "19800101")
        let existing = DuplicateFinder(persons: [try Fixture.person("e1", name: "Chen Jing", birth: "1985-03-04")])
        let csv = """
            name,household,nationalID,birthDate
            Wang Wei,sz/ft,\(nid),
            chen  jing,sz/ft,,1985-03-04
            WANG WEI,sz/ft/xl,\(nid.lowercased()),1980-01-01
            Zhou Jie,sz/ft,,

            """
        let p = try PersonImport.plan(csv: csv, against: existing)
        #expect(p.new.map(\.row) == [1, 4])
        #expect(p.duplicatesOfExisting.map(\.row.row) == [2])
        #expect(p.duplicatesOfExisting[0].candidates == [DuplicateCandidate(person: Fixture.id("e1"), score: 0.92, reasons: [.sameNameAndBirthDate])])
        #expect(p.duplicatesWithinFile.count == 1)
        let within = try #require(p.duplicatesWithinFile.first)
        #expect((within.row.row, within.ofRow, within.score) == (3, 1, 1.0))
        #expect(within.reasons == [.sameNationalID, .sameNameAndBirthDate])
        #expect(try p.rowsToImport().map(\.row) == [1, 4])
        #expect(try p.rowsToImport(confirming: [3, 2]).map(\.row) == [1, 2, 3, 4])
        #expect(Fixture.errorField { _ = try p.rowsToImport(confirming: [4]) } == "row")

        #expect(p.duplicatesReport() == """
            row,line,kind,candidate,score,reasons\r
            2,3,existing,e1,0.92,same-name-and-birth-date\r
            3,4,file,1,1.00,same-national-id;same-name-and-birth-date\r

            """)
    }

    @Test func exportThenImportGivesTheSamePersons() throws {
        let persons = [
            try Fixture.person(
                "p-1", name: "王伟", nationalID: Fixture.nationalID(birth: "19491231"), birth: "1949-12-31", phone: "+8613800138000",
                sex: .male, address: "Room 402, \"Garden\" block", vulnerabilities: Set(Vulnerability.allCases), group: .confirmed),
            try Fixture.person("p-2", name: "Li Na", household: "sz"),
            try Fixture.person("p.3", name: "Zhou, Jie", sex: .female, household: "sz/ft/xl/c07/g3", group: .key),
        ]
        let csv = PersonCSV.export(persons, byteOrderMark: true)
        #expect(csv.hasPrefix("\u{FEFF}id,nationalID,name,sex,birthDate,phone,address,household,vulnerabilities,group\r\n"))
        let p = try plan(csv)
        #expect(p.errors.isEmpty && p.duplicatesOfExisting.isEmpty && p.duplicatesWithinFile.isEmpty)
        let back = try p.rowsToImport().map { try Person(id: #require($0.draft.id), validating: $0.draft) }
        #expect(back == persons)
        // Imported again over the same persons, every row is the same file.
        let again = try plan(csv, against: DuplicateFinder(persons: persons))
        #expect(again.new.isEmpty)
        #expect(again.duplicatesOfExisting.map { $0.candidates.first?.reasons.first } == [.sameID, .sameID, .sameID])
    }

    @Test func progressIsReportedAtMostAHundredTimesEndingWithTheTotal() throws {
        let rows = (0..<1234).map { "P\($0),sz/ft\n" }.joined()
        var calls: [(Int, Int)] = []
        let p = try PersonImport.plan(csv: "name,household\n" + rows, against: empty) { calls.append(($0, $1)) }
        #expect(p.total == 1234)
        #expect(calls.count <= 100 && calls.count >= 90)
        #expect(calls.last! == (1234, 1234))
        #expect(zip(calls, calls.dropFirst()).allSatisfy { $0.0 < $1.0 })
        var small: [Int] = []
        _ = try PersonImport.plan(csv: "name,household\nA,sz\nB,sz\n", against: empty) { processed, _ in small.append(processed) }
        #expect(small == [1, 2])
    }

    /// 20,000 rows against 20,000 persons: only the planted duplicates and the planted error are
    /// reported. (Correctness only; timing belongs to the benchmarks.)
    @Test func plansTwentyThousandRowsAgainstTwentyThousandPersons() throws {
        let n = 20_000
        let firstDay = CivilDate(year: 1900, month: 1, day: 1).daysSinceEpoch
        var rng = SeededGenerator(seed: 7)
        let syllables = ["an", "bo", "chen", "da", "fei", "gang", "hua", "jie", "kai", "lan", "ming", "na", "ping", "qiang", "rui", "song"]
        func name() -> String {
            (0..<3).map { _ in syllables.randomElement(using: &rng)! }.joined().capitalized(first: true)
        }
        func compact(_ date: CivilDate) -> String { date.description.replacingDashes() }
        // Every file has its own birth date and phone, so only planted rows can match.
        func person(_ i: Int) -> (nid: String, name: String, birth: CivilDate, phone: String) {
            let birth = CivilDate(daysSinceEpoch: firstDay + i)
            return (Fixture.nationalID(birth: compact(birth), sequence: "001"), name(), birth, "139\(10_000_000 + i)")
        }
        let existingRecords = (0..<n).map(person)
        let existing = DuplicateFinder(
            persons: try existingRecords.enumerated().map { i, r in
                try Fixture.person("e\(i)", name: r.name, nationalID: i.isMultiple(of: 2) ? r.nid : nil, birth: r.birth.description, phone: r.phone)
            })
        var lines = ["nationalID,name,birthDate,phone,household"]
        for j in 0..<n {
            let r = person(n + j)
            var row = [j.isMultiple(of: 3) ? r.nid : "", r.name, r.birth.description, r.phone, "sz/ft/xl/c07"]
            switch j + 1 {
            case 100: row = [existingRecords[4].nid, "Someone Else", "", "", "sz/ft"]  // e4 has the national id
            case 200: row = ["", existingRecords[17].name.uppercased(), existingRecords[17].birth.description, "", "sz/ft"]
            case 300: row = ["", existingRecords[33].name, "", "+86 " + existingRecords[33].phone, "sz/ft"]
            case 400: row[0] = ""; row[1] = "Dup Of Ten"; row[2] = person(n + 9).birth.description; row[3] = person(n + 9).phone
            case 10: row[1] = "Dup Of Ten"
            case 500: row[3] = "12"
            default: break
            }
            lines.append(row.joined(separator: ","))
        }
        let p = try PersonImport.plan(csv: lines.joined(separator: "\n"), against: existing)
        #expect(p.total == n)
        #expect(p.errors == [RowError(row: 500, line: 501, field: "phone", message: "a phone number has 6 to 20 digits, not 2")])
        #expect(p.duplicatesOfExisting.map(\.row.row) == [100, 200, 300])
        #expect(p.duplicatesOfExisting.map { $0.candidates.map(\.person.rawValue) } == [["e4"], ["e17"], ["e33"]])
        #expect(p.duplicatesOfExisting.map { $0.candidates[0].reasons } == [[.sameNationalID], [.sameNameAndBirthDate], [.sameName, .samePhone]])
        #expect(p.duplicatesWithinFile.map { "\($0.row.row)->\($0.ofRow)" } == ["400->10"])
        #expect(p.new.count == n - 5)
    }
}

extension String {
    fileprivate func capitalized(first: Bool) -> String { prefix(1).uppercased() + dropFirst() }
    fileprivate func replacingDashes() -> String { String(filter { $0 != "-" }) }
}
