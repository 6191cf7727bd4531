public import VigilSurveillance

/// How long personal data stays identifiable, and what anonymising it leaves (DESIGN §4, "data
/// has a retention period after which it is anonymised"). Pure: the store applies it, the
/// caller passes the time.
///
/// Two kinds of data expire:
///
/// * **Visits** (access management) lose their person ``visitDays`` after they ended (time out,
///   or time in for an open visit): the person key becomes ``anonymousVisitor``; place,
///   checkpoint and times stay, so footfall counts survive. The default, 28 days, is twice the
///   look-back of contact tracing (14 days).
/// * **Key-group files**: a person with key-group records (cases, close contacts, quarantines,
///   follow-up plans, check-ins, referrals, transmissions) is anonymised once the file is
///   closed: no open case (suspect or probable), no referral before its outcome or
///   cancellation, no quarantine or follow-up plan that ended less than ``followUpDays`` ago
///   (calendar days in ``timeZoneOffsetSeconds``), no check-in in the last ``followUpDays``,
///   and no event for ``closedFileDays`` (a record written, a case classified, a referral
///   step, an exposure). A person with no key-group records is a plain registry file and is
///   not touched by retention.
///
/// Anonymising a file (``anonymised(_:)-(Person)``) blanks what identifies the person (name,
/// national id, phone, address, birth date) and coarsens the household to its community; it
/// keeps the id (records link to it, so case histories and the shape of transmission chains
/// survive), sex, group and vulnerabilities (statistics). Its records move to the community
/// too and lose their free text (case reasons, referral notes, transmission evidence). Every
/// transformation is idempotent: anonymising anonymised data changes nothing.
public struct RetentionPolicy: Sendable, Hashable, Codable {
    public static let secondsPerDay: Int64 = 86_400

    /// The name of an anonymised file.
    public static let anonymousName = "(anonymised)"
    /// The person key of an anonymised visit. `~` is not a person id character, so this never
    /// names a stored person.
    public static let anonymousVisitor: PersonKey = "~anonymised"
    /// What free text (reasons, notes, evidence) becomes.
    public static let anonymousText = "(anonymised)"

    /// Days a visit keeps its person after it ended. Default 28; at least 14 (tracing's look-back).
    public var visitDays: Int
    /// Days after a quarantine or follow-up plan ended, and after the last check-in, during which
    /// the file stays identifiable. Default 28.
    public var followUpDays: Int
    /// Days without any event before a closed file is anonymised. Default 90.
    public var closedFileDays: Int
    /// Seconds east of UTC of the local calendar (quarantine and follow-up days). Default +08:00.
    public var timeZoneOffsetSeconds: Int64

    /// - Throws: ``CommunityError/Code/invalidField`` naming the period when `visitDays` is
    ///   under 14 (tracing still needs those visits) or a period is under 1 day or over 36,500.
    public init(visitDays: Int = 28, followUpDays: Int = 28, closedFileDays: Int = 90, timeZoneOffsetSeconds: Int64 = 28_800) throws {
        for (value, field) in [(visitDays, "visitDays"), (followUpDays, "followUpDays"), (closedFileDays, "closedFileDays")] {
            guard (1...36_500).contains(value) else {
                throw CommunityError(.invalidField, "a retention period is 1 to 36500 days, not \(value)", field: field)
            }
        }
        guard visitDays >= 14 else {
            throw CommunityError(.invalidField, "visits are kept at least 14 days (contact tracing looks back 14), not \(visitDays)", field: "visitDays")
        }
        guard (-86_400...86_400).contains(timeZoneOffsetSeconds) else {
            throw CommunityError(.invalidField, "a time zone offset is within a day", field: "timeZoneOffsetSeconds")
        }
        self.visitDays = visitDays
        self.followUpDays = followUpDays
        self.closedFileDays = closedFileDays
        self.timeZoneOffsetSeconds = timeZoneOffsetSeconds
    }

    /// The defaults: visits 28 days, follow-up 28 days, closed files 90 days, +08:00.
    public static let standard = try! RetentionPolicy()

    // MARK: Cutoffs

    /// Visits that ended before this time lose their person.
    public func visitCutoff(now: Int64) -> Int64 { now - Int64(visitDays) * Self.secondsPerDay }

    /// Check-ins before this time no longer hold a file open.
    public func followUpCutoff(now: Int64) -> Int64 { now - Int64(followUpDays) * Self.secondsPerDay }

    /// Quarantines and follow-up plans that ended before this day no longer hold a file open.
    public func followUpCutoffDay(now: Int64) -> CivilDate {
        civilDay(ofUnixTime: followUpCutoff(now: now), offset: timeZoneOffsetSeconds)
    }

    /// A file whose last event is before this time (and that nothing holds) is anonymised.
    public func closedFileCutoff(now: Int64) -> Int64 { now - Int64(closedFileDays) * Self.secondsPerDay }

    /// Whether `visit` ended (time out, or time in when open) before the visit cutoff.
    public func isExpired(_ visit: Visit, now: Int64) -> Bool {
        visit.person != Self.anonymousVisitor && (visit.timeOut ?? visit.timeIn) < visitCutoff(now: now)
    }

    // MARK: Files

