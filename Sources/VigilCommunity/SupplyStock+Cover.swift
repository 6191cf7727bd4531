public import VigilSurveillance

extension SupplyStock {
    /// The days of cover and stock-out projection of this stock's regular units now, as of the
    /// end of `day` (normally today; see ``SupplyCover`` for the rule).
    /// - Throws: as ``SupplyCover/init(regularOnHand:movements:asOf:windowDays:timeZoneOffsetSeconds:)``.
    public func cover(asOf day: CivilDate, windowDays: Int = 7, timeZoneOffsetSeconds: Int64 = 0) throws -> SupplyCover {
        try SupplyCover(
            regularOnHand: regular, movements: movements, asOf: day, windowDays: windowDays,
            timeZoneOffsetSeconds: timeZoneOffsetSeconds)
    }
}
