public import VigilSurveillance

/// One recorded change to a ``SupplyStock``: units moved in, out or between its pools, or a new
/// target (need, reserve floor) — with who, when and why. A stock's movements replayed in order
/// give its quantities, so the list is its audit trail.
///
/// | kind             | pool        | quantity                | counterpart | reason required         |
/// |------------------|-------------|-------------------------|-------------|-------------------------|
/// | `received`       | into        | 1...                    | optional    | no                      |
/// | `consumed`       | from        | 1...                    | none        | from the reserve        |
/// | `transferredIn`  | into        | 1...                    | required    | no                      |
/// | `transferredOut` | from        | 1...                    | required    | from the reserve        |
/// | `adjusted`       | which       | signed change, not 0    | none        | yes                     |
/// | `setAside`       | none        | 1... regular → reserve  | none        | no                      |
/// | `released`       | none        | 1... reserve → regular  | none        | yes                     |
/// | `needDeclared`   | none        | 0... (the new need)     | none        | no; `neededBy` required |
/// | `reserveFloorSet`| none        | 0... (the new floor)    | none        | no                      |
///
/// Quantities are at most a billion. ``SupplyStock/record(_:)`` checks these rules and that no
/// pool goes negative.
public struct SupplyMovement: Sendable, Hashable, Codable {
    /// What happened.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        /// Units arrived from outside the platform's sites (purchase, donation, a higher level's
        /// shipment): a resupply.
        case received
        /// Units used up (handed out, worn, eaten).
        case consumed
        /// Units arrived from another site.
        case transferredIn
        /// Units left for another site.
        case transferredOut
        /// A correction after a count, loss, damage or expiry: a signed change.
        case adjusted
        /// Regular units put into the emergency reserve.
        case setAside
        /// Emergency reserve units released into regular stock.
        case released
        /// The site declared how much it needs (``SupplyMovement/quantity``) and by when.
        case needDeclared
        /// The site's emergency reserve floor was set to ``SupplyMovement/quantity``.
        case reserveFloorSet

        /// Whether the kind carries a ``SupplyStock/Pool``.
        public var hasPool: Bool {
            switch self {
            case .received, .consumed, .transferredIn, .transferredOut, .adjusted: true
            case .setAside, .released, .needDeclared, .reserveFloorSet: false
            }
        }

        public var description: String { rawValue }
    }

    public let kind: Kind
    /// The pool moved into or out of, for the kinds with ``Kind/hasPool``.
    public let pool: SupplyStock.Pool?
    /// Units moved (positive), the signed change of an adjustment, or the new need or floor.
    public let quantity: Int
    /// The other site of a transfer, or the sender of a receipt.
    public let counterpart: SupplySite?
    /// For ``Kind/needDeclared``: the day by which the need should be met.
    public let neededBy: CivilDate?
    public let by: ActorKey
    /// Unix seconds.
    public let at: Int64
    /// Why; required where the table above says so.
    public let reason: String?
    /// A reference to what caused the movement: a request, allocation, delivery note.
    public let reference: String?

    /// Creates the value from its parts (the stock checks it when it is recorded).
    public init(
        kind: Kind, pool: SupplyStock.Pool? = nil, quantity: Int, counterpart: SupplySite? = nil, neededBy: CivilDate? = nil,
        by: ActorKey, at: Int64, reason: String? = nil, reference: String? = nil
    ) {
        self.kind = kind
        self.pool = pool
        self.quantity = quantity
        self.counterpart = counterpart
        self.neededBy = neededBy
        self.by = by
        self.at = at
        self.reason = reason
        self.reference = reference
    }

    /// The change to the regular and reserve pools.
    public var change: (regular: Int, reserve: Int) {
        let signed: Int
        switch kind {
        case .received, .transferredIn, .adjusted: signed = quantity
        case .consumed, .transferredOut: signed = -quantity
        case .setAside: return (-quantity, quantity)
        case .released: return (quantity, -quantity)
        case .needDeclared, .reserveFloorSet: return (0, 0)
        }
        return pool == .reserve ? (0, signed) : (signed, 0)
    }
}
