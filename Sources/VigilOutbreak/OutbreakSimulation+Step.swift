extension OutbreakSimulation {
    /// Simulates one day and returns what happened; ``day`` then advances by one.
    ///
    /// Order within the day: importations, disease progression (onsets, presentations,
    /// admissions, recoveries, deaths), background illness, venue visits, transmission (from the
    /// infectious at the start of the day; the newly infected are not infectious the same day),
    /// quarantine check-ins, test results due.
    public mutating func step() -> DayReport {
        let today = day
        let n = health.count
        var report = DayReport(day: today, communities: city.communities.count)
        var presenting = [Bool](repeating: false, count: n)

        seedInfections(today, &report)
        backgroundIllness(today, &report)
        progress(today, &presenting, &report)

        var firstVisit = [Int](repeating: 0, count: n + 1)
        report.visits = visits(today, presenting, &firstVisit)
        transmit(today, report.visits, firstVisit, &report)

        checkIns(today, &report)
        var waiting: [TestResult] = []
        for result in pendingTests {
            if result.day <= today { report.testResults.append(result) } else { waiting.append(result) }
        }
        pendingTests = waiting

        report.symptomOnsets.sort { a, b in
            a.resident != b.resident ? a.resident < b.resident : (!a.isOutbreak && b.isOutbreak)
        }
        report.presentations.sort { a, b in a.resident != b.resident ? a.resident < b.resident : a.onsetDay < b.onsetDay }
        report.testResults.sort { a, b in a.resident != b.resident ? a.resident < b.resident : a.sampledOn < b.sampledOn }
        report.counts = counts(today)
        day += 1
        return report
    }

    // MARK: Infection and progression

    private mutating func seedInfections(_ today: Int, _ report: inout DayReport) {
        var imports = pendingImports
        pendingImports = []
        if today == 0 && parameters.initialInfections > 0 {
            let communities = city.communities
            let community = communities[min(max(0, parameters.seedCommunity), communities.count - 1)]
            let wanted = min(parameters.initialInfections, community.residents.count)
            var chosen: [Int] = []
            while chosen.count < wanted {
                let candidate = community.residents.lowerBound + random.int(below: community.residents.count)
                if !chosen.contains(candidate) { chosen.append(candidate) }
            }
            imports.append(contentsOf: chosen)
        }
        if parameters.importationsPerDay > 0 && today > 0 {
            for _ in 0..<random.poisson(mean: parameters.importationsPerDay) {
                imports.append(random.int(below: health.count))
            }
        }
        for resident in imports where health[resident] == .susceptible {
            infect(resident, by: nil, at: .imported, today, &report)
        }
    }

    /// Infects a susceptible resident today and draws the whole course of their infection.
    mutating func infect(_ resident: Int, by infector: Int?, at place: InfectionPlace, _ today: Int, _ report: inout DayReport) {
        health[resident] = .exposed
        infectedOn[resident] = today
        let latent = 2 + (random.int(below: 4) + 1) / 2  // 2, 3, 3, 4
        let infectious = today + latent
        infectiousFrom[resident] = infectious
        hospitalDay[resident] = -1
        presentDay[resident] = -1
        dies[resident] = false
        if random.chance(parameters.asymptomaticFraction) {
            onset[resident] = -1
            endDay[resident] = infectious + random.int(in: 5...9)
        } else {
            let symptomsFrom = infectious + 1 + (random.int(below: 4) + 1) / 2  // 1, 2, 2, 3 days presymptomatic
            onset[resident] = symptomsFrom
            var ill = random.int(in: 4...8)
            if random.chance(severeProbability[resident]) {
                let admitted = symptomsFrom + random.int(in: 1...3)
                ill = max(ill + 4, admitted - symptomsFrom + 2)
                hospitalDay[resident] = admitted
                presentDay[resident] = min(symptomsFrom + random.int(in: 1...2), admitted)
                dies[resident] = random.chance(deathProbability[resident])
            } else if random.chance(parameters.presentationProbability) {
                presentDay[resident] = symptomsFrom + random.int(in: 1...3)
            }
            endDay[resident] = symptomsFrom + ill
        }
        offspring[resident] = 0
        if let infector { offspring[infector] += 1 }
        cumulativeInfections += 1
        report.newInfectionsByCommunity[communityOf[resident]] += 1
        report.infections.append(Infection(infectee: resident, infector: infector, place: place, day: today))
    }

    private mutating func progress(_ today: Int, _ presenting: inout [Bool], _ report: inout DayReport) {
        for resident in health.indices {
            var state = health[resident]
            if state == .exposed && today >= infectiousFrom[resident] {
                state = onset[resident] < 0 ? .asymptomatic : .presymptomatic
            }
            if state == .presymptomatic && today >= onset[resident] {
                state = .symptomatic
                report.symptomOnsets.append(SymptomOnset(resident: resident, isOutbreak: true))
            }
            if state == .symptomatic {
                if today == presentDay[resident] {
                    present(resident, onset: onset[resident], infected: true, today, &presenting, &report)
                }
                if today == hospitalDay[resident] {
                    hospitalised[resident] = true
                    report.hospitalisations.append(resident)
                }
                if today >= endDay[resident] {
                    state = dies[resident] ? .dead : .recovered
                    if dies[resident] { report.deaths.append(resident) } else { report.recoveries.append(resident) }
                }
            } else if state == .asymptomatic && today >= endDay[resident] {
                state = .recovered
                report.recoveries.append(resident)
            }
            if state == .recovered || state == .dead {
                hospitalised[resident] = false
                isolated[resident] = false
            }
            health[resident] = state
            if today == illnessPresent[resident] && state != .dead {
                present(resident, onset: illnessStart[resident], infected: state.isInfected, today, &presenting, &report)
            }
        }
    }

    private mutating func present(
        _ resident: Int, onset: Int, infected: Bool, _ today: Int, _ presenting: inout [Bool], _ report: inout DayReport
    ) {
        presenting[resident] = true
        let clinic = venueIDs[city.clinics[communityOf[resident]]]
        report.presentations.append(Presentation(resident: resident, day: today, clinic: clinic, onsetDay: onset, trueInfection: infected))
        let positive = infected ? !random.chance(parameters.falseNegativeRate) : random.chance(parameters.falsePositiveRate)
        pendingTests.append(TestResult(resident: resident, positive: positive, day: today + max(0, parameters.testDelay), sampledOn: today))
    }

    private mutating func backgroundIllness(_ today: Int, _ report: inout DayReport) {
        let count = random.poisson(mean: Double(health.count) * parameters.backgroundIllnessRate)
        for _ in 0..<count {
            let resident = random.int(below: health.count)
            let state = health[resident]
            guard state == .susceptible || state == .recovered, !isIll(resident, today) else { continue }
            illnessStart[resident] = today
            illnessEnd[resident] = today + random.int(in: 3...5)
            illnessPresent[resident] =
                random.chance(parameters.backgroundPresentationProbability) ? today + random.int(in: 0...2) : -1
            report.symptomOnsets.append(SymptomOnset(resident: resident, isOutbreak: false))
        }
    }

    func isIll(_ resident: Int, _ today: Int) -> Bool {
        illnessStart[resident] <= today && today < illnessEnd[resident]
    }

    func isSymptomatic(_ resident: Int, _ today: Int) -> Bool {
        health[resident] == .symptomatic || isIll(resident, today)
    }

    // MARK: Visits

    private mutating func visits(_ today: Int, _ presenting: [Bool], _ firstVisit: inout [Int]) -> [Visit] {
        var visits: [Visit] = []
        visits.reserveCapacity(health.count * 2)
        let weekday = today % 7 < 5
        for resident in health.indices {
            firstVisit[resident] = visits.count
            // Confined: dead, in hospital, isolated or quarantined. (Checks are inlined in this hot loop:
            // debug builds copy `self` for each method call.)
            if health[resident] == .dead || hospitalised[resident] || isolated[resident] || quarantineUntil[resident] > today {
                continue
            }
            if presenting[resident] {
                let clinic = city.clinics[communityOf[resident]]
                if !venueClosed[clinic] {
                    let start = random.int(in: 480...660)
                    visits.append(Visit(resident: resident, venue: venueIDs[clinic], venueIndex: clinic, start: start, end: start + random.int(in: 25...60)))
                }
                continue
            }
            let ill = illnessStart[resident] <= today && today < illnessEnd[resident]
            if (health[resident] == .symptomatic || ill) && random.chance(parameters.symptomaticStaysHome) { continue }
            var lastEnd = -10
            for stop in routines[resident] {
                if stop.weekdaysOnly && !weekday { continue }
                if venueClosed[stop.venue] { continue }
                guard random.chance(stop.probability) else { continue }
                let jitter = max(0, stop.jitterMinutes)
                let spread = max(0, stop.durationMinutes / 5)
                let start = max(0, lastEnd + 10, stop.startMinute + random.int(in: -jitter...jitter))
                let end = min(1439, start + max(5, stop.durationMinutes + random.int(in: -spread...spread)))
                guard end >= start + 5 else { continue }
                visits.append(Visit(resident: resident, venue: venueIDs[stop.venue], venueIndex: stop.venue, start: start, end: end))
                lastEnd = end
            }
        }
        firstVisit[health.count] = visits.count
        return visits
    }

    // MARK: Transmission

    private mutating func transmit(_ today: Int, _ visits: [Visit], _ firstVisit: [Int], _ report: inout DayReport) {
        // Index the day's visits by venue, sorted by start time, as plain integer columns.
        let venueCount = venueIDs.count
        var offsets = [Int](repeating: 0, count: venueCount + 1)
        var visitStart = [Int](repeating: 0, count: visits.count)
        var visitEnd = [Int](repeating: 0, count: visits.count)
        var visitVenue = [Int](repeating: 0, count: visits.count)
        for (index, visit) in visits.enumerated() {
            offsets[visit.venueIndex + 1] += 1
            visitStart[index] = visit.start
            visitEnd[index] = visit.end
            visitVenue[index] = visit.venueIndex
        }
        for venue in 0..<venueCount { offsets[venue + 1] += offsets[venue] }
        var fill = offsets
        var byVenue = [Int](repeating: 0, count: visits.count)
        for index in visits.indices {
            byVenue[fill[visitVenue[index]]] = index
            fill[visitVenue[index]] += 1
        }
        var maxDuration = [Int](repeating: 0, count: venueCount)
        for venue in 0..<venueCount where offsets[venue + 1] - offsets[venue] > 1 {
            byVenue[offsets[venue]..<offsets[venue + 1]].sort { a, b in
                visitStart[a] != visitStart[b] ? visitStart[a] < visitStart[b] : a < b
            }
        }
        for index in visits.indices {
            maxDuration[visitVenue[index]] = max(maxDuration[visitVenue[index]], visitEnd[index] - visitStart[index])
        }
        let sortedStart = byVenue.map { visitStart[$0] }
        var reduction = [Double](repeating: 0, count: venueCount)
        for venue in 0..<venueCount { reduction[venue] = contactReduction(community: venueCommunity[venue]) }

        var contacts: [Int] = []
        let asymptomaticWeight = parameters.asymptomaticInfectiousness
        for infector in health.indices {
            let weight: Double
            switch health[infector] {
            case .presymptomatic: weight = 1
            case .symptomatic:
                let since = today - onset[infector]
                weight = since < 2 ? 1 : since < 4 ? 0.6 : 0.3
            case .asymptomatic: weight = asymptomaticWeight
            default: continue
            }

            // Household.
            var homeWeight = weight
            if isolated[infector] || hospitalised[infector] {
                homeWeight *= parameters.isolationResidualFactor
            } else if quarantineUntil[infector] > today {
                homeWeight *= parameters.quarantineHouseholdFactor
            }
            let homeProbability = OutbreakMath.probability(hazard: parameters.householdHazard * homeWeight)
            for member in householdMembers[householdOf[infector]] where member != infector && health[member] == .susceptible {
                if random.chance(homeProbability) { infect(member, by: infector, at: .household, today, &report) }
            }

            // Venues: sample co-present visitors, never all pairs.
            for own in firstVisit[infector]..<firstVisit[infector + 1] {
                let venue = visitVenue[own]
                let start = visitStart[own]
                let end = visitEnd[own]
                let risk = venueRisk[venue]
                let factor = weight * (1 - reduction[venue])
                guard factor > 0, risk.contactsPerVisit > 0, risk.hourlyHazard > 0 else { continue }
                let low = lowerBound(sortedStart, offsets[venue], offsets[venue + 1], start - maxDuration[venue] + 1)
                let high = lowerBound(sortedStart, low, offsets[venue + 1], end)
                let limit = risk.contactsPerVisit
                contacts.removeAll(keepingCapacity: true)
                if high - low <= 3 * limit {
                    for position in low..<high {
                        let other = byVenue[position]
                        if other != own && visitStart[other] < end && visitEnd[other] > start {
                            contacts.append(other)
                        }
                    }
                    if contacts.count > limit {
                        for k in 0..<limit { contacts.swapAt(k, k + random.int(below: contacts.count - k)) }
                        contacts.removeLast(contacts.count - limit)
                    }
                } else {
                    var attempts = 0
                    while contacts.count < limit && attempts < 6 * limit {
                        attempts += 1
                        let other = byVenue[low + random.int(below: high - low)]
                        if other != own && visitStart[other] < end && visitEnd[other] > start && !contacts.contains(other) {
                            contacts.append(other)
                        }
                    }
                }
                for other in contacts {
                    let infectee = visits[other].resident
                    guard infectee != infector, health[infectee] == .susceptible else { continue }
                    let overlap = min(end, visitEnd[other]) - max(start, visitStart[other])
                    let hours = min(Double(overlap) / 60, risk.maxHours)
                    if random.chance(OutbreakMath.probability(hazard: risk.hourlyHazard * hours * factor)) {
                        infect(infectee, by: infector, at: .venue(venueIDs[venue]), today, &report)
                    }
                }
            }
        }
    }

    /// The first position in `low..<high` whose start is at least `value`.
    private func lowerBound(_ starts: [Int], _ low: Int, _ high: Int, _ value: Int) -> Int {
        var low = low
        var high = high
        while low < high {
            let middle = (low + high) / 2
            if starts[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    // MARK: Check-ins and counts

    private mutating func checkIns(_ today: Int, _ report: inout DayReport) {
        for resident in health.indices where quarantineUntil[resident] > today {
            guard health[resident] != .dead, !isolated[resident], !hospitalised[resident] else { continue }
            if random.chance(parameters.checkInMissProbability) {
                report.missedCheckIns.append(resident)
                continue
            }
            let symptoms = isSymptomatic(resident, today)
            let tenths = symptoms ? 375 + random.int(below: 18) : 363 + random.int(below: 10)
            report.checkIns.append(CheckIn(resident: resident, day: today, temperature: Double(tenths) / 10, symptoms: symptoms))
        }
    }

    private func counts(_ today: Int) -> HealthCounts {
        var counts = HealthCounts()
        for resident in health.indices {
            switch health[resident] {
            case .susceptible: counts.susceptible += 1
            case .exposed: counts.exposed += 1
            case .presymptomatic, .symptomatic, .asymptomatic: counts.infectious += 1
            case .recovered: counts.recovered += 1
            case .dead: counts.dead += 1
            }
            if hospitalised[resident] { counts.hospitalised += 1 }
            if isolated[resident] { counts.isolated += 1 }
            if quarantineUntil[resident] > today { counts.quarantined += 1 }
        }
        counts.cumulativeInfections = cumulativeInfections
        return counts
    }
}
