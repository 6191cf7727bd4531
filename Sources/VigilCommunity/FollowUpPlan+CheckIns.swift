public import VigilSurveillance

extension FollowUpPlan {
    /// The persons who owed check-ins on `day` and made fewer than their plan asks for, with
    /// how many were expected and how many arrived, ordered by person.
    ///
    /// The expected number is the governing plan's ``timesPerDay`` (see
    /// ``dailyTasks(for:on:)``); a check-in counts for the local day of its time, in a zone
    /// `timeZoneOffsetSeconds` east of UTC. Check-ins by persons without a plan that day are
    /// ignored.
    ///
    /// - Throws: ``CommunityError/Code/invalidField`` (field `timeZoneOffsetSeconds`) for an
    ///   offset outside ±14 hours.
    public static func missingCheckIns(
        plans: some Sequence<FollowUpPlan>, checkIns: some Sequence<CheckIn>, on day: CivilDate, timeZoneOffsetSeconds: Int64
    ) throws -> [MissingCheckIn] {
        guard (-50_400...50_400).contains(timeZoneOffsetSeconds) else {
            throw CommunityError(
                .invalidField, "time-zone offset \(timeZoneOffsetSeconds) s is outside ±14 h", field: "timeZoneOffsetSeconds")
        }
        let active = activePlans(plans, on: day)
        var received: [PersonKey: Int] = [:]
        for plan in active { received[plan.person] = 0 }
        for checkIn in checkIns where received[checkIn.person] != nil {
            if checkIn.day(timeZoneOffsetSeconds: timeZoneOffsetSeconds) == day { received[checkIn.person]! += 1 }
        }
        return active.compactMap { plan in
            let got = received[plan.person] ?? 0
            guard got < plan.timesPerDay else { return nil }
            return MissingCheckIn(person: plan.person, day: day, expected: plan.timesPerDay, received: got)
        }
    }
}
