import Testing
import VigilOutbreak

@Suite struct CityTests {
    @Test func samePlanGivesIdenticalCity() {
        let first = Support.city(seed: 42)
        let second = Support.city(seed: 42)
        #expect(first == second)
    }

    @Test func differentSeedGivesDifferentCity() {
        let first = Support.city(seed: 1)
        let second = Support.city(seed: 2)
        #expect(first != second)
        #expect(first.residents.map(\.name) != second.residents.map(\.name))
    }

    @Test(arguments: [
        (CityPlan(seed: 1, residents: 10), "residents 10 is outside 50...200000"),
        (CityPlan(seed: 1, residents: 300_000), "residents 300000 is outside 50...200000"),
        (CityPlan(seed: 1, communities: 0), "communities 0 is outside 1...26"),
        (CityPlan(seed: 1, communities: 27), "communities 27 is outside 1...26"),
        (CityPlan(seed: 1, residents: 100, communities: 6), "fewer than 20 per community"),
    ])
    func invalidPlansAreRejectedWithClearMessages(_ plan: CityPlan, _ expected: String) {
        #expect(throws: OutbreakError(.invalidPlan)) { try City.generate(plan) }
        do {
            _ = try City.generate(plan)
        } catch {
            #expect(error.message.contains(expected), "\(error)")
            #expect(error.description.hasPrefix("OutbreakError.invalidPlan: "))
        }
    }

    @Test func smallestAndTightPlansGenerate() throws {
        let tight = try City.generate(CityPlan(seed: 3, residents: 120, communities: 6))
        #expect(tight.residents.count == 120)
        #expect(tight.communities.map(\.residents.count) == Array(repeating: 20, count: 6))
        let single = try City.generate(CityPlan(seed: 3, residents: 50, communities: 1))
        #expect(single.residents.count == 50)
    }

    @Test func everyResidentIsInExactlyOneHouseholdOfOneToFive() {
        let city = Support.city(seed: 7)
        var seen = Array(repeating: 0, count: city.residents.count)
        for (index, household) in city.households.enumerated() {
            #expect(household.index == index)
            #expect((1...5).contains(household.members.count))
            for member in household.members {
                seen[member] += 1
                #expect(city.residents[member].household == index)
                #expect(city.residents[member].community == household.community)
                #expect(city.residents[member].building == household.building)
                #expect(city.residents[member].grid == household.grid)
            }
        }
        #expect(seen.allSatisfy { $0 == 1 })
        #expect(city.residents.map(\.id) == Array(0..<2000))
    }

    @Test func householdSizesAndAgesArePlausible() {
        let city = Support.city(seed: 11, residents: 20_000, communities: 10)
        let sizes = city.households.map(\.members.count)
        let singles = Double(sizes.filter { $0 == 1 }.count) / Double(sizes.count)
        let twoOrThree = Double(sizes.filter { $0 == 2 || $0 == 3 }.count) / Double(sizes.count)
        #expect((0.2...0.3).contains(singles), "\(singles)")
        #expect(twoOrThree > 0.45)
        let ages = city.residents.map(\.age)
        #expect(ages.allSatisfy { (0...95).contains($0) })
        #expect(ages.contains { $0 < 5 } && ages.contains { $0 >= 85 })
        let children = Double(ages.filter { $0 < 18 }.count) / Double(ages.count)
        let elderly = Double(ages.filter { $0 >= 65 }.count) / Double(ages.count)
        #expect((0.1...0.3).contains(children), "\(children)")
        #expect((0.08...0.3).contains(elderly), "\(elderly)")
        #expect(city.residents.allSatisfy { $0.birthYear == 2025 - $0.age })
    }

