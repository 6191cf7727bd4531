/// Profiles indexed by blocking keys, so that a lookup compares a profile only with those sharing
/// a key: the person id; the national id; the name with the birth date; the name with the phone; and, for
/// similar names, the birth date alone and the phone alone. The last two blocks are skipped when
/// larger than ``maximumBlockSize`` (a shared office phone, a default birth date), so a lookup
/// costs O(block size) and building the index O(n).
struct MatchIndex<Key: Hashable & Comparable & Sendable>: Sendable {
    static var maximumBlockSize: Int { 256 }

    struct NameKey: Hashable, Sendable {
        var name: String
        var other: String
    }

    private(set) var profiles: [Key: MatchProfile] = [:]
    private var byID: [PersonID: [Key]] = [:]
    private var byNationalID: [String: [Key]] = [:]
    private var byNameAndBirthDay: [NameKey: [Key]] = [:]
    private var byNameAndPhone: [NameKey: [Key]] = [:]
    private var byBirthDay: [Int: [Key]] = [:]
    private var byPhone: [String: [Key]] = [:]

    init() {}

    var count: Int { profiles.count }

    /// Adds or replaces the profile under `key`.
    mutating func insert(_ profile: MatchProfile, for key: Key) {
        if profiles[key] != nil { remove(key) }
        profiles[key] = profile
        if let id = profile.id { byID[id, default: []].append(key) }
        if let nid = profile.nationalID { byNationalID[nid, default: []].append(key) }
        if let day = profile.birthDay {
            byBirthDay[day, default: []].append(key)
            if !profile.nameKey.isEmpty { byNameAndBirthDay[NameKey(name: profile.nameKey, other: String(day)), default: []].append(key) }
        }
        if let phone = profile.phoneKey {
            byPhone[phone, default: []].append(key)
            if !profile.nameKey.isEmpty { byNameAndPhone[NameKey(name: profile.nameKey, other: phone), default: []].append(key) }
        }
    }

    mutating func remove(_ key: Key) {
        guard let profile = profiles.removeValue(forKey: key) else { return }
        func drop<K: Hashable>(_ block: K, from index: inout [K: [Key]]) {
            index[block]?.removeAll { $0 == key }
            if index[block]?.isEmpty == true { index[block] = nil }
        }
        if let id = profile.id { drop(id, from: &byID) }
        if let nid = profile.nationalID { drop(nid, from: &byNationalID) }
        if let day = profile.birthDay {
            drop(day, from: &byBirthDay)
            drop(NameKey(name: profile.nameKey, other: String(day)), from: &byNameAndBirthDay)
        }
        if let phone = profile.phoneKey {
            drop(phone, from: &byPhone)
            drop(NameKey(name: profile.nameKey, other: phone), from: &byNameAndPhone)
        }
    }

    /// The indexed profiles that are candidates for `profile`, best first (score descending, then
    /// key ascending), leaving out `excluded` and those `skip` rejects.
    func matches(
        for profile: MatchProfile, excluding excluded: Key? = nil, skip: (Key) -> Bool = { _ in false }
    ) -> [(key: Key, score: Double, reasons: [DuplicateReason])] {
        var keys: Set<Key> = []
        func gather(_ block: [Key]?, capped: Bool) {
            guard let block, !capped || block.count <= Self.maximumBlockSize else { return }
            keys.formUnion(block)
        }
        if let id = profile.id { gather(byID[id], capped: false) }
        if let nid = profile.nationalID { gather(byNationalID[nid], capped: false) }
        if let day = profile.birthDay {
            gather(byNameAndBirthDay[NameKey(name: profile.nameKey, other: String(day))], capped: false)
            gather(byBirthDay[day], capped: true)
        }
        if let phone = profile.phoneKey {
            gather(byNameAndPhone[NameKey(name: profile.nameKey, other: phone)], capped: false)
            gather(byPhone[phone], capped: true)
        }
        if let excluded { keys.remove(excluded) }
        var out: [(key: Key, score: Double, reasons: [DuplicateReason])] = []
        for key in keys where !skip(key) {
            if let match = DuplicateRules.evaluate(profile, profiles[key]!) { out.append((key, match.score, match.reasons)) }
        }
        out.sort { $0.score != $1.score ? $0.score > $1.score : $0.key < $1.key }
        return out
    }
}
