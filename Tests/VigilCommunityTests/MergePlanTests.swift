import Testing
import VigilCommunity

@Suite struct MergePlanTests {
    let clerk = Fixture.staff("clerk-1")

    @Test func survivorKeepsItsValuesAndFillsTheRestFromTheDuplicate() throws {
        let survivor = try Fixture.person(
            "s", name: "Li Na", birth: "1990-01-01", phone: "13800138000", household: "sz/ft/xl/c07/g3/b12",
            vulnerabilities: [.pregnant], group: .key, version: 2)
        let duplicate = try Fixture.person(
            "d", name: "LI NA", nationalID: Fixture.nationalID(birth: "19900101"), phone: "13900139000", sex: .female,
            address: "Room 402", household: "sz/ft/xl/c07/g3/b12/h0402", vulnerabilities: [.chronicIllness], group: .confirmed, version: 7)
        let plan = try MergePlan.merge(
            survivor: survivor, duplicate: duplicate, by: clerk, at: 1_700_000_000, reason: "same person, checked by phone")

        #expect(plan.merged.id == survivor.id)
        #expect(plan.merged.name == "Li Na")
        #expect(plan.merged.nationalID == duplicate.nationalID)
        #expect(plan.merged.sex == .female)
        #expect(plan.merged.phone == "13800138000")
        #expect(plan.merged.address == "Room 402")
        #expect(plan.merged.household == duplicate.household)
        #expect(plan.merged.vulnerabilities == [.pregnant, .chronicIllness])
        #expect(plan.merged.group == .confirmed)
        #expect(plan.merged.version == 3)

        let record = plan.record
        #expect(record.survivor == survivor.id && record.absorbed == duplicate.id)
        #expect(record.survivorVersion == 2 && record.absorbedVersion == 7)
        #expect(record.by == clerk && record.time == 1_700_000_000 && record.reason == "same person, checked by phone")
        #expect(record.fromSurvivor == ["name", "birthDate", "phone", "vulnerabilities"])
        #expect(record.fromAbsorbed == ["nationalID", "sex", "address", "household", "vulnerabilities", "group"])
        #expect(record.conflicting == ["name", "phone"])
    }

    @Test func mergeIsDeterministic() throws {
        let a = try Fixture.person("a", name: "Wang Wei", vulnerabilities: [.elderly, .elderlyAlone, .disabled])
        let b = try Fixture.person("b", name: "Wang Wei", phone: "13800138000", vulnerabilities: [.bedridden, .child, .disabled])
        let first = try MergePlan.merge(survivor: a, duplicate: b, by: clerk, at: 5, reason: "dup")
        let second = try MergePlan.merge(survivor: a, duplicate: b, by: clerk, at: 5, reason: "dup")
        #expect(first == second)
        #expect(first.record.fromAbsorbed == ["phone", "vulnerabilities"])
        #expect(first.record.conflicting.isEmpty)
        #expect(first.merged.group == .susceptible)
    }

    @Test func refusesSameFileDifferentNationalIDsAndMissingReason() throws {
        let a = try Fixture.person("a", name: "Wang Wei", nationalID: Fixture.nationalID(sequence: "111"))
        let b = try Fixture.person("b", name: "Wang Wei", nationalID: Fixture.nationalID(sequence: "222"))
        let c = try Fixture.person("c", name: "Wang Wei")
        #expect(throws: CommunityError(.invalidTransition)) { try MergePlan.merge(survivor: a, duplicate: a, by: clerk, at: 0, reason: "x") }
        #expect(throws: CommunityError(.conflict)) { try MergePlan.merge(survivor: a, duplicate: b, by: clerk, at: 0, reason: "x") }
        #expect(Fixture.errorField { _ = try MergePlan.merge(survivor: a, duplicate: c, by: clerk, at: 0, reason: "  ") } == "reason")
    }

    @Test func aNationalIDContradictingTheSurvivorsBirthDateIsNotTaken() throws {
        let survivor = try Fixture.person("s", name: "Wang Wei", birth: "1980-01-01")
        let duplicate = try Fixture.person("d", name: "Wang Wei", nationalID: Fixture.nationalID(birth: "19810101"))
        let plan = try MergePlan.merge(survivor: survivor, duplicate: duplicate, by: clerk, at: 0, reason: "dup")
        #expect(plan.merged.nationalID == nil)
        #expect(plan.merged.birthDate == Fixture.date("1980-01-01"))
        #expect(plan.record.conflicting == ["nationalID"])
        #expect(!plan.record.fromAbsorbed.contains("nationalID"))
        // The merged file is itself valid.
        #expect(try Person(id: plan.merged.id, validating: plan.merged.draft, version: plan.merged.version) == plan.merged)
    }
}
