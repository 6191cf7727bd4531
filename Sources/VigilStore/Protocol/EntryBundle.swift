/// The C2SP tlog-tiles entry bundle: each entry as a big-endian uint16 length followed by its
/// bytes, up to 256 entries.
public enum EntryBundle {
    /// Longest entry a bundle can carry.
    public static let maxEntrySize = Int(UInt16.max)

    /// Encodes `entries`.
    /// - Throws: ``StoreError/Code/invalidArgument`` when an entry is longer than
    ///   ``maxEntrySize``.
    public static func encode(_ entries: [[UInt8]]) throws(StoreError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(entries.reduce(0) { $0 + 2 + $1.count })
        for (i, entry) in entries.enumerated() {
            guard entry.count <= maxEntrySize else {
                throw StoreError(.invalidArgument, "bundle entry \(i) is \(entry.count) bytes, at most \(maxEntrySize)")
            }
            out.append(UInt8(entry.count >> 8))
            out.append(UInt8(entry.count & 0xff))
            out.append(contentsOf: entry)
        }
        return out
    }

    /// Splits a bundle back into its entries.
    /// - Throws: ``StoreError/Code/corrupt`` when a length runs past the end of the bundle.
    public static func parse(_ bundle: [UInt8]) throws(StoreError) -> [[UInt8]] {
        var entries: [[UInt8]] = []
        var offset = 0
        while offset < bundle.count {
            guard offset + 2 <= bundle.count else {
                throw StoreError(.corrupt, "bundle ends inside the length at byte \(offset)")
            }
            let length = Int(bundle[offset]) << 8 | Int(bundle[offset + 1])
            offset += 2
            guard offset + length <= bundle.count else {
                throw StoreError(.corrupt, "bundle entry \(entries.count) of \(length) bytes runs past the end at byte \(bundle.count)")
            }
            entries.append(Array(bundle[offset..<(offset + length)]))
            offset += length
        }
        return entries
    }
}
