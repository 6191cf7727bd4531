public import GRDB
public import VigilCommunity

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A ``CommunityStore`` in SQLite through GRDB: the embedded default. It shares the node's one
/// database file with ``SQLiteLedgerStore`` (pass the same `DatabasePool` to both, or open the
/// same path): both apply the same migrations.
///
/// Every change runs in one `write` transaction; reads run on a snapshot. See
/// `SQLiteMigrations` (`v2-community`) for the tables and why each index exists.
public struct SQLiteCommunityStore: CommunityStore {
    /// The database. Exposed for tests and tools; write to it only through the store.
    public let database: any DatabaseWriter

    /// Opens (creating if needed) the database file at `path` in WAL mode and migrates it.
    /// - Throws: ``StoreError/Code/io`` when the file cannot be opened or migrated.
    public init(path: String) throws {
        try self.init(try SQLiteLedgerStore.openPool(path: path))
    }

    /// Uses `database` (a `DatabasePool` for a file, a `DatabaseQueue` in memory) and migrates it.
    /// - Throws: ``StoreError/Code/io`` when the migration fails.
    public init(_ database: any DatabaseWriter) throws {
        self.database = database
        do {
            try SQLiteMigrations.migrator.migrate(database)
        } catch {
            throw SQLiteLedgerStore.map(error)
        }
    }

