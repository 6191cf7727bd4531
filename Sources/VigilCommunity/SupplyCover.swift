public import VigilSurveillance

/// How long a site's regular stock lasts at its recent consumption, and the day it runs out.
///
/// The rule, for a stock as of the end of day `asOf`, with a window of `N` days (default 7):
/// - **consumed** = the units of every ``SupplyMovement/Kind/consumed`` movement (either pool)
///   whose local day (Unix time shifted by the zone offset) is in `asOf − N + 1 ... asOf`.
///   Transfers out and negative adjustments are not consumption. A stock younger than `N` days is
///   still averaged over `N` days.
/// - **daily consumption** `r` = consumed ÷ `N`.
/// - **days of cover** = regular on hand ÷ `r`; `nil` (unbounded) when `r` is 0. The emergency
///   reserve is not counted: it is not for day-to-day use.
/// - **stock-out day** = `asOf + ⌊regular ÷ r⌋ + 1`, the first day whose consumption the regular
///   stock cannot meet in full (computed exactly as `⌊regular · N ÷ consumed⌋`); `nil` when `r`
///   is 0. With nothing on hand it is the day after `asOf`.
///
/// Example: 70 units consumed over the 7 days to 1 March and 25 on hand: 10 a day, 2.5 days of
/// cover, stock-out on 4 March (the 2nd and 3rd are covered, the 4th only in part).
public struct SupplyCover: Sendable, Hashable, Codable {
    /// The last day of the window; the on-hand quantity is as of its end.
    public let asOf: CivilDate
    /// The window's length in days.
    public let windowDays: Int
    /// Units consumed in the window.
    public let consumed: Int
    /// Regular units on hand.
    public let regularOnHand: Int
    /// Mean units consumed per day over the window.
    public let dailyConsumption: Double
    /// Regular on hand ÷ daily consumption, or nil when nothing was consumed.
    public let daysOfCover: Double?
    /// The first day the regular stock cannot meet in full, or nil when nothing was consumed.
    public let stockOutDay: CivilDate?

    /// Projects from `movements` (any order; only consumption counts).
    /// - Parameters:
    ///   - regularOnHand: regular units on hand at the end of `asOf`.
    ///   - movements: the stock's movements, at least those of the window.
    ///   - asOf: the last day of the window.
    ///   - windowDays: the window's length, 1 to 366 (default 7).
    ///   - timeZoneOffsetSeconds: the zone the days are counted in, within ±14 h (default UTC).
    /// - Throws: ``CommunityError/Code/invalidField`` (field `windowDays`,
    ///   `timeZoneOffsetSeconds` or `regularOnHand`) when out of range.
    public init(
        regularOnHand: Int, movements: some Sequence<SupplyMovement>, asOf: CivilDate, windowDays: Int = 7,
        timeZoneOffsetSeconds: Int64 = 0
    ) throws {
        guard (1...366).contains(windowDays) else {
            throw CommunityError(.invalidField, "a window of \(windowDays) days is outside 1...366", field: "windowDays")
        }
        guard abs(timeZoneOffsetSeconds) <= 14 * 3_600 else {
            throw CommunityError(
                .invalidField, "time-zone offset \(timeZoneOffsetSeconds) s is outside ±14 h", field: "timeZoneOffsetSeconds")
        }
        try SupplyQuantity.require(regularOnHand, atLeast: 0, field: "regularOnHand")
        let last = asOf.daysSinceEpoch
        let first = last - windowDays + 1
        var consumed = 0
        for movement in movements where movement.kind == .consumed {
            let day = civilDay(ofUnixTime: movement.at, offset: timeZoneOffsetSeconds).daysSinceEpoch
            if first <= day && day <= last { consumed += movement.quantity }
        }
        self.asOf = asOf
        self.windowDays = windowDays
        self.consumed = consumed
        self.regularOnHand = regularOnHand
        self.dailyConsumption = Double(consumed) / Double(windowDays)
        if consumed > 0 {
            let (high, low) = regularOnHand.multipliedFullWidth(by: windowDays)
            let wholeDays = consumed.dividingFullWidth((high, low)).quotient
            self.daysOfCover = Double(regularOnHand) * Double(windowDays) / Double(consumed)
            self.stockOutDay = asOf.addingDays(wholeDays + 1)
        } else {
            self.daysOfCover = nil
            self.stockOutDay = nil
        }
    }
}
