import ArgumentParser
import Foundation
import Logging
import VigilCommunity
import VigilServer
import VigilStore
import VigilSurveillance

/// `vigil bench community`: the community platform's hot paths on generated data (issue 6,
/// point 11), on SQLite and on PostgreSQL, beside the machine's physical limits and the store's
/// raw row-read rates measured in the same run.
struct CommunityBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "community",
        abstract: "Scoped person lists, 14-day contact tracing and CSV import on SQLite and PostgreSQL (run with -c release).",
        discussion: """
            Generates a city of --persons residents in a 7-level jurisdiction tree and --visits \
            access-management visits of 10^5 of them (or all, when fewer) over 30 days at 5,000 \
            places, then measures: (1) pages of 50 of a scoped, filtered person list, walked with \
            `after`; (2) contact tracing for random cases as the API handler does it (the case's \
            visits, then the visits overlapping each of its merged risk intervals, one query per \
            interval, then ContactTracer over a VisitIndex of those; then also the handler's person \
            reads: the case, its household, one batched read of the contacts); (3) the \
            import of a CSV file of --import persons into a district (with duplicates and bad rows). \
            Every value follows from a person's index, so a database kept with --keep is reused \
            as is. The PostgreSQL schema is new for each run (bench_<random>), vacuumed after generation \
            (as autovacuum would be soon after a bulk load) and dropped after.
            """
    )

    @Option(help: "Persons in the generated city.") var persons: Int = 1_000_000
    @Option(help: "Visits in the generated 30 days.") var visits: Int = 10_000_000
    @Option(name: .customLong("import"), help: "Rows of the imported CSV file.") var importRows: Int = 100_000
    @Option(help: "postgres://user:password@host:port/database of a PostgreSQL server (a new schema is used).") var postgres: String?
    @Flag(help: "Read the PostgreSQL server from POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB.")
    var postgresEnv = false
    @Flag(help: "Skip PostgreSQL.") var sqliteOnly = false
    @Flag(help: "Skip SQLite.") var postgresOnly = false
    @Option(help: "Directory in which to keep (and reuse) the generated SQLite database.") var keep: String?
    @Option(help: "Repetitions of each measurement set (medians are reported).") var repetitions: Int = 3
    @Option(help: "Random cases traced per repetition.") var cases: Int = 100
    @Option(help: "Rows per insert batch while generating.") var batch: Int = 100_000

    func validate() throws {
        guard persons >= 10_000, visits >= 0, importRows >= 100, repetitions >= 1, cases >= 1, batch >= 1 else {
            throw ValidationError("need --persons >= 10000, --import >= 100, positive --repetitions, --cases, --batch")
        }
        guard !(sqliteOnly && postgresOnly) else { throw ValidationError("--sqlite-only and --postgres-only exclude each other") }
    }

    func run() async throws {
        #if DEBUG
        print("warning: debug build; run `swift build -c release --product vigil` for meaningful numbers")
        #endif
        let data = CommunityData(persons: persons, visits: visits)
        let reps = repetitions
        let caseCount = cases
        let batchSize = batch
        let rows = importRows
        let sha = Timing.median((0..<reps).map { _ in Limit.sha256.once() })
        let loop = Timing.median((0..<reps).map { _ in Limit.plainLoop.once() })
        var reports: [CommunityReport] = []

        // SQLite.
        if !postgresOnly {
            let directory = try keep ?? Demo.temporaryDirectory()
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let path = "\(directory)/community-\(persons)-\(visits).sqlite"
            let marker = path + ".complete"
            let reused = keep != nil && FileManager.default.fileExists(atPath: marker)
            if !reused {
                for suffix in ["", "-wal", "-shm", ".complete"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            }
            var sqliteGeneration: Double?
            do {
                let store = try SQLiteCommunityStore(path: path)
                if reused {
                    note("SQLite: reusing \(path)")
                } else {
                    sqliteGeneration = try await data.generate(into: store, backend: "SQLite", batch: batchSize)
                    _ = FileManager.default.createFile(atPath: marker, contents: Data())
                }
                var report = try await CommunityMeasurements(store: store, data: data, repetitions: reps, cases: caseCount).run()
                // A kept database must stay as generated: import into a copy of it.
                let importPath = keep == nil ? path : "\(directory)/import-copy.sqlite"
                if keep != nil {
                    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: importPath + suffix) }
                    note("SQLite: copying the database for the import")
                    for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: path + suffix) {
                        try FileManager.default.copyItem(atPath: path + suffix, toPath: importPath + suffix)
                    }
                    // The copy's gigabytes go to disk now, not during the import it is for.
                    sync()
                }
                let importStore = keep == nil ? store : try SQLiteCommunityStore(path: importPath)
                report.importResult = try await ImportMeasurement(store: importStore, data: data, rows: rows, repetitions: reps).run()
                report.backend = "SQLite"
                report.generationSeconds = sqliteGeneration
                reports.append(report)
                if keep != nil {
                    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: importPath + suffix) }
                }
            }
            if keep == nil { try? FileManager.default.removeItem(atPath: directory) }
        }

        // PostgreSQL.
        if !sqliteOnly, let server = try postgresURL() {
            let schema = "bench_" + String(UInt64.random(in: 0..<UInt64(1) << 40), radix: 36)
            let url = server + (server.contains("?") ? "&" : "?") + "schema=\(schema)"
            var logger = Logger(label: "vigil.bench")
            logger.logLevel = .warning
            note("PostgreSQL: schema \(schema)")
            do {
                var report = try await StoreLocation.postgres(url: url).withCommunityStore(logger: logger) { store in
                    let seconds = try await data.generate(into: store, backend: "PostgreSQL", batch: batchSize)
                    // After a bulk load, as autovacuum would soon: statistics, and the visibility
                    // map that lets the visit reads scan only the covering indexes.
                    note("PostgreSQL: VACUUM ANALYZE")
                    guard psql("VACUUM ANALYZE \(schema).visit, \(schema).visit_stay, \(schema).person", server: server) else {
                        throw IO.failure("VACUUM ANALYZE failed")
                    }
                    var report = try await CommunityMeasurements(store: store, data: data, repetitions: reps, cases: caseCount).run()
                    report.importResult = try await ImportMeasurement(store: store, data: data, rows: rows, repetitions: reps).run()
                    report.generationSeconds = seconds
                    return report
                }
                report.backend = "PostgreSQL"
                reports.append(report)
            } catch {
                dropSchema(schema, server: server)
                throw error
            }
            dropSchema(schema, server: server)
        }

        print("\n## vigil bench community: \(persons) persons, \(visits) visits, import of \(importRows) rows")
        print("physical limits (one core, median of \(reps)): SHA-256 of 64 bytes \(Timing.format(sha)), plain loop (xorshift) \(Timing.format(loop))")
        for report in reports { report.print(plainLoop: loop) }
    }

    /// The server URL from --postgres or, with --postgres-env, from the POSTGRES_* variables.
    func postgresURL() throws -> String? {
        if let postgres { return postgres }
        guard postgresEnv else { return nil }
        let env = ProcessInfo.processInfo.environment
        guard let host = env["POSTGRES_HOST"], let user = env["POSTGRES_USER"] else {
            throw ValidationError("--postgres-env needs POSTGRES_HOST and POSTGRES_USER (eval \"$(bash .ci/postgres.sh)\")")
        }
        var components = URLComponents()
        components.scheme = "postgres"
        components.host = host
        components.port = Int(env["POSTGRES_PORT"] ?? "5432")
        components.user = user
        components.password = env["POSTGRES_PASSWORD"]
        components.path = "/" + (env["POSTGRES_DB"] ?? user)
        guard let url = components.string else { throw ValidationError("the POSTGRES_* variables do not make a URL") }
        return url
    }

    /// Drops the run's schema.
    func dropSchema(_ schema: String, server: String) {
        if !psql("DROP SCHEMA IF EXISTS \(schema) CASCADE", server: server) {
            note("PostgreSQL: could not drop schema \(schema); drop it by hand: DROP SCHEMA \(schema) CASCADE")
        }
    }

    /// Runs one SQL command with `psql` (the vigil target does not link PostgresNIO directly);
    /// true when it succeeded.
    func psql(_ command: String, server: String) -> Bool {
        guard let components = URLComponents(string: server), let host = components.host else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "psql", "-X", "-q", "-h", host, "-p", String(components.port ?? 5432), "-U", components.user ?? "vigil", "-d",
            String(components.path.dropFirst()), "-c", command,
        ]
        var environment = ProcessInfo.processInfo.environment
        if let password = components.password { environment["PGPASSWORD"] = password }
        process.environment = environment
        do {
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus == 0
        } catch {
            return false
        }
    }
}

