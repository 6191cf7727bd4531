/// The bounds shared by supply quantities (units of an item's ``SupplyItem/unit``).
///
/// Quantities are whole units, at most ``maximum`` (a billion), so that sums over thousands of
/// sites and products with allocation weights stay far inside `Int`.
enum SupplyQuantity {
    static let maximum = 1_000_000_000

    /// - Throws: ``CommunityError/Code/invalidField`` naming `field` unless `quantity` is in
    ///   `minimum...maximum`.
    @discardableResult
    static func require(_ quantity: Int, atLeast minimum: Int = 1, field: String = "quantity") throws -> Int {
        guard quantity >= minimum && quantity <= maximum else {
            throw CommunityError(
                .invalidField, "\(field) \(quantity) is outside \(minimum)...\(maximum)", field: field)
        }
        return quantity
    }
}
