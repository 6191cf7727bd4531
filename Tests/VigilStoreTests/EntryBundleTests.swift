import Testing
import VigilStore

@Suite struct EntryBundleTests {
    @Test func encodesLengthsBigEndian() throws {
        let bundle = try EntryBundle.encode([[0xAA], [], Array(repeating: 1, count: 300)])
        #expect(Array(bundle.prefix(3)) == [0x00, 0x01, 0xAA])
        #expect(Array(bundle[3..<5]) == [0x00, 0x00])
        #expect(Array(bundle[5..<7]) == [0x01, 0x2C])
        #expect(try EntryBundle.parse(bundle) == [[0xAA], [], Array(repeating: 1, count: 300)])
    }

    @Test func rejectsTruncatedBundles() {
        #expect(throws: StoreError(.corrupt)) { try EntryBundle.parse([0x00]) }
        #expect(throws: StoreError(.corrupt)) { try EntryBundle.parse([0x00, 0x03, 0x01]) }
    }

    @Test func rejectsEntriesTooLongForALengthPrefix() {
        #expect(throws: StoreError(.invalidArgument)) { try EntryBundle.encode([Array(repeating: 0, count: 65536)]) }
    }
}
