public import VigilSurveillance

/// One follow-up due on one day: ask the person about symptoms and temperature, or check that
/// they reported themselves.
public struct FollowUpTask: Sendable, Hashable, Codable {
    /// Who is followed up.
    public let person: PersonKey
    /// The day it is due.
    public let day: CivilDate
    /// Which of the day's follow-ups this is, 1...``timesPerDay``.
    public let slot: Int
    /// How many follow-ups are due that day.
    public let timesPerDay: Int
    /// The local time it is due, in minutes after midnight (see ``FollowUpPlan/schedule(timesPerDay:)``).
    public let dueMinuteOfDay: Int
    /// The day of the plan, 1 on its first day.
    public let dayOfPlan: Int

    /// Creates the value from its parts (a history step or result; the owner checks it).
    public init(person: PersonKey, day: CivilDate, slot: Int, timesPerDay: Int, dueMinuteOfDay: Int, dayOfPlan: Int) {
        self.person = person
        self.day = day
        self.slot = slot
        self.timesPerDay = timesPerDay
        self.dueMinuteOfDay = dueMinuteOfDay
        self.dayOfPlan = dayOfPlan
    }
}
