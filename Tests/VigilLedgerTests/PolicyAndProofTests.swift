import Foundation
import Testing
import VigilLedger
import VigilTestSupport

// Policy evaluation (C2SP tlog-policy), offline proofs (C2SP tlog-proof) and tile addressing
// (C2SP tlog-tiles).

// MARK: - Fixtures

private enum PolicyFixtures {
    static func seed(_ byte: UInt8) -> [UInt8] { Array(repeating: byte, count: 32) }

    static let log = try! SignerKey(name: "vigil.example/district-1", seed: seed(0x10))
    static let otherLog = try! SignerKey(name: "vigil.example/district-2", seed: seed(0x11))
    /// Witnesses X1...X3 and Y1...Y3 of the C2SP tlog-policy example, and Z, known to no policy.
    static let witnesses: [String: SignerKey] = Dictionary(
        uniqueKeysWithValues: ["X1", "X2", "X3", "Y1", "Y2", "Y3", "Z"].enumerated().map { offset, name in
            (name, try! SignerKey(name: "\(name.lowercased()).witness.example", type: .cosignature, seed: seed(UInt8(0x20 + offset))))
        })
    static func witness(_ name: String) -> SignerKey { witnesses[name]! }

    static let entries: [[UInt8]] = (0..<21).map { Array("report \($0): 3 cases of measles\n".utf8) }
    static let store: InMemoryHashStore = {
        var store = InMemoryHashStore()
        store.append(contentsOf: entries.map(MerkleHasher.leafHash))
        return store
    }()
    static let checkpoint = try! Checkpoint(origin: log.name, size: store.tree.size, root: store.tree.root)

    /// The checkpoint signed by the log and cosigned by `cosigners` at time 1,700,000,000 + i.
    static func note(cosignedBy cosigners: [String], checkpoint: Checkpoint = checkpoint, log: SignerKey = log) -> Note {
        var note = try! checkpoint.signed(by: [log])
        for (i, name) in cosigners.enumerated() {
            note = try! note.signed(by: [witness(name)], timestamp: 1_700_000_000 + UInt64(i))
        }
        return note
    }

    /// The C2SP tlog-policy example, with keys.
    static let exampleText = """
        log \(log.verifierKey)

        witness X1 \(witness("X1").verifierKey)
        witness X2 \(witness("X2").verifierKey)
        witness X3 \(witness("X3").verifierKey)
        group X-witnesses 2 X1 X2 X3

        witness Y1 \(witness("Y1").verifierKey)
        witness Y2 \(witness("Y2").verifierKey)
        witness Y3 \(witness("Y3").verifierKey)
        group Y-witnesses any Y1 Y2 Y3

        group X-and-Y all X-witnesses Y-witnesses
        quorum X-and-Y

        """
    static let example = try! Policy(parsing: exampleText)
}

private typealias F = PolicyFixtures

/// Expects `body` to throw `code` with a message containing every one of `fragments`.
private func expectFailure(
    _ code: LedgerError.Code, containing fragments: [String] = [], sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("accepted; want \(code)", sourceLocation: sourceLocation)
    } catch let error as LedgerError {
        #expect(error.code == code, "got \(error.code): \(error.message)", sourceLocation: sourceLocation)
        #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(error.message.contains(fragment), "\"\(error.message)\" lacks \"\(fragment)\"", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("threw \(type(of: error)), not a LedgerError: \(error)", sourceLocation: sourceLocation)
    }
}

// MARK: - Policy evaluation

@Suite struct PolicyEvaluationTests {
    @Test func quorumNoneNeedsOnlyTheLogSignature() throws {
        let policy = try Policy(parsing: "log \(F.log.verifierKey)\nquorum none\n")
        #expect(policy.quorum == nil)
        let evaluation = try policy.evaluate(F.note(cosignedBy: []).bytes)
        #expect(evaluation.isSatisfied)
        #expect(evaluation.missing.isEmpty)
        #expect(evaluation.cosigners.isEmpty)
        #expect(evaluation.checkpoint == F.checkpoint)
        // Cosignatures by witnesses the policy does not know change nothing.
        let cosigned = try policy.evaluate(F.note(cosignedBy: ["X1", "Z"]).bytes)
        #expect(cosigned.isSatisfied && cosigned.cosigners.isEmpty)
    }

