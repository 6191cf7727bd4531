import Testing
import VigilCommunity

@Suite struct ResponsibilityTests {
    let building = "sz/ft/xl/c07/g3/b12"

    func responsibility(_ level: ResponsibilityLevel, _ staff: String, _ scope: String) throws -> Responsibility {
        try Responsibility(level: level, staff: Fixture.staff(staff), scope: Fixture.path(scope))
    }

    @Test func chainIsNearestFirstAndPrefersTheDeepestScopeAtEachLevel() throws {
        let all = [
            try responsibility(.community, "chen", "sz/ft/xl/c07"),
            try responsibility(.building, "zhao", building),
            try responsibility(.building, "qian", "sz/ft/xl/c07/g3/b13"),
            try responsibility(.partyMember, "sun", building),
            try responsibility(.partyMember, "li", building + "/h0402"),
            try responsibility(.partyMember, "zhou", building + "/h0402"),
            try responsibility(.unit, "wu", building + "/h0402"),
        ]
        let chain = Responsibility.chain(for: Fixture.path(building + "/h0402"), in: all)
        #expect(chain.map(\.staff.rawValue) == ["li", "zhou", "wu", "zhao", "chen"])
        #expect(chain.map(\.level) == [.partyMember, .partyMember, .unit, .building, .community])

        let neighbour = Responsibility.chain(for: Fixture.path(building + "/h0501"), in: all)
        #expect(neighbour.map(\.staff.rawValue) == ["sun", "zhao", "chen"])
        #expect(Responsibility.chain(for: Fixture.path("sz/ft/xl/c08/g1"), in: all).isEmpty)
        // A person registered at building level is covered by the building's people, not a household's.
        #expect(Responsibility.chain(for: Fixture.path(building), in: all).map(\.staff.rawValue) == ["sun", "zhao", "chen"])
    }

    @Test(arguments: [
        (ResponsibilityLevel.community, "sz/ft/xl/c07/g3"),
        (.building, "sz/ft/xl/c07"),
        (.partyMember, "sz/ft/xl/c07/g3"),
        (.unit, "sz/ft"),
    ])
    func scopeMustFitTheLevel(_ level: ResponsibilityLevel, _ scope: String) {
        #expect(Fixture.errorField { _ = try Responsibility(level: level, staff: Fixture.staff("s"), scope: Fixture.path(scope)) } == "scope")
    }

    @Test func staffNamesFollowThePersonRules() throws {
        #expect(try Staff(id: Fixture.staff("s1"), name: " Chen Jing ", phone: "0755-1234 5678").phone == "075512345678")
        #expect(Fixture.errorField { _ = try Staff(id: Fixture.staff("s1"), name: "") } == "name")
    }
}