    /// Why a file is kept identifiable.
    public enum Hold: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
        /// No key-group records: a plain registry file, outside retention.
        case registryOnly = "registry-only"
        /// A case is suspect or probable.
        case openCase = "open-case"
        /// A referral has no outcome and was not cancelled.
        case openReferral = "open-referral"
        /// A quarantine ends on or after the follow-up cutoff day.
        case quarantine
        /// A follow-up plan ends on or after the follow-up cutoff day, or a check-in is recent.
        case followUp = "follow-up"
        /// An event after the closed-file cutoff.
        case recentActivity = "recent-activity"
        /// A record about the person could not be read (kept, to be looked at).
        case unreadableRecord = "unreadable-record"

        public static func < (a: Hold, b: Hold) -> Bool { a.rawValue < b.rawValue }
    }

    /// What a store knows about one person's key-group data.
    public struct FileFacts: Sendable, Hashable {
        public var cases: [Case] = []
        public var closeContacts: [CloseContact] = []
        public var quarantines: [Quarantine] = []
        public var followUpPlans: [FollowUpPlan] = []
        public var checkIns: [CheckIn] = []
        public var referrals: [Referral] = []
        public var transmissions: [TransmissionGraph.Edge] = []
        /// When each record about the person was written (Unix seconds), one per record.
        public var recordTimes: [Int64] = []
        /// Records about the person that did not decode as their kind.
        public var unreadable = 0

        public init() {}
    }

    /// The first hold on a file at `now`, or nil when it is to be anonymised.
    public func hold(_ facts: FileFacts, now: Int64) -> Hold? {
        if facts.recordTimes.isEmpty && facts.unreadable == 0 { return .registryOnly }
        if facts.unreadable > 0 { return .unreadableRecord }
        if facts.cases.contains(where: { $0.status == .suspect || $0.status == .probable }) { return .openCase }
        if facts.referrals.contains(where: { !$0.stage.allowedNext.isEmpty }) { return .openReferral }
        let day = followUpCutoffDay(now: now)
        if facts.quarantines.contains(where: { $0.to >= day }) { return .quarantine }
        if facts.followUpPlans.contains(where: { $0.end >= day }) { return .followUp }
        if facts.checkIns.contains(where: { $0.time >= followUpCutoff(now: now) }) { return .followUp }
        var last = facts.recordTimes.max() ?? .min
        for c in facts.cases { last = max(last, c.history.last?.at ?? .min) }
        for r in facts.referrals { last = max(last, r.steps.last?.at ?? .min) }
        for c in facts.closeContacts { last = max(last, c.exposureTime ?? .min) }
        for c in facts.checkIns { last = max(last, c.time) }
        if last >= closedFileCutoff(now: now) { return .recentActivity }
        return nil
    }

    // MARK: Anonymising

    /// Where anonymised data lives: the community of `path`, or `path` when it is above
    /// community level.
    public static func coarsened(_ path: JurisdictionPath) -> JurisdictionPath { path.ancestor(at: .community) ?? path }

    /// The file without what identifies the person: name ``anonymousName``; national id, phone,
    /// address and birth date removed; household coarsened to the community. Id, sex, group,
    /// vulnerabilities and version are kept (the store counts the change).
    public static func anonymised(_ person: Person) -> Person {
        var copy = person
        copy.name = anonymousName
        copy.nationalID = nil
        copy.phone = nil
        copy.address = nil
        copy.birthDate = nil
        copy.household = coarsened(person.household)
        return copy
    }

    /// Whether `person` is already anonymised (``anonymised(_:)-(Person)`` would change nothing).
    public static func isAnonymised(_ person: Person) -> Bool { anonymised(person) == person }

    /// The visit without its person.
    public static func anonymised(_ visit: Visit) -> Visit {
        // The marker is a valid key and the times are already checked: this cannot throw.
        try! Visit(person: anonymousVisitor, place: visit.place, checkpoint: visit.checkpoint, timeIn: visit.timeIn, timeOut: visit.timeOut)
    }

    static func scrubbed(_ text: String?) -> String? { text == nil ? nil : anonymousText }

    /// The case with every reason replaced by ``anonymousText``; statuses, times, actors and
    /// onset are kept (the classification history survives).
    public static func anonymised(_ c: Case) throws -> Case {
        let first = c.history[0]
        var copy = try Case(
            id: c.id, person: c.person, status: first.to, onset: c.onset, reportedBy: first.by, at: first.at, reason: scrubbed(first.reason))
        for step in c.history.dropFirst() { try copy.transition(to: step.to, by: step.by, at: step.at, reason: scrubbed(step.reason)) }
        return copy
    }

    /// The referral with every note replaced by ``anonymousText``; stages, times, actors and the
    /// outcome are kept.
    public static func anonymised(_ r: Referral) throws -> Referral {
        let first = r.steps[0]
        var copy = try Referral(
            person: r.person, clinic: r.clinic, hospital: r.hospital, screenedBy: first.by, at: first.at, note: scrubbed(first.note))
        for step in r.steps.dropFirst() {
            try copy.apply(Referral.Step(stage: step.stage, by: step.by, at: step.at, outcome: step.outcome, note: scrubbed(step.note)))
        }
        return copy
    }

    /// The transmission without its evidence text; infector and infectee are kept.
    public static func anonymised(_ edge: TransmissionGraph.Edge) -> TransmissionGraph.Edge {
        TransmissionGraph.Edge(infector: edge.infector, infectee: edge.infectee, evidence: scrubbed(edge.evidence))
    }
}
