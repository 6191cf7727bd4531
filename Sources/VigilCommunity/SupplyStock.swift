public import VigilSurveillance

/// One item's stock at one site, kept as two pools — **regular** stock for day-to-day use and
/// the **emergency reserve** — with the site's targets and every movement that made them.
///
/// Targets:
/// - the **reserve floor**: the emergency reserve the site must always hold. What is on hand
///   above it is ``available``: `max(0, regular + reserve − reserveFloor)`. A reserve below its
///   floor therefore holds back regular stock until it is refilled, and a reserve above its floor
///   counts as available.
/// - the **need**: how many units the site needs to have available by ``neededBy``. What is
///   missing is ``unmetNeed`` = `max(0, need − available)`; what is over is ``surplus`` =
///   `max(0, available − need)`. Allocations fill unmet needs; transfers move surpluses.
///
/// Every change is a ``SupplyMovement`` appended to ``movements`` by ``record(_:)``; quantities
/// never go negative (refused with ``CommunityError/Code/conflict``). A new stock is empty, with
/// floor and need zero.
public struct SupplyStock: Sendable, Hashable, Codable {
    /// Which part of the stock units are in.
    public enum Pool: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        /// Day-to-day stock.
        case regular
        /// Emergency reserve: drawn on only with a reason.
        case reserve

