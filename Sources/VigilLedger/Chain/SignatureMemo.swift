import Synchronization

/// Entry signatures already found valid in this process, by entry hash and public key.
///
/// Verification is a pure function of the entry's bytes and the key, so remembering a success
/// changes no outcome, only its cost: each entry is verified once per process instead of once
/// for every state it is applied to. Failures are not remembered. Bounded: when full, the memo
/// starts again empty (an entry is then verified once more).
final class SignatureMemo: Sendable {
    static let shared = SignatureMemo(capacity: 1 << 18)

    private struct Key: Hashable {
        var entry: EntryHash
        var publicKey: [UInt8]
    }

    private let capacity: Int
    private let verified = Mutex<Set<Key>>([])

    init(capacity: Int) { self.capacity = capacity }

    func contains(_ entry: EntryHash, _ publicKey: [UInt8]) -> Bool {
        let key = Key(entry: entry, publicKey: publicKey)
        return verified.withLock { $0.contains(key) }
    }

    /// Forgets every remembered check.
    func removeAll() {
        verified.withLock { $0.removeAll(keepingCapacity: true) }
    }

    func insert(_ entry: EntryHash, _ publicKey: [UInt8]) {
        let key = Key(entry: entry, publicKey: publicKey)
        verified.withLock { set in
            if set.count >= capacity { set.removeAll(keepingCapacity: true) }
            set.insert(key)
        }
    }
}