/// Writes a progress line to standard error.
func note(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Seconds since `start`.
func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}

// MARK: - The generated community

/// A city generated from person indexes: `sz/d<0-9>/s<0-9>/c<0-9>/g<0-4>/b<n>/h<0-6>`, about 20
/// persons per building and 3 per household; 17% elderly, 2% key group, 70% with a national id.
/// Visits are made by 10^5 residents spread over the city (every n-th index), at 5,000 places:
/// 100 hubs (markets, stations, hospitals) take 5% of the visits, each visitor's six usual places
/// (four in the home district) 75%, anywhere else 20%; 5–120 minutes between 06:00 and 22:00,
/// 2% never scanned out.
struct CommunityData: Sendable {
    let persons: Int
    let visits: Int
    let days = 30
    let placeCount = 5_000
    let hubCount = 100
    /// 2026-01-01T00:00:00Z.
    let start: Int64 = 1_767_225_600
    var now: Int64 { start + Int64(days) * 86_400 }
    /// Buildings per grid (10 districts × 10 streets × 10 communities × 5 grids).
    var buildingsPerGrid: Int { max(1, persons / (5_000 * 20)) }
    var visitors: Int { min(persons, 100_000) }
    var visitorStride: Int { max(1, persons / visitors) }
    let places: [PlaceID] = (0..<5_000).map { try! PlaceID(String(format: "place-%04d", $0)) }

