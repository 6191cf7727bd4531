import VigilCommunity
import VigilSurveillance

/// 2024-03-01T00:00:00Z.
let day0: Int64 = 1_709_251_200
let march1 = CivilDate(year: 2024, month: 3, day: 1)

func place(_ name: String) -> PlaceID { try! PlaceID(name) }

func visit(_ person: String, _ placeName: String, _ timeIn: Int64, _ timeOut: Int64?) -> Visit {
    try! Visit(person: person, place: place(placeName), timeIn: day0 + timeIn, timeOut: timeOut.map { day0 + $0 })
}

func household(_ code: String) -> JurisdictionPath { try! JurisdictionPath("sz/ft/xl/c07/g3/b12/\(code)") }

func community(_ code: String) -> JurisdictionPath { try! JurisdictionPath("sz/ft/xl/\(code)") }

/// The CommunityError `body` throws, or nil.
func communityError(_ body: () throws -> Void) -> CommunityError? {
    do {
        try body()
        return nil
    } catch let error as CommunityError {
        return error
    } catch {
        return nil
    }
}

/// A small deterministic generator (SplitMix64) for cross-checks.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
