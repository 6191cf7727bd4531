import Crypto
import Foundation
import Testing
import VigilLedger

/// The signed-note vectors of `../shared/vectors/note/README.md` (golang.org/x/mod/sumdb/note
/// tests, the C2SP examples, RFC 8032 test 1, and a tlog-cosignature blob). The values are
/// restated here so these tests also run without the shared folder.
@Suite struct NoteVectorTests {
    static let signerKey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
    static let seed = "810a1402d5146c8d84f2443330f54080ebf98ee17d9c74f6252fc5d5c7283173"
    static let peter = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    static let enoch = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
    static let text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
    static let peterLine = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
    static let enochLine = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
    static var note: [UInt8] { Array((text + "\n" + peterLine + enochLine).utf8) }

    @Test func theSharedReadmeStillStatesTheseValues() throws {
        guard let directory = SharedVectors.directory else {
            print("skipping: ../shared/vectors is absent")
            return
        }
        let readme = try String(contentsOf: directory.appendingPathComponent("note/README.md"), encoding: .utf8)
        let values: [String] = [Self.signerKey, Self.seed, Self.peter, Self.enoch, String(Self.peterLine.dropLast()), String(Self.enochLine.dropLast())]
        for value in values {
            #expect(readme.contains(value), "README no longer contains \(value)")
        }
    }

    @Test func signerKeyParsesAndSignsExactlyAsGo() throws {
        let signer = try SignerKey(Self.signerKey)
        #expect(signer.name == "PeterNeumann")
        #expect(signer.text == Self.signerKey)
        #expect(signer.verifierKey.description == Self.peter)
        let fromSeed = try SignerKey(name: "PeterNeumann", seed: TestHex.decode(Self.seed))
        #expect(fromSeed.text == Self.signerKey)
        // Ed25519 is deterministic: the signature line is the Go library's, byte for byte.
        let signed = try Note(text: Self.text).signed(by: [signer])
        #expect(signed.formatted == Self.text + "\n" + Self.peterLine)
    }

    @Test func bothGoSignaturesVerify() throws {
        let verified = try VerifierSet([VerifierKey(Self.peter), VerifierKey(Self.enoch)]).verify(Self.note)
        #expect(verified.verified.map(\.name) == ["PeterNeumann", "EnochRoot"])
        #expect(verified.text == Self.text)
        #expect(verified.unknown.isEmpty)
    }

