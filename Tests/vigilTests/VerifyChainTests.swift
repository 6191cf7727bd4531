import ArgumentParser
import Foundation
import Testing
import VigilLedger
import VigilStore
import VigilTestSupport

@testable import vigil

/// `vigil verify chain` on chains built with the chain fixture, written as a tlog-tiles
/// directory, into a node's SQLite database, and served over loopback HTTP.
@Suite struct VerifyChainTests {
    static let origin = "vigil.example/verify"
    static let voters = ["A", "B", "C", "R"]
    /// Enough to meet the policy: 3 of the 4 voting members, the supervisor R among them.
    static let quorum = ["A", "B", "R"]

    /// 300 entries: a full level-0 tile, a partial one, and a level-1 tile. Entry `n` of the
    /// orders carries the text `marker-NNN`, so a test can find its bytes in a file.
    static let chain: ChainFixture = {
        var chain = try! ChainFixture(
            origin: origin, members: [("A", .member), ("B", .member), ("C", .member), ("R", .supervisor)], leader: "A")
        for n in 0..<10 {
            let report = try! chain.propose(.suspectedCase, by: "B", data: ChainFixture.suspectedCase(nationalID: "verify-\(n)"))
            try! chain.vote(report, by: "A")
            try! chain.vote(report, by: "R")
        }
        while chain.entries.count < 300 {
            let n = chain.entries.count
            try! chain.order(by: "R", to: ["all"], text: "marker-\(String(format: "%03d", n)) daily zero reports")
        }
        return chain
    }()

    /// A checkpoint of the first `size` entries, signed as the chain's checkpoints are: by the
    /// leader's member key named after the origin, cosigned by members' keys named after them.
    static func checkpoint(size: Int? = nil, cosigners: [String] = quorum, root: Hash? = nil) throws -> Note {
        let entries = Array(chain.entries.prefix(size ?? chain.entries.count))
        var store = InMemoryHashStore()
        store.append(contentsOf: entries.map(\.hash))
        let body = try Checkpoint(origin: origin, size: store.tree.size, root: root ?? store.tree.root)
        let log = try ChainFixture.key(for: "A").renamed(origin)
        return try body.signed(by: [log]).signed(
            by: cosigners.map { ChainFixture.key(for: $0).withType(.cosignature) }, timestamp: 1_700_000_500)
    }

    /// Writes the chain as a C2SP tlog-tiles directory.
    static func writeTiles(to directory: URL, checkpoint note: Note? = nil) throws {
        let entries = chain.entries
        let store = chain.store
        for id in TileID.tiles(forTreeSize: TreeSize(UInt64(entries.count))) {
            let hashes = try store.hashes(for: id.nodes)
            try write(hashes.flatMap(\.bytes), to: directory.appendingPathComponent(id.path))
            if id.level == 0 {
                let first = Int(id.index) * TileID.fullWidth
                let bundle = try EntryBundle.encode(entries[first..<(first + id.width)].map(\.bytes))
                try write(bundle, to: directory.appendingPathComponent(id.entriesPath))
            }
        }
        try write((try note ?? checkpoint()).bytes, to: directory.appendingPathComponent("checkpoint"))
    }

    static func write(_ bytes: [UInt8], to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    /// Where entry `index` lies in its bundle file: `a–b`, inclusive.
    static func bundleRange(of index: Int) -> String {
        let first = index / TileID.fullWidth * TileID.fullWidth
        let start = chain.entries[first..<index].reduce(0) { $0 + 2 + $1.bytes.count } + 2
        return "\(start)–\(start + chain.entries[index].bytes.count - 1)"
    }

    /// Flips one byte of the first occurrence of `marker` in `file` (the occurrence must be unique).
    static func corrupt(_ file: URL, at marker: String, offset: Int = 7) throws {
        var bytes = [UInt8](try Data(contentsOf: file))
        let needle = Array(marker.utf8)
        let hits = (0...(bytes.count - needle.count)).filter { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }
        try #require(hits.count == 1, "\(marker) occurs \(hits.count) times in \(file.lastPathComponent)")
        bytes[hits[0] + offset] ^= 0x01
        try Data(bytes).write(to: file)
    }

    static func flip(_ file: URL, byte: Int) throws {
        var bytes = [UInt8](try Data(contentsOf: file))
        bytes[byte] ^= 0x01
        try Data(bytes).write(to: file)
    }

    // MARK: Parsing

    @Test func parsesItsOptions() throws {
        let command = try #require(
            try Vigil.parseAsRoot(["verify", "chain", "--dir", "d", "--origin", "o", "--checkpoint", "c", "--json"]) as? VerifyChain)
        #expect(command.dir == "d" && command.origin == "o" && command.checkpoint == "c" && command.json && command.url == nil)
    }

