import Testing
import VigilOutbreak

/// FNV-1a over integers: a digest that, unlike `Hasher`, is the same in every process.
private struct Digest {
    var value: UInt64 = 0xCBF2_9CE4_8422_2325
    mutating func add(_ number: Int) {
        var bits = UInt64(bitPattern: Int64(number))
        for _ in 0..<8 {
            value = (value ^ (bits & 0xFF)) &* 0x0000_0100_0000_01B3
            bits >>= 8
        }
    }
    mutating func add(_ text: String) {
        for byte in text.utf8 { add(Int(byte)) }
    }
}

@Suite struct DeterminismTests {
    /// Golden values: they catch randomness that varies between processes (hash-seeded
    /// `Set`/`Dictionary` iteration, the system generator). If the model is changed on purpose,
    /// rerun and update them from the printed values.
    @Test func digestsAreStableAcrossProcesses() {
        let city = Support.city(seed: 1, residents: 600, communities: 3)
        var cityDigest = Digest()
        for resident in city.residents {
            cityDigest.add(resident.name)
            cityDigest.add(resident.nationalID)
            cityDigest.add(resident.household)
            for stop in resident.routine { cityDigest.add(stop.venue) }
            for vulnerability in resident.vulnerabilities.sorted() { cityDigest.add(vulnerability.rawValue) }
        }
        let (_, reports) = Support.run(city, seed: 1, days: 30)
        var reportDigest = Digest()
        for report in reports {
            for visit in report.visits {
                reportDigest.add(visit.resident)
                reportDigest.add(visit.venueIndex)
                reportDigest.add(visit.start)
                reportDigest.add(visit.end)
            }
            for infection in report.infections {
                reportDigest.add(infection.infectee)
                reportDigest.add(infection.infector ?? -1)
                reportDigest.add(infection.place.id)
            }
            for presentation in report.presentations { reportDigest.add(presentation.resident) }
        }
        print("city digest \(cityDigest.value), report digest \(reportDigest.value)")
        #expect(cityDigest.value == 7_865_821_075_582_384_140)
        #expect(reportDigest.value == 13_972_607_184_136_067_883)
    }
}
