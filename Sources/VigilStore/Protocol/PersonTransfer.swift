public import VigilCommunity

/// CSV import and export of persons: the steps `POST /persons/import`, `GET /persons/export`
/// and `vigil import|export persons` share, so the API and the command line behave alike.
/// Access checks stay with the caller (the API checks the user's jurisdiction, the command
/// line its `--scope`); auditing goes through the caller's `audit` function.
public enum PersonTransfer {
    /// What an import does with its plan.
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// Write nothing (but the audit event): show the plan.
        case preview
        /// Import the new rows, and the confirmed duplicates, only when no row has an error.
        case all
        /// Import the new valid rows, and the confirmed duplicates; skip the rows with errors.
        case valid
    }

    /// The steps of an import, for progress displays.
    public enum Phase: String, Sendable, Hashable {
        /// Checking every row (``PersonImport/read(csv:progress:)``).
        case reading
        /// Looking for duplicates (``PersonImport/match(_:against:progress:)``).
        case matching
        /// Writing the persons (one transaction).
        case inserting
    }

    /// Appends an audit event: `(action, resource)`.
    public typealias Audit = (_ action: String, _ resource: String) async throws -> Void

    /// The persons duplicates are looked for among when working at `scope`: its community, or
    /// `scope` itself above community level, with the not-duplicate marks.
    public static func duplicateFinder(near scope: JurisdictionPath, in store: any CommunityStore) async throws -> DuplicateFinder {
        try await duplicateFinder(near: [scope], in: store)
    }

    static func duplicateFinder(near scopes: [JurisdictionPath], in store: any CommunityStore) async throws -> DuplicateFinder {
        var persons: [Person] = []
        for scope in Set(scopes.map { $0.ancestor(at: .community) ?? $0 }).sorted(by: { $0.description < $1.description }) {
            persons += try await store.allPersons(in: scope)
        }
        return DuplicateFinder(persons: persons, marks: try await store.notDuplicateMarks())
    }

    /// Plans an import of `csv` (``PersonImport``): checks every row, then matches the valid ones
    /// against the persons near `scope` (``duplicateFinder(near:in:)``). Without a scope, near
    /// the deepest node holding every valid row's household (near each city when the rows span
    /// several). Writes nothing.
    /// - Parameter progress: `(phase, processed, total)`, at most 100 times per phase.
    /// - Throws: ``CommunityError`` for a file that cannot be read at all (field `csv` or a column).
    public static func plan(
        csv: String, near scope: JurisdictionPath?, in store: any CommunityStore,
        progress: (_ phase: Phase, _ processed: Int, _ total: Int) -> Void = { _, _, _ in }
    ) async throws -> ImportPlan {
        let checked = try PersonImport.read(csv: csv) { progress(.reading, $0, $1) }
        let scopes = scope.map { [$0] } ?? commonScopes(checked.valid.map(\.draft.household))
        let finder = try await duplicateFinder(near: scopes, in: store)
        return PersonImport.match(checked, against: finder) { progress(.matching, $0, $1) }
    }

    /// The deepest node holding all `paths`, or each city when they span several.
    static func commonScopes(_ paths: [JurisdictionPath]) -> [JurisdictionPath] {
        guard var common = paths.first?.components else { return [] }
        for path in paths.dropFirst() {
            common = Array(zip(common, path.components).prefix { $0 == $1 }.map(\.0))
            if common.isEmpty { break }
        }
        if let node = try? JurisdictionPath(components: common) { return [node] }
        return Array(Set(paths.compactMap { $0.ancestor(at: .city) }))
    }

    /// The valid rows of `plan` whose household is outside `scope`.
    public static func rows(of plan: ImportPlan, outside scope: JurisdictionPath) -> [ImportPlan.Row] {
        (plan.new + plan.duplicatesOfExisting.map(\.row) + plan.duplicatesWithinFile.map(\.row))
            .filter { !scope.contains($0.draft.household) }
            .sorted { $0.row < $1.row }
    }

    /// Carries out `plan`: in ``Mode/preview`` appends `person.import-preview` and writes
    /// nothing else; otherwise inserts the rows ``ImportPlan/rowsToImport(_:confirming:)`` gives
    /// (all or none, one store call) and appends `person.import`.
    /// - Returns: the persons inserted, in row order (none in a preview).
    /// - Throws: ``CommunityError/Code/invalidField`` (field `csv`) in ``Mode/all`` when a row has
    ///   an error, (field `row`) when `confirming` names a row that is not a duplicate; the
    ///   store's errors. Nothing is written (nor audited) then.
    public static func commit(
        _ plan: ImportPlan, mode: Mode, confirming: Set<Int> = [], in store: any CommunityStore, audit: Audit,
        progress: (_ phase: Phase, _ processed: Int, _ total: Int) -> Void = { _, _, _ in }
    ) async throws -> [Person] {
        guard mode != .preview else {
            try await audit("person.import-preview", "persons?rows=\(plan.total)")
            return []
        }
        let rows = try plan.rowsToImport(mode == .valid ? .onlyValid : .allOrNothing, confirming: confirming)
        progress(.inserting, 0, rows.count)
        let persons = try await store.insertPersons(rows.map(\.draft))
        progress(.inserting, persons.count, rows.count)
        try await audit("person.import", "persons?rows=\(plan.total)&imported=\(persons.count)")
        return persons
    }

    /// The persons under `scope` as CSV (``PersonCSV/export(_:byteOrderMark:)``), after
    /// appending `person.export`.
    public static func export(
        scope: JurisdictionPath, byteOrderMark: Bool = false, in store: any CommunityStore, audit: Audit
    ) async throws -> (csv: String, count: Int) {
        let persons = try await store.allPersons(in: scope)
        try await audit("person.export", "persons?scope=\(scope)&count=\(persons.count)")
        return (PersonCSV.export(persons, byteOrderMark: byteOrderMark), persons.count)
    }
}