    @Test func aSingleWitnessQuorumNeedsThatWitness() throws {
        let policy = try Policy(
            logs: [F.log.verifierKey], witnesses: [("X1", F.witness("X1").verifierKey)], groups: [], quorum: "X1")
        let met = try policy.evaluate(F.note(cosignedBy: ["X1"]).bytes)
        #expect(met.isSatisfied)
        #expect(met.cosigners == ["X1"])
        #expect(met.timestamps == ["X1": 1_700_000_000])
        #expect(met.missing.isEmpty)

        let unmet = try policy.evaluate(F.note(cosignedBy: ["Z"]).bytes)
        #expect(!unmet.isSatisfied)
        #expect(unmet.cosigners.isEmpty)
        #expect(unmet.missing.map(\.name) == ["X1"])
        #expect(unmet.missing.map(\.needed) == [1])
        #expect(unmet.missing.map(\.candidates) == [["X1"]])
        #expect(unmet.missing.map(\.description) == ["witness X1 has not cosigned"])
    }

    /// The nested example of C2SP tlog-policy: at least two X-witnesses and one Y-witness.
    @Test(arguments: [
        ([], false, [
            "group X-and-Y needs 2 more of: X-witnesses, Y-witnesses",
            "group X-witnesses needs 2 more of: X1, X2, X3",
            "group Y-witnesses needs 1 more of: Y1, Y2, Y3",
        ]),
        (["X1", "Y2"], false, [
            "group X-and-Y needs 1 more of: X-witnesses",
            "group X-witnesses needs 1 more of: X2, X3",
        ]),
        (["X1", "X2", "X3"], false, [
            "group X-and-Y needs 1 more of: Y-witnesses",
            "group Y-witnesses needs 1 more of: Y1, Y2, Y3",
        ]),
        (["Y1", "Y2", "Y3", "X2"], false, [
            "group X-and-Y needs 1 more of: X-witnesses",
            "group X-witnesses needs 1 more of: X1, X3",
        ]),
        (["X1", "X3", "Y3"], true, []),
        (["Z", "Y1", "X3", "X2"], true, []),
        (["X1", "X2", "X3", "Y1", "Y2", "Y3"], true, []),
    ] as [([String], Bool, [String])])
    func theC2SPExampleNeedsTwoXWitnessesAndOneYWitness(cosigners: [String], satisfied: Bool, missing: [String]) throws {
        let evaluation = try F.example.evaluate(F.note(cosignedBy: cosigners).bytes)
        #expect(evaluation.isSatisfied == satisfied)
        #expect(evaluation.missing.map(\.description) == missing)
        // Z is in no policy: its cosignature is ignored, never counted.
        #expect(evaluation.cosigners == cosigners.filter { $0 != "Z" })
        #expect(Set(evaluation.timestamps.keys) == Set(cosigners.filter { $0 != "Z" }))
    }

