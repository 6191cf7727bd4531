/// The leader's entries waiting for a checkpoint, in order, with their hashes for constant-time
/// membership (a submission is checked against the queue every time it arrives).
struct EntryQueue: ExpressibleByArrayLiteral {
    private(set) var entries: [Entry] = []
    private var hashes: Set<EntryHash> = []

    init(arrayLiteral elements: Entry...) {
        for entry in elements { append(entry) }
    }

    var isEmpty: Bool { entries.isEmpty }

    func contains(_ hash: EntryHash) -> Bool { hashes.contains(hash) }

    mutating func append(_ entry: Entry) {
        guard hashes.insert(entry.hash).inserted else { return }
        entries.append(entry)
    }

    /// Removes and returns up to `count` entries from the front, while `accept` takes them.
    mutating func removeFirst(_ count: Int, while accept: (Entry) -> Bool = { _ in true }) -> [Entry] {
        let batch = Array(entries.prefix(count).prefix(while: accept))
        entries.removeFirst(batch.count)
        for entry in batch { hashes.remove(entry.hash) }
        return batch
    }
}
