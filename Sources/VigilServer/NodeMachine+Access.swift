import VigilLedger

extension NodeMachine {
    /// The replicated entry at `index` (committed, then pending), without building
    /// ``NodeMachine/entries`` — which copies the whole history.
    func entry(at index: Int) -> Entry {
        let committed = durable.entries.count
        return index < committed ? durable.entries[index] : durable.pending[index - committed]
    }
}
