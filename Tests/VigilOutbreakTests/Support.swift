import VigilOutbreak

/// Shared builders for the outbreak tests.
enum Support {
    /// A generated city; the plan is known to be valid.
    static func city(seed: UInt64, residents: Int = 2000, communities: Int = 4) -> City {
        do {
            return try City.generate(CityPlan(seed: seed, residents: residents, communities: communities))
        } catch {
            fatalError("valid plan rejected: \(error)")
        }
    }

    /// Runs a simulation for `days` days with no interventions.
    static func run(_ city: City, seed: UInt64, days: Int, parameters: OutbreakParameters = .default) -> (OutbreakSimulation, [DayReport]) {
        var simulation = OutbreakSimulation(city: city, seed: seed, parameters: parameters)
        var reports: [DayReport] = []
        for _ in 0..<days { reports.append(simulation.step()) }
        return (simulation, reports)
    }

    /// Runs a simple test-trace-quarantine loop, as a response team would with the reports:
    /// every presenting resident is isolated, their household and everyone whose visit overlapped
    /// one of theirs at the same venue in the last five days are quarantined for 14 days, and a
    /// negative test result releases the resident.
    static func runWithTracing(_ city: City, seed: UInt64, days: Int) -> (OutbreakSimulation, [DayReport]) {
        var simulation = OutbreakSimulation(city: city, seed: seed)
        var reports: [DayReport] = []
        var recent: [[Visit]] = []
        for _ in 0..<days {
            let report = simulation.step()
            reports.append(report)
            recent.append(report.visits)
            if recent.count > 5 { recent.removeFirst() }
            var presenting = Array(repeating: false, count: city.residents.count)
            for presentation in report.presentations { presenting[presentation.resident] = true }
            var contacts: [Int] = []
            for visits in recent {
                var byVenue = Array(repeating: [Visit](), count: city.venues.count)
                for visit in visits { byVenue[visit.venueIndex].append(visit) }
                for visit in visits where presenting[visit.resident] {
                    for other in byVenue[visit.venueIndex] where other.resident != visit.resident && other.overlaps(visit) {
                        contacts.append(other.resident)
                    }
                }
            }
            for presentation in report.presentations {
                contacts.append(contentsOf: city.householdContacts(of: presentation.resident))
                simulation.isolate(presentation.resident)
            }
            simulation.quarantine(contacts, until: simulation.day + 14)
            simulation.release(report.testResults.filter { !$0.positive }.map(\.resident))
        }
        return (simulation, reports)
    }
}
