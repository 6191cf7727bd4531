import Foundation
import Testing
import VigilCommunity
import VigilSurveillance

@Suite struct QuarantineTests {
    @Test func homeQuarantineIsAtAHouseholdAndCountsBothEnds() throws {
        let q = try Quarantine(
            person: "p1", kind: .home, location: .household(household("h0402")), from: march1, to: march1.addingDays(13),
            orderedBy: "cdc.a", method: .orderDocument, orderReference: "XL-2024-031")
        #expect(q.days == 14)
        #expect(q.contains(march1.addingDays(13)))
        #expect(!q.contains(march1.addingDays(14)))
        #expect(q.householdPeriod?.household == household("h0402"))
        let data = try JSONEncoder().encode(q)
        #expect(try JSONDecoder().decode(Quarantine.self, from: data) == q)
        #expect(String(decoding: data, as: UTF8.self).contains(#""location":{"household":"sz\/ft\/xl\/c07\/g3\/b12\/h0402"}"#))
    }

    @Test func periodsLocationsAndOrdersAreValidated() throws {
        let e1 = communityError {
            _ = try Quarantine(
                person: "p1", kind: .centralised, location: .site(place("hotel.a")), from: march1, to: march1.addingDays(-1),
                orderedBy: "cdc.a", method: .verbal)
        }
        #expect(e1 == CommunityError(.invalidField) && e1?.field == "to")
        let e2 = communityError {
            _ = try Quarantine(
                person: "p1", kind: .home, location: .site(place("hotel.a")), from: march1, to: march1, orderedBy: "cdc.a",
                method: .verbal)
        }
        #expect(e2?.field == "location")
        let e3 = communityError {
            _ = try Quarantine(
                person: "p1", kind: .hospital, location: .site(place("h.1")), from: march1, to: march1, orderedBy: "cdc.a",
                method: .orderDocument)
        }
        #expect(e3?.field == "orderReference")
        // From = to is a one-day quarantine.
        let one = try Quarantine(
            person: "p1", kind: .centralised, location: .site(place("hotel.a")), from: march1, to: march1, orderedBy: "self",
            method: .selfReported)
        #expect(one.days == 1)
    }

    @Test func aCloseContactOutsideTheHouseholdNeedsAPlace() throws {
        let id = try CaseID("c1")
        #expect(throws: CommunityError(.invalidField)) {
            try CloseContact(contact: "p2", indexCase: id, place: nil, exposureTime: day0, durationSeconds: 900, isHousehold: false)
        }
        #expect(throws: CommunityError(.invalidField)) {
            try CloseContact(
                contact: "p2", indexCase: id, place: place("m"), exposureTime: day0, durationSeconds: -1, isHousehold: false)
        }
        let home = try CloseContact(contact: "p3", indexCase: id, place: nil, exposureTime: nil, durationSeconds: 0, isHousehold: true)
        #expect(try JSONDecoder().decode(CloseContact.self, from: JSONEncoder().encode(home)) == home)
    }

    @Test func decodingRefusesAnInvertedVisit() throws {
        let json = Data(#"{"person":"p1","place":"m","timeIn":100,"timeOut":50}"#.utf8)
        #expect(throws: CommunityError(.invalidField)) { try JSONDecoder().decode(Visit.self, from: json) }
        let ok = Data(#"{"person":"p1","place":"m","timeIn":100}"#.utf8)
        let v = try JSONDecoder().decode(Visit.self, from: ok)
        #expect(v.isOpen && v.end() == 3_700)
        #expect(try v.closed(at: 200).timeOut == 200)
        #expect(throws: CommunityError(.invalidTransition)) { try v.closed(at: 200).closed(at: 300) }
    }
}