    static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
    static let given = Array("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥建国文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛")

    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func hex(_ x: UInt64) -> String {
        let digits = String(x, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// The id of person `i`: 32 hex digits, like the store's own.
    static func id(_ i: Int) -> String { hex(mix(UInt64(i) ^ 0x1234_5678)) + hex(mix(UInt64(i) ^ 0x8765_4321_0000)) }

    /// Grid number (0..<5000) and building within the grid of person `i`.
    func building(_ i: Int) -> (grid: Int, building: Int) {
        let b = Int((Int64(i) * Int64(5_000 * buildingsPerGrid)) / Int64(persons))
        return (b / buildingsPerGrid, b % buildingsPerGrid)
    }

    /// The path components of person `i`'s household, `household` overriding its code.
    func household(_ i: Int, code: Int? = nil) -> [String] {
        let (grid, building) = building(min(i, persons - 1))
        let h = code ?? Int(Self.mix(UInt64(i) ^ 0x4848) % 7)
        return ["sz", "d\(grid / 500)", "s\((grid / 50) % 10)", "c\((grid / 5) % 10)", "g\(grid % 5)", "b\(building)", "h\(h)"]
    }

    /// The district of person `i` (persons are laid out district by district).
    func district(_ i: Int) -> Int { building(i).grid / 500 }

    /// Person `i`'s file, with `household` overriding the household code.
    func draft(_ i: Int, householdCode: Int? = nil, withID: Bool = true) -> PersonDraft {
        var g = SplitMix64(state: UInt64(i) &* 0x2545_F491_4F6C_DD1D)
        var age = Int(g.next() % 90)
        if g.next() % 2 == 0 { age = 18 + Int(g.next() % 42) }
        let birth = CivilDate(daysSinceEpoch: 20_454 - age * 365 - Int(g.next() % 365))  // 20454 = 2026-01-01
        var vulnerabilities: Set<Vulnerability> = []
        if age >= 60 {
            vulnerabilities.insert(.elderly)
            if g.next() % 10 == 0 { vulnerabilities.insert(.elderlyAlone) }
        }
        if age < 14 { vulnerabilities.insert(.child) }
        if g.next() % 100 < 8 { vulnerabilities.insert(.chronicIllness) }
        if g.next() % 100 < 3 { vulnerabilities.insert(.disabled) }
        if g.next() % 1000 < 5 { vulnerabilities.insert(.bedridden) }
        let roll = g.next() % 1000
        let group: PersonGroup = roll < 20 ? .key : roll < 22 ? .confirmed : .susceptible
        let surname = Self.surnames[Int(g.next() % UInt64(Self.surnames.count))]
        var name = String(surname) + String(Self.given[Int(g.next() % UInt64(Self.given.count))])
        if g.next() % 3 != 0 { name.append(Self.given[Int(g.next() % UInt64(Self.given.count))]) }
        var nationalID: String?
        if g.next() % 10 < 7 {
            let first17 = "\(110_000 + i / 1_000)" + birth.description.replacingOccurrences(of: "-", with: "")
                + String(format: "%03d", i % 1_000)
            nationalID = first17 + String(NationalID.checkCharacter(for: first17)!)
        }
        let path = household(i, code: householdCode)
        var phone: String?
        if g.next() % 100 < 85 {
            // A third share the household's phone.
            let seed = g.next() % 3 == 0 ? path.joined().utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 } : g.next()
            phone = "+86 13\(String(format: "%09d", seed % 1_000_000_000))"
        }
        return PersonDraft(
            id: withID ? try! PersonID(Self.id(i)) : nil, nationalID: nationalID, name: name, sex: g.next() % 2 == 0 ? .female : .male,
            birthDate: birth, phone: phone, address: "\(path[5])栋\(path[6].dropFirst())0\(g.next() % 4 + 1)室",
            household: try! JurisdictionPath(components: path), vulnerabilities: vulnerabilities, group: group)
    }

    /// The person index of visitor `v`.
    func visitor(_ v: Int) -> Int { v * visitorStride }

    /// The place of one visit by person `i`, from the roll `r`.
    func place(of i: Int, roll r: UInt64) -> Int {
        let local = (placeCount - hubCount) / 10
        switch r % 100 {
        case 0..<5: return Int((r >> 8) % UInt64(hubCount))
        case 5..<80:
            let k = UInt64((r >> 8) % 6)
            let h = Self.mix(UInt64(i) &* 31 &+ k)
            return k < 4 ? hubCount + district(i) * local + Int(h % UInt64(local)) : hubCount + Int(h % UInt64(placeCount - hubCount))
        default: return hubCount + Int((r >> 8) % UInt64(placeCount - hubCount))
        }
    }

    /// The visits of day `day`, by time in.
    func visits(day: Int) -> [Visit] {
        let count = visits / days + (day < visits % days ? 1 : 0)
        var g = SplitMix64(state: 0xD1CE_0000 &+ UInt64(day))
        let dayStart = start + Int64(day) * 86_400
        var result: [Visit] = []
        result.reserveCapacity(count)
        for _ in 0..<count {
            let i = visitor(Int(g.next() % UInt64(visitors)))
            let place = places[place(of: i, roll: g.next())]
            let timeIn = dayStart + 6 * 3_600 + Int64(g.next() % (16 * 3_600))
            let stay = 300 + Int64(g.next() % (115 * 60 + 1))
            let open = g.next() % 100 < 2
            result.append(try! Visit(person: Self.id(i), place: place, timeIn: timeIn, timeOut: open ? nil : timeIn + stay))
        }
        result.sort { $0.timeIn < $1.timeIn }
        return result
    }

    /// Inserts the persons and the visits; returns the seconds it took.
    func generate(into store: any CommunityStore, backend: String, batch: Int) async throws -> Double {
        let begin = ContinuousClock.now
        var done = 0
        while done < persons {
            let n = min(batch, persons - done)
            let drafts = (done..<done + n).map { draft($0) }
            _ = try await store.insertPersons(drafts)
            done += n
            note(String(format: "%@: persons %d / %d (%.0f /s)", backend, done, persons, Double(done) / seconds(since: begin)))
        }
        let personSeconds = seconds(since: begin)
        let visitBegin = ContinuousClock.now
        var stored = 0
        for day in 0..<days {
            let dayVisits = visits(day: day)
            for start in stride(from: 0, to: dayVisits.count, by: batch) {
                stored += try await store.insertVisits(Array(dayVisits[start..<min(start + batch, dayVisits.count)]))
            }
            note(String(format: "%@: visits %d / %d (%.0f /s)", backend, stored, visits, Double(stored) / seconds(since: visitBegin)))
        }
        let total = seconds(since: begin)
        note(String(format: "%@: generated in %.0f s (persons %.0f s, visits %.0f s)", backend, total, personSeconds, total - personSeconds))
        return total
    }
}

// MARK: - Measurements

/// The results on one backend.
struct CommunityReport: Sendable {
    struct Latency: Sendable {
        var name: String
        var p50: Double
        var p95: Double
        var goal: String
        /// The time the same rows take at the store's raw read rate.
        var limit: Double
        var limitName: String
    }

