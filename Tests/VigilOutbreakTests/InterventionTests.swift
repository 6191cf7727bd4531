import Testing
import VigilOutbreak

@Suite struct InterventionTests {
    @Test("Tracing and quarantining contacts of presenting cases shrinks the epidemic", arguments: 1...5)
    func tracingReducesTheAttackRate(seed: UInt64) {
        let city = Support.city(seed: seed)
        let (free, _) = Support.run(city, seed: seed, days: 60)
        let (traced, reports) = Support.runWithTracing(city, seed: seed, days: 60)
        let freeAttack = Double(free.totalInfections) / 2000
        let tracedAttack = Double(traced.totalInfections) / 2000
        let peakQuarantined = reports.map(\.counts.quarantined).max() ?? 0
        print("seed \(seed): attack rate without interventions \(freeAttack), with tracing \(tracedAttack), peak quarantined \(peakQuarantined)")
        #expect(tracedAttack < 0.6 * freeAttack)
    }

    @Test func quarantinedResidentsStayHomeAndCheckIn() {
        let city = Support.city(seed: 10)
        var simulation = OutbreakSimulation(city: city, seed: 10)
        _ = simulation.step()
        let quarantined = Array(stride(from: 0, to: 2000, by: 5))
        simulation.quarantine(quarantined, until: 15)
        #expect(simulation.isQuarantined(0) && !simulation.isQuarantined(1))
        var missed = 0
        var symptomatic = 0
        for day in 1..<20 {
            let report = simulation.step()
            let inQuarantine = day < 15
            #expect(report.visits.allSatisfy { !inQuarantine || $0.resident % 5 != 0 })
            #expect(report.checkIns.allSatisfy { $0.resident % 5 == 0 && $0.day == day })
            #expect(inQuarantine || report.checkIns.isEmpty)
            #expect(report.missedCheckIns.allSatisfy { $0 % 5 == 0 })
            if inQuarantine {
                let confined = quarantined.filter { !simulation.isIsolated($0) && !simulation.isHospitalised($0) && simulation.state(of: $0) != .dead }
                #expect(report.checkIns.count + report.missedCheckIns.count == confined.count)
                #expect(report.counts.quarantined == quarantined.count)
            }
            for checkIn in report.checkIns {
                if checkIn.symptoms {
                    symptomatic += 1
                    #expect(checkIn.temperature >= 37.5)
                } else {
                    #expect((36.3...37.2).contains(checkIn.temperature))
                }
            }
            missed += report.missedCheckIns.count
        }
        // 400 residents × 14 days × 5% ≈ 280 misses.
        #expect((150...450).contains(missed), "\(missed)")
        #expect(simulation.quarantinedResidents.isEmpty)
        _ = symptomatic
    }

    @Test func releaseEndsQuarantineEarly() {
        let city = Support.city(seed: 12)
        var simulation = OutbreakSimulation(city: city, seed: 12)
        simulation.quarantine([1, 2, 3, 99_999, -1], until: 30)
        _ = simulation.step()
        #expect(simulation.quarantinedResidents == [1, 2, 3])
        simulation.release([2])
        let report = simulation.step()
        #expect(Set(report.checkIns.map(\.resident) + report.missedCheckIns).isSubset(of: [1, 3]))
        #expect(simulation.quarantinedResidents == [1, 3])
    }

    @Test func isolatedResidentsMakeNoVisitsAndBarelyTransmit() {
        let city = Support.city(seed: 14)
        var simulation = OutbreakSimulation(city: city, seed: 14)
        var infections = 0
        for _ in 0..<40 {
            let isolatedBefore = (0..<2000).filter { simulation.isIsolated($0) }
            let report = simulation.step()
            // Isolate everyone infected today (perfect, instant case finding).
            simulation.isolate(report.infections.map(\.infectee))
            for infection in report.infections where infection.infector != nil {
                infections += 1
                #expect(infection.place == .household)
            }
            // Isolation ends on recovery, which happens before the day's visits.
            let visitors = Set(report.visits.map(\.resident))
            for resident in isolatedBefore where visitors.contains(resident) {
                #expect(simulation.state(of: resident) == .recovered)
            }
        }
        #expect(infections < 5)
    }

