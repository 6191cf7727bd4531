import Synchronization

/// The callers of recently verified bearer tokens, so that a client calling again with the same
/// token costs a dictionary lookup instead of an Ed25519 verification and a user read — the
/// health-code endpoints serve thousands of calls a second (DESIGN §6).
///
/// An entry lives at most ``lifetime`` seconds (and never past the token's expiry): a disabled
/// user, or one whose role or jurisdiction changed, is refused within that time.
final class CallerCache: Sendable {
    /// Seconds a verified token is trusted without checking the user again.
    static let lifetime: Int64 = 30
    /// Tokens held at most; beyond that the expired ones are dropped, then all.
    static let capacity = 100_000

    private struct Entry {
        var caller: Caller
        var until: Int64
    }

    private let entries = Mutex<[String: Entry]>([:])

    func caller(for token: String, now: Int64) -> Caller? {
        entries.withLock { entries in
            guard let entry = entries[token] else { return nil }
            guard now < entry.until else {
                entries[token] = nil
                return nil
            }
            return entry.caller
        }
    }

    func remember(_ caller: Caller, for token: String, until: Int64, now: Int64) {
        entries.withLock { entries in
            if entries.count >= Self.capacity {
                entries = entries.filter { $0.value.until > now }
                if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[token] = Entry(caller: caller, until: until)
        }
    }
}
