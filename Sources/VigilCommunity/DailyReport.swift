public import VigilSurveillance

/// A community's daily report: the day's counts, reviewed by a second person before they are
/// published.
///
/// Lifecycle (every action recorded in ``history`` with who, when and why):
///
/// | action      | from                | to        | rule                                  |
/// |-------------|---------------------|-----------|---------------------------------------|
/// | create      | —                   | draft     |                                       |
/// | edit        | draft               | draft     | counts and zero mark checked          |
/// | submit      | draft               | submitted | all-zero counts only as a zero report |
/// | approve     | submitted           | approved  | approver ≠ the submitter              |
/// | reject      | submitted           | draft     | reason                                |
/// | publish     | approved            | published |                                       |
/// | unapprove   | approved, published | draft     | reason                                |
///
/// A **zero report** is explicit: the reporter marks it (``isZeroReport``) and every count is
/// zero. A zero mark with non-zero counts is invalid, and all-zero counts cannot be submitted
/// without the mark, so "nothing happened" is always a statement, never a blank form.
/// Unapproving sends the report back to draft so the counts can be corrected, then submitted
/// and reviewed again; a published report that is unapproved must be withdrawn from disclosure.
public struct DailyReport: Sendable, Hashable, Codable {
    /// Where the report is in its review.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable, Comparable, CustomStringConvertible {
        case draft, submitted, approved, published