    @Test func theExampleParsesIntoItsParts() {
        let policy = F.example
        #expect(policy.logs.map(\.key) == [F.log.verifierKey])
        #expect(policy.witnesses.map(\.name) == ["X1", "X2", "X3", "Y1", "Y2", "Y3"])
        #expect(policy.groups == [
            Policy.Group(name: "X-witnesses", threshold: 2, members: ["X1", "X2", "X3"]),
            Policy.Group(name: "Y-witnesses", threshold: 1, members: ["Y1", "Y2", "Y3"]),
            Policy.Group(name: "X-and-Y", threshold: 2, members: ["X-witnesses", "Y-witnesses"]),
        ])
        #expect(policy.quorum == "X-and-Y")
        #expect((try? Policy(parsing: policy.text)) == policy)
    }

    @Test func aCosignatureByAKeyNotInThePolicyIsIgnored() throws {
        let evaluation = try F.example.evaluate(F.note(cosignedBy: ["Z", "X1", "X2"]).bytes)
        #expect(evaluation.cosigners == ["X1", "X2"])
        #expect(!evaluation.isSatisfied)
        // A witness's key under another name in the note is another key: ignored too.
        let renamed = try SignerKey(name: "x1.renamed.example", type: .cosignature, seed: F.seed(0x20))
        let note = try F.note(cosignedBy: []).signed(by: [renamed], timestamp: 5)
        #expect(try F.example.evaluate(note.bytes).cosigners.isEmpty)
    }

    @Test func aFailingCosignatureByAPolicyWitnessRejectsTheCheckpoint() {
        var note = F.note(cosignedBy: ["X1", "X2", "Y1"])
        note.signatures[2].signature[12] ^= 0x80
        expectFailure(.badSignature, containing: [F.witness("X2").name]) { _ = try F.example.evaluate(note.bytes) }
    }

    @Test func aLogSignatureUnderANameOtherThanTheOriginIsAnUnknownLog() throws {
        // The log's own key signs a checkpoint whose origin is another log's.
        let foreign = try Checkpoint(origin: F.otherLog.name, size: F.checkpoint.size, root: F.checkpoint.root)
        expectFailure(.unknownLog, containing: [F.otherLog.name]) {
            _ = try F.example.evaluate(F.note(cosignedBy: ["X1", "X2", "Y1"], checkpoint: foreign).bytes)
        }
        // A log the policy does not list, cosigned by its witnesses: the witnesses alone do not make it a log.
        let unlisted = try Checkpoint(origin: F.otherLog.name, size: F.checkpoint.size, root: F.checkpoint.root)
        expectFailure(.unknownLog, containing: ["not signed by a log of the policy"]) {
            _ = try F.example.evaluate(F.note(cosignedBy: ["X1", "X2", "Y1"], checkpoint: unlisted, log: F.otherLog).bytes)
        }
        // And with no known signature at all, the note itself is rejected.
        expectFailure(.noVerifiedSignature) {
            _ = try F.example.evaluate(F.note(cosignedBy: ["Z"], checkpoint: unlisted, log: F.otherLog).bytes)
        }
    }

    /// C2SP tlog-policy: the log's key name "MUST correspond to the log's origin line", and names
    /// are octet strings. "\u{212A}" (KELVIN SIGN) and "K" are different names even though Swift's
    /// `String ==` finds them canonically equivalent.
    @Test func anOriginThatOnlyLooksLikeTheLogNameIsAnUnknownLog() throws {
        let kelvinLog = try SignerKey(name: "\u{212A}.example/log", seed: F.seed(0x12))
        let policy = try Policy(parsing: "log \(kelvinLog.verifierKey)\nquorum none\n")
        let genuine = try Checkpoint(origin: kelvinLog.name, size: F.checkpoint.size, root: F.checkpoint.root)
        #expect(try policy.evaluate(genuine.signed(by: [kelvinLog]).bytes).isSatisfied)
        let lookalike = try Checkpoint(origin: "K.example/log", size: F.checkpoint.size, root: F.checkpoint.root)
        expectFailure(.unknownLog) { _ = try policy.evaluate(lookalike.signed(by: [kelvinLog]).bytes) }
    }

    @Test func aPolicyWithTwoLogsAcceptsEither() throws {
        let policy = try Policy(
            logs: [F.log.verifierKey, F.otherLog.verifierKey], witnesses: [("X1", F.witness("X1").verifierKey)], groups: [],
            quorum: "X1")
        let other = try Checkpoint(origin: F.otherLog.name, size: 1, root: F.store.tree.root)
        #expect(try policy.evaluate(F.note(cosignedBy: ["X1"], checkpoint: other, log: F.otherLog).bytes).isSatisfied)
        #expect(try policy.evaluate(F.note(cosignedBy: ["X1"]).bytes).isSatisfied)
    }

    @Test func aCheckpointNoteWhoseTextIsNotACheckpointIsRejected() throws {
        let note = try Note(text: "\(F.log.name)\nnot a size\n\(F.checkpoint.root.base64)\n").signed(by: [F.log])
        expectFailure(.malformedCheckpoint, containing: ["tree size"]) { _ = try F.example.evaluate(note.bytes) }
    }
}

// MARK: - tlog-proof

@Suite struct TlogProofTests {
    static let index: LeafIndex = 11
    static let cosigned = F.note(cosignedBy: ["X1", "X3", "Y2"])

    static func proof(extra: [UInt8]? = F.entries[11], note: Note = cosigned, index: LeafIndex = index) throws -> TlogProof {
        try TlogProof.produce(index: index, checkpointNote: note, store: F.store, extra: extra)
    }

