public import PostgresNIO
public import VigilCommunity

/// A ``CommunityStore`` in PostgreSQL through postgres-nio: the production backend, with the same
/// tables as ``SQLiteCommunityStore``, in the same schema as the node's ``PostgresLedgerStore``
/// (both apply the same migrations).
///
/// The caller owns the `PostgresClient` and runs it. Every change runs in one transaction; a
/// versioned change locks the rows it checks (`FOR UPDATE`), so concurrent edits of one person or
/// record serialise and all but one see a conflict.
public struct PostgresCommunityStore: CommunityStore {
    /// The client the store queries through.
    public let client: PostgresClient
    /// The schema that holds the tables.
    public let schema: String
    let logger: Logger
    private let s: String  // the quoted schema, for splicing into SQL

    /// Rows per statement of a batch insert (unnest arrays).
    static let batchSize = 5_000

    /// A store in `schema` (created by ``migrate()``).
    /// - Throws: ``StoreError/Code/invalidArgument`` unless `schema` is 1...63 characters of
    ///   `a-z`, `0-9` and `_`, not starting with a digit.
    public init(client: PostgresClient, schema: String = "vigil", logger: Logger = Logger(label: "vigil.store")) throws {
        self.s = try PostgresMigrations.quoted(schema: schema)
        self.client = client
        self.schema = schema
        self.logger = logger
    }

    /// Creates the schema and applies the migrations it lacks (the ledger's too), in one
    /// transaction under an advisory lock, so concurrent nodes migrate once.
    public func migrate() async throws {
        try await transaction { conn, logger in
            try await PostgresMigrations.migrate(conn, schema: self.schema, quoted: self.s, logger: logger)
        }
    }

    // MARK: Plumbing

    static func map(_ error: any Error) -> StoreError {
        if let error = error as? PostgresTransactionError {
            if let inner = error.closureError { return map(inner) }
            if let inner = error.commitError { return map(inner) }
        }
        if let error = error as? PSQLError, error.serverInfo?[.sqlState] == "23505" {
            return StoreError(.conflict, "a row with that key is already stored", cause: error)
        }
        return PostgresLedgerStore.map(error)
    }

