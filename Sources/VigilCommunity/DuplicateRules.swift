/// The duplicate rules: when two profiles are candidates, with which score and reasons.
/// ``DuplicateFinder`` documents the table.
enum DuplicateRules {
    static let similarNameThreshold = 0.90

    static func evaluate(_ a: MatchProfile, _ b: MatchProfile) -> (score: Double, reasons: [DuplicateReason])? {
        let sameID = a.id != nil && a.id == b.id
        var sameNationalID: Bool?
        if let x = a.nationalID, let y = b.nationalID { sameNationalID = x == y }
        // Different national ids are different persons: the id is unique and check-digit protected.
        if sameNationalID == false && !sameID { return nil }

        let sameName = !a.nameKey.isEmpty && a.nameKey == b.nameKey
        let similarName = !sameName && !a.name.isEmpty && !b.name.isEmpty
            && JaroWinkler.similarity(a.name, b.name) >= similarNameThreshold
        var sameBirth = false
        var birthConflict = false
        if let x = a.birthDay, let y = b.birthDay { (sameBirth, birthConflict) = (x == y, x != y) }
        let samePhone = a.phoneKey != nil && a.phoneKey == b.phoneKey

        let score: Double
        if sameID || sameNationalID == true {
            score = 1.0
        } else if sameName || similarName {
            switch (sameName, sameBirth, samePhone) {
            case (true, true, true): score = 0.97
            case (true, true, false): score = 0.92
            case (false, true, true): score = 0.85
            case (false, true, false): score = 0.80
            case (true, false, true): score = birthConflict ? 0.60 : 0.85
            case (false, false, true): score = birthConflict ? 0.50 : 0.75
            case (_, false, false): return nil
            }
        } else {
            return nil
        }

        var reasons: [DuplicateReason] = []
        if sameID { reasons.append(.sameID) }
        if sameNationalID == true { reasons.append(.sameNationalID) }
        if sameName && sameBirth {
            reasons.append(.sameNameAndBirthDate)
        } else {
            if sameName { reasons.append(.sameName) }
            if similarName { reasons.append(.similarName) }
            if sameBirth && (sameName || similarName) { reasons.append(.sameBirthDate) }
        }
        if samePhone { reasons.append(.samePhone) }
        return (score, reasons)
    }
}
