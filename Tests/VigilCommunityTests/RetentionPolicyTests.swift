import Testing
import VigilCommunity
import VigilSurveillance

@Suite struct RetentionPolicyTests {
    let now: Int64 = 1_800_000_000  // 2027-01-15 08:00 UTC
    let day = RetentionPolicy.secondsPerDay
    var today: CivilDate { CivilDate(daysSinceEpoch: Int((now + 28_800) / day)) }

    @Test func defaultsAndLimits() throws {
        let policy = RetentionPolicy.standard
        #expect(policy.visitDays == 28 && policy.followUpDays == 28 && policy.closedFileDays == 90 && policy.timeZoneOffsetSeconds == 28_800)
        #expect(policy.visitCutoff(now: now) == now - 28 * day)
        #expect(policy.closedFileCutoff(now: now) == now - 90 * day)
        #expect(policy.followUpCutoffDay(now: now) == today.addingDays(-28))
        #expect(communityError { _ = try RetentionPolicy(visitDays: 13) }?.field == "visitDays")
        #expect(communityError { _ = try RetentionPolicy(followUpDays: 0) }?.field == "followUpDays")
        #expect(communityError { _ = try RetentionPolicy(closedFileDays: 40_000) }?.field == "closedFileDays")
        #expect(communityError { _ = try RetentionPolicy(timeZoneOffsetSeconds: 90_000) }?.field == "timeZoneOffsetSeconds")
    }

    @Test func visitsExpireWhenTheyEndedBeforeTheCutoff() throws {
        let policy = RetentionPolicy.standard
        let cutoff = policy.visitCutoff(now: now)
        func visit(_ person: String, _ placeName: String, _ timeIn: Int64, _ timeOut: Int64?) throws -> Visit {
            try Visit(person: person, place: place(placeName), timeIn: timeIn, timeOut: timeOut)
        }
        #expect(policy.isExpired(try visit("p", "m", cutoff - 100, cutoff - 1), now: now))
        #expect(!policy.isExpired(try visit("p", "m", cutoff - 100, cutoff), now: now))
        #expect(policy.isExpired(try visit("p", "m", cutoff - 1, nil), now: now), "an open visit ends at its time in")
        let unlinked = RetentionPolicy.anonymised(try visit("p", "m", cutoff - 100, cutoff - 1))
        #expect(unlinked.person == RetentionPolicy.anonymousVisitor && unlinked.place == place("m") && unlinked.timeOut == cutoff - 1)
        #expect(!policy.isExpired(unlinked, now: now), "an unlinked visit is done")
        #expect((try? PersonID(RetentionPolicy.anonymousVisitor)) == nil, "the marker never names a stored person")
    }

    @Test func personsLoseWhatIdentifiesThemOnly() throws {
        let person = try Person(
            id: PersonID("p1"),
            validating: PersonDraft(
                nationalID: "11010519491231002X", name: "张三", sex: .male, phone: "+8613800000000", address: "1 River Road",
                household: household("h1"), vulnerabilities: [.elderly], group: .confirmed), version: 3)
        let anonymous = RetentionPolicy.anonymised(person)
        #expect(anonymous.name == RetentionPolicy.anonymousName)
        #expect(anonymous.nationalID == nil && anonymous.birthDate == nil && anonymous.phone == nil && anonymous.address == nil)
        #expect(anonymous.household == community("c07"))
        #expect(anonymous.id == person.id && anonymous.sex == .male && anonymous.group == .confirmed && anonymous.vulnerabilities == [.elderly])
        #expect(anonymous.version == 3)
        #expect(!RetentionPolicy.isAnonymised(person) && RetentionPolicy.isAnonymised(anonymous))
        #expect(RetentionPolicy.anonymised(anonymous) == anonymous, "idempotent")
        #expect(RetentionPolicy.coarsened(try JurisdictionPath("sz/ft")) == (try JurisdictionPath("sz/ft")), "above community: kept")
    }