    @Test(arguments: [
        ["verify", "chain"],
        ["verify", "chain", "--url", "http://127.0.0.1:1/", "--dir", "d"],
        ["verify", "chain", "--url", "http://127.0.0.1:1/", "--origin", "o"],
    ])
    func conflictingOptionsAreUsageErrors(arguments: [String]) throws {
        try withTemporaryDirectory { directory in
            let run = try VigilBinary.run(arguments, in: directory)
            #expect(run.status == 64, "stderr: \(run.stderr)")
        }
    }

    // MARK: Tiles directory

    @Test func aTilesDirectoryVerifies() throws {
        try withTemporaryDirectory { directory in
            try Self.writeTiles(to: directory)
            let run = try VigilBinary.run(["verify", "chain", "--dir", directory.path], in: directory)
            expectVerify(run, status: 0)
            #expect(run.stdout.contains("valid: chain \(Self.origin): 300 entries, root \(Self.chain.store.tree.root)"))
            #expect(run.stdout.contains("checkpoint: size 300, cosigned by A, B, R"))
            #expect(run.stdout.contains("entries: 1 config, 269 order, 10 proposal, 20 vote"))

            let json = try VigilBinary.run(["verify", "chain", "--dir", directory.path, "--json"], in: directory)
            expectVerify(json, status: 0)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(object["valid"] as? Bool == true)
            let chain = try #require((object["chains"] as? [[String: Any]])?.first)
            #expect(chain["size"] as? Int == 300)
            #expect(chain["origin"] as? String == Self.origin)
            #expect(chain["cosigners"] as? [String] == ["A", "B", "R"])
            #expect((chain["entriesByKind"] as? [String: Int])?["order"] == 269)
        }
    }

    @Test func aChangedBundleByteNamesTheEntryAndItsBytes() throws {
        try withTemporaryDirectory { directory in
            try Self.writeTiles(to: directory)
            try Self.corrupt(directory.appendingPathComponent("tile/entries/000"), at: "marker-117")
            let run = try VigilBinary.run(["verify", "chain", "--dir", directory.path], in: directory)
            expectVerify(
                run, status: 1,
                stderrContains: [
                    "vigil: entry 117 (bytes \(Self.bundleRange(of: 117)) of tile/entries/000) does not hash to the leaf in tile/0/000: stored ",
                    "entry 117 (bytes \(Self.bundleRange(of: 117)) of tile/entries/000) is invalid: signature by R does not verify",
                    "checkpoint: root \(Self.chain.store.tree.root) does not match the entries' root",
                ])
            #expect(run.stdout.isEmpty)

            let json = try VigilBinary.run(["verify", "chain", "--dir", directory.path, "--json"], in: directory)
            #expect(json.status == 1)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(object["valid"] as? Bool == false)
            let problems = try #require((object["chains"] as? [[String: Any]])?.first?["problems"] as? [[String: Any]])
            #expect(problems.first?["entry"] as? Int == 117)
        }
    }

    @Test func anEntryInThePartialBundleIsNamedToo() throws {
        try withTemporaryDirectory { directory in
            try Self.writeTiles(to: directory)
            try Self.corrupt(directory.appendingPathComponent("tile/entries/001.p/44"), at: "marker-290")
            let run = try VigilBinary.run(["verify", "chain", "--dir", directory.path], in: directory)
            expectVerify(
                run, status: 1,
                stderrContains: ["vigil: entry 290 (bytes \(Self.bundleRange(of: 290)) of tile/entries/001.p/44) does not hash to the leaf in tile/0/001.p/44"])
        }
    }