    private func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        do {
            return try await database.write(body)
        } catch {
            throw SQLiteLedgerStore.map(error)
        }
    }

    private func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        do {
            return try await database.read(body)
        } catch {
            throw SQLiteLedgerStore.map(error)
        }
    }

    static func isUniqueViolation(_ error: DatabaseError) -> Bool {
        error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY || error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
    }

    // MARK: Person rows

    static let personColumns = "id, national_id, name, sex, birth_date, phone, address, household, vulnerabilities, grp, version"

    static func person(_ row: Row) throws -> Person {
        try CommunityRules.PersonColumns(
            id: row[0], nationalID: row[1], name: row[2], sex: row[3], birthDate: row[4], phone: row[5], address: row[6],
            household: row[7], vulnerabilities: row[8], group: row[9], version: row[10]
        ).person()
    }

    static func arguments(_ c: CommunityRules.PersonColumns) -> StatementArguments {
        var arguments: StatementArguments = [
            c.nationalID, c.name, c.sex, c.birthDate, c.phone, c.address, c.household, c.vulnerabilities, c.group, c.version,
        ]
        for scope in c.scopes { arguments += [scope] }
        return arguments
    }

    static let scopeColumns = (1...CommunityRules.levels).map { "scope\($0)" }.joined(separator: ", ")

    static func writePerson(_ db: Database, _ person: Person) throws {
        let c = CommunityRules.PersonColumns(person)
        let assignments = (1...CommunityRules.levels).map { "scope\($0) = ?" }.joined(separator: ", ")
        try db.cachedStatement(
            sql: """
                UPDATE person SET national_id = ?, name = ?, sex = ?, birth_date = ?, phone = ?, address = ?, household = ?,
                vulnerabilities = ?, grp = ?, version = ?, \(assignments) WHERE id = ?
                """
        ).execute(arguments: arguments(c) + [c.id])
    }

    /// The version of the unmerged person `id`, or nil.
    static func liveVersion(_ db: Database, _ id: PersonID) throws -> Int? {
        try Int.fetchOne(db, sql: "SELECT version FROM person WHERE id = ? AND merged_into IS NULL", arguments: [id.rawValue])
    }

    /// The SQL and arguments of a page of persons: one range of the partial index on the
    /// scope's depth (see the `v2-community` migration), read in id order.
    static func personsStatement(_ query: PersonQuery, limit: Int?) -> (sql: String, arguments: StatementArguments) {
        let column = CommunityRules.scopeColumn(query.scope)
        var sql = """
            SELECT \(personColumns) FROM person INDEXED BY person_\(column)
            WHERE \(column) = ? AND merged_into IS NULL AND id > ?
            """
        var arguments: StatementArguments = [query.scope.description, query.after?.rawValue ?? ""]
        if let group = query.group {
            sql += " AND grp = ?"
            arguments += [group.rawValue]
        }
        if let vulnerability = query.vulnerability {
            sql += " AND instr(',' || vulnerabilities || ',', ?) > 0"
            arguments += [CommunityRules.vulnerabilityNeedle(vulnerability)]
        }
        if let prefix = query.namePrefix {
            // substr and length count code points, so this is an exact, case-sensitive prefix
            // (LIKE would ignore case and treat `_` and `%` as wildcards).
            sql += " AND substr(name, 1, length(?)) = ?"
            arguments += [prefix, prefix]
        }
        sql += " ORDER BY id"
        if let limit {
            sql += " LIMIT ?"
            arguments += [limit]
        }
        return (sql, arguments)
    }

    /// The query plan SQLite picks for a page of `query` (`EXPLAIN QUERY PLAN` details), for
    /// tests and diagnostics.
    package func queryPlan(_ query: PersonQuery) async throws -> [String] {
        let (sql, arguments) = Self.personsStatement(query, limit: query.limit + 1)
        return try await read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
        }
    }

    /// The query plan SQLite picks for a page of records.
    package func queryPlan(_ query: RecordQuery) async throws -> [String] {
        let (sql, arguments) = Self.recordsStatement(query)
        return try await read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
        }
    }

    // MARK: Persons

    /// Batches from this many persons insert with a page cache of ``largeBatchCacheKiB``.
    static let largeBatch = 2_000
    static let largeBatchCacheKiB = 65_536

    public func insertPersons(_ drafts: [PersonDraft]) async throws -> [Person] {
        let persons = try CommunityRules.newPersons(drafts)
        guard !persons.isEmpty else { return [] }
        return try await write { db in
            // A batch inserts at random places of eight B-trees (the key and seven scope indexes):
            // with SQLite's default 2 MB page cache most of those pages are evicted and reread.
            // A larger cache for the batch's duration makes 10^5 persons about twice as fast.
            let large = persons.count >= Self.largeBatch
            let cacheSize = large ? try Int.fetchOne(db, sql: "PRAGMA cache_size") : nil
            if large { try db.execute(sql: "PRAGMA cache_size = -\(Self.largeBatchCacheKiB)") }
            defer { if let cacheSize { try? db.execute(sql: "PRAGMA cache_size = \(cacheSize)") } }
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO person (id, national_id, name, sex, birth_date, phone, address, household, vulnerabilities, grp,
                    version, \(Self.scopeColumns)) VALUES (?, \(Array(repeating: "?", count: 10 + CommunityRules.levels).joined(separator: ", ")))
                    """)
            // The table is clustered by id (WITHOUT ROWID) and so is every scope index within a
            // scope: inserting in id order walks each B-tree forward once instead of landing on
            // a random page per row.
            for i in persons.indices.sorted(by: { persons[$0].id.rawValue < persons[$1].id.rawValue }) {
                let person = persons[i]
                let c = CommunityRules.PersonColumns(person)
                do {
                    try statement.execute(arguments: [c.id] + Self.arguments(c))
                } catch let error as DatabaseError where Self.isUniqueViolation(error) {
                    throw StoreError(.conflict, "person \(i) of the batch has an id that is already stored", cause: error)
                }
            }
            return persons
        }
    }

    public func person(_ id: PersonID) async throws -> Person? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Self.personColumns) FROM person WHERE id = ? AND merged_into IS NULL", arguments: [id.rawValue]
            ).map(Self.person)
        }
    }

    public func mergedInto(_ id: PersonID) async throws -> PersonID? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT merged_into FROM person WHERE id = ?", arguments: [id.rawValue]).map { text in
                do { return try PersonID(text) } catch { throw StoreError(.corrupt, "a stored merge pointer is not a person id") }
            }
        }
    }

    /// Ids per `IN (...)` list of ``persons(ids:)``, well under SQLite's bound-parameter limit.
    static let personChunk = 500

    public func persons(ids: [PersonID]) async throws -> [PersonID: Person] {
        let keys = Array(Set(ids.map(\.rawValue)))
        guard !keys.isEmpty else { return [:] }
        return try await read { db in
            var found: [PersonID: Person] = [:]
            for start in stride(from: 0, to: keys.count, by: Self.personChunk) {
                let chunk = Array(keys[start..<min(start + Self.personChunk, keys.count)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let rows = try Row.fetchAll(
                    db, sql: "SELECT \(Self.personColumns) FROM person WHERE id IN (\(marks)) AND merged_into IS NULL",
                    arguments: StatementArguments(chunk))
                for row in rows {
                    let person = try Self.person(row)
                    found[person.id] = person
                }
            }
            return found
        }
    }

    public func updatePerson(_ id: PersonID, with draft: PersonDraft, expectedVersion: Int) async throws -> Person {
        try await write { db in
            guard let stored = try Self.liveVersion(db, id) else { throw StoreError(.notFound, "no person with that id is stored") }
            guard stored == expectedVersion else {
                throw CommunityRules.versionConflict("the person", expected: expectedVersion, stored: stored)
            }
            let updated = try CommunityRules.updated(id, with: draft, version: expectedVersion + 1)
            try Self.writePerson(db, updated)
            return updated
        }
    }

    public func persons(_ query: PersonQuery) async throws -> PersonPage {
        try CommunityRules.check(limit: query.limit)
        let (sql, arguments) = Self.personsStatement(query, limit: query.limit + 1)
        return try await read { db in
            var items = try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.person)
            let more = items.count > query.limit
            if more { items.removeLast() }
            return PersonPage(items: items, next: more ? items.last?.id : nil)
        }
    }

    public func allPersons(in scope: JurisdictionPath) async throws -> [Person] {
        let (sql, arguments) = Self.personsStatement(PersonQuery(scope: scope), limit: nil)
        return try await read { db in try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.person) }
    }

    public func applyMerge(_ plan: MergePlan) async throws {
        try CommunityRules.check(plan)
        let record = plan.record
        let json = try CommunityRules.encode(record)
        let pair = try CommunityRules.pair(record.survivor, record.absorbed)
        try await write { db in
            guard let survivorVersion = try Self.liveVersion(db, record.survivor),
                let absorbedVersion = try Self.liveVersion(db, record.absorbed)
            else { throw StoreError(.notFound, "the survivor or the absorbed person is not stored (or was merged)") }
            guard survivorVersion == record.survivorVersion else {
                throw CommunityRules.versionConflict("the survivor", expected: record.survivorVersion, stored: survivorVersion)
            }
            guard absorbedVersion == record.absorbedVersion else {
                throw CommunityRules.versionConflict("the absorbed person", expected: record.absorbedVersion, stored: absorbedVersion)
            }
            let marked = try Bool.fetchOne(
                db, sql: "SELECT 1 FROM not_duplicate_mark WHERE first = ? AND second = ?",
                arguments: [pair.first.rawValue, pair.second.rawValue]) ?? false
            guard !marked else { throw StoreError(.conflict, "the pair is marked as not a duplicate") }

            try Self.writePerson(db, plan.merged)
            let survivor = record.survivor.rawValue
            let absorbed = record.absorbed.rawValue
            try db.execute(sql: "UPDATE person SET merged_into = ? WHERE merged_into = ?", arguments: [survivor, absorbed])
            try db.execute(
                sql: "UPDATE person SET merged_into = ?, version = version + 1 WHERE id = ?", arguments: [survivor, absorbed])

            // Move the absorbed person's marks to the survivor.
            let rows = try Row.fetchAll(
                db, sql: "SELECT first, second FROM not_duplicate_mark WHERE first = ? OR second = ?", arguments: [absorbed, absorbed])
            var marks = NotDuplicateMarks(try rows.map { row in try Self.pair(row) })
            marks.reassign(record.absorbed, to: record.survivor)
            try db.execute(sql: "DELETE FROM not_duplicate_mark WHERE first = ? OR second = ?", arguments: [absorbed, absorbed])
            for moved in marks.pairs {
                try db.execute(
                    sql: "INSERT INTO not_duplicate_mark (first, second) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    arguments: [moved.first.rawValue, moved.second.rawValue])
            }
            try db.execute(
                sql: "INSERT INTO person_merge (survivor, absorbed, record) VALUES (?, ?, ?)", arguments: [survivor, absorbed, json])
        }
    }

    static func pair(_ row: Row) throws -> PersonPair {
        do {
            return try PersonPair(try PersonID(row[0] as String), try PersonID(row[1] as String))
        } catch {
            throw StoreError(.corrupt, "a stored not-duplicate mark is not a pair of person ids")
        }
    }

    public func merges(involving id: PersonID) async throws -> [MergeRecord] {
        try await read { db in
            try String.fetchAll(
                db, sql: "SELECT record FROM person_merge WHERE survivor = ? OR absorbed = ? ORDER BY seq",
                arguments: [id.rawValue, id.rawValue]
            ).map { text throws(StoreError) in try CommunityRules.decodeMerge(text) }
        }
    }

    public func markNotDuplicate(_ pair: PersonPair) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO not_duplicate_mark (first, second) VALUES (?, ?) ON CONFLICT DO NOTHING",
                arguments: [pair.first.rawValue, pair.second.rawValue])
        }
    }

    public func notDuplicateMarks() async throws -> NotDuplicateMarks {
        try await read { db in
            NotDuplicateMarks(try Row.fetchAll(db, sql: "SELECT first, second FROM not_duplicate_mark").map(Self.pair))
        }
    }

    // MARK: Visits

    public func insertVisits(_ visits: [Visit]) async throws -> Int {
        guard !visits.isEmpty else { return 0 }
        let stays = CommunityRules.longestStays(visits)
        return try await write { db in
            let insert = try db.cachedStatement(
                sql: "INSERT INTO visit (person, place, checkpoint, time_in, time_out) VALUES (?, ?, ?, ?, ?)")
            for visit in visits {
                try insert.execute(arguments: [visit.person, visit.place.rawValue, visit.checkpoint, visit.timeIn, visit.timeOut])
            }
            let stay = try db.cachedStatement(
                sql: """
                    INSERT INTO visit_stay (place, longest) VALUES (?, ?)
                    ON CONFLICT (place) DO UPDATE SET longest = max(longest, excluded.longest)
                    """)
            for (place, longest) in stays { try stay.execute(arguments: [place.rawValue, longest]) }
            return visits.count
        }
    }

    static func visit(_ row: Row) throws -> Visit {
        do {
            return try Visit(person: row[0], place: try PlaceID(row[1] as String), checkpoint: row[2], timeIn: row[3], timeOut: row[4])
        } catch {
            throw StoreError(.corrupt, "a stored visit fails validation")
        }
    }

    public func visits(of person: PersonKey, overlapping range: ClosedRange<Int64>, openDuration: Int64) async throws -> [Visit] {
        try await read { db in
            // The longest stay anywhere bounds how early an overlapping visit can start.
            let longest = try Int64.fetchOne(db, sql: "SELECT max(longest) FROM visit_stay") ?? 0
            return try Self.overlapping(db, column: "person", key: person, range, longest: longest, openDuration: openDuration)
        }
    }

    public func visits(at place: PlaceID, overlapping range: ClosedRange<Int64>, openDuration: Int64) async throws -> [Visit] {
        try await read { db in
            guard let longest = try Int64.fetchOne(db, sql: "SELECT longest FROM visit_stay WHERE place = ?", arguments: [place.rawValue])
            else { return [] }
            return try Self.overlapping(db, column: "place", key: place.rawValue, range, longest: longest, openDuration: openDuration)
        }
    }

    public func visits(at queries: [VisitQuery], openDuration: Int64) async throws -> [[Visit]] {
        guard !queries.isEmpty else { return [] }
        return try await read { db in
            let stay = try db.cachedStatement(sql: "SELECT longest FROM visit_stay WHERE place = ?")
            var longest: [PlaceID: Int64?] = [:]
            return try queries.map { query in
                if longest[query.place] == nil { longest[query.place] = .some(try Int64.fetchOne(stay, arguments: [query.place.rawValue])) }
                guard let bound = longest[query.place]! else { return [] }
                return try Self.overlapping(db, column: "place", key: query.place.rawValue, query.range, longest: bound, openDuration: openDuration)
            }
        }
    }

    /// Visits of one person or place overlapping `range`: a range of the `(column, time_in)` index
    /// from the earliest possible start to the range's end, filtered on the end.
    static func overlapping(
        _ db: Database, column: String, key: String, _ range: ClosedRange<Int64>, longest: Int64, openDuration: Int64
    ) throws -> [Visit] {
        let open = max(0, openDuration)
        let earliest = CommunityRules.earliestTimeIn(lower: range.lowerBound, longestStay: longest, openDuration: open)
        let statement = try db.cachedStatement(
            sql: """
                SELECT person, place, checkpoint, time_in, time_out FROM visit
                WHERE \(column) = ? AND time_in BETWEEN ? AND ? AND coalesce(time_out, time_in + ?) >= ?
                ORDER BY time_in, id
                """)
        return try Row.fetchAll(statement, arguments: [key, earliest, range.upperBound, open, range.lowerBound]).map(visit)
    }

    // MARK: Lifecycle records

    static let recordColumns = "kind, id, jurisdiction, person, version, body, time"

    static func record(_ row: Row) throws -> StoredRecord {
        let body: Data = row[5]
        let draft = RecordDraft(
            kind: RecordKind(row[0]), id: row[1], jurisdiction: try CommunityRules.path(row[2]), person: row[3], body: Array(body),
            time: row[6])
        return StoredRecord(draft: draft, version: row[4])
    }

    static func recordsStatement(_ query: RecordQuery) -> (sql: String, arguments: StatementArguments) {
        let bounds = CommunityRules.bounds(query.scope)
        var sql = """
            SELECT \(recordColumns) FROM lifecycle_record
            WHERE kind = ? AND jurisdiction >= ? AND jurisdiction < ? AND (jurisdiction = ? OR jurisdiction >= ?) AND id > ?
            """
        var arguments: StatementArguments = [query.kind.rawValue, bounds.exact, bounds.high, bounds.exact, bounds.below, query.after ?? ""]
        if let person = query.person {
            sql += " AND person = ?"
            arguments += [person]
        }
        sql += " ORDER BY id LIMIT ?"
        arguments += [query.limit + 1]
        return (sql, arguments)
    }

    public func insertRecord(_ record: RecordDraft) async throws -> StoredRecord {
        try CommunityRules.check(record)
        return try await write { db in
            do {
                try db.execute(
                    sql: "INSERT INTO lifecycle_record (\(Self.recordColumns)) VALUES (?, ?, ?, ?, 1, ?, ?)",
                    arguments: [record.kind.rawValue, record.id, record.jurisdiction.description, record.person, Data(record.body), record.time])
            } catch let error as DatabaseError where Self.isUniqueViolation(error) {
                throw StoreError(.conflict, "a \(record.kind) record with that id is stored", cause: error)
            }
            return StoredRecord(draft: record, version: 1)
        }
    }

    public func updateRecord(_ record: RecordDraft, expectedVersion: Int) async throws -> StoredRecord {
        try await updateRecords([RecordUpdate(record, expectedVersion: expectedVersion)])[0]
    }

    public func updateRecords(_ updates: [RecordUpdate]) async throws -> [StoredRecord] {
        for update in updates { try CommunityRules.check(update.record) }
        return try await write { db in
            try updates.map { update in
                let record = update.record
                let expectedVersion = update.expectedVersion
                if expectedVersion == 0 {
                    do {
                        try db.execute(
                            sql: "INSERT INTO lifecycle_record (\(Self.recordColumns)) VALUES (?, ?, ?, ?, 1, ?, ?)",
                            arguments: [record.kind.rawValue, record.id, record.jurisdiction.description, record.person, Data(record.body), record.time])
                    } catch let error as DatabaseError where Self.isUniqueViolation(error) {
                        throw StoreError(.conflict, "a \(record.kind) record with that id is stored", cause: error)
                    }
                    return StoredRecord(draft: record, version: 1)
                }
                guard
                    let stored = try Int.fetchOne(
                        db, sql: "SELECT version FROM lifecycle_record WHERE kind = ? AND id = ?", arguments: [record.kind.rawValue, record.id])
                else { throw StoreError(.notFound, "no \(record.kind) record with that id is stored") }
                guard stored == expectedVersion else {
                    throw CommunityRules.versionConflict("the record", expected: expectedVersion, stored: stored)
                }
                try db.execute(
                    sql: "UPDATE lifecycle_record SET jurisdiction = ?, person = ?, version = ?, body = ?, time = ? WHERE kind = ? AND id = ?",
                    arguments: [
                        record.jurisdiction.description, record.person, expectedVersion + 1, Data(record.body), record.time, record.kind.rawValue,
                        record.id,
                    ])
                return StoredRecord(draft: record, version: expectedVersion + 1)
            }
        }
    }

    public func record(_ kind: RecordKind, id: String) async throws -> StoredRecord? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Self.recordColumns) FROM lifecycle_record WHERE kind = ? AND id = ?", arguments: [kind.rawValue, id]
            ).map(Self.record)
        }
    }

    public func records(_ query: RecordQuery) async throws -> RecordPage {
        try CommunityRules.check(query)
        let (sql, arguments) = Self.recordsStatement(query)
        return try await read { db in
            var items = try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.record)
            let more = items.count > query.limit
            if more { items.removeLast() }
            return RecordPage(items: items, next: more ? items.last?.draft.id : nil)
        }
    }

    // MARK: Users

    static func user(_ row: Row) throws -> UserRecord {
        UserRecord(
            name: row[0], role: try CommunityRules.role(row[1]), jurisdiction: try CommunityRules.path(row[2]), active: row[3],
            createdAt: row[4])
    }

    public func saveUser(_ user: UserRecord) async throws {
        try CommunityRules.check(user)
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO api_user (name, role, jurisdiction, active, created_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET role = excluded.role, jurisdiction = excluded.jurisdiction,
                    active = excluded.active, created_at = excluded.created_at
                    """,
                arguments: [user.name, user.role.rawValue, user.jurisdiction.description, user.active, user.createdAt])
        }
    }

    public func user(_ name: String) async throws -> UserRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT name, role, jurisdiction, active, created_at FROM api_user WHERE name = ?", arguments: [name])
                .map(Self.user)
        }
    }

    public func users() async throws -> [UserRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT name, role, jurisdiction, active, created_at FROM api_user ORDER BY name").map(Self.user)
        }
    }

    // MARK: Audit

    @discardableResult
    public func appendAudit(_ events: [AuditEvent]) async throws -> [AuditEvent] {
        guard !events.isEmpty else { return [] }
        return try await write { db in
            let insert = try db.cachedStatement(
                sql: "INSERT INTO audit_event (time, actor, role, action, resource, purpose) VALUES (?, ?, ?, ?, ?, ?)")
            var stored: [AuditEvent] = []
            stored.reserveCapacity(events.count)
            for var event in events {
                try insert.execute(arguments: [event.time, event.actor, event.role.rawValue, event.action, event.resource, event.purpose])
                event.sequence = db.lastInsertedRowID
                stored.append(event)
            }
            return stored
        }
    }

    public func auditEvents(after: Int64, limit: Int) async throws -> [AuditEvent] {
        try CommunityRules.check(auditLimit: limit)
        return try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, time, actor, role, action, resource, purpose FROM audit_event WHERE seq > ? ORDER BY seq LIMIT ?",
                arguments: [after, limit]
            ).map { row in
                AuditEvent(
                    sequence: row[0], time: row[1], actor: row[2], role: try CommunityRules.role(row[3]), action: row[4], resource: row[5],
                    purpose: row[6])
            }
        }
    }
}