    @discardableResult
    private func transaction<T: Sendable>(_ body: @Sendable (PostgresConnection, Logger) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { conn in try await body(conn, logger) }
        } catch {
            throw Self.map(error)
        }
    }

    /// One statement on a pooled connection, outside a transaction: a single statement already
    /// reads one snapshot, and this saves the three round trips of `BEGIN`, `SET TRANSACTION`
    /// and `COMMIT`.
    private func singleStatement<T: Sendable>(_ body: @Sendable (PostgresConnection, Logger) async throws -> T) async throws -> T {
        do {
            return try await client.withConnection { conn in try await body(conn, logger) }
        } catch {
            throw Self.map(error)
        }
    }

    /// A read-only transaction on one snapshot, for reads of more than one statement.
    private func snapshot<T: Sendable>(_ body: @Sendable (PostgresConnection, Logger) async throws -> T) async throws -> T {
        try await transaction { conn, logger in
            try await conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            return try await body(conn, logger)
        }
    }

    /// SQL with positional binds, for statements whose filters vary.
    struct Statement {
        var sql = ""
        var binds = PostgresBindings()
        private var count = 0

        init(_ sql: String) { self.sql = sql }

        /// Binds `value` and returns its placeholder.
        mutating func bind(_ value: some PostgresDynamicTypeEncodable) -> String {
            binds.append(value)
            count += 1
            return "$\(count)"
        }

        var query: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
    }

    // MARK: Person rows

    static let personColumns = "id, national_id, name, sex, birth_date, phone, address, household, vulnerabilities, grp, version"
    typealias PersonRow = (String, String?, String, String, String?, String?, String?, String, String, String, Int64)

    static func person(_ r: PersonRow) throws -> Person {
        try CommunityRules.PersonColumns(
            id: r.0, nationalID: r.1, name: r.2, sex: r.3, birthDate: r.4, phone: r.5, address: r.6, household: r.7,
            vulnerabilities: r.8, group: r.9, version: r.10
        ).person()
    }

    static func persons(_ rows: PostgresRowSequence) async throws -> [Person] {
        var persons: [Person] = []
        for try await row in rows.decode(PersonRow.self) { persons.append(try person(row)) }
        return persons
    }

    func personsStatement(_ query: PersonQuery, limit: Int?) -> Statement {
        let column = CommunityRules.scopeColumn(query.scope)
        var st = Statement("")
        let scope = st.bind(query.scope.description)
        let after = st.bind(query.after?.rawValue ?? "")
        var sql = """
            SELECT \(Self.personColumns) FROM \(s).person
            WHERE \(column) = \(scope) AND merged_into IS NULL AND id > \(after)
            """
        if let group = query.group {
            let p = st.bind(group.rawValue)
            sql += " AND grp = \(p)"
        }
        if let vulnerability = query.vulnerability {
            let p = st.bind(CommunityRules.vulnerabilityNeedle(vulnerability))
            sql += " AND strpos(',' || vulnerabilities || ',', \(p)) > 0"
        }
        if let prefix = query.namePrefix {
            // An exact, case-sensitive prefix (LIKE would treat `_` and `%` as wildcards).
            let p = st.bind(prefix)
            sql += " AND starts_with(name, \(p))"
        }
        sql += " ORDER BY id"
        if let limit {
            let p = st.bind(Int64(limit))
            sql += " LIMIT \(p)"
        }
        st.sql = sql
        return st
    }

    /// The plan PostgreSQL picks for a page of `query` (`EXPLAIN` lines), for tests and diagnostics.
    package func queryPlan(_ query: PersonQuery) async throws -> [String] {
        var statement = personsStatement(query, limit: query.limit + 1)
        statement.sql = "EXPLAIN " + statement.sql
        let explain = statement
        return try await singleStatement { conn, logger in
            var lines: [String] = []
            for try await line in try await conn.query(explain.query, logger: logger).decode(String.self) { lines.append(line) }
            return lines
        }
    }

    func lockedVersions(_ conn: PostgresConnection, _ ids: [PersonID], logger: Logger) async throws -> [PersonID: Int] {
        let rows = try await conn.query(
            """
            SELECT id, version FROM \(unescaped: s).person WHERE id = ANY(\(ids.map(\.rawValue))::text[]) AND merged_into IS NULL
            ORDER BY id FOR UPDATE
            """, logger: logger)
        var versions: [PersonID: Int] = [:]
        for try await (id, version) in rows.decode((String, Int64).self) {
            guard let id = try? PersonID(id) else { throw StoreError(.corrupt, "a stored person id is invalid") }
            versions[id] = Int(version)
        }
        return versions
    }

    func writePerson(_ conn: PostgresConnection, _ person: Person, logger: Logger) async throws {
        let c = CommunityRules.PersonColumns(person)
        let sc = c.scopes
        try await conn.query(
            """
            UPDATE \(unescaped: s).person SET national_id = \(c.nationalID), name = \(c.name), sex = \(c.sex),
            birth_date = \(c.birthDate), phone = \(c.phone), address = \(c.address), household = \(c.household),
            vulnerabilities = \(c.vulnerabilities), grp = \(c.group), version = \(c.version),
            scope1 = \(sc[0]), scope2 = \(sc[1]), scope3 = \(sc[2]), scope4 = \(sc[3]), scope5 = \(sc[4]), scope6 = \(sc[5]),
            scope7 = \(sc[6])
            WHERE id = \(c.id)
            """, logger: logger)
    }

    // MARK: Persons

    public func insertPersons(_ drafts: [PersonDraft]) async throws -> [Person] {
        let persons = try CommunityRules.newPersons(drafts)
        guard !persons.isEmpty else { return [] }
        return try await transaction { conn, logger in
            for start in stride(from: 0, to: persons.count, by: Self.batchSize) {
                let chunk = persons[start..<min(start + Self.batchSize, persons.count)].map(CommunityRules.PersonColumns.init)
                let ids = chunk.map(\.id)
                let existing = try await conn.query(
                    "SELECT id FROM \(unescaped: self.s).person WHERE id = ANY(\(ids)::text[]) LIMIT 1", logger: logger)
                for try await id in existing.decode(String.self) {
                    let index = start + (ids.firstIndex(of: id) ?? 0)
                    throw StoreError(.conflict, "person \(index) of the batch has an id that is already stored")
                }
                // NULL travels as '' (no stored text is empty: drafts turn empty texts into nil).
                func column(_ path: KeyPath<CommunityRules.PersonColumns, String?>) -> [String] { chunk.map { $0[keyPath: path] ?? "" } }
                func scope(_ level: Int) -> [String] { chunk.map { $0.scopes[level] ?? "" } }
                try await conn.query(
                    """
                    INSERT INTO \(unescaped: self.s).person (id, national_id, name, sex, birth_date, phone, address, household,
                        vulnerabilities, grp, version, scope1, scope2, scope3, scope4, scope5, scope6, scope7)
                    SELECT id, NULLIF(nid, ''), name, sex, NULLIF(birth, ''), NULLIF(phone, ''), NULLIF(address, ''), household,
                        vuln, grp, 1, s1, NULLIF(s2, ''), NULLIF(s3, ''), NULLIF(s4, ''), NULLIF(s5, ''), NULLIF(s6, ''), NULLIF(s7, '')
                    FROM unnest(\(ids)::text[], \(column(\.nationalID))::text[], \(chunk.map(\.name))::text[], \(chunk.map(\.sex))::text[],
                        \(column(\.birthDate))::text[], \(column(\.phone))::text[], \(column(\.address))::text[],
                        \(chunk.map(\.household))::text[], \(chunk.map(\.vulnerabilities))::text[], \(chunk.map(\.group))::text[],
                        \(scope(0))::text[], \(scope(1))::text[], \(scope(2))::text[], \(scope(3))::text[], \(scope(4))::text[],
                        \(scope(5))::text[], \(scope(6))::text[])
                    AS t(id, nid, name, sex, birth, phone, address, household, vuln, grp, s1, s2, s3, s4, s5, s6, s7)
                    """, logger: logger)
            }
            return persons
        }
    }

    public func person(_ id: PersonID) async throws -> Person? {
        try await singleStatement { conn, logger in
            try await Self.persons(
                try await conn.query(
                    "SELECT \(unescaped: Self.personColumns) FROM \(unescaped: self.s).person WHERE id = \(id.rawValue) AND merged_into IS NULL",
                    logger: logger)
            ).first
        }
    }

    public func mergedInto(_ id: PersonID) async throws -> PersonID? {
        try await singleStatement { conn, logger in
            let rows = try await conn.query("SELECT merged_into FROM \(unescaped: self.s).person WHERE id = \(id.rawValue)", logger: logger)
            for try await text in rows.decode(String?.self) {
                guard let text else { return nil }
                guard let survivor = try? PersonID(text) else { throw StoreError(.corrupt, "a stored merge pointer is not a person id") }
                return survivor
            }
            return nil
        }
    }

    public func persons(ids: [PersonID]) async throws -> [PersonID: Person] {
        let keys = Array(Set(ids.map(\.rawValue)))
        guard !keys.isEmpty else { return [:] }
        return try await singleStatement { conn, logger in
            let persons = try await Self.persons(
                try await conn.query(
                    "SELECT \(unescaped: Self.personColumns) FROM \(unescaped: self.s).person WHERE id = ANY(\(keys)::text[]) AND merged_into IS NULL",
                    logger: logger))
            return Dictionary(persons.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    public func updatePerson(_ id: PersonID, with draft: PersonDraft, expectedVersion: Int) async throws -> Person {
        try await transaction { conn, logger in
            guard let stored = try await self.lockedVersions(conn, [id], logger: logger)[id] else {
                throw StoreError(.notFound, "no person with that id is stored")
            }
            guard stored == expectedVersion else {
                throw CommunityRules.versionConflict("the person", expected: expectedVersion, stored: stored)
            }
            let updated = try CommunityRules.updated(id, with: draft, version: expectedVersion + 1)
            try await self.writePerson(conn, updated, logger: logger)
            return updated
        }
    }

    public func persons(_ query: PersonQuery) async throws -> PersonPage {
        try CommunityRules.check(limit: query.limit)
        let statement = personsStatement(query, limit: query.limit + 1)
        return try await singleStatement { conn, logger in
            var items = try await Self.persons(try await conn.query(statement.query, logger: logger))
            let more = items.count > query.limit
            if more { items.removeLast() }
            return PersonPage(items: items, next: more ? items.last?.id : nil)
        }
    }

    public func allPersons(in scope: JurisdictionPath) async throws -> [Person] {
        let statement = personsStatement(PersonQuery(scope: scope), limit: nil)
        return try await singleStatement { conn, logger in try await Self.persons(try await conn.query(statement.query, logger: logger)) }
    }

    public func applyMerge(_ plan: MergePlan) async throws {
        try CommunityRules.check(plan)
        let record = plan.record
        let json = try CommunityRules.encode(record)
        let pair = try CommunityRules.pair(record.survivor, record.absorbed)
        try await transaction { conn, logger in
            let versions = try await self.lockedVersions(conn, [record.survivor, record.absorbed], logger: logger)
            guard let survivorVersion = versions[record.survivor], let absorbedVersion = versions[record.absorbed] else {
                throw StoreError(.notFound, "the survivor or the absorbed person is not stored (or was merged)")
            }
            guard survivorVersion == record.survivorVersion else {
                throw CommunityRules.versionConflict("the survivor", expected: record.survivorVersion, stored: survivorVersion)
            }
            guard absorbedVersion == record.absorbedVersion else {
                throw CommunityRules.versionConflict("the absorbed person", expected: record.absorbedVersion, stored: absorbedVersion)
            }
            let marked = try await conn.query(
                """
                SELECT 1 FROM \(unescaped: self.s).not_duplicate_mark WHERE first = \(pair.first.rawValue) AND second = \(pair.second.rawValue)
                """, logger: logger)
            for try await _ in marked { throw StoreError(.conflict, "the pair is marked as not a duplicate") }

            try await self.writePerson(conn, plan.merged, logger: logger)
            let survivor = record.survivor.rawValue
            let absorbed = record.absorbed.rawValue
            try await conn.query(
                "UPDATE \(unescaped: self.s).person SET merged_into = \(survivor) WHERE merged_into = \(absorbed)", logger: logger)
            try await conn.query(
                "UPDATE \(unescaped: self.s).person SET merged_into = \(survivor), version = version + 1 WHERE id = \(absorbed)",
                logger: logger)

            // Move the absorbed person's marks to the survivor.
            let rows = try await conn.query(
                """
                DELETE FROM \(unescaped: self.s).not_duplicate_mark WHERE first = \(absorbed) OR second = \(absorbed) RETURNING first, second
                """, logger: logger)
            var marks = NotDuplicateMarks()
            for try await (first, second) in rows.decode((String, String).self) {
                marks.insert(try Self.pair(first, second))
            }
            marks.reassign(record.absorbed, to: record.survivor)
            let pairs = marks.pairs.sorted()
            if !pairs.isEmpty {
                try await conn.query(
                    """
                    INSERT INTO \(unescaped: self.s).not_duplicate_mark (first, second)
                    SELECT * FROM unnest(\(pairs.map(\.first.rawValue))::text[], \(pairs.map(\.second.rawValue))::text[])
                    ON CONFLICT DO NOTHING
                    """, logger: logger)
            }
            try await conn.query(
                """
                INSERT INTO \(unescaped: self.s).person_merge (survivor, absorbed, record) VALUES (\(survivor), \(absorbed), \(json)::jsonb)
                """, logger: logger)
        }
    }

    static func pair(_ first: String, _ second: String) throws -> PersonPair {
        do {
            return try PersonPair(try PersonID(first), try PersonID(second))
        } catch {
            throw StoreError(.corrupt, "a stored not-duplicate mark is not a pair of person ids")
        }
    }

    public func merges(involving id: PersonID) async throws -> [MergeRecord] {
        try await singleStatement { conn, logger in
            let rows = try await conn.query(
                """
                SELECT record::text FROM \(unescaped: self.s).person_merge WHERE survivor = \(id.rawValue) OR absorbed = \(id.rawValue)
                ORDER BY seq
                """, logger: logger)
            var records: [MergeRecord] = []
            for try await text in rows.decode(String.self) { records.append(try CommunityRules.decodeMerge(text)) }
            return records
        }
    }

    public func markNotDuplicate(_ pair: PersonPair) async throws {
        try await transaction { conn, logger in
            try await conn.query(
                """
                INSERT INTO \(unescaped: self.s).not_duplicate_mark (first, second) VALUES (\(pair.first.rawValue), \(pair.second.rawValue))
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
    }

    public func notDuplicateMarks() async throws -> NotDuplicateMarks {
        try await singleStatement { conn, logger in
            let rows = try await conn.query("SELECT first, second FROM \(unescaped: self.s).not_duplicate_mark", logger: logger)
            var marks = NotDuplicateMarks()
            for try await (first, second) in rows.decode((String, String).self) { marks.insert(try Self.pair(first, second)) }
            return marks
        }
    }

    // MARK: Visits

    public func insertVisits(_ visits: [Visit]) async throws -> Int {
        guard !visits.isEmpty else { return 0 }
        let stays = CommunityRules.longestStays(visits).sorted { $0.key < $1.key }
        return try await transaction { conn, logger in
            for start in stride(from: 0, to: visits.count, by: Self.batchSize) {
                let chunk = visits[start..<min(start + Self.batchSize, visits.count)]
                try await conn.query(
                    """
                    INSERT INTO \(unescaped: self.s).visit (person, place, checkpoint, time_in, time_out)
                    SELECT person, place, NULLIF(checkpoint, ''), time_in, CASE WHEN closed THEN time_out END
                    FROM unnest(\(chunk.map(\.person))::text[], \(chunk.map(\.place.rawValue))::text[],
                        \(chunk.map { $0.checkpoint ?? "" })::text[], \(chunk.map(\.timeIn))::bigint[],
                        \(chunk.map { $0.timeOut ?? 0 })::bigint[], \(chunk.map { $0.timeOut != nil })::bool[])
                    AS t(person, place, checkpoint, time_in, time_out, closed)
                    """, logger: logger)
            }
            try await conn.query(
                """
                INSERT INTO \(unescaped: self.s).visit_stay (place, longest)
                SELECT * FROM unnest(\(stays.map { $0.key.rawValue })::text[], \(stays.map { $0.value })::bigint[])
                ON CONFLICT (place) DO UPDATE SET longest = GREATEST(visit_stay.longest, excluded.longest)
                """, logger: logger)
            return visits.count
        }
    }

    public func visits(of person: PersonKey, overlapping range: ClosedRange<Int64>, openDuration: Int64) async throws -> [Visit] {
        // The longest stay anywhere bounds how early an overlapping visit can start.
        try await overlapping(column: "person", key: person, range, stay: "SELECT coalesce(max(longest), 0) FROM \(s).visit_stay", openDuration: openDuration)
    }

    public func visits(at place: PlaceID, overlapping range: ClosedRange<Int64>, openDuration: Int64) async throws -> [Visit] {
        try await overlapping(
            column: "place", key: place.rawValue, range, stay: "SELECT longest FROM \(s).visit_stay WHERE place = $1", openDuration: openDuration)
    }

    /// The earliest `time_in` of a visit that can overlap a range starting at `lower`, as SQL:
    /// ``CommunityRules/earliestTimeIn(lower:longestStay:openDuration:)``, saturating at the
    /// smallest `BIGINT` as it does.
    static func earliestTimeIn(lower: String, longest: String, open: Int64) -> String {
        "GREATEST(\(lower)::numeric - GREATEST(\(longest), \(open), 0), \(Int64.min))::bigint"
    }

    /// One statement: the queries unnested with their positions, each joined to its place's longest
    /// stay (places never visited have none and are not asked) and laterally to its range of the
    /// covering `(place, time_in)` index. `OFFSET 0` keeps the lateral subquery from being pulled
    /// up into a plain join, which PostgreSQL 15 planned as a scan of every visit at the place
    /// with the time range as a join filter (`EXPLAIN`, with and without statistics).
    public func visits(at queries: [VisitQuery], openDuration: Int64) async throws -> [[Visit]] {
        guard !queries.isEmpty else { return [] }
        let open = max(0, openDuration)
        let ordinals = queries.indices.map { Int64($0) }
        let keys = queries.map(\.place.rawValue)
        let lowers = queries.map(\.range.lowerBound)
        let uppers = queries.map(\.range.upperBound)
        let earliest = Self.earliestTimeIn(lower: "q.lower", longest: "st.longest", open: open)
        return try await singleStatement { conn, logger in
            var answers = [[Visit]](repeating: [], count: queries.count)
            let rows = try await conn.query(
                """
                SELECT q.ord, v.person, v.place, v.checkpoint, v.time_in, v.time_out
                FROM unnest(\(ordinals)::bigint[], \(keys)::text[], \(uppers)::bigint[], \(lowers)::bigint[])
                    AS q(ord, place, upper, lower)
                JOIN \(unescaped: self.s).visit_stay st ON st.place = q.place
                CROSS JOIN LATERAL (
                    SELECT person, place, checkpoint, time_in, time_out, id FROM \(unescaped: self.s).visit
                    WHERE place = q.place AND time_in BETWEEN \(unescaped: earliest) AND q.upper
                    AND coalesce(time_out, time_in + \(open)) >= q.lower
                    OFFSET 0
                ) v
                ORDER BY q.ord, v.time_in, v.id
                """, logger: logger)
            for try await (ord, person, place, checkpoint, timeIn, timeOut) in rows.decode((Int64, String, String, String?, Int64, Int64?).self) {
                answers[Int(ord)].append(try Self.visit(person, place, checkpoint, timeIn, timeOut))
            }
            return answers
        }
    }

    static func visit(_ person: String, _ place: String, _ checkpoint: String?, _ timeIn: Int64, _ timeOut: Int64?) throws -> Visit {
        do {
            return try Visit(person: person, place: try PlaceID(place), checkpoint: checkpoint, timeIn: timeIn, timeOut: timeOut)
        } catch {
            throw StoreError(.corrupt, "a stored visit fails validation")
        }
    }

    /// Visits of one person or place overlapping `range`, in one statement: a range of the
    /// covering `(column, time_in)` index from the earliest possible start (from the longest
    /// stay that `stay` selects; no stay, no visits) to the range's end, filtered on the end.
    /// The subquery is lateral and fenced (`OFFSET 0`) so the start is an index bound, not a filter.
    func overlapping(column: String, key: String, _ range: ClosedRange<Int64>, stay: String, openDuration: Int64) async throws -> [Visit] {
        let open = max(0, openDuration)
        let earliest = Self.earliestTimeIn(lower: "$2", longest: "st.longest", open: open)
        var binds = PostgresBindings()
        binds.append(key)
        binds.append(range.lowerBound)
        binds.append(range.upperBound)
        let query = PostgresQuery(
            unsafeSQL: """
                SELECT v.person, v.place, v.checkpoint, v.time_in, v.time_out
                FROM (\(stay)) AS st(longest)
                CROSS JOIN LATERAL (
                    SELECT person, place, checkpoint, time_in, time_out, id FROM \(s).visit
                    WHERE \(column) = $1 AND time_in BETWEEN \(earliest) AND $3 AND coalesce(time_out, time_in + \(open)) >= $2
                    OFFSET 0
                ) v
                ORDER BY v.time_in, v.id
                """, binds: binds)
        return try await singleStatement { conn, logger in
            var visits: [Visit] = []
            for try await (person, place, checkpoint, timeIn, timeOut) in try await conn.query(query, logger: logger)
                .decode((String, String, String?, Int64, Int64?).self)
            {
                visits.append(try Self.visit(person, place, checkpoint, timeIn, timeOut))
            }
            return visits
        }
    }

    // MARK: Lifecycle records

    static let recordColumns = "kind, id, jurisdiction, person, version, body, time"

    static func records(_ rows: PostgresRowSequence) async throws -> [StoredRecord] {
        var records: [StoredRecord] = []
        for try await (kind, id, jurisdiction, person, version, body, time) in rows.decode(
            (String, String, String, String?, Int64, ByteBuffer, Int64).self)
        {
            let draft = RecordDraft(
                kind: RecordKind(kind), id: id, jurisdiction: try CommunityRules.path(jurisdiction), person: person,
                body: Array(body.readableBytesView), time: time)
            records.append(StoredRecord(draft: draft, version: Int(version)))
        }
        return records
    }

    public func insertRecord(_ record: RecordDraft) async throws -> StoredRecord {
        try CommunityRules.check(record)
        return try await transaction { conn, logger in
            let rows = try await conn.query(
                """
                INSERT INTO \(unescaped: self.s).lifecycle_record (kind, id, jurisdiction, person, version, body, time)
                VALUES (\(record.kind.rawValue), \(record.id), \(record.jurisdiction.description), \(record.person), 1,
                    \(ByteBuffer(bytes: record.body)), \(record.time))
                ON CONFLICT (kind, id) DO NOTHING RETURNING 1
                """, logger: logger)
            var inserted = false
            for try await _ in rows { inserted = true }
            guard inserted else { throw StoreError(.conflict, "a \(record.kind) record with that id is stored") }
            return StoredRecord(draft: record, version: 1)
        }
    }

    public func updateRecord(_ record: RecordDraft, expectedVersion: Int) async throws -> StoredRecord {
        try await updateRecords([RecordUpdate(record, expectedVersion: expectedVersion)])[0]
    }

    public func updateRecords(_ updates: [RecordUpdate]) async throws -> [StoredRecord] {
        for update in updates { try CommunityRules.check(update.record) }
        return try await transaction { conn, logger in
            var written: [StoredRecord] = []
            for update in updates {
                let record = update.record
                let expectedVersion = update.expectedVersion
                if expectedVersion == 0 {
                    let rows = try await conn.query(
                        """
                        INSERT INTO \(unescaped: self.s).lifecycle_record (kind, id, jurisdiction, person, version, body, time)
                        VALUES (\(record.kind.rawValue), \(record.id), \(record.jurisdiction.description), \(record.person), 1,
                            \(ByteBuffer(bytes: record.body)), \(record.time))
                        ON CONFLICT (kind, id) DO NOTHING RETURNING 1
                        """, logger: logger)
                    var inserted = false
                    for try await _ in rows { inserted = true }
                    guard inserted else { throw StoreError(.conflict, "a \(record.kind) record with that id is stored") }
                    written.append(StoredRecord(draft: record, version: 1))
                    continue
                }
                var stored: Int?
                for try await version in try await conn.query(
                    """
                    SELECT version FROM \(unescaped: self.s).lifecycle_record WHERE kind = \(record.kind.rawValue) AND id = \(record.id) FOR UPDATE
                    """, logger: logger
                ).decode(Int64.self) {
                    stored = Int(version)
                }
                guard let stored else { throw StoreError(.notFound, "no \(record.kind) record with that id is stored") }
                guard stored == expectedVersion else {
                    throw CommunityRules.versionConflict("the record", expected: expectedVersion, stored: stored)
                }
                try await conn.query(
                    """
                    UPDATE \(unescaped: self.s).lifecycle_record SET jurisdiction = \(record.jurisdiction.description), person = \(record.person),
                        version = \(Int64(expectedVersion + 1)), body = \(ByteBuffer(bytes: record.body)), time = \(record.time)
                    WHERE kind = \(record.kind.rawValue) AND id = \(record.id)
                    """, logger: logger)
                written.append(StoredRecord(draft: record, version: expectedVersion + 1))
            }
            return written
        }
    }

    public func record(_ kind: RecordKind, id: String) async throws -> StoredRecord? {
        try await singleStatement { conn, logger in
            try await Self.records(
                try await conn.query(
                    """
                    SELECT \(unescaped: Self.recordColumns) FROM \(unescaped: self.s).lifecycle_record WHERE kind = \(kind.rawValue) AND id = \(id)
                    """, logger: logger)
            ).first
        }
    }

    public func records(_ query: RecordQuery) async throws -> RecordPage {
        try CommunityRules.check(query)
        let bounds = CommunityRules.bounds(query.scope)
        var st = Statement("")
        let kind = st.bind(query.kind.rawValue)
        let exact = st.bind(bounds.exact)
        let high = st.bind(bounds.high)
        let below = st.bind(bounds.below)
        let after = st.bind(query.after ?? "")
        var sql = """
            SELECT \(Self.recordColumns) FROM \(s).lifecycle_record
            WHERE kind = \(kind) AND jurisdiction >= \(exact) AND jurisdiction < \(high)
            AND (jurisdiction = \(exact) OR jurisdiction >= \(below)) AND id > \(after)
            """
        if let person = query.person {
            let p = st.bind(person)
            sql += " AND person = \(p)"
        }
        let limit = st.bind(Int64(query.limit + 1))
        sql += " ORDER BY id LIMIT \(limit)"
        st.sql = sql
        let statement = st
        return try await singleStatement { conn, logger in
            var items = try await Self.records(try await conn.query(statement.query, logger: logger))
            let more = items.count > query.limit
            if more { items.removeLast() }
            return RecordPage(items: items, next: more ? items.last?.draft.id : nil)
        }
    }

    // MARK: Users

    static func users(_ rows: PostgresRowSequence) async throws -> [UserRecord] {
        var users: [UserRecord] = []
        for try await (name, role, jurisdiction, active, createdAt) in rows.decode((String, String, String, Bool, Int64).self) {
            users.append(
                UserRecord(
                    name: name, role: try CommunityRules.role(role), jurisdiction: try CommunityRules.path(jurisdiction), active: active,
                    createdAt: createdAt))
        }
        return users
    }

    public func saveUser(_ user: UserRecord) async throws {
        try CommunityRules.check(user)
        try await transaction { conn, logger in
            try await conn.query(
                """
                INSERT INTO \(unescaped: self.s).api_user (name, role, jurisdiction, active, created_at)
                VALUES (\(user.name), \(user.role.rawValue), \(user.jurisdiction.description), \(user.active), \(user.createdAt))
                ON CONFLICT (name) DO UPDATE SET role = excluded.role, jurisdiction = excluded.jurisdiction,
                    active = excluded.active, created_at = excluded.created_at
                """, logger: logger)
        }
    }

    public func user(_ name: String) async throws -> UserRecord? {
        try await singleStatement { conn, logger in
            try await Self.users(
                try await conn.query(
                    "SELECT name, role, jurisdiction, active, created_at FROM \(unescaped: self.s).api_user WHERE name = \(name)",
                    logger: logger)
            ).first
        }
    }

    public func users() async throws -> [UserRecord] {
        try await singleStatement { conn, logger in
            try await Self.users(
                try await conn.query(
                    "SELECT name, role, jurisdiction, active, created_at FROM \(unescaped: self.s).api_user ORDER BY name", logger: logger))
        }
    }

    // MARK: Audit

    @discardableResult
    public func appendAudit(_ events: [AuditEvent]) async throws -> [AuditEvent] {
        guard !events.isEmpty else { return [] }
        return try await transaction { conn, logger in
            // One appender at a time (readers are not blocked), so numbers are max + 1 ... and
            // commit in order.
            try await conn.query("LOCK TABLE \(unescaped: self.s).audit_event IN SHARE ROW EXCLUSIVE MODE", logger: logger)
            var last: Int64 = 0
            for try await value in try await conn.query("SELECT max(seq) FROM \(unescaped: self.s).audit_event", logger: logger)
                .decode(Int64?.self)
            {
                last = value ?? 0
            }
            var stored: [AuditEvent] = []
            for (i, var event) in events.enumerated() {
                event.sequence = last + Int64(i) + 1
                stored.append(event)
            }
            try await conn.query(
                """
                INSERT INTO \(unescaped: self.s).audit_event (seq, time, actor, role, action, resource, purpose)
                SELECT * FROM unnest(\(stored.map(\.sequence))::bigint[], \(stored.map(\.time))::bigint[], \(stored.map(\.actor))::text[],
                    \(stored.map(\.role.rawValue))::text[], \(stored.map(\.action))::text[], \(stored.map(\.resource))::text[],
                    \(stored.map(\.purpose))::text[])
                """, logger: logger)
            return stored
        }
    }

    public func auditEvents(after: Int64, limit: Int) async throws -> [AuditEvent] {
        try CommunityRules.check(auditLimit: limit)
        return try await singleStatement { conn, logger in
            let rows = try await conn.query(
                """
                SELECT seq, time, actor, role, action, resource, purpose FROM \(unescaped: self.s).audit_event
                WHERE seq > \(after) ORDER BY seq LIMIT \(Int64(limit))
                """, logger: logger)
            var events: [AuditEvent] = []
            for try await (seq, time, actor, role, action, resource, purpose) in rows.decode(
                (Int64, Int64, String, String, String, String, String).self)
            {
                events.append(
                    AuditEvent(
                        sequence: seq, time: time, actor: actor, role: try CommunityRules.role(role), action: action, resource: resource,
                        purpose: purpose))
            }
            return events
        }
    }
}

// MARK: Retention

extension PostgresCommunityStore {
    /// One range of the visit key: `id > cursor`, at most `limit` rows, in one transaction.
    public func anonymiseVisits(endedBefore cutoff: Int64, after cursor: Int64, limit: Int, dryRun: Bool) async throws -> VisitRetentionBatch {
        try RetentionRules.check(limit: limit)
        let marker = RetentionPolicy.anonymousVisitor
        let body: @Sendable (PostgresConnection, Logger) async throws -> VisitRetentionBatch = { conn, logger in
            var scanned = 0
            var last: Int64?
            for try await (count, maxID) in try await conn.query(
                """
                SELECT count(*), max(id) FROM (SELECT id FROM \(unescaped: self.s).visit WHERE id > \(cursor) ORDER BY id LIMIT \(Int64(limit))) AS b
                """, logger: logger
            ).decode((Int64, Int64?).self) {
                scanned = Int(count)
                last = maxID
            }
            guard scanned > 0, let last else { return VisitRetentionBatch(scanned: 0, anonymised: 0, next: nil) }
            var anonymised = 0
            let rows =
                dryRun
                ? try await conn.query(
                    """
                    SELECT count(*) FROM \(unescaped: self.s).visit
                    WHERE id > \(cursor) AND id <= \(last) AND coalesce(time_out, time_in) < \(cutoff) AND person <> \(marker)
                    """, logger: logger)
                : try await conn.query(
                    """
                    WITH changed AS (
                        UPDATE \(unescaped: self.s).visit SET person = \(marker)
                        WHERE id > \(cursor) AND id <= \(last) AND coalesce(time_out, time_in) < \(cutoff) AND person <> \(marker)
                        RETURNING 1
                    ) SELECT count(*) FROM changed
                    """, logger: logger)
            for try await count in rows.decode(Int64.self) { anonymised = Int(count) }
            return VisitRetentionBatch(scanned: scanned, anonymised: anonymised, next: scanned == limit ? last : nil)
        }
        return try await dryRun ? snapshot(body) : transaction(body)
    }

    /// One range of the person key (live files, locked), the files merged into them and their
    /// personal records (locked), read and rewritten in one transaction.
    public func anonymisePersons(_ policy: RetentionPolicy, now: Int64, after cursor: PersonID?, limit: Int, dryRun: Bool) async throws
        -> PersonRetentionBatch
    {
        try RetentionRules.check(limit: limit)
        let lock = dryRun ? "" : "FOR UPDATE"
        let body: @Sendable (PostgresConnection, Logger) async throws -> PersonRetentionBatch = { conn, logger in
            let persons = try await Self.persons(
                try await conn.query(
                    """
                    SELECT \(unescaped: Self.personColumns) FROM \(unescaped: self.s).person
                    WHERE merged_into IS NULL AND id > \(cursor?.rawValue ?? "") ORDER BY id LIMIT \(Int64(limit)) \(unescaped: lock)
                    """, logger: logger))
            let ids = persons.map(\.id.rawValue)
            var keys = ids
            var absorbed: [PersonID: [Person]] = [:]
            var survivors: [String: String] = [:]
            for try await (id, survivor) in try await conn.query(
                """
                SELECT id, merged_into FROM \(unescaped: self.s).person WHERE merged_into = ANY(\(ids)::text[]) ORDER BY id \(unescaped: lock)
                """, logger: logger
            ).decode((String, String).self) {
                survivors[id] = survivor
            }
            if !survivors.isEmpty {
                // Merged rows keep their columns: read them as persons to blank them.
                for file in try await Self.persons(
                    try await conn.query(
                        """
                        SELECT \(unescaped: Self.personColumns) FROM \(unescaped: self.s).person WHERE id = ANY(\(Array(survivors.keys))::text[]) ORDER BY id
                        """, logger: logger))
                {
                    guard let survivor = survivors[file.id.rawValue].flatMap({ try? PersonID($0) }) else {
                        throw StoreError(.corrupt, "a stored merge pointer is not a person id")
                    }
                    absorbed[survivor, default: []].append(file)
                    keys.append(file.id.rawValue)
                }
            }
            let kinds = RetentionRules.personalKinds.map(\.rawValue)
            let records = try await Self.records(
                try await conn.query(
                    """
                    SELECT \(unescaped: Self.recordColumns) FROM \(unescaped: self.s).lifecycle_record
                    WHERE kind = ANY(\(kinds)::text[]) AND person = ANY(\(keys)::text[]) ORDER BY kind, id \(unescaped: lock)
                    """, logger: logger))
            let plan = RetentionRules.plan(persons: persons, absorbed: absorbed, records: records, policy: policy, now: now, limit: limit)
            if !dryRun {
                for person in plan.persons + plan.absorbed { try await self.writePerson(conn, person, logger: logger) }
                for update in plan.records {
                    let record = update.record
                    try await conn.query(
                        """
                        UPDATE \(unescaped: self.s).lifecycle_record SET jurisdiction = \(record.jurisdiction.description),
                            body = \(ByteBuffer(bytes: record.body)), version = \(Int64(update.expectedVersion + 1))
                        WHERE kind = \(record.kind.rawValue) AND id = \(record.id) AND version = \(Int64(update.expectedVersion))
                        """, logger: logger)
                }
            }
            return plan.result
        }
        return try await dryRun ? snapshot(body) : transaction(body)
    }
}
