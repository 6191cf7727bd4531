import Testing
import VigilCommunity

@Suite struct JurisdictionTests {
    @Test func aPathKnowsItsLevelParentAndAncestors() throws {
        let household = try JurisdictionPath("sz/ft/xl/c07/g3/b12/h0402")
        #expect(household.level == .household)
        #expect(household.parent?.description == "sz/ft/xl/c07/g3/b12")
        #expect(household.ancestor(at: .community)?.description == "sz/ft/xl/c07")
        #expect(try JurisdictionPath("sz").ancestor(at: .district) == nil)
        #expect(try JurisdictionPath("sz").parent == nil)
    }

    @Test func containmentIsByWholeComponentsNotTextPrefix() throws {
        let community = try JurisdictionPath("sz/ft/xl/c07")
        #expect(community.contains(try JurisdictionPath("sz/ft/xl/c07/g3")))
        #expect(community.contains(community))
        #expect(!community.contains(try JurisdictionPath("sz/ft/xl/c070")))
        #expect(!community.contains(try JurisdictionPath("sz/ft/xl")))
    }

    @Test(arguments: ["", "a//b", "a/b/c/d/e/f/g/h", "a/b c", "a/\(String(repeating: "x", count: 33))"])
    func badPathsAreRefusedNamingTheField(_ text: String) {
        #expect(throws: CommunityError(.invalidField)) { try JurisdictionPath(text) }
        #expect((try? JurisdictionPath(text)) == nil)
        do { _ = try JurisdictionPath(text) } catch let error as CommunityError { #expect(error.field == "jurisdiction") } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