    var backend = ""
    var generationSeconds: Double?
    var rows: [Latency] = []
    var personRowSeconds = 0.0
    var visitRowSeconds = 0.0
    var notes: [String] = []
    var importResult: ImportMeasurement.Result?

    func print(plainLoop: Double) {
        Swift.print("\n### \(backend)")
        if let generationSeconds { Swift.print(String(format: "generated in %.0f s", generationSeconds)) }
        Swift.print(
            String(
                format: "store row limits (median): a person row %.1f µs (page of 1000 at city scope), a visit row %.1f µs (one hub's 30 days)",
                personRowSeconds * 1e6, visitRowSeconds * 1e6))
        Swift.print("| benchmark | p50 | p95 | goal | limit | ratio (limit / p50) |")
        Swift.print("|---|---:|---:|---|---|---:|")
        for row in rows {
            Swift.print(
                "| \(row.name) | \(Self.ms(row.p50)) | \(Self.ms(row.p95)) | \(row.goal) | \(row.limitName) \(Self.ms(row.limit)) | "
                    + String(format: "%.0f%%", 100 * row.limit / row.p50) + " |")
        }
        if let result = importResult {
            let floor = Double(result.bytes) / plainLoop
            func line(_ name: String, _ time: Double) {
                Swift.print(
                    "| \(name) | \(Self.ms(time)) | | ≤ 10 s total | plain loop × CSV bytes \(Self.ms(floor)) | "
                        + String(format: "%.1f%%", 100 * floor / time) + " |")
            }
            line("import: load the district's \(result.existing) persons + marks", result.load)
            line("import: plan (DuplicateFinder + PersonImport.plan), \(result.rows) rows", result.plan)
            line("import: insertPersons of \(result.imported) valid new rows", result.insert)
            line("import: total", result.load + result.plan + result.insert)
            Swift.print(
                "import file: \(result.rows) rows, \(result.bytes / 1024) KiB; plan: \(result.new) new, \(result.duplicatesOfExisting) duplicates of "
                    + "existing, \(result.duplicatesWithinFile) within the file, \(result.errorRows) rows with errors")
        }
        for note in notes { Swift.print(note) }
    }

