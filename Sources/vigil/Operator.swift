import Foundation
import VigilCommunity
import VigilStore

#if canImport(Glibc)
import Glibc
#endif

/// Who runs a command that works on a node's store directly: audited as `cli:<login name>`
/// with the admin role (whoever can run the tool on the node can read its database anyway;
/// the audit log still says who did what, when and why).
enum Operator {
    static let role: Role = .admin

    /// `cli:` and the login name (`$USER`, else the password database, else `uid<N>`).
    static var actor: String {
        if let user = ProcessInfo.processInfo.environment["USER"], !user.isEmpty { return "cli:\(user.prefix(64))" }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return "cli:\(String(cString: name).prefix(64))" }
        return "cli:uid\(getuid())"
    }

    static var now: Int64 { Int64(Date().timeIntervalSince1970) }

    /// Appends one audit event for the operator.
    static func audit(_ store: any CommunityStore, _ action: String, _ resource: String, purpose: String) async throws {
        try await store.appendAudit([AuditEvent(time: now, actor: actor, role: role, action: action, resource: resource, purpose: purpose)])
    }
}

/// Progress of a long job on standard error: on a terminal one line rewritten with `\r`; otherwise
/// (a file, a pipe, a CI log) plain lines, at most one per percent, or per second when the
/// total is unknown. Used from one task at a time.
final class ProgressDisplay: @unchecked Sendable {
    let isTerminal: Bool
    private var phase = ""
    private var lastPercent = -1
    private var lastTime = 0.0
    private var lineOpen = false

    init(isTerminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.isTerminal = isTerminal
    }

    /// `phase: P% (processed/total)`, shown when the percentage changes.
    func update(_ phase: String, _ processed: Int, _ total: Int) {
        if phase != self.phase { start(phase) }
        let percent = total > 0 ? min(100, processed * 100 / total) : 100
        guard percent != lastPercent else { return }
        lastPercent = percent
        show("\(phase): \(percent)% (\(processed)/\(total))")
    }

    /// `phase: text` for a job without a known total: at most once a second (always on a
    /// terminal, where the line is rewritten), and always when `final`.
    func status(_ phase: String, _ text: String, final: Bool = false) {
        if phase != self.phase { start(phase) }
        let time = Date().timeIntervalSince1970
        guard isTerminal || final || time - lastTime >= 1 else { return }
        lastTime = time
        show("\(phase): \(text)")
    }

    /// Ends the rewritten line, if any.
    func finish() {
        if lineOpen { write("\n") }
        lineOpen = false
    }

    private func start(_ phase: String) {
        finish()
        self.phase = phase
        lastPercent = -1
        lastTime = 0
    }

    private func show(_ line: String) {
        if isTerminal {
            write("\r" + line + "\u{1B}[K")
            lineOpen = true
        } else {
            write(line + "\n")
        }
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