    @Test func identifiersAreUniqueAndWellFormed() {
        let city = Support.city(seed: 5, residents: 20_000, communities: 8)
        let ids = city.residents.map(\.nationalID)
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.count == 18 })
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let table = Array("10X98765432")
        for id in ids.prefix(500) {
            let digits = id.prefix(17).compactMap(\.wholeNumberValue)
            #expect(digits.count == 17)
            let sum = zip(digits, weights).map { $0 * $1 }.reduce(0, +)
            #expect(id.last == table[sum % 11], "\(id)")
        }
        for resident in city.residents.prefix(500) {
            let date = resident.birthDate.split(separator: "-").joined()
            #expect(resident.nationalID.dropFirst(6).prefix(8) == date[...], "\(resident.birthDate) \(resident.nationalID)")
            #expect(resident.nationalID.dropFirst(16).first?.wholeNumberValue.map { $0 % 2 == 1 } == (resident.sex == .male))
        }
        let phones = city.residents.map(\.phone)
        #expect(Set(phones).count == phones.count)
        #expect(phones.allSatisfy { $0.count == 11 && $0.allSatisfy(\.isNumber) })
        let venueIDs = city.venues.map(\.id)
        #expect(Set(venueIDs).count == venueIDs.count)
    }

    @Test func communitiesHaveSlugsNamesGridsAndAClinic() {
        let city = Support.city(seed: 9, residents: 6000, communities: 16)
        #expect(city.communities.map(\.slug) == (1...16).map { "c\($0)" })
        #expect(city.communities[0].name == "Riverside")
        #expect(city.communities[14].name == "Riverside 2")
        #expect(Set(city.communities.map(\.name)).count == 16)
        for community in city.communities {
            let clinics = city.venues.filter { $0.kind == .clinic && $0.community == community.index }
            #expect(clinics.count == 1)
            #expect(city.clinics[community.index] == city.venueIndex(id: "\(community.slug)-clinic"))
            #expect(city.venues.contains { $0.kind == .market && $0.community == community.index })
            let workplaces = city.venues.filter { $0.kind == .workplace && $0.community == community.index }.count
            #expect((1...3).contains(workplaces))
            #expect(community.grids.count == max(1, (community.residents.count + 75) / 150))
            #expect(community.buildings.allSatisfy { community.grids.contains($0.grid) })
        }
        #expect(city.venue(id: "district-hospital")?.kind == .hospital)
        #expect(city.venue(id: "district-hospital")?.community == nil)
        #expect(city.venues[city.transitHub].kind == .transitHub)
        for venue in city.venues {
            #expect(venue.checkpoint == [.market, .school, .clinic, .hospital, .transitHub].contains(venue.kind))
        }
    }

    @Test func vulnerabilitiesFollowTheirDefinitions() {
        let city = Support.city(seed: 13, residents: 20_000, communities: 10)
        for resident in city.residents {
            let alone = city.households[resident.household].members.count == 1
            #expect(resident.vulnerabilities.contains(.elderlyAlone) == (resident.age >= 70 && alone))
            if resident.vulnerabilities.contains(.pregnant) {
                #expect(resident.sex == .female && (20...40).contains(resident.age))
            }
        }
        let count = { (v: Vulnerability) in city.residents.filter { $0.vulnerabilities.contains(v) }.count }
        #expect(count(.elderlyAlone) > 0)
        #expect((200...600).contains(count(.disabled)), "\(count(.disabled))")
        #expect((1000...2400).contains(count(.chronic)), "\(count(.chronic))")
        #expect(count(.pregnant) > 0)
    }

    @Test func volunteersAreAboutOnePercentOfWorkingAgeAdults() {
        let city = Support.city(seed: 17, residents: 20_000, communities: 10)
        let volunteers = city.volunteers
        let adults = city.residents.filter { (18...65).contains($0.age) }.count
        #expect(volunteers.allSatisfy { (18...65).contains($0.age) && !$0.volunteerSkills.isEmpty })
        #expect(city.residents.filter { !$0.isVolunteer }.allSatisfy { $0.volunteerSkills.isEmpty })
        let share = Double(volunteers.count) / Double(adults)
        #expect((0.005...0.02).contains(share), "\(share)")
        #expect(Set(volunteers.flatMap(\.volunteerSkills)) == Set(VolunteerSkill.allCases))
        #expect(VolunteerSkill.allCases.map(\.rawValue) == ["delivery", "door-to-door", "escort", "driving"])
    }

    @Test func routinesMatchAgesAndPointAtRealVenues() {
        let city = Support.city(seed: 19)
        var workers = 0
        var adults = 0
        for resident in city.residents {
            #expect(resident.routine.allSatisfy { city.venues.indices.contains($0.venue) })
            let kinds = resident.routine.map { city.venues[$0.venue].kind }
            if (6...17).contains(resident.age) {
                #expect(kinds.contains(.school))
                #expect(resident.routine.contains { city.venues[$0.venue].kind == .school && city.venues[$0.venue].community == resident.community })
            }
            if (18...64).contains(resident.age) {
                adults += 1
                if resident.routine.contains(where: { $0.durationMinutes >= 480 }) { workers += 1 }
            }
            #expect(kinds.contains(.market) || kinds.contains(.school))
            let starts = resident.routine.map(\.startMinute)
            #expect(starts == starts.sorted())
        }
        let share = Double(workers) / Double(adults)
        #expect((0.5...0.7).contains(share), "\(share)")
    }
}