    static func ms(_ seconds: Double) -> String {
        seconds >= 1 ? String(format: "%.2f s", seconds) : seconds >= 0.001 ? String(format: "%.2f ms", seconds * 1e3) : String(format: "%.0f µs", seconds * 1e6)
    }
}

/// The list and trace measurements on one store.
struct CommunityMeasurements {
    let store: any CommunityStore
    let data: CommunityData
    let repetitions: Int
    let cases: Int

    struct ListCase {
        var name: String
        var depth: Int
        var group: PersonGroup?
        var vulnerability: Vulnerability?
        var namePrefix: String?
    }

    static let listCases: [ListCase] = [
        .init(name: "city", depth: 1),
        .init(name: "district", depth: 2),
        .init(name: "street", depth: 3),
        .init(name: "community", depth: 4),
        .init(name: "grid", depth: 5),
        .init(name: "city, key group", depth: 1, group: .key),
        .init(name: "district, elderly", depth: 2, vulnerability: .elderly),
        .init(name: "district, key group", depth: 2, group: .key),
        .init(name: "street, elderly", depth: 3, vulnerability: .elderly),
        .init(name: "community, elderly", depth: 4, vulnerability: .elderly),
        .init(name: "community, name prefix 王", depth: 4, namePrefix: "王"),
        .init(name: "grid, key group", depth: 5, group: .key),
        .init(name: "district, key group + elderly", depth: 2, group: .key, vulnerability: .elderly),
    ]

    /// Rounds per list case and pages walked per round.
    static let rounds = 20
    static let pagesPerRound = 5

