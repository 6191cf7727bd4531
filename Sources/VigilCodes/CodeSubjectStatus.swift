public import VigilCommunity
public import VigilSurveillance

/// What is known about one person at one moment, the input of ``ColourRules``.
///
/// The caller gathers it from the community platform: the person's group, their open case, the
/// follow-up plan and quarantine order in force, their visits to places flagged high-risk and
/// their daily check-ins. Days are local calendar days; ``asOf`` is the day the colour is
/// computed for (the caller's "now", see ``day(at:utcOffsetSeconds:)``).
public struct CodeSubjectStatus: Sendable, Hashable, Codable {
    /// The active quarantine order: where, and its last day (inclusive, like ``Quarantine/to``).
    public struct ActiveQuarantine: Sendable, Hashable, Codable {
        /// Where the person is quarantined.
        public var kind: Quarantine.Kind
        /// The last day of the quarantine.
        public var until: CivilDate

        /// A quarantine of `kind` whose last day is `until`.
        public init(kind: Quarantine.Kind, until: CivilDate) {
            self.kind = kind
            self.until = until
        }

        /// The kind and last day of `quarantine`.
        public init(_ quarantine: Quarantine) {
            self.init(kind: quarantine.kind, until: quarantine.to)
        }
    }

    /// The person's prevention-and-control group.
    public var group: PersonGroup
    /// The status of the person's open case, or nil when there is none.
    public var caseStatus: Case.Status?
    /// For a close contact under follow-up, the last day of follow-up (``FollowUpPlan/end``);
    /// nil when the person is not a close contact under follow-up.
    public var followUpUntil: CivilDate?
    /// The quarantine order in force, if any.
    public var quarantine: ActiveQuarantine?
    /// For each visit to a place flagged high-risk in the recent window, how many days before
    /// ``asOf`` it was (0 = the same day). Never negative.
    public var highRiskVisitDaysAgo: [Int]
    /// How many daily check-ins in a row, up to ``asOf``, the person missed. Never negative.
    public var consecutiveMissedCheckIns: Int
    /// The day the status describes.
    public var asOf: CivilDate

    /// - Throws: ``HealthCodeError/Code/invalidStatus`` for a negative day count (field
    ///   `highRiskVisitDaysAgo`) or a negative number of missed check-ins (field
    ///   `consecutiveMissedCheckIns`).
    public init(
        group: PersonGroup = .susceptible, caseStatus: Case.Status? = nil, followUpUntil: CivilDate? = nil,
        quarantine: ActiveQuarantine? = nil, highRiskVisitDaysAgo: [Int] = [], consecutiveMissedCheckIns: Int = 0,
        asOf: CivilDate
    ) throws {
        if let negative = highRiskVisitDaysAgo.first(where: { $0 < 0 }) {
            throw HealthCodeError(
                .invalidStatus, "a visit \(negative) days ago lies after the status day \(asOf)", field: "highRiskVisitDaysAgo")
        }
        guard consecutiveMissedCheckIns >= 0 else {
            throw HealthCodeError(
                .invalidStatus, "\(consecutiveMissedCheckIns) missed check-ins is negative", field: "consecutiveMissedCheckIns")
        }
        self.group = group
        self.caseStatus = caseStatus
        self.followUpUntil = followUpUntil
        self.quarantine = quarantine
        self.highRiskVisitDaysAgo = highRiskVisitDaysAgo
        self.consecutiveMissedCheckIns = consecutiveMissedCheckIns
        self.asOf = asOf
    }

    /// The local calendar day at `now` (Unix seconds) in a zone `utcOffsetSeconds` ahead of UTC
    /// (28 800 for China Standard Time).
    public static func day(at now: Int64, utcOffsetSeconds: Int = 0) -> CivilDate {
        let local = now + Int64(utcOffsetSeconds)
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        return CivilDate(daysSinceEpoch: Int(days))
    }

    /// Whether the person is a close contact still under follow-up on ``asOf``.
    public var isUnderFollowUp: Bool { followUpUntil.map { asOf <= $0 } ?? false }

    /// The quarantine order in force on ``asOf`` (nil once its last day has passed).
    public var quarantineInForce: ActiveQuarantine? { quarantine.flatMap { asOf <= $0.until ? $0 : nil } }

    private enum CodingKeys: String, CodingKey {
        case group, caseStatus, followUpUntil, quarantine, highRiskVisitDaysAgo, consecutiveMissedCheckIns, asOf
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            group: try c.decodeIfPresent(PersonGroup.self, forKey: .group) ?? .susceptible,
            caseStatus: try c.decodeIfPresent(Case.Status.self, forKey: .caseStatus),
            followUpUntil: try c.decodeIfPresent(CivilDate.self, forKey: .followUpUntil),
            quarantine: try c.decodeIfPresent(ActiveQuarantine.self, forKey: .quarantine),
            highRiskVisitDaysAgo: try c.decodeIfPresent([Int].self, forKey: .highRiskVisitDaysAgo) ?? [],
            consecutiveMissedCheckIns: try c.decodeIfPresent(Int.self, forKey: .consecutiveMissedCheckIns) ?? 0,
            asOf: try c.decode(CivilDate.self, forKey: .asOf))
    }
}
