public import VigilSurveillance

extension PlanInputs.Rt {
    /// The estimate of an EpiEstim window, dated by its last day (`t_end`), or nil where
    /// EpiEstim gives `NA` (windows too early in the epidemic).
    /// - Parameters:
    ///   - estimate: one window of ``ReproductionNumber/Result/estimates``.
    ///   - firstDay: the date of day 1 of the incidence series.
    public init?(_ estimate: ReproductionNumber.Estimate, firstDay: CivilDate) {
        let lower = estimate.quantile(0.025)
        try? self.init(day: firstDay.addingDays(estimate.end - 1), mean: estimate.mean, lower: lower)
    }

    /// The dated estimates of an `estimate_R` result, skipping those EpiEstim gives as `NA`.
    /// - Parameter firstDay: the date of day 1 of the incidence series.
    public static func series(_ result: ReproductionNumber.Result, firstDay: CivilDate) -> [PlanInputs.Rt] {
        result.estimates.compactMap { PlanInputs.Rt($0, firstDay: firstDay) }
    }
}

extension PlanInputs {
    /// The dates on which a detector raised an alarm (alarm `true`; `NA` is no alarm).
    /// - Throws: ``CommunityError/Code/invalidField`` (field `dates`) when the series has no dates.
    public static func alarmDays(_ result: AlarmResult, in series: Series) throws -> [CivilDate] {
        guard let dates = series.dates else {
            throw CommunityError(.invalidField, "the series has no dates to place its alarms", field: "dates")
        }
        return zip(result.time, result.alarm).compactMap { t, alarm in
            alarm == true && (1...dates.count).contains(t) ? dates[t - 1] : nil
        }
    }
}
