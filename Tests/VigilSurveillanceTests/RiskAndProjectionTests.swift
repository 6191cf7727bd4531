import Foundation
import Testing
import VigilSurveillance

@Suite struct RiskLevelTests {
    @Test func standardPolicyFollowsTheFourteenDayClassification() {
        let policy = RiskPolicy.standard
        #expect(policy.assess(CommunitySignals(recentCases: 0, cumulativeCases: 120)).level == .low)
        #expect(policy.assess(CommunitySignals(recentCases: 3, cumulativeCases: 20)).level == .medium)
        #expect(policy.assess(CommunitySignals(recentCases: 3, cumulativeCases: 80)).level == .medium)
        let high = policy.assess(CommunitySignals(recentCases: 12, cumulativeCases: 80, clusters: 1))
        #expect(high.level == .high)
        #expect(high.reasons.count == 1)
        #expect(
            policy.assess(CommunitySignals(recentCases: 0, cumulativeCases: 0, alarms: 1)).level == .medium)
    }

    @Test func signalsFromDailyCountsUseTheWindow() {
        let daily = [5, 0, 0] + Array(repeating: 0, count: 13) + [1, 2]
        let signals = CommunitySignals(dailyCases: daily, window: 14, population: 20_000)
        #expect(signals.recentCases == 3)
        #expect(signals.cumulativeCases == 8)
        #expect(signals.daysSinceLastCase == 0)
        #expect(signals.recentIncidencePer100k == 15)
        #expect(CommunitySignals(dailyCases: [0, 0]).daysSinceLastCase == nil)
    }

    @Test func customRulesTakeTheHighestMatchingLevel() {
        let policy = RiskPolicy(rules: [
            RiskRule(.medium, when: .incidencePer100kAtLeast(10)),
            RiskRule(.high, when: .any([.incidencePer100kAtLeast(50), .reproductionNumberAbove(1.5)])),
        ])
        #expect(
            policy.assess(CommunitySignals(recentCases: 2, cumulativeCases: 2, population: 10_000)).level
                == .medium)
        #expect(
            policy.assess(
                CommunitySignals(
                    recentCases: 2, cumulativeCases: 2, population: 10_000, reproductionNumber: 1.8)
            ).level == .high)
        #expect(policy.assess(CommunitySignals(recentCases: 2, cumulativeCases: 2)).level == .low)
    }
}

@Suite struct SEIRProjectionTests {
    static func projection(rt: Double) throws -> SEIRProjection {
        try SEIRProjection(
            initial: .init(susceptible: 99_000, exposed: 40, infectious: 10, removed: 950),
            parameters: .init(reproductionNumber: rt, latentPeriod: 3, infectiousPeriod: 5))
    }

    @Test func populationIsConserved() throws {
        let p = try Self.projection(rt: 2.5)
        for day in p.run(days: 365) {
            #expect(abs(day.state.total - 100_000) < 1e-7)
            #expect(day.state.susceptible >= 0 && day.state.exposed >= 0 && day.state.infectious >= 0)
        }
    }

    @Test func epidemicEndsAtTheFinalSize() throws {
        let p = try Self.projection(rt: 2.5)
        let days = p.run(days: 1000)
        let end = days.last!.state
        #expect(end.exposed + end.infectious < 1e-6)
        // log(S0/S_inf) = R0 (N - S_inf - R(0)) / N holds along the ODE's limit.
        let r0 = p.basicReproductionNumber
        let residual = (99_000 / end.susceptible).logValue - r0 * (100_000 - end.susceptible - 950) / 100_000
        #expect(abs(residual) < 1e-8)
        #expect(abs(end.susceptible - p.finalSusceptible()) / end.susceptible < 1e-8)
    }

    @Test func effectiveReproductionNumberSetsBeta() throws {
        let p = try Self.projection(rt: 1.2)
        #expect(abs(p.beta / p.gamma * 99_000 / 100_000 - 1.2) < 1e-12)
        // Below 1, new infections decline from the start.
        let low = try Self.projection(rt: 0.6).run(days: 60)
        #expect(low[60].newInfections < low[1].newInfections)
    }

    @Test func invalidParametersAreRejected() {
        #expect(throws: SurveillanceError(.invalidControl)) {
            try SEIRProjection(
                initial: .init(susceptible: 10, exposed: 0, infectious: 1, removed: 0),
                parameters: .init(reproductionNumber: 1, latentPeriod: 0, infectiousPeriod: 5))
        }
    }
}

extension Double {
    var logValue: Double { Foundation.log(self) }
}

@Suite struct RiskPolicyCodingTests {
    @Test func policiesRoundTripThroughJSON() throws {
        let data = try JSONEncoder().encode(RiskPolicy.standard)
        let decoded = try JSONDecoder().decode(RiskPolicy.self, from: data)
        #expect(decoded == RiskPolicy.standard)
        let custom = try JSONDecoder().decode(
            RiskPolicy.self,
            from: Data(
                #"{"defaultLevel": 0, "rules": [{"level": 2, "condition": {"clustersAtLeast": {"_0": 2}}}]}"#.utf8))
        #expect(custom.assess(CommunitySignals(recentCases: 5, cumulativeCases: 5, clusters: 2)).level == .high)
    }
}
