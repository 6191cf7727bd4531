import VigilSurveillance

/// Checks shared by the community platform's values.
enum Validation {
    /// Whether `text` is empty or only white space.
    static func isBlank(_ text: String?) -> Bool {
        guard let text else { return true }
        return text.allSatisfy(\.isWhitespace)
    }

    /// A key (person, actor, place, case): 1-128 bytes of UTF-8 with no control characters and
    /// no leading or trailing white space.
    /// - Throws: ``CommunityError/Code/invalidField`` naming `field`.
    static func requireKey(_ key: String, field: String) throws {
        let ok =
            !key.isEmpty && key.utf8.count <= 128
            && !key.unicodeScalars.contains { $0.properties.generalCategory == .control }
            && !(key.first!.isWhitespace || key.last!.isWhitespace)
        guard ok else {
            throw CommunityError(
                .invalidField, "\(field) must be 1-128 bytes without control characters or surrounding spaces", field: field)
        }
    }

    /// A free-text reason that must say something.
    /// - Throws: ``CommunityError/Code/invalidField`` (field `reason`) when blank.
    static func requireReason(_ reason: String?, for action: String) throws -> String {
        guard let reason, !isBlank(reason) else {
            throw CommunityError(.invalidField, "\(action) needs a reason", field: "reason")
        }
        return reason
    }

    /// - Throws: ``CommunityError/Code/invalidField`` (field `at`) when `time` is before `previous`.
    static func requireNotBefore(_ time: Int64, _ previous: Int64?) throws {
        if let previous, time < previous {
            throw CommunityError(.invalidField, "time \(time) is before the previous step at \(previous)", field: "at")
        }
    }
}

/// The calendar day of Unix time `seconds` in a zone `offset` seconds east of UTC.
func civilDay(ofUnixTime seconds: Int64, offset: Int64) -> CivilDate {
    let local = seconds + offset
    let day = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
    return CivilDate(daysSinceEpoch: Int(day))
}
