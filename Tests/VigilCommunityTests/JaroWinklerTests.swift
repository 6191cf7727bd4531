import Testing
import VigilCommunity

@Suite struct JaroWinklerTests {
    @Test(arguments: [
        ("MARTHA", "MARHTA", 0.961),
        ("DWAYNE", "DUANE", 0.840),
        ("DIXON", "DICKSONX", 0.813),
        ("CRATE", "TRACE", 0.733),
        ("abc", "abc", 1.0),
        ("abc", "xyz", 0.0),
        ("", "", 1.0),
        ("a", "", 0.0),
    ])
    func knownValues(_ a: String, _ b: String, _ expected: Double) {
        #expect(abs(JaroWinkler.similarity(a, b) - expected) < 0.0005)
        #expect(abs(JaroWinkler.similarity(b, a) - expected) < 0.0005)
    }

    @Test func jaroWithoutThePrefixBonus() {
        #expect(abs(JaroWinkler.jaro("MARTHA", "MARHTA") - 0.944) < 0.0005)
        #expect(abs(JaroWinkler.jaro("DIXON", "DICKSONX") - 0.767) < 0.0005)
    }
}
