import Testing
import VigilCommunity
import VigilSurveillance

@Suite struct ElectricitySignalTests {
    /// The quarantine or sealing starts on `start`; readings are by day offset from it.
    let start = CivilDate(year: 2024, month: 3, day: 15)

    func readings(_ code: String, _ values: [Int: Double]) -> [ElectricityReading] {
        values.sorted { $0.key < $1.key }.map {
            try! ElectricityReading(household: household(code), day: start.addingDays($0.key), kWh: $0.value)
        }
    }

    func period(_ code: String, days: Int = 7) -> HouseholdPeriod {
        try! HouseholdPeriod(household: household(code), from: start, to: start.addingDays(days - 1))
    }

    func before(_ value: Double, days: Int = 14) -> [Int: Double] {
        Dictionary(uniqueKeysWithValues: (1...days).map { (-$0, value) })
    }

    @Test func aQuarantinedHouseholdBelowThirtyPercentOfItsBaselineIsFlagged() throws {
        let h1 = readings("h1", before(10).merging([0: 2.9, 1: 3.0, 2: 8, 7: 0.1, -15: 0.0]) { $1 })
        let flags = try ElectricitySignal().flags(readings: h1, quarantined: [period("h1")], sealed: [])
        // Day 7 is after the period; day -15 is before the 14-day baseline (and not flagged).
        #expect(flags == [.nobodyHome(household: household("h1"), day: start, kWh: 2.9, baseline: 10)])
    }

    @Test func withoutEnoughBaselineOnlyTheAbsoluteFloorApplies() throws {
        let h2 = readings("h2", [-1: 10, -2: 10, -3: 10, 0: 0.4, 1: 0.5, 2: 2.0])
        let flags = try ElectricitySignal().flags(readings: h2, quarantined: [period("h2")], sealed: [])
        #expect(flags == [.nobodyHome(household: household("h2"), day: start, kWh: 0.4, baseline: nil)])
        // A lower minimum makes the three days a baseline: 30% of 10 = 3 flags 2.0 as well.
        let loose = try ElectricitySignal(minimumBaselineReadings: 3).flags(readings: h2, quarantined: [period("h2")], sealed: [])
        #expect(loose.map(\.day) == [start, start.addingDays(1), start.addingDays(2)])
    }

    @Test func aSealedHomeAboveItsThresholdIsInUse() throws {
        let h3 = readings("h3", before(10).merging([0: 0.2, 1: 3.1, 2: 3.0]) { $1 })
        let h4 = readings("h4", [0: 0.6, 1: 0.5])
        let flags = try ElectricitySignal().flags(readings: h3 + h4, quarantined: [], sealed: [period("h3"), period("h4")])
        #expect(
            flags == [
                .sealedInUse(household: household("h3"), day: start.addingDays(1), kWh: 3.1, baseline: 10),
                .sealedInUse(household: household("h4"), day: start, kWh: 0.6, baseline: nil),
            ])
    }

    @Test func theBaselineIsTheMedianAndMetersOfADayAreSummed() throws {
        let h5 = readings("h5", Dictionary(uniqueKeysWithValues: (1...8).map { (-$0, Double($0)) }).merging([0: 1.3, 1: 1.4]) { $1 })
            + [try ElectricityReading(household: household("h5"), day: start, kWh: 0.0)]
        let second = [try ElectricityReading(household: household("h5"), day: start.addingDays(2), kWh: 0.8)]
            + [try ElectricityReading(household: household("h5"), day: start.addingDays(2), kWh: 0.6)]
        let flags = try ElectricitySignal().flags(readings: h5 + second, quarantined: [period("h5"), period("h5", days: 2)], sealed: [])
        // Median of 1...8 is 4.5, threshold 1.35: 1.3 is flagged (once, though two periods cover it), 1.4 and 0.8+0.6 are not.
        #expect(flags == [.nobodyHome(household: household("h5"), day: start, kWh: 1.3, baseline: 4.5)])
    }

    @Test func readingsPeriodsAndSettingsAreValidated() {
        #expect(throws: CommunityError(.invalidField)) { try ElectricityReading(household: household("h1"), day: start, kWh: -0.1) }
        #expect(throws: CommunityError(.invalidField)) { try ElectricityReading(household: household("h1"), day: start, kWh: .nan) }
        #expect(throws: CommunityError(.invalidField)) { try ElectricityReading(household: community("c07"), day: start, kWh: 1) }
        #expect(throws: CommunityError(.invalidField)) {
            try HouseholdPeriod(household: household("h1"), from: start, to: start.addingDays(-1))
        }
        #expect(throws: CommunityError(.invalidField)) { try ElectricitySignal(baselineDays: 0) }
        #expect(throws: CommunityError(.invalidField)) { try ElectricitySignal(baselineDays: 5, minimumBaselineReadings: 6) }
        #expect(throws: CommunityError(.invalidField)) { try ElectricitySignal(nobodyHomeFraction: -0.1) }
    }
}