    @Test func producedProofsFormatAndParseBack() throws {
        for i in 0..<F.entries.count {
            for extra in [nil, F.entries[i], []] as [[UInt8]?] {
                let proof = try Self.proof(extra: extra, index: LeafIndex(UInt64(i)))
                #expect(proof.inclusionProof.count == MerkleProof.inclusionProofLength(index: UInt64(i), size: 21))
                let parsed = try TlogProof(parsing: Array(proof.formatted.utf8))
                #expect(parsed == proof)
                #expect(parsed.formatted == proof.formatted)
            }
        }
    }

    @Test func theFormatIsTheC2SPOne() throws {
        let proof = try Self.proof()
        let expected =
            "c2sp.org/tlog-proof@v1\n"
            + "extra \(Data(F.entries[11]).base64EncodedString())\n"
            + "index 11\n"
            + proof.inclusionProof.map { $0.base64 + "\n" }.joined()
            + "\n"
            + Self.cosigned.formatted
        #expect(proof.formatted == expected)
        #expect(proof.inclusionProof == (try MerkleProof.inclusionProof(index: 11, size: 21, store: F.store)))
        let bare = try Self.proof(extra: nil)
        #expect(bare.formatted.hasPrefix("c2sp.org/tlog-proof@v1\nindex 11\n"))
        // Index 0 of a one-leaf tree: no hashes at all, the empty line follows the index.
        var single = InMemoryHashStore()
        single.append(MerkleHasher.leafHash(F.entries[0]))
        let tiny = try Checkpoint(origin: F.log.name, size: 1, root: single.tree.root).signed(by: [F.log])
        let zero = try TlogProof.produce(index: 0, checkpointNote: tiny, store: single)
        #expect(zero.formatted == "c2sp.org/tlog-proof@v1\nindex 0\n\n" + tiny.formatted)
    }

    @Test func verifiesWithTheEntryGivenOrCarriedAsExtra() throws {
        let policy = F.example
        let carried = try TlogProof(parsing: Array(try Self.proof().formatted.utf8))
        let evaluation = try carried.verify(policy: policy)
        #expect(evaluation.isSatisfied)
        #expect(evaluation.checkpoint == F.checkpoint)
        #expect(evaluation.cosigners == ["X1", "X3", "Y2"])

        let bare = try TlogProof(parsing: Array(try Self.proof(extra: nil).formatted.utf8))
        #expect(try bare.verify(entry: F.entries[11], policy: policy).checkpoint == F.checkpoint)
        #expect(try bare.verify(leafHash: MerkleHasher.leafHash(F.entries[11]), policy: policy).isSatisfied)
        // The entry given wins over the extra data.
        #expect(try carried.verify(entry: F.entries[11], policy: policy).isSatisfied)
        expectFailure(.badProof) { _ = try carried.verify(entry: F.entries[10], policy: policy) }
        expectFailure(.malformedProofFile, containing: ["no entry"]) { _ = try bare.verify(policy: policy) }
    }

    @Test func aTamperedEntryIndexHashOrCheckpointFails() throws {
        let policy = F.example
        let good = try Self.proof()

        var entry = good
        entry.extra![0] ^= 0x20
        expectFailure(.badProof, containing: ["calculated root"]) { _ = try entry.verify(policy: policy) }

        var index = good
        index.index = 10
        expectFailure(.badProof) { _ = try index.verify(policy: policy) }
        index.index = 21
        expectFailure(.badProof, containing: ["beyond the tree size"]) { _ = try index.verify(policy: policy) }

        for position in good.inclusionProof.indices {
            var hash = good
            var bytes = hash.inclusionProof[position].bytes
            bytes[position % 32] ^= 0x01
            hash.inclusionProof[position] = try Hash(bytes: bytes)
            expectFailure(.badProof, containing: ["calculated root"]) { _ = try hash.verify(policy: policy) }
        }
        var short = good
        short.inclusionProof.removeLast()
        expectFailure(.badProof, containing: ["wrong proof size \(good.inclusionProof.count - 1), want \(good.inclusionProof.count)"]) {
            _ = try short.verify(policy: policy)
        }

        // Another root in the checkpoint text, signatures kept: the log's signature fails.
        var checkpoint = good
        let forged = try Checkpoint(origin: F.log.name, size: 21, root: MerkleHasher.leafHash([1]))
        checkpoint.checkpointNote = try Note(text: forged.text, signatures: good.checkpointNote.signatures)
        expectFailure(.badSignature) { _ = try checkpoint.verify(policy: policy) }
        // The same forged checkpoint properly signed by the log (a split view): the inclusion fails.
        checkpoint.checkpointNote = F.note(cosignedBy: ["X1", "X3", "Y2"], checkpoint: forged)
        expectFailure(.badProof) { _ = try checkpoint.verify(policy: policy) }
        // A smaller tree, honestly signed: the proof is for size 21, not 12.
        let smaller = try Checkpoint(origin: F.log.name, size: 12, root: try MerkleProof.root(size: 12, store: F.store))
        checkpoint.checkpointNote = F.note(cosignedBy: ["X1", "X3", "Y2"], checkpoint: smaller)
        expectFailure(.badProof, containing: ["wrong proof size"]) { _ = try checkpoint.verify(policy: policy) }
    }