    @Test func fullContactReductionStopsVenueTransmission() {
        let city = Support.city(seed: 15)
        var simulation = OutbreakSimulation(city: city, seed: 15)
        simulation.setContactReduction(1, community: nil)
        #expect(simulation.contactReduction(community: 2) == 1)
        for _ in 0..<40 {
            let report = simulation.step()
            #expect(!report.infections.contains { if case .venue = $0.place { true } else { false } })
        }
    }

    @Test func communityContactReductionOnlyAppliesToThatCommunity() {
        var simulation = OutbreakSimulation(city: Support.city(seed: 15), seed: 15)
        simulation.setContactReduction(0.5, community: 1)
        #expect(simulation.contactReduction(community: 1) == 0.5)
        #expect(simulation.contactReduction(community: 0) == 0)
        #expect(simulation.contactReduction(community: nil) == 0)
        simulation.setContactReduction(0.7, community: nil)
        #expect(simulation.contactReduction(community: 1) == 0.7)
        simulation.setContactReduction(5, community: 3)
        #expect(simulation.contactReduction(community: 3) == 1)
    }

    @Test func closedVenuesGetNoVisitsUntilReopened() {
        let city = Support.city(seed: 16)
        var simulation = OutbreakSimulation(city: city, seed: 16)
        simulation.closeVenues(kind: .school, in: nil)
        simulation.closeVenues(kind: .market, in: 0)
        let closedShop = simulation.closeVenue(id: "c2-shop1")
        let closedNowhere = simulation.closeVenue(id: "nowhere")
        #expect(closedShop && !closedNowhere)
        #expect(simulation.closedVenues.contains("c1-market") && !simulation.closedVenues.contains("c2-market"))
        for _ in 0..<5 {
            let report = simulation.step()
            #expect(!report.visits.contains { city.venues[$0.venueIndex].kind == .school })
            #expect(!report.visits.contains { $0.venue == "c1-market" || $0.venue == "c2-shop1" })
            #expect(report.visits.contains { $0.venue == "c2-market" })
        }
        simulation.reopenVenues(kind: .school, in: nil)
        simulation.reopenVenue(id: "c2-shop1")
        _ = simulation.step()  // day 5, a Saturday
        _ = simulation.step()
        let monday = simulation.step()
        #expect(monday.visits.contains { city.venues[$0.venueIndex].kind == .school })
        #expect(!monday.visits.contains { $0.venue == "c1-market" })
    }

    @Test func closingEverythingStopsVenueTransmission() {
        let city = Support.city(seed: 18)
        var simulation = OutbreakSimulation(city: city, seed: 18)
        for kind in VenueKind.allCases { simulation.closeVenues(kind: kind, in: nil) }
        for _ in 0..<30 {
            let report = simulation.step()
            #expect(report.visits.isEmpty)
            #expect(report.infections.allSatisfy { $0.place != .venue($0.place.id) })
        }
    }

    @Test func importationsArriveOnTheNextStep() {
        var parameters = OutbreakParameters.default
        parameters.initialInfections = 0
        var simulation = OutbreakSimulation(city: Support.city(seed: 20), seed: 20, parameters: parameters)
        #expect(simulation.step().infections.isEmpty)
        simulation.importInfections([10, 11, 10])
        let report = simulation.step()
        #expect(report.infections.map(\.infectee) == [10, 11])
        #expect(report.infections.allSatisfy { $0.place == .imported && $0.infector == nil })
    }

    @Test func aLargeCityRunsSixtyDays() {
        let clock = ContinuousClock()
        let start = clock.now
        let city = Support.city(seed: 99, residents: 20_000, communities: 10)
        let generated = clock.now
        var simulation = OutbreakSimulation(city: city, seed: 99)
        var visits = 0
        for _ in 0..<60 { visits += simulation.step().visits.count }
        let end = clock.now
        print("20,000 residents: city generated in \(generated - start), 60 days simulated in \(end - generated), \(visits) visits, attack rate \(Double(simulation.totalInfections) / 20_000)")
        #expect(simulation.day == 60)
        #expect(simulation.totalInfections > 0)
    }
}