        public static func < (lhs: Self, rhs: Self) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }

        public var description: String { rawValue }
    }

    /// The day's numbers for the community.
    public struct Counts: Sendable, Hashable, Codable {
        /// Suspected cases reported that day.
        public var newSuspected: Int
        /// Cases classified probable that day.
        public var newProbable: Int
        /// Cases confirmed that day.
        public var newConfirmed: Int
        /// Cases ruled out that day.
        public var newRuledOut: Int
        /// Close contacts identified that day.
        public var newCloseContacts: Int
        /// Contacts under follow-up at the end of the day.
        public var contactsUnderFollowUp: Int
        /// Persons in quarantine at the end of the day.
        public var quarantined: Int
        /// Referrals to a designated hospital that day.
        public var referrals: Int

        /// Creates counts; negative ones are refused when a report is created or edited.
        public init(
            newSuspected: Int = 0, newProbable: Int = 0, newConfirmed: Int = 0, newRuledOut: Int = 0, newCloseContacts: Int = 0,
            contactsUnderFollowUp: Int = 0, quarantined: Int = 0, referrals: Int = 0
        ) {
            self.newSuspected = newSuspected
            self.newProbable = newProbable
            self.newConfirmed = newConfirmed
            self.newRuledOut = newRuledOut
            self.newCloseContacts = newCloseContacts
            self.contactsUnderFollowUp = contactsUnderFollowUp
            self.quarantined = quarantined
            self.referrals = referrals
        }

        /// All counts zero.
        public static let zero = Counts()

        /// Each count by its JSON name, in declaration order.
        public var named: [(name: String, value: Int)] {
            [
                ("newSuspected", newSuspected), ("newProbable", newProbable), ("newConfirmed", newConfirmed),
                ("newRuledOut", newRuledOut), ("newCloseContacts", newCloseContacts),
                ("contactsUnderFollowUp", contactsUnderFollowUp), ("quarantined", quarantined), ("referrals", referrals),
            ]
        }

        /// Whether every count is zero.
        public var isZero: Bool { self == .zero }

        /// - Throws: ``CommunityError/Code/invalidField`` naming the first negative count.
        public func validate() throws {
            if let bad = named.first(where: { $0.value < 0 }) {
                throw CommunityError(.invalidField, "\(bad.name) is \(bad.value); counts cannot be negative", field: bad.name)
            }
        }
    }

    /// One step of the report's history.
    public struct Action: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
            case create, edit, submit, approve, reject, publish, unapprove
        }
        public let kind: Kind
        public let by: ActorKey
        /// Unix seconds.
        public let at: Int64
        /// Why, for reject and unapprove.
        public let reason: String?
        /// The counts set by a create or edit.
        public let counts: Counts?
        /// The zero mark set by a create or edit.
        public let isZeroReport: Bool?

        /// Creates the value from its parts (a history step or result; the owner checks it).
        public init(kind: Kind, by: ActorKey, at: Int64, reason: String? = nil, counts: Counts? = nil, isZeroReport: Bool? = nil) {
            self.kind = kind
            self.by = by
            self.at = at
            self.reason = reason
            self.counts = counts
            self.isZeroReport = isZeroReport
        }
    }

    /// The community reported on (a path at the community level).
    public let community: JurisdictionPath
    /// The day reported on.
    public let day: CivilDate
    public private(set) var counts: Counts
    /// Whether the reporter declared that there is nothing to report.
    public private(set) var isZeroReport: Bool
    public private(set) var status: Status
    /// Every action, the creation first.
    public private(set) var history: [Action]

    /// Creates a draft.
    /// - Throws: ``CommunityError/Code/invalidField`` when `community` is not at the community
    ///   level (field `community`), a count is negative, a zero report has non-zero counts
    ///   (field `isZeroReport`), or the actor key is invalid.
    public init(
        community: JurisdictionPath, day: CivilDate, counts: Counts, isZeroReport: Bool = false, by actor: ActorKey, at time: Int64
    ) throws {
        guard community.level == .community else {
            throw CommunityError(.invalidField, "\(community) is a \(community.level), not a community", field: "community")
        }
        try Self.check(counts: counts, isZeroReport: isZeroReport)
        try Validation.requireKey(actor, field: "by")
        self.community = community
        self.day = day
        self.counts = counts
        self.isZeroReport = isZeroReport
        self.status = .draft
        self.history = [Action(kind: .create, by: actor, at: time, counts: counts, isZeroReport: isZeroReport)]
    }

    /// A zero report: all counts zero, marked as such.
    public static func zero(community: JurisdictionPath, day: CivilDate, by actor: ActorKey, at time: Int64) throws -> DailyReport {
        try DailyReport(community: community, day: day, counts: .zero, isZeroReport: true, by: actor, at: time)
    }

    /// Replaces the counts and zero mark of a draft.
    public mutating func edit(counts: Counts, isZeroReport: Bool, by actor: ActorKey, at time: Int64) throws {
        try apply(Action(kind: .edit, by: actor, at: time, counts: counts, isZeroReport: isZeroReport))
    }

    /// Sends the draft for review.
    public mutating func submit(by actor: ActorKey, at time: Int64) throws { try apply(Action(kind: .submit, by: actor, at: time)) }

    /// Approves the submitted report; `actor` must not be its submitter.
    public mutating func approve(by actor: ActorKey, at time: Int64) throws { try apply(Action(kind: .approve, by: actor, at: time)) }

    /// Returns the submitted report to draft.
    public mutating func reject(by actor: ActorKey, at time: Int64, reason: String) throws {
        try apply(Action(kind: .reject, by: actor, at: time, reason: reason))
    }

    /// Publishes the approved report.
    public mutating func publish(by actor: ActorKey, at time: Int64) throws { try apply(Action(kind: .publish, by: actor, at: time)) }

    /// Takes back an approval (and a publication): the report returns to draft.
    public mutating func unapprove(by actor: ActorKey, at time: Int64, reason: String) throws {
        try apply(Action(kind: .unapprove, by: actor, at: time, reason: reason))
    }

    /// Who submitted the report now under review or approved, if any.
    public var submittedBy: ActorKey? {
        guard status != .draft else { return nil }
        return history.last { $0.kind == .submit }?.by
    }

    /// Who approved the report, while it is approved or published.
    public var approvedBy: ActorKey? {
        guard status >= .approved else { return nil }
        return history.last { $0.kind == .approve }?.by
    }

    /// Applies one action: the single place the lifecycle's rules live, used by the methods
    /// above and when decoding.
    ///
    /// - Throws: ``CommunityError/Code/invalidTransition`` when the action is not allowed in the
    ///   current status (the message names both) or the approver is the submitter;
    ///   ``CommunityError/Code/invalidField`` for a missing reason (field `reason`), a time before
    ///   the last action (field `at`), invalid counts, or an invalid actor key (field `by`).
    ///   The report is unchanged when it throws.
    mutating func apply(_ action: Action) throws {
        let allowed: [Status]
        let next: Status
        switch action.kind {
        case .create: (allowed, next) = ([], .draft)
        case .edit: (allowed, next) = ([.draft], .draft)
        case .submit: (allowed, next) = ([.draft], .submitted)
        case .approve: (allowed, next) = ([.submitted], .approved)
        case .reject: (allowed, next) = ([.submitted], .draft)
        case .publish: (allowed, next) = ([.approved], .published)
        case .unapprove: (allowed, next) = ([.approved, .published], .draft)
        }
        guard allowed.contains(status) else {
            throw CommunityError(
                .invalidTransition, "cannot \(action.kind) the \(community) report of \(day) while it is \(status)", field: "status")
        }
        try Validation.requireKey(action.by, field: "by")
        try Validation.requireNotBefore(action.at, history.last?.at)
        switch action.kind {
        case .edit:
            guard let counts = action.counts, let isZero = action.isZeroReport else {
                throw CommunityError(.invalidField, "an edit carries the counts and the zero mark", field: "counts")
            }
            try Self.check(counts: counts, isZeroReport: isZero)
            self.counts = counts
            self.isZeroReport = isZero
        case .submit:
            if counts.isZero && !isZeroReport {
                throw CommunityError(
                    .invalidField, "every count is zero: submit it as an explicit zero report", field: "isZeroReport")
            }
        case .approve:
            if let submitter = submittedBy, submitter == action.by {
                throw CommunityError(.invalidTransition, "\(action.by) submitted this report and cannot also approve it", field: "by")
            }
        case .reject, .unapprove:
            _ = try Validation.requireReason(action.reason, for: "\(action.kind == .reject ? "rejecting" : "unapproving") a report")
        case .create, .publish: break
        }
        status = next
        history.append(action)
    }

    static func check(counts: Counts, isZeroReport: Bool) throws {
        try counts.validate()
        if isZeroReport && !counts.isZero {
            let first = counts.named.first { $0.value != 0 }!
            throw CommunityError(.invalidField, "a zero report cannot have \(first.name) = \(first.value)", field: "isZeroReport")
        }
    }

    private enum CodingKeys: String, CodingKey { case community, day, status, counts, isZeroReport, history }

    /// Decodes a report and replays its history, so a report whose history breaks the
    /// lifecycle (self-approval, a missing reason) is refused. `status`, `counts` and
    /// `isZeroReport` follow from the history; when present they must agree with it.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let history = try c.decode([Action].self, forKey: .history)
        guard let first = history.first, first.kind == .create, let counts = first.counts else {
            throw CommunityError(.invalidField, "a report's history starts with its creation and counts", field: "history")
        }
        try self.init(
            community: try c.decode(JurisdictionPath.self, forKey: .community), day: try c.decode(CivilDate.self, forKey: .day),
            counts: counts, isZeroReport: first.isZeroReport ?? false, by: first.by, at: first.at)
        for action in history.dropFirst() {
            guard action.kind != .create else {
                throw CommunityError(.invalidField, "a report is created once", field: "history")
            }
            try apply(action)
        }
        if let stated = try c.decodeIfPresent(Status.self, forKey: .status), stated != status {
            throw CommunityError(.invalidField, "status \(stated) disagrees with the history's \(status)", field: "status")
        }
        if let stated = try c.decodeIfPresent(Counts.self, forKey: .counts), stated != self.counts {
            throw CommunityError(.invalidField, "counts disagree with the history", field: "counts")
        }
        if let stated = try c.decodeIfPresent(Bool.self, forKey: .isZeroReport), stated != isZeroReport {
            throw CommunityError(.invalidField, "zero mark disagrees with the history", field: "isZeroReport")
        }
    }
}
