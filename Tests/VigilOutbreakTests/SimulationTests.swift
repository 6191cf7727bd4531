import Testing
import VigilOutbreak

@Suite struct SimulationTests {
    @Test func sameSeedGivesIdenticalReports() {
        let city = Support.city(seed: 21)
        let (_, first) = Support.run(city, seed: 5, days: 30)
        let (_, second) = Support.run(Support.city(seed: 21), seed: 5, days: 30)
        #expect(first.count == 30)
        #expect(first.map(\.day) == Array(0..<30))
        let identical = first == second
        #expect(identical)
    }

    @Test func differentSeedGivesDifferentReports() {
        let city = Support.city(seed: 21)
        let (_, first) = Support.run(city, seed: 5, days: 30)
        let (_, second) = Support.run(city, seed: 6, days: 30)
        #expect(first.map(\.visits) != second.map(\.visits))
        #expect(first.map(\.infections) != second.map(\.infections))
    }

    @Test func initialInfectionsAreImportedIntoTheFirstCommunityOnDayZero() {
        let city = Support.city(seed: 2)
        var simulation = OutbreakSimulation(city: city, seed: 2)
        let report = simulation.step()
        #expect(report.infections.count == 3)
        for infection in report.infections {
            #expect(infection.infector == nil)
            #expect(infection.place == .imported)
            #expect(infection.day == 0)
            #expect(city.residents[infection.infectee].community == 0)
            #expect(simulation.state(of: infection.infectee) == .exposed)
        }
        #expect(report.newInfectionsByCommunity == [3, 0, 0, 0])
        #expect(report.counts.exposed == 3)
        #expect(report.counts.susceptible == 1997)
        #expect(simulation.day == 1)
    }

    @Test("Without interventions the epidemic grows and infects many", arguments: 1...10)
    func unmitigatedEpidemicGrows(seed: UInt64) {
        let city = Support.city(seed: seed)
        let (simulation, reports) = Support.run(city, seed: seed, days: 60)
        let day21 = reports[21].counts.cumulativeInfections
        let attack = Double(simulation.totalInfections) / Double(city.residents.count)
        print("seed \(seed): cumulative infections day 7 \(reports[7].counts.cumulativeInfections), day 14 \(reports[14].counts.cumulativeInfections), day 21 \(day21), attack rate day 60 \(attack)")
        #expect(day21 > 5 * 3)
        #expect(reports[21].counts.cumulativeInfections > reports[14].counts.cumulativeInfections)
        #expect(attack > 0.2)
        let rt = simulation.caseReproductionNumber(infectedOn: 0...14) ?? 0
        #expect(rt > 1.2, "early Rt \(rt)")
        #expect(reports.last.map { $0.counts.susceptible + $0.counts.exposed + $0.counts.infectious + $0.counts.recovered + $0.counts.dead } == 2000)
    }

    @Test func earlyReproductionNumberIsCalibratedNearTwoAndAHalf() {
        // Many index cases in a large city, so the early offspring mean is not dominated by chance.
        var parameters = OutbreakParameters.default
        parameters.initialInfections = 40
        var total = 0.0
        for seed: UInt64 in 1...3 {
            let city = Support.city(seed: seed, residents: 20_000, communities: 10)
            let (simulation, _) = Support.run(city, seed: seed, days: 25, parameters: parameters)
            total += simulation.caseReproductionNumber(infectedOn: 0...7) ?? 0
        }
        let r0 = total / 3
        print("R0 estimate (offspring of infections on days 0...7, 20,000 residents, 3 seeds): \(r0)")
        #expect((2.0...3.0).contains(r0), "R0 \(r0)")
    }

