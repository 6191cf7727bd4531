import Foundation
import Testing
import VigilCommunity
import VigilSurveillance

@Suite struct PersonTests {
    @Test(arguments: ["11010519491231002X", "440304199001011233", "11010119900307803X", "32010619851212001X"])
    func checkCharacterOfPublishedIDsIsAccepted(_ id: String) throws {
        #expect(NationalID.checkCharacter(for: id.prefix(17)) == id.last)
        #expect(try NationalID.validated(id) == id)
    }

    @Test func lowercaseXAndSurroundingSpacesAreNormalised() throws {
        #expect(try NationalID.validated(" 11010519491231002x ") == "11010519491231002X")
        #expect(NationalID.birthDate(in: "11010519491231002X") == Fixture.date("1949-12-31"))
    }

    @Test(arguments: [
        ("110105194912310021", "check character"),  // last digit changed
        ("110105194912310029", "check character"),
        ("11010519491231002", "18 characters"),
        ("110105194912310020X", "18 characters"),
        ("1101051949123100AX", "digits"),
        ("110105194902300020", "date"),  // 30 February
    ])
    func brokenIDsAreRefusedNamingThePart(_ id: String, _ part: String) {
        #expect(!NationalID.isValid(id))
        #expect(Fixture.errorField { _ = try NationalID.validated(id) } == "nationalID")
        #expect(Fixture.errorMessage { _ = try NationalID.validated(id) }?.contains(part) == true)
    }

    @Test func invalidDateIDWithRightCheckCharacterFailsOnTheDate() {
        let id = Fixture.nationalID(birth: "19900230")
        #expect(Fixture.errorMessage { _ = try NationalID.validated(id) }?.contains("date") == true)
    }

    @Test(arguments: [
        (Fixture.draft(name: "  "), "name"),
        (Fixture.draft(name: "Wang\nWei"), "name"),
        (Fixture.draft(name: String(repeating: "王", count: 101)), "name"),
        (Fixture.draft(name: "Wang Wei", nationalID: "110105194912310021"), "nationalID"),
        (Fixture.draft(name: "Wang Wei", phone: "12345"), "phone"),
        (Fixture.draft(name: "Wang Wei", phone: "138-0013-800a"), "phone"),
        (Fixture.draft(name: "Wang Wei", phone: "138+0013"), "phone"),
        (Fixture.draft(name: "Wang Wei", address: "Room 1\u{7}"), "address"),
        (Fixture.draft(name: "Wang Wei", nationalID: "11010519491231002X", birth: "1949-12-30"), "birthDate"),
    ])
    func invalidDraftsNameTheirJSONField(_ draft: PersonDraft, _ field: String) {
        #expect(throws: CommunityError(.invalidField)) { try Person(id: Fixture.id("p1"), validating: draft) }
        #expect(Fixture.errorField { _ = try draft.validated() } == field)
    }

    @Test func validationNormalisesTheFields() throws {
        let person = try Person(
            id: Fixture.id("p1"),
            validating: Fixture.draft(
                name: "  王 伟 ", nationalID: "11010519491231002x", birth: "1949-12-31", phone: " +86 (138) 0013-8000 ", address: "  "))
        #expect(person.name == "王 伟")
        #expect(person.nationalID == "11010519491231002X")
        #expect(person.phone == "+8613800138000")
        #expect(person.address == nil)
        #expect(person.version == 0)
        #expect(try PersonDraft(name: "x", phone: "１３８００１３８０００", household: Fixture.path()).validated().phone == "13800138000")
    }

    @Test func jsonRoundTripsAndIsCanonical() throws {
        let person = try Fixture.person(
            "p-1", name: "Li Na", nationalID: Fixture.nationalID(), birth: "1990-01-01", phone: "13800138000", sex: .female,
            vulnerabilities: [.pregnant, .chronicIllness, .elderlyAlone], group: .key, version: 3)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(person)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains(#""vulnerabilities":["chronic-illness","elderly-alone","pregnant"]"#))
        #expect(json.contains(#""birthDate":"1990-01-01""#))
        #expect(json.contains(#""version":3"#))
        #expect(!json.contains("address"))
        #expect(try JSONDecoder().decode(Person.self, from: data) == person)
    }

    @Test func decodingValidatesLikeTheInitialiser() {
        let badDate = #"{"id":"p1","name":"A","household":"sz","birthDate":"1990-13-01","version":0}"#
        let badPhone = #"{"id":"p1","name":"A","household":"sz","phone":"12","version":0}"#
        #expect(Fixture.errorField { _ = try JSONDecoder().decode(Person.self, from: Data(badDate.utf8)) } == "birthDate")
        #expect(Fixture.errorField { _ = try JSONDecoder().decode(Person.self, from: Data(badPhone.utf8)) } == "phone")
        #expect(Fixture.errorField { _ = try JSONDecoder().decode(PersonID.self, from: Data(#""a/b""#.utf8)) } == "id")
    }

    @Test func anUpdateIsOneVersionLaterAndKeepsTheID() throws {
        let person = try Fixture.person("p1", name: "Li Na", version: 4)
        var draft = person.draft
        draft.group = .confirmed
        let updated = try person.updated(from: draft)
        #expect(updated.version == 5)
        #expect(updated.group == .confirmed)
        #expect(updated.id == person.id)
        draft.id = Fixture.id("p2")
        #expect(Fixture.errorField { _ = try person.updated(from: draft) } == "id")
    }

    @Test(arguments: ["", "a b", "a/b", String(repeating: "x", count: 65)])
    func badPersonIDsAreRefused(_ text: String) {
        #expect(Fixture.errorField { _ = try PersonID(text) } == "id")
        #expect(Fixture.errorField { _ = try StaffID(text) } == "staff")
    }
}

/// The ASCII paths of national-id normalisation and white-space trimming agree with the Unicode rule.
@Suite struct NationalIDFastPathTests {
    @Test(arguments: [
        "11010519491231002x", " 11010519491231002x ", "11010519491231002X", "\u{3000}11010519491231002X", "ａbc", "abc\u{301}",
        "x\u{301}", "\t a \n", "a\r\n", "ﬁx", "straße", "", " ", "a", "A b", "é", "e\u{301}x",
    ])
    func normalisationAgreesWithTheUnicodeRule(_ text: String) {
        let trimmed = text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed()
        #expect(NationalID.normalised(text) == String(trimmed).uppercased())
    }

    @Test func birthDatesComeFromTheDigits() {
        for birth in ["19491231", "20000229", "19000228", "20240101"] {
            let id = Fixture.nationalID(birth: birth)
            let expected = CivilDate(
                year: Int(birth.prefix(4))!, month: Int(birth.dropFirst(4).prefix(2))!, day: Int(birth.suffix(2))!)
            #expect(NationalID.birthDate(in: id) == expected)
        }
        for birth in ["19000229", "20231301", "20230100", "20230431"] {
            #expect(NationalID.birthDate(in: Fixture.nationalID(birth: birth)) == nil)
        }
    }
}