    func run() async throws -> CommunityReport {
        var report = CommunityReport()
        var personRow: [Double] = []
        var visitRow: [Double] = []
        var list: [[(p50: Double, p95: Double)]] = Array(repeating: [], count: Self.listCases.count)
        var core: [(p50: Double, p95: Double)] = []
        var handler: [(p50: Double, p95: Double)] = []
        var read: [Double] = []
        var contacts: [Double] = []
        var placesPerCase: [Double] = []
        var queriesPerCase: [Double] = []
        var personsRead: [Double] = []
        for repetition in 0..<repetitions {
            var g = SplitMix64(state: 0xC0FFEE &+ UInt64(repetition))
            personRow.append(try await personRowSeconds(&g))
            visitRow.append(try await visitRowSeconds(&g))
            for (k, listCase) in Self.listCases.enumerated() {
                let samples = try await measure(listCase, &g)
                list[k].append((Self.percentile(samples, 0.5), Self.percentile(samples, 0.95)))
            }
            let traced = try await trace(&g)
            core.append((Self.percentile(traced.core, 0.5), Self.percentile(traced.core, 0.95)))
            handler.append((Self.percentile(traced.handler, 0.5), Self.percentile(traced.handler, 0.95)))
            read.append(traced.visitsRead)
            contacts.append(traced.contacts)
            placesPerCase.append(traced.places)
            queriesPerCase.append(traced.queries)
            personsRead.append(traced.personsRead)
            note("\(type(of: store)): repetition \(repetition + 1) of \(repetitions) measured")
        }
        report.personRowSeconds = Timing.median(personRow)
        report.visitRowSeconds = Timing.median(visitRow)
        for (k, listCase) in Self.listCases.enumerated() {
            report.rows.append(
                .init(
                    name: "list \(listCase.name), page of 50", p50: Timing.median(list[k].map(\.p50)), p95: Timing.median(list[k].map(\.p95)),
                    goal: "p95 ≤ 50 ms", limit: 51 * report.personRowSeconds, limitName: "51 person rows"))
        }
        let visitsRead = Timing.median(read)
        let personRows = Timing.median(personsRead)
        report.rows.append(
            .init(
                name: "trace 14 days (visits of case + of its merged risk intervals, VisitIndex, ContactTracer)",
                p50: Timing.median(core.map(\.p50)), p95: Timing.median(core.map(\.p95)), goal: "p95 ≤ 10 ms",
                limit: visitsRead * report.visitRowSeconds, limitName: String(format: "%.0f visit rows", visitsRead)))
        report.rows.append(
            .init(
                name: "trace as the handler (+ the case's person, its household, one batched read of the contacts)",
                p50: Timing.median(handler.map(\.p50)), p95: Timing.median(handler.map(\.p95)), goal: "—",
                limit: visitsRead * report.visitRowSeconds + personRows * report.personRowSeconds,
                limitName: String(format: "%.0f visit rows + %.0f person rows", visitsRead, personRows)))
        report.notes.append(
            String(
                format: "trace: %d random cases per repetition; per case (medians over repetitions of the means): %.0f visits read in %.1f queries "
                    + "(the case's visits + one per merged risk interval) at %.1f places, %.0f contacts, %.0f person rows read by the handler",
                cases, visitsRead, Timing.median(queriesPerCase), Timing.median(placesPerCase), Timing.median(contacts), personRows))
        report.notes.append(
            "lists: \(Self.rounds) rounds per case and repetition, each at a random node of that depth, walking up to \(Self.pagesPerRound) pages with `after`")
        report.notes.append("(p50 and p95 are medians over \(repetitions) repetitions of each repetition's percentiles)")
        return report
    }

    /// The store's time per person row: pages of 1000 at city scope from random places, no filter.
    func personRowSeconds(_ g: inout SplitMix64) async throws -> Double {
        var times: [Double] = []
        for _ in 0..<7 {
            let after = try PersonID(CommunityData.hex(g.next()))
            let start = ContinuousClock.now
            let page = try await store.persons(PersonQuery(scope: try JurisdictionPath("sz"), after: after, limit: 1_000))
            let elapsed = seconds(since: start)
            if page.items.count > 100 { times.append(elapsed / Double(page.items.count)) }
        }
        return times.isEmpty ? .nan : Timing.median(times)
    }