    @Test func freeTextIsReplacedAndHistoriesKept() throws {
        var c = try Case(id: CaseID("c1"), person: "p1", reportedBy: "s", at: 10, reason: "neighbour of 李四")
        try c.transition(to: .confirmed, by: "lab", at: 20, reason: "PCR")
        try c.transition(to: .ruledOut, by: "lab", at: 30, reason: "false positive")
        let anonymous = try RetentionPolicy.anonymised(c)
        #expect(anonymous.history.map(\.to) == c.history.map(\.to) && anonymous.history.map(\.at) == [10, 20, 30])
        #expect(anonymous.history.allSatisfy { $0.reason == RetentionPolicy.anonymousText })
        #expect(try RetentionPolicy.anonymised(anonymous) == anonymous)
        let edge = TransmissionGraph.Edge(infector: "a", infectee: "b", evidence: "dinner")
        #expect(RetentionPolicy.anonymised(edge) == TransmissionGraph.Edge(infector: "a", infectee: "b", evidence: RetentionPolicy.anonymousText))
        #expect(RetentionPolicy.anonymised(TransmissionGraph.Edge(infector: "a", infectee: "b")).evidence == nil)
    }

    @Test func holdsKeepOpenFilesIdentifiable() throws {
        let policy = RetentionPolicy.standard
        let old = now - 200 * day
        var facts = RetentionPolicy.FileFacts()
        #expect(policy.hold(facts, now: now) == .registryOnly)
        facts.recordTimes = [old]
        var c = try Case(id: CaseID("c1"), person: "p1", reportedBy: "s", at: old)
        facts.cases = [c]
        #expect(policy.hold(facts, now: now) == .openCase)
        try c.transition(to: .confirmed, by: "lab", at: old + day)
        facts.cases = [c]
        #expect(policy.hold(facts, now: now) == nil, "a confirmed case closed long ago")

        // Quarantine and follow-up hold until 28 days after their last day.
        let quarantine = { (to: CivilDate) in
            try Quarantine(person: "p1", kind: .home, location: .household(household("h1")), from: to.addingDays(-14), to: to, orderedBy: "s", method: .verbal)
        }
        facts.quarantines = [try quarantine(today.addingDays(-28))]
        #expect(policy.hold(facts, now: now) == .quarantine)
        facts.quarantines = [try quarantine(today.addingDays(-29))]
        #expect(policy.hold(facts, now: now) == nil)
        facts.followUpPlans = [try FollowUpPlan(person: "p1", start: today.addingDays(-40), periodDays: 14, timesPerDay: 1)]
        #expect(policy.hold(facts, now: now) == .followUp, "ended 27 days ago")
        facts.followUpPlans = []
        facts.checkIns = [try CheckIn(person: "p1", time: now - 27 * day)]
        #expect(policy.hold(facts, now: now) == .followUp)
        facts.checkIns = [try CheckIn(person: "p1", time: now - 60 * day)]
        #expect(policy.hold(facts, now: now) == .recentActivity, "no follow-up hold, but an event within 90 days")
        facts.checkIns = []

        // A referral holds until its outcome.
        var capacity = try HospitalCapacity(hospital: place("h"), total: 1)
        var referral = try Referral(person: "p1", clinic: place("c"), hospital: place("h"), screenedBy: "d", at: old)
        try referral.startTransport(by: "d", at: old)
        try referral.admit(by: "w", at: old, capacity: &capacity)
        facts.referrals = [referral]
        #expect(policy.hold(facts, now: now) == .openReferral)
        try referral.recordOutcome(.recovered, by: "w", at: old + day, capacity: &capacity)
        facts.referrals = [referral]
        #expect(policy.hold(facts, now: now) == nil)

        facts.recordTimes.append(now - 89 * day)
        #expect(policy.hold(facts, now: now) == .recentActivity, "a record written within 90 days")
        facts.unreadable = 1
        #expect(policy.hold(facts, now: now) == .unreadableRecord)
    }

    @Test func importReadsThenMatchesAsPlanDoes() throws {
        let csv = "name,household,phone\nA,sz/ft,13800000000\nB,sz/ft,bad\nA,sz/ft,13800000000\n"
        let checked = try PersonImport.read(csv: csv)
        #expect(checked.total == 3 && checked.valid.map(\.row) == [1, 3] && checked.errors.map(\.row) == [2])
        var calls: [Int] = []
        let plan = PersonImport.match(checked, against: DuplicateFinder()) { processed, total in
            #expect(total == 3)
            calls.append(processed)
        }
        #expect(plan == (try PersonImport.plan(csv: csv, against: DuplicateFinder())))
        #expect(calls == [1, 3], "progress over the file's rows, ending with the total")
    }
}