    @Test func aChangedTileByteIsDetected() throws {
        try withTemporaryDirectory { directory in
            try Self.writeTiles(to: directory)
            try Self.flip(directory.appendingPathComponent("tile/0/000"), byte: 5 * 32 + 4)
            let leaf = try VigilBinary.run(["verify", "chain", "--dir", directory.path], in: directory)
            expectVerify(
                leaf, status: 1,
                stderrContains: [
                    "vigil: entry 5 (bytes \(Self.bundleRange(of: 5)) of tile/entries/000) does not hash to the leaf in tile/0/000",
                    "hash 0 (bytes 0–31) of tile/1/000.p/1 is not the root of tile/0/000",
                ])
            // The entries are intact, so the root still matches the checkpoint.
            #expect(!leaf.stderr.contains("does not match the entries' root"))
        }
        try withTemporaryDirectory { directory in
            try Self.writeTiles(to: directory)
            try Self.flip(directory.appendingPathComponent("tile/1/000.p/1"), byte: 9)
            let upper = try VigilBinary.run(["verify", "chain", "--dir", directory.path], in: directory)
            expectVerify(upper, status: 1, stderrContains: ["vigil: hash 0 (bytes 0–31) of tile/1/000.p/1 is not the root of tile/0/000: stored "])
        }
    }

    @Test func aCheckpointWithTooFewCosignaturesFailsWithTheShortfall() throws {
        try withTemporaryDirectory { directory in
            try Self.writeTiles(to: directory, checkpoint: try Self.checkpoint(cosigners: ["A", "B"]))
            let run = try VigilBinary.run(["verify", "chain", "--dir", directory.path], in: directory)
            expectVerify(
                run, status: 1,
                stderrContains: [
                    "vigil: checkpoint does not meet the chain's quorum: cosigned by A, B; group final needs 2 more of: quorum, supervisors; "
                        + "group quorum needs 1 more of: C, R; group supervisors needs 1 more of: R"
                ])
        }
        try withTemporaryDirectory { directory in
            try Self.writeTiles(to: directory, checkpoint: try Self.checkpoint(cosigners: ["R"]))
            let run = try VigilBinary.run(["verify", "chain", "--dir", directory.path], in: directory)
            expectVerify(run, status: 1, stderrContains: ["group quorum needs 2 more of: A, B, C"])
        }
    }

    @Test func aCheckpointWithAnotherRootFails() throws {
        try withTemporaryDirectory { directory in
            let wrong = MerkleHasher.leafHash(Array("another tree".utf8))
            try Self.writeTiles(to: directory, checkpoint: try Self.checkpoint(root: wrong))
            let run = try VigilBinary.run(["verify", "chain", "--dir", directory.path], in: directory)
            expectVerify(
                run, status: 1,
                stderrContains: ["vigil: checkpoint: root \(wrong) does not match the entries' root \(Self.chain.store.tree.root) at size 300"])
        }
    }

    @Test func aPinnedCheckpointMustBeConsistent() throws {
        try withTemporaryDirectory { directory in
            try Self.writeTiles(to: directory)
            let good = directory.appendingPathComponent("pinned-good")
            try Data(try Self.checkpoint(size: 100).bytes).write(to: good)
            expectVerify(try VigilBinary.run(["verify", "chain", "--dir", directory.path, "--checkpoint", good.path], in: directory), status: 0)

            let forked = directory.appendingPathComponent("pinned-forked")
            try Data(try Self.checkpoint(size: 100, root: MerkleHasher.leafHash([1])).bytes).write(to: forked)
            expectVerify(
                try VigilBinary.run(["verify", "chain", "--dir", directory.path, "--checkpoint", forked.path], in: directory), status: 1,
                stderrContains: ["vigil: pinned checkpoint of size 100: root", "the checkpoint is not consistent with it"])

            // Served at size 100 (the partial tiles of that size are read from the full ones), the
            // chain does not extend a pinned checkpoint of size 300.
            let ahead = directory.appendingPathComponent("pinned-ahead")
            try Data(try Self.checkpoint(size: 300).bytes).write(to: ahead)
            try Self.write(try Self.checkpoint(size: 100).bytes, to: directory.appendingPathComponent("checkpoint"))
            let old = try VigilBinary.run(["verify", "chain", "--dir", directory.path], in: directory)
            expectVerify(old, status: 0)
            #expect(old.stdout.contains("valid: chain \(Self.origin): 100 entries"))
            expectVerify(
                try VigilBinary.run(["verify", "chain", "--dir", directory.path, "--checkpoint", ahead.path], in: directory), status: 1,
                stderrContains: ["vigil: pinned checkpoint of size 300 is ahead of the checkpoint of size 100: the served chain does not extend it"])
        }
    }