    /// The store's time per visit row: one hub's visits over the 30 days.
    func visitRowSeconds(_ g: inout SplitMix64) async throws -> Double {
        var times: [Double] = []
        for _ in 0..<7 {
            let place = data.places[Int(g.next() % UInt64(data.hubCount))]
            let start = ContinuousClock.now
            let visits = try await store.visits(at: place, overlapping: data.start...data.now, openDuration: Visit.defaultOpenDuration)
            let elapsed = seconds(since: start)
            if !visits.isEmpty { times.append(elapsed / Double(visits.count)) }
        }
        return times.isEmpty ? .nan : Timing.median(times)
    }

    func measure(_ listCase: ListCase, _ g: inout SplitMix64) async throws -> [Double] {
        var samples: [Double] = []
        for _ in 0..<Self.rounds {
            let i = Int(g.next() % UInt64(data.persons))
            let scope = try JurisdictionPath(components: Array(data.household(i).prefix(listCase.depth)))
            var query = PersonQuery(
                scope: scope, group: listCase.group, vulnerability: listCase.vulnerability, namePrefix: listCase.namePrefix, limit: 50)
            for _ in 0..<Self.pagesPerRound {
                let start = ContinuousClock.now
                let page = try await store.persons(query)
                samples.append(seconds(since: start))
                guard let next = page.next else { break }
                query.after = next
            }
        }
        return samples
    }

    /// Traces random visitors as `CommunityAPI.contacts` does, once with the tracing reads only
    /// and once with the handler's person reads too. `visitsRead` counts the rows the store
    /// returned (a visit overlapping two risk intervals of its place twice), `personsRead` the
    /// person rows of the handler's reads.
    func trace(_ g: inout SplitMix64) async throws -> (
        core: [Double], handler: [Double], visitsRead: Double, contacts: Double, places: Double, queries: Double, personsRead: Double
    ) {
        let tracer = try ContactTracer()
        let now = data.now
        let begin = now - Int64(tracer.lookbackDays) * 86_400
        let open = Visit.defaultOpenDuration
        var core: [Double] = []
        var handler: [Double] = []
        var read = 0
        var contactCount = 0
        var placeCount = 0
        var queryCount = 0
        var personCount = 0
        let ids = (0..<cases).map { _ in try! PersonID(CommunityData.id(data.visitor(Int(g.next() % UInt64(data.visitors))))) }
        for id in ids {
            let start = ContinuousClock.now
            let own = try await store.visits(of: id.rawValue, overlapping: begin...now, openDuration: open)
            let risk = tracer.riskIntervals(caseVisits: own, now: now, openVisitDuration: open)
            let (others, rows) = try await store.visits(inRiskIntervals: risk, openDuration: open)
            let traced = tracer.trace(person: id.rawValue, caseVisits: own, in: VisitIndex(others, openVisitDuration: open), now: now)
            core.append(seconds(since: start))
            read += own.count + rows
            contactCount += traced.count
            placeCount += risk.count
            queryCount += 1 + risk.values.reduce(0) { $0 + $1.count }
        }
        for id in ids {
            let start = ContinuousClock.now
            guard let person = try await store.person(id) else { throw IO.failure("generated person \(id) is not stored") }
            let own = try await store.visits(of: id.rawValue, overlapping: begin...now, openDuration: open)
            let risk = tracer.riskIntervals(caseVisits: own, now: now, openVisitDuration: open)
            let others = try await store.visits(inRiskIntervals: risk, openDuration: open).visits
            var household: [PersonKey] = []
            var householdRows = 0
            if person.household.level == .household {
                let members = try await store.allPersons(in: person.household)
                householdRows = members.count
                household = members.map(\.id.rawValue).filter { $0 != id.rawValue }
            }
            let traced = tracer.trace(
                person: id.rawValue, caseVisits: own, household: household, in: VisitIndex(others, openVisitDuration: open), now: now)
            let found = try await store.persons(ids: traced.compactMap { try? PersonID($0.person) })
            blackHole(found.count)
            handler.append(seconds(since: start))
            personCount += 1 + householdRows + found.count
        }
        let n = Double(cases)
        return (core, handler, Double(read) / n, Double(contactCount) / n, Double(placeCount) / n, Double(queryCount) / n, Double(personCount) / n)
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double { NetworkBench.percentile(values, p) }
}

/// The import of a CSV file of persons into district `sz/d0`, with duplicate detection against
/// the persons the district holds, as `CommunityAPI.importPersons` does it.
struct ImportMeasurement {
    let store: any CommunityStore
    let data: CommunityData
    let rows: Int
    let repetitions: Int

