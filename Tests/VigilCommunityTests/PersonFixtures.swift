import VigilCommunity
import VigilSurveillance

/// Builders for persons, ids and paths used across the community tests.
enum Fixture {
    /// A valid GB 11643 id for the birth date `yyyymmdd`.
    static func nationalID(region: String = "440304", birth: String = "19900101", sequence: String = "123") -> String {
        let first17 = region + birth + sequence
        return first17 + String(NationalID.checkCharacter(for: first17)!)
    }

    static func path(_ text: String = "sz/ft/xl/c07/g3/b12/h0402") -> JurisdictionPath { try! JurisdictionPath(text) }

    static func id(_ text: String) -> PersonID { try! PersonID(text) }

    static func staff(_ text: String) -> StaffID { try! StaffID(text) }

    static func date(_ text: String) -> CivilDate { CivilDate(iso8601: text)! }

    static func draft(
        name: String, nationalID: String? = nil, birth: String? = nil, phone: String? = nil, sex: Sex = .unknown,
        address: String? = nil, household: String = "sz/ft/xl/c07/g3/b12/h0402", vulnerabilities: Set<Vulnerability> = [],
        group: PersonGroup = .susceptible, id: String? = nil
    ) -> PersonDraft {
        PersonDraft(
            id: id.map(Fixture.id), nationalID: nationalID, name: name, sex: sex, birthDate: birth.map(date), phone: phone,
            address: address, household: path(household), vulnerabilities: vulnerabilities, group: group)
    }

    static func person(
        _ id: String, name: String, nationalID: String? = nil, birth: String? = nil, phone: String? = nil, sex: Sex = .unknown,
        address: String? = nil, household: String = "sz/ft/xl/c07/g3/b12/h0402", vulnerabilities: Set<Vulnerability> = [],
        group: PersonGroup = .susceptible, version: Int = 0
    ) throws -> Person {
        try Person(
            id: Fixture.id(id),
            validating: draft(
                name: name, nationalID: nationalID, birth: birth, phone: phone, sex: sex, address: address, household: household,
                vulnerabilities: vulnerabilities, group: group),
            version: version)
    }

    /// The field a `CommunityError` names, or nil when `body` does not throw one.
    static func errorField(_ body: () throws -> Void) -> String? {
        do { try body() } catch let error as CommunityError { return error.field } catch { return "unexpected \(error)" }
        return nil
    }

    static func errorMessage(_ body: () throws -> Void) -> String? {
        do { try body() } catch let error as CommunityError { return error.message } catch { return "unexpected \(error)" }
        return nil
    }
}

/// SplitMix64: a seeded generator for reproducible synthetic data.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