// MARK: Retention

extension SQLiteCommunityStore {
    /// One range of the visit key: `id > cursor`, at most `limit` rows, in one transaction.
    public func anonymiseVisits(endedBefore cutoff: Int64, after cursor: Int64, limit: Int, dryRun: Bool) async throws -> VisitRetentionBatch {
        try RetentionRules.check(limit: limit)
        let body: @Sendable (Database) throws -> VisitRetentionBatch = { db in
            let range = try Row.fetchOne(
                db, sql: "SELECT count(*), max(id) FROM (SELECT id FROM visit WHERE id > ? ORDER BY id LIMIT ?)", arguments: [cursor, limit])
            let scanned: Int = range?[0] ?? 0
            guard scanned > 0, let last: Int64 = range?[1] else { return VisitRetentionBatch(scanned: 0, anonymised: 0, next: nil) }
            let filter = "id > ? AND id <= ? AND coalesce(time_out, time_in) < ? AND person <> ?"
            let arguments: StatementArguments = [cursor, last, cutoff, RetentionPolicy.anonymousVisitor]
            let anonymised: Int
            if dryRun {
                anonymised = try Int.fetchOne(db, sql: "SELECT count(*) FROM visit WHERE \(filter)", arguments: arguments) ?? 0
            } else {
                try db.execute(sql: "UPDATE visit SET person = ? WHERE \(filter)", arguments: [RetentionPolicy.anonymousVisitor] + arguments)
                anonymised = db.changesCount
            }
            return VisitRetentionBatch(scanned: scanned, anonymised: anonymised, next: scanned == limit ? last : nil)
        }
        return try await dryRun ? read(body) : write(body)
    }

