import ArgumentParser
import Foundation
import VigilLedger

/// `vigil sign --key FILE [FILE]`: sign a note text, or add a signature to a signed note.
struct Sign: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign a note (C2SP signed-note) with a signer key, or add a (co)signature to a signed note.",
        discussion: """
            The input (FILE or standard input) is either a signed note, to which the signature is \
            added, or a plain text ending in a newline, which becomes a note with one signature. \
            A cosignature key (from keygen --cosignature) signs a checkpoint with the current time.
            """
    )

    @Option(help: "The signer key file written by 'vigil keygen'.")
    var key: String

    @Option(help: "Cosignature timestamp in POSIX seconds (default: now).")
    var timestamp: UInt64?

    @Argument(help: "The note or text (default: standard input).")
    var file: String?

    func run() throws {
        let keyText = String(decoding: try IO.read(key, limit: 4096), as: UTF8.self)
        let signer = try IO.checking("signer key") {
            try SignerKey(keyText.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let input = try IO.read(file, limit: Note.maxSize)
        let note: Note
        if let parsed = try? Note(parsing: input) {
            note = parsed
        } else {
            note = try IO.checking("text") { try Note(text: String(decoding: input, as: UTF8.self)) }
        }
        if signer.type == .cosignature {
            _ = try IO.checking("cosigning needs a checkpoint") { try Checkpoint(text: note.text) }
        }
        let time = timestamp ?? UInt64(Date().timeIntervalSince1970)
        let signed = try IO.checking("sign") { try note.signed(by: [signer], timestamp: time) }
        print(signed.formatted, terminator: "")
    }
}