    @Test func missingTruncatedAndMalformedFilesAreReported() throws {
        try withTemporaryDirectory { directory in
            try Self.writeTiles(to: directory)
            try FileManager.default.removeItem(at: directory.appendingPathComponent("tile/entries/001.p/44"))
            expectVerify(
                try VigilBinary.run(["verify", "chain", "--dir", directory.path], in: directory), status: 1,
                stderrContains: ["vigil: tile/entries/001.p/44 is missing from \(directory.path)"])
        }
        try withTemporaryDirectory { directory in
            try Self.writeTiles(to: directory)
            let bundle = directory.appendingPathComponent("tile/entries/001.p/44")
            let bytes = try Data(contentsOf: bundle)
            try bytes.prefix(bytes.count - 10).write(to: bundle)
            expectVerify(
                try VigilBinary.run(["verify", "chain", "--dir", directory.path], in: directory), status: 1,
                stderrContains: ["vigil: tile/entries/001.p/44 is truncated: entry 299 of", "runs past its end at byte \(bytes.count - 10)"])
        }
        try withTemporaryDirectory { directory in
            try Self.writeTiles(to: directory)
            try Data("not a checkpoint\n".utf8).write(to: directory.appendingPathComponent("checkpoint"))
            expectVerify(
                try VigilBinary.run(["verify", "chain", "--dir", directory.path], in: directory), status: 1,
                stderrContains: ["vigil: checkpoint is malformed: "])
            expectVerify(
                try VigilBinary.run(["verify", "chain", "--dir", directory.appendingPathComponent("nowhere").path], in: directory),
                status: 1, stderrContains: ["does not exist"])
            let empty = directory.appendingPathComponent("empty")
            try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
            expectVerify(
                try VigilBinary.run(["verify", "chain", "--dir", empty.path], in: directory), status: 1,
                stderrContains: ["has neither a checkpoint file"])
        }
    }

    // MARK: SQLite store

    /// Writes the chain, an earlier checkpoint and the latest one into a node database, and a
    /// second small chain beside it.
    static func writeStore(at path: String, earlier: Note? = nil) async throws {
        let store = try SQLiteLedgerStore(path: path)
        _ = try await store.append(chain.entries, to: origin)
        _ = try await store.saveCheckpoint(try earlier ?? checkpoint(size: 100))
        _ = try await store.saveCheckpoint(try checkpoint())
        var other = try ChainFixture(origin: "vigil.example/other", members: [("X", .member), ("Y", .member)], leader: "X")
        try other.order(by: "X", to: ["all"], text: "hello")
        _ = try await store.append(other.entries, to: "vigil.example/other")
        let body = try Checkpoint(origin: "vigil.example/other", size: other.store.tree.size, root: other.store.tree.root)
        let note = try body.signed(by: [try ChainFixture.key(for: "X").renamed("vigil.example/other")])
            .signed(by: ["X", "Y"].map { ChainFixture.key(for: $0).withType(.cosignature) }, timestamp: 1_700_000_500)
        _ = try await store.saveCheckpoint(note)
    }

    @Test func aNodeDatabaseVerifiesEveryChainAndCheckpoint() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-verify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("node.sqlite").path
        try await Self.writeStore(at: path)

        for target in [path, directory.path] {
            let run = try VigilBinary.run(["verify", "chain", "--dir", target], in: directory)
            expectVerify(run, status: 0)
            #expect(run.stdout.contains("valid: chain \(Self.origin): 300 entries"))
            #expect(run.stdout.contains("checkpoint: size 300, cosigned by A, B, R (2 checkpoints checked)"))
            #expect(run.stdout.contains("valid: chain vigil.example/other: 2 entries"))
        }
        let one = try VigilBinary.run(["verify", "chain", "--dir", path, "--origin", "vigil.example/other"], in: directory)
        expectVerify(one, status: 0)
        #expect(!one.stdout.contains(Self.origin))
        expectVerify(
            try VigilBinary.run(["verify", "chain", "--dir", path, "--origin", "vigil.example/none"], in: directory), status: 1,
            stderrContains: ["holds no chain vigil.example/none"])