        public var description: String { rawValue }
    }

    public let site: SupplySite
    public let item: SupplyItemID
    /// Regular units on hand.
    public private(set) var regular: Int = 0
    /// Emergency reserve units on hand.
    public private(set) var reserve: Int = 0
    /// The emergency reserve the site must keep.
    public private(set) var reserveFloor: Int = 0
    /// The units the site needs available by ``neededBy``.
    public private(set) var need: Int = 0
    /// The day the need should be met by, once declared.
    public private(set) var neededBy: CivilDate?
    /// Every change, oldest first.
    public private(set) var movements: [SupplyMovement] = []

    /// An empty stock record.
    /// - Throws: ``CommunityError/Code/invalidField`` (field `community`) for a community site
    ///   whose path is not at the community level.
    public init(site: SupplySite, item: SupplyItemID) throws {
        if let path = site.community { _ = try SupplySite.validCommunity(path) }
        self.site = site
        self.item = item
    }

    /// All units on hand, both pools.
    public var onHand: Int { regular + reserve }

    /// Units on hand above the reserve floor: what the site can use towards its need, or give.
    public var available: Int { max(0, regular + reserve - reserveFloor) }

    /// Units the need still lacks: `max(0, need − available)`.
    public var unmetNeed: Int { max(0, need - available) }

    /// Units available beyond the need: `max(0, available − need)`.
    public var surplus: Int { max(0, available - need) }

    /// Units the reserve lacks to reach its floor.
    public var reserveShortfall: Int { max(0, reserveFloor - reserve) }

    // MARK: Movements

    /// Records a resupply into `pool`, optionally naming the sender.
    public mutating func receive(
        _ quantity: Int, into pool: Pool = .regular, from sender: SupplySite? = nil, by actor: ActorKey, at time: Int64,
        reason: String? = nil, reference: String? = nil
    ) throws {
        try record(
            SupplyMovement(
                kind: .received, pool: pool, quantity: quantity, counterpart: sender, by: actor, at: time, reason: reason,
                reference: reference))
    }

    /// Records units used up from `pool`; the reserve needs a reason.
    public mutating func consume(
        _ quantity: Int, from pool: Pool = .regular, by actor: ActorKey, at time: Int64, reason: String? = nil
    ) throws {
        try record(SupplyMovement(kind: .consumed, pool: pool, quantity: quantity, by: actor, at: time, reason: reason))
    }

    /// Records a count correction (`change` units, signed) in `pool`.
    public mutating func adjust(_ change: Int, in pool: Pool = .regular, by actor: ActorKey, at time: Int64, reason: String) throws {
        try record(SupplyMovement(kind: .adjusted, pool: pool, quantity: change, by: actor, at: time, reason: reason))
    }

    /// Moves regular units into the emergency reserve.
    public mutating func setAside(_ quantity: Int, by actor: ActorKey, at time: Int64, reason: String? = nil) throws {
        try record(SupplyMovement(kind: .setAside, quantity: quantity, by: actor, at: time, reason: reason))
    }

    /// Releases emergency reserve units into regular stock, with a reason.
    public mutating func release(_ quantity: Int, by actor: ActorKey, at time: Int64, reason: String) throws {
        try record(SupplyMovement(kind: .released, quantity: quantity, by: actor, at: time, reason: reason))
    }

    /// Declares that the site needs `quantity` units available by `day`.
    public mutating func declareNeed(
        _ quantity: Int, neededBy day: CivilDate, by actor: ActorKey, at time: Int64, reason: String? = nil
    ) throws {
        try record(SupplyMovement(kind: .needDeclared, quantity: quantity, neededBy: day, by: actor, at: time, reason: reason))
    }

    /// Sets the emergency reserve floor.
    public mutating func setReserveFloor(_ quantity: Int, by actor: ActorKey, at time: Int64, reason: String? = nil) throws {
        try record(SupplyMovement(kind: .reserveFloorSet, quantity: quantity, by: actor, at: time, reason: reason))
    }

    /// Moves `quantity` units of `pool` from one site's stock to another's: both records change,
    /// or (when it throws) neither.
    /// - Throws: ``CommunityError/Code/invalidField`` when the stocks are of different items
    ///   (field `item`) or the same site (field `counterpart`); as ``record(_:)`` otherwise.
    public static func transfer(
        _ quantity: Int, of pool: Pool = .regular, from source: inout SupplyStock, to destination: inout SupplyStock,
        by actor: ActorKey, at time: Int64, reason: String? = nil, reference: String? = nil
    ) throws {
        guard source.item == destination.item else {
            throw CommunityError(
                .invalidField, "cannot transfer \(source.item) into a stock of \(destination.item)", field: "item")
        }
        var out = source
        var into = destination
        try out.record(
            SupplyMovement(
                kind: .transferredOut, pool: pool, quantity: quantity, counterpart: destination.site, by: actor, at: time,
                reason: reason, reference: reference))
        try into.record(
            SupplyMovement(
                kind: .transferredIn, pool: pool, quantity: quantity, counterpart: source.site, by: actor, at: time,
                reason: reason, reference: reference))
        source = out
        destination = into
    }

    /// Records one movement: the single place the stock's rules live, used by the methods above,
    /// by callers replaying stored movements, and when decoding.
    ///
    /// - Throws: ``CommunityError/Code/invalidField`` naming the field that breaks the rules of
    ///   ``SupplyMovement`` (`pool`, `quantity`, `counterpart`, `neededBy`, `reason`, `reference`,
    ///   `by`), or `at` for a time before the last movement; ``CommunityError/Code/conflict``
    ///   (field `quantity`) when a pool would go negative or above a billion units. The stock is
    ///   unchanged when it throws.
    public mutating func record(_ movement: SupplyMovement) throws {
        let kind = movement.kind
        try Validation.requireKey(movement.by, field: "by")
        try Validation.requireNotBefore(movement.at, movements.last?.at)
        if let reference = movement.reference { try Validation.requireKey(reference, field: "reference") }
        guard kind.hasPool == (movement.pool != nil) else {
            throw CommunityError(
                .invalidField, kind.hasPool ? "a \(kind) movement names its pool" : "a \(kind) movement has no pool", field: "pool")
        }
        switch kind {
        case .adjusted:
            guard movement.quantity != 0 && abs(movement.quantity) <= SupplyQuantity.maximum else {
                throw CommunityError(
                    .invalidField,
                    "an adjustment changes stock by 1 to \(SupplyQuantity.maximum) units either way, not \(movement.quantity)",
                    field: "quantity")
            }
        case .needDeclared, .reserveFloorSet:
            try SupplyQuantity.require(movement.quantity, atLeast: 0)
        default:
            try SupplyQuantity.require(movement.quantity)
        }
        switch kind {
        case .transferredIn, .transferredOut:
            guard let other = movement.counterpart else {
                throw CommunityError(.invalidField, "a transfer names the other site", field: "counterpart")
            }
            guard other != site else {
                throw CommunityError(.invalidField, "\(site) cannot transfer to itself", field: "counterpart")
            }
        case .received:
            if movement.counterpart == site {
                throw CommunityError(.invalidField, "\(site) cannot receive from itself", field: "counterpart")
            }
        default:
            guard movement.counterpart == nil else {
                throw CommunityError(.invalidField, "a \(kind) movement has no counterpart", field: "counterpart")
            }
        }
        guard (kind == .needDeclared) == (movement.neededBy != nil) else {
            throw CommunityError(
                .invalidField, kind == .needDeclared ? "a need says by when" : "only a need has a neededBy day", field: "neededBy")
        }
        let drawsOnReserve = (kind == .consumed || kind == .transferredOut) && movement.pool == .reserve
        if drawsOnReserve || kind == .released {
            _ = try Validation.requireReason(movement.reason, for: "drawing on the emergency reserve")
        } else if kind == .adjusted {
            _ = try Validation.requireReason(movement.reason, for: "adjusting stock")
        } else if let reason = movement.reason, Validation.isBlank(reason) {
            throw CommunityError(.invalidField, "a reason, when given, says something", field: "reason")
        }
        let change = movement.change
        let newRegular = regular + change.regular
        let newReserve = reserve + change.reserve
        for (pool, before, after) in [(Pool.regular, regular, newRegular), (.reserve, reserve, newReserve)] where after < 0 {
            throw CommunityError(
                .conflict, "\(site) has \(before) \(pool) units of \(item); \(kind) of \(movement.quantity) would leave \(after)",
                field: "quantity")
        }
        guard newRegular + newReserve <= SupplyQuantity.maximum else {
            throw CommunityError(
                .conflict, "\(site) would hold \(newRegular + newReserve) units of \(item), above \(SupplyQuantity.maximum)",
                field: "quantity")
        }
        regular = newRegular
        reserve = newReserve
        if kind == .needDeclared {
            need = movement.quantity
            neededBy = movement.neededBy
        } else if kind == .reserveFloorSet {
            reserveFloor = movement.quantity
        }
        movements.append(movement)
    }

    private enum CodingKeys: String, CodingKey {
        case site, item, regular, reserve, reserveFloor, need, neededBy, movements
    }

    /// Decodes a stock and replays its movements, so a stock whose movements break the rules
    /// is refused. The quantities and targets follow from the movements; when present in the
    /// JSON they must agree with them (field named by the disagreeing key).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(site: try c.decode(SupplySite.self, forKey: .site), item: try c.decode(SupplyItemID.self, forKey: .item))
        for movement in try c.decode([SupplyMovement].self, forKey: .movements) { try record(movement) }
        let stated: [(CodingKeys, Int)] = [(.regular, regular), (.reserve, reserve), (.reserveFloor, reserveFloor), (.need, need)]
        for (key, value) in stated {
            if let claimed = try c.decodeIfPresent(Int.self, forKey: key), claimed != value {
                throw CommunityError(
                    .invalidField, "\(key.stringValue) \(claimed) disagrees with the movements' \(value)", field: key.stringValue)
            }
        }
        if let claimed = try c.decodeIfPresent(CivilDate.self, forKey: .neededBy), claimed != neededBy {
            throw CommunityError(.invalidField, "neededBy \(claimed) disagrees with the movements", field: "neededBy")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(site, forKey: .site)
        try c.encode(item, forKey: .item)
        try c.encode(regular, forKey: .regular)
        try c.encode(reserve, forKey: .reserve)
        try c.encode(reserveFloor, forKey: .reserveFloor)
        try c.encode(need, forKey: .need)
        try c.encodeIfPresent(neededBy, forKey: .neededBy)
        try c.encode(movements, forKey: .movements)
    }
}