    @Test func anUnmetQuorumFailsNamingWhatIsMissing() throws {
        let proof = try Self.proof(note: F.note(cosignedBy: ["X1", "Y2", "Z"]))
        expectFailure(.policyNotSatisfied, containing: ["quorum not met", "X-witnesses", "X2, X3"]) {
            _ = try proof.verify(policy: F.example)
        }
        let logOnly = try Self.proof(note: F.note(cosignedBy: []))
        expectFailure(.policyNotSatisfied, containing: ["X-and-Y", "Y1, Y2, Y3"]) { _ = try logOnly.verify(policy: F.example) }
        // The quorum is checked even when the inclusion would fail.
        var both = logOnly
        both.extra = [0]
        expectFailure(.policyNotSatisfied) { _ = try both.verify(policy: F.example) }
    }

    @Test func producingAProofBeyondTheStoreOrTheTreeFails() throws {
        #expect(throws: LedgerError(.badTreeSize)) { _ = try Self.proof(index: 21) }
        let ahead = try Checkpoint(origin: F.log.name, size: 22, root: F.checkpoint.root).signed(by: [F.log])
        #expect(throws: LedgerError(.storeMissingNode)) { _ = try TlogProof.produce(index: 3, checkpointNote: ahead, store: F.store) }
    }
}

// MARK: - Tiles (C2SP tlog-tiles)

@Suite struct TileAddressingTests {
    @Test(arguments: [
        (0, 1_234_067, 256, "tile/0/x001/x234/067"),
        (0, 1_234_067, 8, "tile/0/x001/x234/067.p/8"),
        (0, 0, 256, "tile/0/000"),
        (1, 0, 1, "tile/1/000.p/1"),
        (2, 999, 255, "tile/2/999.p/255"),
        (3, 1_000, 256, "tile/3/x001/000"),
        (63, 1_000_000, 256, "tile/63/x001/x000/000"),
        (5, 18_446_744_073_709_551_615, 256, "tile/5/x018/x446/x744/x073/x709/x551/615"),
    ] as [(UInt8, UInt64, Int, String)])
    func tilePathsEncodeTheIndexInGroupsOfThreeDigits(level: UInt8, index: UInt64, width: Int, path: String) throws {
        let tile = try TileID(level: level, index: index, width: width)
        #expect(tile.path == path)
        #expect(tile.isFull == (width == 256))
        #expect(try TileID(path: path) == tile)
        let entries = try TileID(level: 0, index: index, width: width)
        let entriesPath = "tile/entries/" + path.split(separator: "/").dropFirst(2).joined(separator: "/")
        #expect(entries.entriesPath == entriesPath)
        #expect(try TileID(entriesPath: entriesPath) == entries)
    }

    @Test func randomTilesRoundTripThroughTheirPaths() throws {
        var generator = SeededGenerator(seed: 0x711e)
        for _ in 0..<2_000 {
            let level = UInt8.random(in: 0...63, using: &generator)
            let magnitude = UInt64.random(in: 0...63, using: &generator)
            let index = UInt64.random(in: 0...UInt64.max, using: &generator) >> magnitude
            let width = Bool.random(using: &generator) ? 256 : Int.random(in: 1...255, using: &generator)
            let tile = try TileID(level: level, index: index, width: width)
            #expect(try TileID(path: tile.path) == tile, "\(tile.path)")
            let entries = try TileID(level: 0, index: index, width: width)
            #expect(try TileID(entriesPath: entries.entriesPath) == entries, "\(entries.entriesPath)")
        }
    }