    @Test func venueInfectionsHappenOnlyBetweenOverlappingVisitsOfInfectiousResidents() {
        let city = Support.city(seed: 3)
        var simulation = OutbreakSimulation(city: city, seed: 3)
        var venueInfections = 0
        var householdInfections = 0
        for _ in 0..<60 {
            let report = simulation.step()
            var visitsOf = [Int: [Visit]]()
            for visit in report.visits { visitsOf[visit.resident, default: []].append(visit) }
            for infection in report.infections {
                #expect(infection.day == report.day)
                guard let infector = infection.infector else {
                    #expect(infection.place == .imported)
                    continue
                }
                // Transmission happens after the day's progression, so the infector's end-of-day
                // state is the state it infected in.
                #expect(simulation.state(of: infector).isInfectious, "infector \(infector) on day \(report.day)")
                switch infection.place {
                case .venue(let id):
                    venueInfections += 1
                    let mine = (visitsOf[infector] ?? []).filter { $0.venue == id }
                    let theirs = (visitsOf[infection.infectee] ?? []).filter { $0.venue == id }
                    #expect(mine.contains { own in theirs.contains { $0.overlaps(own) } }, "day \(report.day) at \(id)")
                case .household:
                    householdInfections += 1
                    #expect(city.residents[infector].household == city.residents[infection.infectee].household)
                case .imported:
                    Issue.record("importation with an infector")
                }
            }
            // Visits are well formed and in resident order.
            #expect(report.visits.allSatisfy { $0.start < $0.end && $0.start >= 0 && $0.end < 1440 })
            #expect(report.visits.map(\.resident) == report.visits.map(\.resident).sorted())
            #expect(report.visits.allSatisfy { city.venues[$0.venueIndex].id == $0.venue })
        }
        #expect(venueInfections > 100)
        #expect(householdInfections > 50)
    }

    @Test func aResidentNeverVisitsTwoPlacesAtOnce() {
        let city = Support.city(seed: 4)
        let (_, reports) = Support.run(city, seed: 4, days: 7)
        for report in reports {
            var last = [Int: Int]()
            for visit in report.visits {
                #expect(visit.start >= last[visit.resident, default: -1])
                last[visit.resident] = visit.end
            }
        }
        // Weekdays have school and work visits; the weekend (days 5 and 6) does not.
        let schoolVisits = reports.map { $0.visits.filter { city.venues[$0.venueIndex].kind == .school }.count }
        #expect(schoolVisits[0] > 100)
        #expect(schoolVisits[5] < schoolVisits[0] / 5)
    }

    @Test func presentationsIncludeBackgroundIllnessAndTestResultsFollowTheTruth() {
        for delay in [1, 2] {
            var parameters = OutbreakParameters.default
            parameters.testDelay = delay
            let city = Support.city(seed: 8)
            let (_, reports) = Support.run(city, seed: 8, days: 40, parameters: parameters)
            let presentations = reports.flatMap(\.presentations)
            let results = reports.flatMap(\.testResults)
            #expect(presentations.contains { !$0.trueInfection })
            #expect(presentations.contains { $0.trueInfection })
            #expect(reports.flatMap(\.symptomOnsets).contains { !$0.isOutbreak })
            for presentation in presentations {
                #expect(presentation.clinic == city.venues[city.clinics[city.residents[presentation.resident].community]].id)
                #expect(presentation.onsetDay <= presentation.day)
                let result = results.first { $0.resident == presentation.resident && $0.sampledOn == presentation.day }
                if presentation.day + delay < reports.count {
                    #expect(result?.day == presentation.day + delay)
                    #expect(result?.positive == presentation.trueInfection)
                } else {
                    #expect(result == nil)
                }
            }
            for report in reports {
                #expect(report.testResults.allSatisfy { $0.day == report.day })
            }
        }
    }

    @Test func severeCasesAreHospitalisedAndSomeElderlyDie() {
        let city = Support.city(seed: 6, residents: 5000, communities: 4)
        let (simulation, reports) = Support.run(city, seed: 6, days: 60)
        let onsets = reports.flatMap(\.symptomOnsets).filter(\.isOutbreak).count
        let admissions = reports.flatMap(\.hospitalisations)
        let share = Double(admissions.count) / Double(onsets)
        #expect((0.04...0.16).contains(share), "\(share)")
        let deaths = reports.flatMap(\.deaths)
        #expect(deaths.count < admissions.count)
        #expect(deaths.allSatisfy { simulation.state(of: $0) == .dead })
        let elderly = deaths.filter { city.residents[$0].age >= 70 }.count
        #expect(deaths.isEmpty || elderly * 2 >= deaths.count)
        #expect(reports.flatMap(\.recoveries).count > onsets / 2)
    }
}
