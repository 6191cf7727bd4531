import Foundation
import Testing
import VigilCommunity

@Suite struct ReferralTests {
    func referral() throws -> Referral {
        try Referral(person: "p1", clinic: place("clinic.riverside"), hospital: place("hospital.no3"), screenedBy: "dr.chen", at: day0)
    }

    @Test func aReferralRunsFromScreeningToOutcomeTakingAndFreeingABed() throws {
        var beds = try HospitalCapacity(hospital: place("hospital.no3"), total: 2, occupied: 1)
        var r = try referral()
        try r.startTransport(by: "driver.liu", at: day0 + 600)
        try r.admit(by: "ward.sun", at: day0 + 3_000, capacity: &beds)
        #expect(beds.free == 0 && r.holdsBed)
        try r.startTreatment(by: "dr.ma", at: day0 + 3_000)
        try r.recordOutcome(.recovered, by: "dr.ma", at: day0 + 900_000, capacity: &beds)
        #expect(beds.free == 1 && !r.holdsBed)
        #expect(r.stage == .outcome && r.outcome == .recovered)
        #expect(r.steps.map(\.stage) == [.screening, .transport, .admission, .treatment, .outcome])
        #expect(r.steps.map(\.by) == ["dr.chen", "driver.liu", "ward.sun", "dr.ma", "dr.ma"])
        #expect(try JSONDecoder().decode(Referral.self, from: JSONEncoder().encode(r)) == r)
    }

    @Test func admissionIsRefusedWithoutAFreeBedAndNothingChanges() throws {
        var full = try HospitalCapacity(hospital: place("hospital.no3"), total: 3, occupied: 3)
        var r = try referral()
        try r.startTransport(by: "driver.liu", at: day0 + 600)
        let before = (r, full)
        let error = communityError { try r.admit(by: "ward.sun", at: day0 + 3_000, capacity: &full) }
        #expect(error == CommunityError(.conflict))
        #expect(error?.message == "hospital hospital.no3 has no free bed (3 of 3 occupied)")
        #expect(r == before.0 && full == before.1)
        var other = try HospitalCapacity(hospital: place("hospital.no1"), total: 3)
        #expect(throws: CommunityError(.invalidField)) { try r.admit(by: "ward.sun", at: day0 + 3_000, capacity: &other) }
        try full.setTotal(4)
        try r.admit(by: "ward.sun", at: day0 + 3_000, capacity: &full)
        #expect(full.occupied == 4)
    }

    @Test func stepsFollowTheLifecycleInTimeOrder() throws {
        var beds = try HospitalCapacity(hospital: place("hospital.no3"), total: 5)
        var r = try referral()
        let skip = communityError { try r.admit(by: "ward.sun", at: day0 + 1, capacity: &beds) }
        #expect(skip == CommunityError(.invalidTransition) && skip?.message == "a referral cannot go from screening to admission")
        #expect(beds.occupied == 0)
        let back = communityError { try r.startTransport(by: "driver.liu", at: day0 - 1) }
        #expect(back == CommunityError(.invalidField) && back?.field == "at")
        try r.startTransport(by: "driver.liu", at: day0)
        try r.admit(by: "ward.sun", at: day0 + 1, capacity: &beds)
        #expect(throws: CommunityError(.invalidTransition)) { try r.cancel(by: "dr.chen", at: day0 + 2, reason: "patient refused") }
        try r.recordOutcome(.died, by: "dr.ma", at: day0 + 2, capacity: &beds)
        #expect(throws: CommunityError(.invalidTransition)) { try r.startTreatment(by: "dr.ma", at: day0 + 3) }
    }

    @Test func cancellationBeforeAdmissionNeedsAReasonAndIsFinal() throws {
        var r = try referral()
        #expect(throws: CommunityError(.invalidField)) { try r.cancel(by: "dr.chen", at: day0 + 1, reason: "") }
        try r.cancel(by: "dr.chen", at: day0 + 1, reason: "tested negative on re-screening")
        #expect(r.stage == .cancelled)
        #expect(throws: CommunityError(.invalidTransition)) { try r.startTransport(by: "driver.liu", at: day0 + 2) }
        #expect(throws: CommunityError(.invalidField)) {
            try Referral(person: "p1", clinic: place("x"), hospital: place("x"), screenedBy: "dr.chen", at: day0)
        }
    }

    @Test func capacityIsValidated() {
        #expect(throws: CommunityError(.invalidField)) { try HospitalCapacity(hospital: place("h"), total: 2, occupied: 3) }
        #expect(throws: CommunityError(.invalidField)) { try HospitalCapacity(hospital: place("h"), total: -1) }
        var empty = try! HospitalCapacity(hospital: place("h"), total: 2)
        #expect(throws: CommunityError(.conflict)) { try empty.releaseBed() }
        #expect(throws: CommunityError(.invalidField)) {
            var h = try HospitalCapacity(hospital: place("h"), total: 2, occupied: 2)
            try h.setTotal(1)
        }
    }
}