    @Test func unknownKeysAreIgnoredButOneKnownSignatureIsNeeded() throws {
        let onlyPeter = try VerifierSet([VerifierKey(Self.peter)]).verify(Self.note)
        #expect(onlyPeter.verified.map(\.name) == ["PeterNeumann"])
        #expect(onlyPeter.unknown.map(\.name) == ["EnochRoot"])
        let stranger = try SignerKey(name: "Stranger", seed: Array(repeating: 9, count: 32))
        #expect(throws: LedgerError(.noVerifiedSignature)) {
            try VerifierSet([stranger.verifierKey]).verify(Self.note)
        }
    }

    @Test func aKnownKeyWhoseSignatureFailsRejectsTheNote() throws {
        // Same name and key ID as Peter's key, so the line is checked, but a changed text.
        let tampered = Array(Self.text.replacingOccurrences(of: "answer", with: "ANSWER").utf8) + Array(("\n" + Self.peterLine).utf8)
        #expect(throws: LedgerError(.badSignature)) {
            try VerifierSet([VerifierKey(Self.peter)]).verify(tampered)
        }
    }

    @Test func theRejectionsListedInTheReadme() throws {
        let keys = try VerifierSet([VerifierKey(Self.peter)])
        // 101 signatures.
        let many = Self.text + "\n" + String(repeating: Self.peterLine, count: 101)
        #expect(throws: LedgerError(.malformedNote)) { try keys.verify(Array(many.utf8)) }
        // 100 are fine (a repeated known signature is checked once).
        let hundred = Self.text + "\n" + String(repeating: Self.peterLine, count: 100)
        #expect(try keys.verify(Array(hundred.utf8)).verified.count == 1)
        // A key name containing a space.
        #expect(throws: LedgerError(.malformedKey)) { try VerifierKey("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW") }
        #expect(throws: LedgerError(.malformedNote)) {
            try keys.verify(Array((Self.text + "\n— Peter Neumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n").utf8))
        }
        // A line after the signatures.
        #expect(throws: LedgerError(.malformedNote)) { try keys.verify(Array((Self.text + "\n" + Self.peterLine + "trailing\n").utf8)) }
        // A text starting with byte 0x01.
        #expect(throws: LedgerError(.malformedNote)) { try keys.verify([0x01] + Self.note) }
        // The same key twice is ambiguous.
        #expect(throws: LedgerError(.ambiguousKey)) { try VerifierSet([VerifierKey(Self.peter), VerifierKey(Self.peter)]) }
    }

    @Test func theC2SPExampleVerifies() throws {
        let key = try VerifierKey("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
        let note = "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
        #expect(try VerifierSet([key]).verify(Array(note.utf8)).verified.map(\.name) == ["example.com/foo"])
    }

    @Test func rfc8032TestOne() throws {
        let signer = try SignerKey(name: "rfc8032", seed: TestHex.decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
        #expect(TestHex.encode(signer.verifierKey.publicKey) == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: TestHex.decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
        let signature = try key.signature(for: [UInt8]())
        #expect(TestHex.encode(signature) == "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
    }

    @Test func theCosignatureBlobParsesAndAPlainSignatureDoesNot() throws {
        let blob = Array(Data(base64Encoded: "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==")!)
        #expect(blob.count == 76)
        #expect(TestHex.encode(blob.prefix(4)) == "646846b9")
        let cosignature = try CosignatureBytes(Array(blob.dropFirst(4)))
        #expect(cosignature.timestamp == 1_727_964_367)
        let plain = Array(Data(base64Encoded: "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=")!)
        #expect(plain.count == 68)
        #expect(throws: LedgerError(.malformedCosignature)) { try CosignatureBytes(Array(plain.dropFirst(4))) }
    }

    @Test func cosignaturesUseTypeFourAndSignTheTimestampedMessage() throws {
        let witness = try SignerKey(name: "witness.example/w1", type: .cosignature, seed: Array(repeating: 3, count: 32))
        let log = try SignerKey(name: "vigil.example/log", seed: Array(repeating: 4, count: 32))
        let checkpoint = try Checkpoint(origin: "vigil.example/log", size: 8, root: Hash(hex: ReferenceTree.roots[7]))
        let note = try checkpoint.signed(by: [log]).signed(by: [witness], timestamp: 1_679_315_147)
        let line = note.signatures[1]
        #expect(line.signature.count == 72)
        #expect(line.keyID == KeyID(name: "witness.example/w1", type: .cosignature, publicKey: witness.verifierKey.publicKey))
        #expect(line.keyID != witness.withType(.ed25519).verifierKey.keyID)
        #expect(witness.verifierKey.description.hasPrefix("witness.example/w1+"))
        let raw = Array(Data(base64Encoded: String(witness.verifierKey.description.split(separator: "+", maxSplits: 2)[2]))!)
        #expect(raw.first == 0x04)
        // The signed message is the cosignature/v1 header, the time line and the checkpoint.
        let message = Array("cosignature/v1\ntime 1679315147\n\(checkpoint.text)".utf8)
        let publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: witness.verifierKey.publicKey)
        #expect(publicKey.isValidSignature(Array(line.signature.dropFirst(8)), for: message))
        let verified = try VerifierSet([log.verifierKey, witness.verifierKey]).verify(note.bytes)
        #expect(verified.verified.map(\.timestamp) == [nil, 1_679_315_147])
        // A plain note signature by the same key is not a valid cosignature.
        let plainAsCosignature = try checkpoint.signed(by: [log, witness.withType(.ed25519)])
        var relabelled = plainAsCosignature
        relabelled.signatures[1].keyID = line.keyID
        #expect(throws: LedgerError(.badSignature)) { try VerifierSet([log.verifierKey, witness.verifierKey]).verify(relabelled.bytes) }
    }

    @Test func checkpointsParseAndFormat() throws {
        let text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        let checkpoint = try Checkpoint(text: text)
        #expect(checkpoint.origin == "example.com/behind-the-sofa")
        #expect(checkpoint.size == 20_852_163)
        #expect(checkpoint.text == text)
        let withExtension = try Checkpoint(text: text + "extension line\n")
        #expect(withExtension.extensions == ["extension line"])
        let bad = [
            "example.com\n20852163\n", "example.com\n020852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
            "example.com\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
            "example.com\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n", "example.com\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n",
            "example.com\n18446744073709551616\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
            "example.com\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",
        ]
        for text in bad {
            #expect(throws: LedgerError(.malformedCheckpoint), "\(text.debugDescription)") { try Checkpoint(text: text) }
        }
    }
}