    /// One range of the person key (live files), the files merged into them and their personal
    /// records, read and rewritten in one transaction.
    public func anonymisePersons(_ policy: RetentionPolicy, now: Int64, after cursor: PersonID?, limit: Int, dryRun: Bool) async throws
        -> PersonRetentionBatch
    {
        try RetentionRules.check(limit: limit)
        let body: @Sendable (Database) throws -> PersonRetentionBatch = { db in
            let persons = try Row.fetchAll(
                db, sql: "SELECT \(Self.personColumns) FROM person WHERE merged_into IS NULL AND id > ? ORDER BY id LIMIT ?",
                arguments: [cursor?.rawValue ?? "", limit]
            ).map(Self.person)
            var absorbed: [PersonID: [Person]] = [:]
            var keys = persons.map(\.id.rawValue)
            for chunk in Self.chunks(persons.map(\.id.rawValue)) {
                let rows = try Row.fetchAll(
                    db, sql: "SELECT \(Self.personColumns), merged_into FROM person WHERE merged_into IN (\(Self.marks(chunk.count))) ORDER BY id",
                    arguments: StatementArguments(chunk))
                for row in rows {
                    let file = try Self.person(row)
                    guard let survivor = try? PersonID(row[11] as String) else { throw StoreError(.corrupt, "a stored merge pointer is not a person id") }
                    absorbed[survivor, default: []].append(file)
                    keys.append(file.id.rawValue)
                }
            }
            let kinds = RetentionRules.personalKinds.map(\.rawValue)
            var records: [StoredRecord] = []
            for chunk in Self.chunks(keys) {
                records += try Row.fetchAll(
                    db,
                    sql: """
                        SELECT \(Self.recordColumns) FROM lifecycle_record
                        WHERE kind IN (\(Self.marks(kinds.count))) AND person IN (\(Self.marks(chunk.count))) ORDER BY kind, id
                        """,
                    arguments: StatementArguments(kinds + chunk)
                ).map(Self.record)
            }
            let plan = RetentionRules.plan(persons: persons, absorbed: absorbed, records: records, policy: policy, now: now, limit: limit)
            if !dryRun {
                for person in plan.persons + plan.absorbed { try Self.writePerson(db, person) }
                for update in plan.records {
                    let record = update.record
                    try db.execute(
                        sql: "UPDATE lifecycle_record SET jurisdiction = ?, body = ?, version = ? WHERE kind = ? AND id = ? AND version = ?",
                        arguments: [
                            record.jurisdiction.description, Data(record.body), update.expectedVersion + 1, record.kind.rawValue, record.id,
                            update.expectedVersion,
                        ])
                }
            }
            return plan.result
        }
        return try await dryRun ? read(body) : write(body)
    }

    /// `?, ?, ...` for `count` parameters.
    static func marks(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }

    /// `keys` in runs of 500, under SQLite's bound-parameter limit.
    static func chunks(_ keys: [String]) -> [[String]] {
        let size = 500
        return stride(from: 0, to: keys.count, by: size).map { Array(keys[$0..<min($0 + size, keys.count)]) }
    }
}
