public import VigilSurveillance

extension DailyReport {
    /// The communities among `communities` without a submitted, approved or published report
    /// for `day` in `reports`, in path order. A report sent back to draft (rejected or
    /// unapproved) counts as missing until it is submitted again.
    public static func missing(
        communities: some Sequence<JurisdictionPath>, reports: some Sequence<DailyReport>, on day: CivilDate
    ) -> [JurisdictionPath] {
        var reported: Set<JurisdictionPath> = []
        for report in reports where report.day == day && report.status >= .submitted {
            reported.insert(report.community)
        }
        return Set(communities).subtracting(reported).sorted()
    }
}