    @Test(arguments: [
        "tile/0/x001/x234/67",  // an element of two digits
        "tile/0/001/x234/067",  // an element without x
        "tile/0/x001/234/067",
        "tile/0/x001/x234/x067",  // x on the last element
        "tile/0/0067",
        "tile/0/x1234/567",
        "tile/0/000.p/0",  // width 0
        "tile/0/000.p/256",  // width 256 is a full tile, written without .p
        "tile/0/000.p/08",  // leading zero in the width
        "tile/0/000.p/",
        "tile/0/000.p",
        "tile/64/000",  // level 64
        "tile/01/000",  // leading zero in the level
        "tile/-1/000",
        "tile//000",
        "tile/0/",
        "tile/0",
        "tile/0/000/",
        "/tile/0/000",
        "tiles/0/000",
        "tile/0/x018/x446/x744/x073/x709/x551/616",  // 2^64
        "tile/0/x001/x002/x003/x004/x005/x006/x007/008",  // 8 elements
        "tile/entries/000",  // an entry bundle is not a hash tile
        "tile/0/x000/067",  // 67 is written 067: one encoding per index
        "tile/0/x000/000",
    ])
    func malformedTilePathsAreRejected(path: String) {
        expectFailure(.malformedTile) { _ = try TileID(path: path) }
    }

    @Test(arguments: ["tile/0/000", "tile/entries/x001/67", "tile/entries/000.p/256", "tile/entries/", "tile/entries/x000/001"])
    func malformedEntryBundlePathsAreRejected(path: String) {
        expectFailure(.malformedTile) { _ = try TileID(entriesPath: path) }
    }

    @Test func tileCoordinatesAreChecked() {
        expectFailure(.malformedTile, containing: ["64"]) { _ = try TileID(level: 64, index: 0) }
        expectFailure(.malformedTile, containing: ["0"]) { _ = try TileID(level: 0, index: 0, width: 0) }
        expectFailure(.malformedTile, containing: ["257"]) { _ = try TileID(level: 0, index: 0, width: 257) }
    }

    @Test func aTreeOf70000LeavesIsServedAsTheSpecSays() throws {
        let tiles = TileID.tiles(forTreeSize: 70_000)
        let level0 = tiles.filter { $0.level == 0 }
        #expect(level0.filter(\.isFull).map(\.index) == Array(0..<273))
        #expect(level0.filter { !$0.isFull } == [try TileID(level: 0, index: 273, width: 112)])
        #expect(tiles.filter { $0.level == 1 } == [try TileID(level: 1, index: 0), try TileID(level: 1, index: 1, width: 17)])
        #expect(tiles.filter { $0.level == 2 } == [try TileID(level: 2, index: 0, width: 1)])
        #expect(tiles.count == 273 + 1 + 2 + 1)
        #expect(!tiles.contains { $0.level > 2 })
    }

    @Test func aTreeOf256LeavesIsAFullTileAndAPartialOneAbove() throws {
        #expect(TileID.tiles(forTreeSize: 256) == [try TileID(level: 0, index: 0), try TileID(level: 1, index: 0, width: 1)])
        #expect(TileID.tiles(forTreeSize: 0).isEmpty)
        #expect(TileID.tiles(forTreeSize: 1) == [try TileID(level: 0, index: 0, width: 1)])
        #expect(TileID.tiles(forTreeSize: 255) == [try TileID(level: 0, index: 0, width: 255)])
    }

    /// The spec's rule for any size: the partial tile at level l has floor(s / 256^l) mod 256
    /// hashes, and there are floor(s / 256^(l+1)) full tiles.
    @Test func tilesOfAnySizeFollowTheSpecFormula() {
        var generator = SeededGenerator(seed: 0x70000)
        for _ in 0..<300 {
            // Sizes up to 2^22: the list holds every full tile, so it grows with the size.
            let size = UInt64.random(in: 0...(1 << 22), using: &generator) >> UInt64.random(in: 0...22, using: &generator)
            let tiles = TileID.tiles(forTreeSize: TreeSize(size))
            var level: UInt8 = 0
            var hashes = size
            while hashes > 0 {
                let mine = tiles.filter { $0.level == level }
                let partial = Int(hashes % 256)
                if hashes / 256 <= 1_000 {
                    #expect(mine.filter(\.isFull).map(\.index) == Array(0..<(hashes / 256)), "size \(size) level \(level)")
                } else {
                    #expect(UInt64(mine.filter(\.isFull).count) == hashes / 256, "size \(size) level \(level)")
                }
                #expect(mine.filter { !$0.isFull }.map(\.width) == (partial == 0 ? [] : [partial]), "size \(size) level \(level)")
                hashes /= 256
                level += 1
            }
            #expect(!tiles.contains { $0.level >= level }, "size \(size)")
        }
    }