        // A pinned checkpoint picks its chain.
        let pinned = directory.appendingPathComponent("pinned")
        try Data(try Self.checkpoint(size: 100).bytes).write(to: pinned)
        let picked = try VigilBinary.run(["verify", "chain", "--dir", path, "--checkpoint", pinned.path], in: directory)
        expectVerify(picked, status: 0)
        #expect(picked.stdout.contains(Self.origin) && !picked.stdout.contains("vigil.example/other"))

        // One byte inside entry 117's stored bytes.
        try Self.corrupt(URL(fileURLWithPath: path), at: "marker-117")
        let bad = try VigilBinary.run(["verify", "chain", "--dir", path], in: directory)
        let length = Self.chain.entries[117].bytes.count
        expectVerify(
            bad, status: 1,
            stderrContains: [
                "vigil: chain \(Self.origin): entry 117 (bytes 0–\(length - 1) of the stored entry) does not hash to its stored leaf hash",
                "entry 117 (bytes 0–\(length - 1) of the stored entry) is invalid: signature by R does not verify",
            ])
        #expect(bad.stdout.contains("valid: chain vigil.example/other"))
    }

    @Test func aStoredCheckpointBelowTheQuorumFails() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-verify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("node.sqlite").path
        try await Self.writeStore(at: path, earlier: try Self.checkpoint(size: 100, cosigners: ["A"]))
        let run = try VigilBinary.run(["verify", "chain", "--dir", path, "--origin", Self.origin], in: directory)
        expectVerify(
            run, status: 1,
            stderrContains: ["vigil: checkpoint of size 100 does not meet the chain's quorum: cosigned by A; group final needs"])
    }

    // MARK: HTTP

    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Serves `directory` on a free loopback port with Python's http.server while `body` runs.
    ///
    /// The test process blocks most signals and a child inherits the mask, so the server
    /// unblocks them and is stopped with SIGKILL.
    static func serving<T>(_ directory: URL, _ body: (Int) throws -> T) throws -> T {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(python))
        process.arguments = [
            "-c",
            """
            import functools, http.server, signal, sys
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """,
            directory.path,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            line.append(chunk)
        }
        let port = try #require(Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        return try body(port)
    }

    @Test(.enabled(if: python != nil)) func aChainServedOverHTTPVerifies() throws {
        try withTemporaryDirectory { directory in
            let served = directory.appendingPathComponent("log/riverside")
            try Self.writeTiles(to: served)
            try Self.serving(directory) { port in
                let run = try VigilBinary.run(["verify", "chain", "--url", "http://127.0.0.1:\(port)/log/riverside"], in: directory)
                expectVerify(run, status: 0)
                #expect(run.stdout.contains("valid: chain \(Self.origin): 300 entries"))
                #expect(run.stdout.contains("source: http://127.0.0.1:\(port)/log/riverside"))

                let missing = try VigilBinary.run(["verify", "chain", "--url", "http://127.0.0.1:\(port)/log/nowhere/"], in: directory)
                expectVerify(missing, status: 1, stderrContains: ["vigil: http://127.0.0.1:\(port)/log/nowhere/checkpoint: HTTP 404"])

                try FileManager.default.removeItem(at: served.appendingPathComponent("tile/0/001.p/44"))
                let tile = try VigilBinary.run(["verify", "chain", "--url", "http://127.0.0.1:\(port)/log/riverside/"], in: directory)
                expectVerify(tile, status: 1, stderrContains: ["vigil: http://127.0.0.1:\(port)/log/riverside/tile/0/001.p/44: HTTP 404"])
            }
        }
    }

    @Test func anUnreachableURLIsReported() throws {
        try withTemporaryDirectory { directory in
            let run = try VigilBinary.run(["verify", "chain", "--url", "http://127.0.0.1:1/log"], in: directory)
            expectVerify(run, status: 1, stderrContains: ["vigil: cannot fetch http://127.0.0.1:1/log/checkpoint"])
        }
    }
}

private func expectVerify(
    _ run: VigilBinary.Run, status: Int32, stderrContains fragments: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(run.status == status, "exit \(run.status), want \(status); stderr: \(run.stderr)", sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(run.stderr.contains(fragment), "stderr \"\(run.stderr)\" lacks \"\(fragment)\"", sourceLocation: sourceLocation)
    }
    if status == 1 {
        #expect(run.stderr.hasPrefix("vigil: "), "stderr: \(run.stderr)", sourceLocation: sourceLocation)
    }
}