    struct Result: Sendable {
        var rows: Int
        var bytes: Int
        var existing: Int
        var load: Double
        var plan: Double
        var insert: Double
        var imported: Int
        var new: Int
        var duplicatesOfExisting: Int
        var duplicatesWithinFile: Int
        var errorRows: Int
    }

    static let header = "nationalID,name,sex,birthDate,phone,address,household,vulnerabilities,group"

    static func line(_ d: PersonDraft) -> String {
        [
            d.nationalID ?? "", d.name, d.sex == .unknown ? "" : d.sex.rawValue, d.birthDate?.description ?? "", d.phone ?? "",
            d.address ?? "", d.household.description, d.vulnerabilities.sorted().map(\.rawValue).joined(separator: ";"), d.group.rawValue,
        ].joined(separator: ",")
    }

    /// The file: per 100 rows, 2 copies of persons of the district (same national id, or same
    /// name, birth date and phone), 1 repeat of the previous row with its name spaced out, 1 bad
    /// row (impossible date, wrong check character, no name, or a missing field), 96 new persons
    /// in new households (codes h7-h9) of the district's buildings.
    func csv() -> String {
        let district = data.persons / 10
        var lines = [Self.header]
        lines.reserveCapacity(rows + 1)
        var previous = ""
        for k in 0..<rows {
            let fresh = data.draft(data.persons + k, withID: false)
            var d = fresh
            d.household = try! JurisdictionPath(components: data.household(k % district, code: 7 + k % 3))
            var line: String
            switch k % 100 {
            case 17, 61:
                line = Self.line(data.draft(Int(CommunityData.mix(UInt64(k)) % UInt64(district)), withID: false))
            case 33 where !previous.isEmpty:
                var fields = previous.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                fields[1] = fields[1].map(String.init).joined(separator: " ")
                line = fields.joined(separator: ",")
            case 89:
                switch (k / 100) % 4 {
                case 0:
                    d.nationalID = nil
                    line = Self.line(d).replacingOccurrences(of: d.birthDate!.description, with: "2023-02-30")
                case 1:
                    let first17 = "110000" + "19800101" + "123"
                    let check = NationalID.checkCharacter(for: first17)!
                    d.nationalID = first17 + (check == "1" ? "2" : "1")
                    line = Self.line(d)
                case 2:
                    d.name = " "
                    line = Self.line(d)
                default:
                    line = String(Self.line(d).split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ","))
                }
            default:
                line = Self.line(d)
            }
            previous = k % 100 == 89 ? "" : line
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func run() async throws -> Result {
        let text = csv()
        let scope = try JurisdictionPath("sz/d0")
        let name = "\(type(of: store))"
        note("\(name): import of \(rows) rows (\(text.utf8.count / 1024) KiB)")
        var loads: [Double] = []
        var plans: [Double] = []
        var plan: ImportPlan?
        var existing = 0
        for _ in 0..<repetitions {
            var start = ContinuousClock.now
            let persons = try await store.allPersons(in: scope)
            let marks = try await store.notDuplicateMarks()
            loads.append(seconds(since: start))
            existing = persons.count
            start = ContinuousClock.now
            plan = try PersonImport.plan(csv: text, against: DuplicateFinder(persons: persons, marks: marks))
            plans.append(seconds(since: start))
        }
        let importable = try plan!.rowsToImport(.onlyValid)
        let start = ContinuousClock.now
        let stored = try await store.insertPersons(importable.map(\.draft))
        let insert = seconds(since: start)
        note(String(format: "%@: imported %d persons in %.2f s", name, stored.count, insert))
        return Result(
            rows: rows, bytes: text.utf8.count, existing: existing, load: Timing.median(loads), plan: Timing.median(plans), insert: insert,
            imported: stored.count, new: plan!.new.count, duplicatesOfExisting: plan!.duplicatesOfExisting.count,
            duplicatesWithinFile: plan!.duplicatesWithinFile.count, errorRows: Set(plan!.errors.map(\.row)).count)
    }
}