    /// RFC 9162 MTH of a power-of-two number of hashes.
    private static func perfectRoot(_ hashes: ArraySlice<Hash>) -> Hash {
        if hashes.count == 1 { return hashes.first! }
        let half = hashes.startIndex + hashes.count / 2
        return MerkleHasher.nodeHash(perfectRoot(hashes[..<half]), perfectRoot(hashes[half...]))
    }

    @Test func locatedTileHashesRebuildEveryStoredNode() throws {
        var generator = SeededGenerator(seed: 0x10c8)
        var store = InMemoryHashStore()
        let size: UInt64 = 70_123
        store.append(contentsOf: (0..<size).map { MerkleHasher.leafHash(Array("leaf \($0)".utf8)) })
        var checked = Set<UInt8>()
        for _ in 0..<1_500 {
            let treeSize = UInt64.random(in: 1...size, using: &generator)
            let maxLevel = UInt8(63 - treeSize.leadingZeroBitCount)
            let level = UInt8.random(in: 0...maxLevel, using: &generator)
            let index = UInt64.random(in: 0..<(treeSize >> UInt64(level)), using: &generator)
            let node = NodeID(level: level, index: index)
            let (tile, range) = try TileID.locate(node, inTreeOfSize: TreeSize(treeSize))
            #expect(tile.level == level / 8)
            #expect(range.count == 1 << Int(level % 8))
            #expect(range.upperBound <= tile.width, "node \(node) in size \(treeSize): \(range) beyond \(tile)")
            // The tile served for this tree size: full, or the partial one of the right width.
            #expect(TileID.tiles(forTreeSize: TreeSize(treeSize)).contains(tile), "\(tile) is not served at size \(treeSize)")
            let contents = try store.hashes(for: tile.nodes)
            let want = try store.hashes(for: [node])[0]
            #expect(Self.perfectRoot(contents[range]) == want, "node \(node) in size \(treeSize) from \(tile) \(range)")
            if range.count <= 2 {
                // For one or two hashes the ragged-edge fold is the same thing.
                #expect(MerkleHasher.fold(contents[range]) == want)
            }
            checked.insert(level)
        }
        #expect(checked.isSuperset(of: Set<UInt8>(0...16)))
    }

    /// `locate` documents `malformedTile` for a node that is not complete in the tree; nodes whose
    /// leaf range does not fit in 64 bits must get that error too, not a trap in `NodeID.coverage`.
    /// Run in a child process so that a trap fails this test only.
    @Test func locatingANodeBeyondUInt64ThrowsInsteadOfTrapping() async {
        await #expect(processExitsWith: .success) {
            // Leaves (2^64 - 1)...2^64 and (3 << 63)... overflow the coverage range.
            for node in [NodeID(level: 0, index: UInt64.max), NodeID(level: 63, index: 3), NodeID(level: 40, index: UInt64.max >> 20)] {
                do {
                    _ = try TileID.locate(node, inTreeOfSize: TreeSize(UInt64.max))
                    exit(1)
                } catch {
                    guard (error as? LedgerError)?.code == .malformedTile else { exit(2) }
                }
            }
        }
    }

    @Test func nodesNotCompleteInTheTreeCannotBeLocated() {
        expectFailure(.malformedTile) { _ = try TileID.locate(NodeID(level: 0, index: 10), inTreeOfSize: 10) }
        expectFailure(.malformedTile) { _ = try TileID.locate(NodeID(level: 3, index: 1), inTreeOfSize: 15) }
        expectFailure(.malformedTile) { _ = try TileID.locate(NodeID(level: 64, index: 0), inTreeOfSize: TreeSize(UInt64.max)) }
    }
}

