extension OutbreakSimulation {
    /// Quarantines residents at home: from the next step until the start of day `day`, they make no
    /// venue visits, check in daily, and infect household members at a reduced rate. Extends, never
    /// shortens, a quarantine already in force. Unknown ids are ignored.
    /// - Parameters:
    ///   - residents: Resident ids.
    ///   - day: The first day they are free again (`sim.day + 14` quarantines for 14 days).
    public mutating func quarantine(_ residents: [Int], until day: Int) {
        for resident in residents where quarantineUntil.indices.contains(resident) {
            quarantineUntil[resident] = max(quarantineUntil[resident], day)
        }
    }

    /// Isolates a resident (a confirmed case admitted or isolated): from the next step no venue
    /// visits and only a small residual household transmission. Ends automatically on recovery or
    /// death, or with ``release(_:)``. Unknown ids and the dead are ignored.
    public mutating func isolate(_ resident: Int) {
        guard health.indices.contains(resident), health[resident] != .dead else { return }
        isolated[resident] = true
    }

    /// Isolates each of `residents` (see ``isolate(_:)``).
    public mutating func isolate(_ residents: [Int]) {
        for resident in residents { isolate(resident) }
    }

    /// Ends quarantine and isolation for `residents` (hospital stays are not affected). Unknown ids
    /// are ignored.
    public mutating func release(_ residents: [Int]) {
        for resident in residents where health.indices.contains(resident) {
            quarantineUntil[resident] = Int.min
            isolated[resident] = false
        }
    }

    /// Closes every venue of `kind` in a community (`nil`: in all communities and at district
    /// level): from the next step nobody visits them.
    public mutating func closeVenues(kind: VenueKind, in community: Int?) {
        setClosed(true, kind: kind, in: community)
    }

    /// Reopens venues closed with ``closeVenues(kind:in:)``.
    public mutating func reopenVenues(kind: VenueKind, in community: Int?) {
        setClosed(false, kind: kind, in: community)
    }

    /// Closes one venue by id; returns `false` if there is no such venue.
    @discardableResult
    public mutating func closeVenue(id: String) -> Bool {
        guard let index = city.venueIndex(id: id) else { return false }
        venueClosed[index] = true
        return true
    }

    /// Reopens one venue by id; returns `false` if there is no such venue.
    @discardableResult
    public mutating func reopenVenue(id: String) -> Bool {
        guard let index = city.venueIndex(id: id) else { return false }
        venueClosed[index] = false
        return true
    }

    private mutating func setClosed(_ closed: Bool, kind: VenueKind, in community: Int?) {
        for (index, venue) in city.venues.enumerated() where venue.kind == kind {
            if community == nil || venue.community == community { venueClosed[index] = closed }
        }
    }

    /// Sets the response stage's contact reduction: from the next step every venue contact's
    /// infection hazard is multiplied by `1 - factor` (clamped to 0...1).
    /// - Parameters:
    ///   - factor: 0 for none, 1 for no venue transmission at all.
    ///   - community: The community whose venues it applies to; `nil` sets the district-wide
    ///     level, which applies to every venue (a community's venues use the larger of the two).
    public mutating func setContactReduction(_ factor: Double, community: Int?) {
        let clamped = min(1, max(0, factor.isNaN ? 0 : factor))
        if let community {
            guard communityReduction.indices.contains(community) else { return }
            communityReduction[community] = clamped
        } else {
            districtReduction = clamped
        }
    }

    /// Imports infections into these residents on the next step (infector `nil`, place
    /// ``InfectionPlace/imported``). Residents not susceptible then, and unknown ids, are ignored.
    public mutating func importInfections(_ residents: [Int]) {
        pendingImports.append(contentsOf: residents.filter { health.indices.contains($0) })
    }
}
