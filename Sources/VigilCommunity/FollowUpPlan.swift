public import VigilSurveillance

/// Daily follow-up of a person (a close contact, someone in quarantine) for a number of days
/// from a start day, one to four times a day.
public struct FollowUpPlan: Sendable, Hashable, Codable {
    /// Who is followed up.
    public let person: PersonKey
    /// The first day.
    public let start: CivilDate
    /// How many days, the start day included (1...60).
    public let periodDays: Int
    /// How many follow-ups a day (1...4).
    public let timesPerDay: Int

    /// - Throws: ``CommunityError/Code/invalidField`` for `periodDays` outside 1...60 (field
    ///   `periodDays`), `timesPerDay` outside 1...4 (field `timesPerDay`) or an invalid person key.
    public init(person: PersonKey, start: CivilDate, periodDays: Int, timesPerDay: Int) throws {
        try Validation.requireKey(person, field: "person")
        guard (1...60).contains(periodDays) else {
            throw CommunityError(.invalidField, "follow-up period of \(periodDays) days is outside 1...60", field: "periodDays")
        }
        guard (1...4).contains(timesPerDay) else {
            throw CommunityError(.invalidField, "\(timesPerDay) follow-ups a day is outside 1...4", field: "timesPerDay")
        }
        self.person = person
        self.start = start
        self.periodDays = periodDays
        self.timesPerDay = timesPerDay
    }

    /// The last day of the plan.
    public var end: CivilDate { start.addingDays(periodDays - 1) }

    /// Whether follow-ups are due on `day`.
    public func contains(_ day: CivilDate) -> Bool { start <= day && day <= end }

    /// When the follow-ups of a day are due, in local minutes after midnight:
    /// once at 09:00; twice at 09:00 and 15:00; three times at 08:00, 14:00 and 20:00; four
    /// times at 08:00, 12:00, 16:00 and 20:00.
    public static func schedule(timesPerDay: Int) -> [Int] {
        switch timesPerDay {
        case 1: [540]
        case 2: [540, 900]
        case 3: [480, 840, 1200]
        default: [480, 720, 960, 1200]
        }
    }

    /// The follow-ups due on `day`, in slot order; none outside the plan.
    public func tasks(on day: CivilDate) -> [FollowUpTask] {
        guard contains(day) else { return [] }
        let dayOfPlan = day.daysSinceEpoch - start.daysSinceEpoch + 1
        return Self.schedule(timesPerDay: timesPerDay).enumerated().map { i, minute in
            FollowUpTask(person: person, day: day, slot: i + 1, timesPerDay: timesPerDay, dueMinuteOfDay: minute, dayOfPlan: dayOfPlan)
        }
    }

    /// The follow-ups due on `day` across `plans`, ordered by person then slot.
    ///
    /// A person with several plans covering the day (a contact of two cases) is followed up
    /// once on the schedule of the most frequent plan (on a tie, the one that started first),
    /// not once per plan.
    public static func dailyTasks(for plans: some Sequence<FollowUpPlan>, on day: CivilDate) -> [FollowUpTask] {
        activePlans(plans, on: day).flatMap { $0.tasks(on: day) }
    }

    /// Per person, the plan that governs `day`: the most frequent, then the earliest; ordered by person.
    static func activePlans(_ plans: some Sequence<FollowUpPlan>, on day: CivilDate) -> [FollowUpPlan] {
        var chosen: [PersonKey: FollowUpPlan] = [:]
        for plan in plans where plan.contains(day) {
            if let other = chosen[plan.person],
                (other.timesPerDay, -other.start.daysSinceEpoch, -other.periodDays)
                    >= (plan.timesPerDay, -plan.start.daysSinceEpoch, -plan.periodDays)
            {
                continue
            }
            chosen[plan.person] = plan
        }
        return chosen.values.sorted { $0.person < $1.person }
    }

    private enum CodingKeys: String, CodingKey { case person, start, periodDays, timesPerDay }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            person: try c.decode(String.self, forKey: .person), start: try c.decode(CivilDate.self, forKey: .start),
            periodDays: try c.decode(Int.self, forKey: .periodDays), timesPerDay: try c.decode(Int.self, forKey: .timesPerDay))
    }
}
