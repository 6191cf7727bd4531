public import VigilLedger

import Foundation

/// A node's configuration file (JSON; docs/node-server.md, "Configuration").
///
/// ```json
/// {
///   "name": "clinic.hill",
///   "keyFile": "keys/clinic.hill.key",
///   "http": {"host": "127.0.0.1", "port": 7401},
///   "store": "sqlite:data/clinic.hill.sqlite",
///   "chains": [
///     {"slug": "riverside", "genesis": "genesis/riverside.json",
///      "peers": {"community.riverside": "http://127.0.0.1:7400"}}
///   ],
///   "witnessFor": [{"origin": "example.org/log", "keys": ["example.org/log+abcd1234+AQ..."]}]
/// }
/// ```
///
/// Relative paths (`keyFile`, `genesis`, a `sqlite:` path) are relative to the file's directory.
/// Reads: `name` (required), `keyFile` (default `<name>.key`), `http.host` (default
/// `127.0.0.1`), `http.port` (default 7400), `store` (default `sqlite:<name>.sqlite`), `chains`
/// (required, at least one; each with `slug`, `genesis`, `peers`, and optionally
/// `areaSecretFile` and `bulletins`), `witnessFor` (default none), `tickMilliseconds` (default 200),
/// `maxMessageBytes` (default 8 MiB), `sendTimeoutMilliseconds` (default 3000).
public struct NodeConfiguration: Codable, Hashable, Sendable {
    public struct HTTP: Codable, Hashable, Sendable {
        public var host: String
        public var port: Int
        public init(host: String = "127.0.0.1", port: Int = 7400) {
            self.host = host
            self.port = port
        }
    }

    public struct Chain: Codable, Hashable, Sendable {
        /// The chain's name in URLs (`/node/v1/chains/<slug>/...`): letters, digits, '-', '_', '.'.
        public var slug: String
        /// The genesis entry's file: its canonical JSON (or any JSON form of it).
        public var genesis: String
        /// Base URLs of the other members' nodes, by member name.
        public var peers: [String: String]
        /// The file holding the area secret the area's agencies share for the pseudonymous
        /// subjects of case reports (`HMAC-SHA256(secret, national id)`): the chain the
        /// community API reports suspected cases to. At most one chain of a node names one.
        public var areaSecretFile: String?
        /// Whether this is the node's bulletin chain: each daily report the node publishes goes
        /// on it as a `bulletin` entry, whose proof the public page links (docs/web.md). At most
        /// one chain of a node. Default false.
        public var bulletins: Bool?
        public init(slug: String, genesis: String, peers: [String: String], areaSecretFile: String? = nil, bulletins: Bool? = nil) {
            self.slug = slug
            self.genesis = genesis
            self.peers = peers
            self.areaSecretFile = areaSecretFile
            self.bulletins = bulletins
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case slug, genesis, peers, areaSecretFile, bulletins
        }

        /// Refuses unknown keys, like the rest of the configuration.
        public init(from decoder: any Decoder) throws {
            try NodeConfiguration.refuseUnknownKeys(decoder, known: CodingKeys.allCases.map(\.rawValue), in: "chains: ")
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                slug: try c.decode(String.self, forKey: .slug), genesis: try c.decode(String.self, forKey: .genesis),
                peers: try c.decode([String: String].self, forKey: .peers), areaSecretFile: try c.decodeIfPresent(String.self, forKey: .areaSecretFile),
                bulletins: try c.decodeIfPresent(Bool.self, forKey: .bulletins))
        }
    }

    /// A log this node witnesses as a plain C2SP tlog-witness.
    public struct WitnessedLog: Codable, Hashable, Sendable {
        public var origin: String
        /// The log's checkpoint verifier keys (C2SP vkeys).
        public var keys: [String]
        public init(origin: String, keys: [String]) {
            self.origin = origin
            self.keys = keys
        }
    }

    /// Health codes (docs/codes.md): the node issues codes for the persons of `region` and
    /// checks scanned codes against its trust list.
    public struct Codes: Codable, Hashable, Sendable {
        /// The jurisdiction path whose codes this node signs, e.g. `sz/ft`.
        public var region: String
        /// Which derived signing key to use (raise it to rotate the key). Default 1.
        public var keyEpoch: Int?
        /// Seconds a code is valid, 1-86400. Default 300.
        public var lifetimeSeconds: Int?
        /// A JWKS of other regions' keys (`vigil code trust-list` writes one).
        public var trustListFile: String?
        /// Colour rules as JSON (docs/codes.md); default the standard rules.
        public var rulesFile: String?
        /// Seconds between rebuilds of the colour directory. Default 60.
        public var refreshSeconds: Int?
        /// Health-code requests in progress at most; more are answered 503 at once. Default 256.
        public var admissionLimit: Int?
        /// Scans and audit events held for writing at most. Default 100000.
        public var queueCapacity: Int?
        /// The local time zone's offset from UTC in seconds. Default 28800 (China Standard Time).
        public var utcOffsetSeconds: Int?

        public init(region: String, trustListFile: String? = nil) {
            self.region = region
            self.trustListFile = trustListFile
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case region, keyEpoch, lifetimeSeconds, trustListFile, rulesFile, refreshSeconds, admissionLimit, queueCapacity, utcOffsetSeconds
        }

        /// Refuses unknown keys, like the rest of the configuration.
        public init(from decoder: any Decoder) throws {
            try NodeConfiguration.refuseUnknownKeys(decoder, known: CodingKeys.allCases.map(\.rawValue), in: "codes: ")
            let c = try decoder.container(keyedBy: CodingKeys.self)
            region = try c.decode(String.self, forKey: .region)
            keyEpoch = try c.decodeIfPresent(Int.self, forKey: .keyEpoch)
            lifetimeSeconds = try c.decodeIfPresent(Int.self, forKey: .lifetimeSeconds)
            trustListFile = try c.decodeIfPresent(String.self, forKey: .trustListFile)
            rulesFile = try c.decodeIfPresent(String.self, forKey: .rulesFile)
            refreshSeconds = try c.decodeIfPresent(Int.self, forKey: .refreshSeconds)
            admissionLimit = try c.decodeIfPresent(Int.self, forKey: .admissionLimit)
            queueCapacity = try c.decodeIfPresent(Int.self, forKey: .queueCapacity)
            utcOffsetSeconds = try c.decodeIfPresent(Int.self, forKey: .utcOffsetSeconds)
        }
    }

    public var name: String
    public var keyFile: String
    public var http: HTTP
    public var store: String
    public var chains: [Chain]
    public var witnessFor: [WitnessedLog]
    public var tickMilliseconds: Int
    public var maxMessageBytes: Int
    public var sendTimeoutMilliseconds: Int
    public var codes: Codes?

    public init(
        name: String, keyFile: String? = nil, http: HTTP = HTTP(), store: String? = nil, chains: [Chain],
        witnessFor: [WitnessedLog] = [], tickMilliseconds: Int = 200, maxMessageBytes: Int = MessageEnvelope.defaultMaxBytes,
        sendTimeoutMilliseconds: Int = 3000, codes: Codes? = nil
    ) {
        self.name = name
        self.keyFile = keyFile ?? "\(name).key"
        self.http = http
        self.store = store ?? "sqlite:\(name).sqlite"
        self.chains = chains
        self.witnessFor = witnessFor
        self.tickMilliseconds = tickMilliseconds
        self.maxMessageBytes = maxMessageBytes
        self.sendTimeoutMilliseconds = sendTimeoutMilliseconds
        self.codes = codes
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, keyFile, http, store, chains, witnessFor, tickMilliseconds, maxMessageBytes, sendTimeoutMilliseconds, codes
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Throws when the object `decoder` reads has a key outside `known`, naming it after `context`.
    static func refuseUnknownKeys(_ decoder: any Decoder, known: [String], in context: String) throws {
        let known = Set(known)
        let all = try decoder.container(keyedBy: AnyKey.self)
        if let unknown = all.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
            throw ConfigurationError("\(context)unknown key \"\(unknown.prefix(60))\" (known: \(known.sorted().joined(separator: ", ")))")
        }
    }

    public init(from decoder: any Decoder) throws {
        try Self.refuseUnknownKeys(decoder, known: CodingKeys.allCases.map(\.rawValue), in: "")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(String.self, forKey: .name)
        self.init(
            name: name, keyFile: try c.decodeIfPresent(String.self, forKey: .keyFile),
            http: try c.decodeIfPresent(HTTP.self, forKey: .http) ?? HTTP(), store: try c.decodeIfPresent(String.self, forKey: .store),
            chains: try c.decode([Chain].self, forKey: .chains),
            witnessFor: try c.decodeIfPresent([WitnessedLog].self, forKey: .witnessFor) ?? [],
            tickMilliseconds: try c.decodeIfPresent(Int.self, forKey: .tickMilliseconds) ?? 200,
            maxMessageBytes: try c.decodeIfPresent(Int.self, forKey: .maxMessageBytes) ?? MessageEnvelope.defaultMaxBytes,
            sendTimeoutMilliseconds: try c.decodeIfPresent(Int.self, forKey: .sendTimeoutMilliseconds) ?? 3000,
            codes: try c.decodeIfPresent(Codes.self, forKey: .codes))
    }

    /// The configuration as written to a file (pretty, sorted keys).
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self)) + [0x0A]
    }

    /// Reads and checks the configuration file at `path`, and everything it names: the key, the
    /// genesis entries, the witnessed logs' keys.
    /// - Throws: ``ConfigurationError`` with the file and the reason.
    public static func load(path: String) throws(ConfigurationError) -> NodeSetup {
        let bytes: [UInt8]
        do { bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw ConfigurationError("cannot read \(path)")
        }
        let configuration: NodeConfiguration
        do { configuration = try JSONDecoder().decode(NodeConfiguration.self, from: Data(bytes)) } catch let error as ConfigurationError {
            throw ConfigurationError("\(path): \(error.message)")
        } catch {
            throw ConfigurationError("\(path) is not a node configuration: \(ConfigurationError.describe(error))")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            return try configuration.resolve(relativeTo: directory)
        } catch {
            throw ConfigurationError("\(path): \(error.message)")
        }
    }

    /// Checks the configuration and reads the files it names, relative to `directory`.
    public func resolve(relativeTo directory: String) throws(ConfigurationError) -> NodeSetup {
        guard NoteName.isValid(name) else { throw ConfigurationError("name \"\(name.prefix(60))\" is not a valid key name") }
        let keyPath = Self.path(keyFile, relativeTo: directory)
        let key: SignerKey
        do {
            let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: keyPath)), as: UTF8.self)
            key = try SignerKey(text.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch let error as LedgerError {
            throw ConfigurationError("key file \(keyPath): \(error.message)")
        } catch {
            throw ConfigurationError("cannot read key file \(keyPath)")
        }
        guard key.name == name, key.type == .ed25519 else {
            throw ConfigurationError("key file \(keyPath) holds a key for \(key.name.prefix(60)) (\(key.type)), want an Ed25519 key named \(name)")
        }
        guard (0...65535).contains(http.port) else { throw ConfigurationError("http.port \(http.port) is not a TCP port") }
        guard !chains.isEmpty else { throw ConfigurationError("chains is empty: a node serves at least one chain") }
        guard tickMilliseconds >= 10, maxMessageBytes >= 64 * 1024, sendTimeoutMilliseconds >= 100 else {
            throw ConfigurationError("tickMilliseconds must be >= 10, maxMessageBytes >= 65536, sendTimeoutMilliseconds >= 100")
        }
        let store = try StoreLocation(parsing: self.store, relativeTo: directory)
        var loaded: [ChainSetup] = []
        for (i, chain) in chains.enumerated() {
            let context = "chains[\(i)]"
            guard !chain.slug.isEmpty, chain.slug.utf8.count <= 64,
                chain.slug.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)) })
            else { throw ConfigurationError("\(context).slug \"\(chain.slug.prefix(60))\" must be 1 to 64 of a-z, A-Z, 0-9, '-', '_', '.'") }
            guard !loaded.contains(where: { $0.slug == chain.slug }) else { throw ConfigurationError("\(context).slug \(chain.slug) is used twice") }
            let genesisPath = Self.path(chain.genesis, relativeTo: directory)
            let genesis: Entry
            do {
                let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: genesisPath)))
                genesis = try Entry(parsing: Array(bytes.drop { $0 <= 0x20 }.reversed().drop { $0 <= 0x20 }.reversed()))
            } catch let error as LedgerError {
                throw ConfigurationError("\(context).genesis \(genesisPath): \(error.message)")
            } catch {
                throw ConfigurationError("cannot read \(context).genesis \(genesisPath)")
            }
            let state: ChainState
            do { state = try ChainState(genesis: genesis) } catch {
                throw ConfigurationError("\(context).genesis \(genesisPath): \(error.message)")
            }
            guard let member = state.members[name], member.key.publicKey == key.verifierKey.publicKey else {
                throw ConfigurationError("\(context): \(name) with this key is not a member of \(state.origin.prefix(100))")
            }
            guard !loaded.contains(where: { $0.origin == state.origin }) else {
                throw ConfigurationError("\(context): chain \(state.origin.prefix(100)) is listed twice")
            }
            for (peer, url) in chain.peers {
                guard let parsed = URL(string: url), parsed.scheme == "http" || parsed.scheme == "https", parsed.host != nil else {
                    throw ConfigurationError("\(context).peers.\(peer.prefix(60)): \"\(url.prefix(100))\" is not an http(s) URL")
                }
            }
            var areaSecret: [UInt8]?
            if let file = chain.areaSecretFile {
                guard !loaded.contains(where: { $0.areaSecret != nil }) else {
                    throw ConfigurationError("\(context).areaSecretFile: only one chain of a node takes the case reports")
                }
                let secretPath = Self.path(file, relativeTo: directory)
                guard let text = try? String(decoding: Data(contentsOf: URL(fileURLWithPath: secretPath)), as: UTF8.self) else {
                    throw ConfigurationError("cannot read \(context).areaSecretFile \(secretPath)")
                }
                guard let bytes = Self.hexBytes(text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count >= 16 else {
                    throw ConfigurationError("\(context).areaSecretFile \(secretPath) must hold at least 16 bytes in hex (vigil network init writes one)")
                }
                areaSecret = bytes
            }
            let bulletins = chain.bulletins ?? false
            if bulletins, let other = loaded.first(where: \.bulletins) {
                throw ConfigurationError("\(context).bulletins: only one chain of a node takes its bulletins (\(other.slug) does already)")
            }
            loaded.append(
                ChainSetup(slug: chain.slug, origin: state.origin, genesis: genesis, peers: chain.peers, areaSecret: areaSecret, bulletins: bulletins))
        }
        var witnessed: [String: [VerifierKey]] = [:]
        for (i, log) in witnessFor.enumerated() {
            guard !loaded.contains(where: { $0.origin == log.origin }) else {
                throw ConfigurationError("witnessFor[\(i)]: \(log.origin.prefix(100)) is one of this node's chains")
            }
            guard !log.keys.isEmpty else { throw ConfigurationError("witnessFor[\(i)].keys is empty") }
            var keys: [VerifierKey] = []
            for (j, text) in log.keys.enumerated() {
                do { keys.append(try VerifierKey(text)) } catch { throw ConfigurationError("witnessFor[\(i)].keys[\(j)]: \(error.message)") }
            }
            witnessed[log.origin, default: []] += keys
        }
        var setup = NodeSetup(
            name: name, key: key, host: http.host, port: http.port, store: store, chains: loaded, witnessFor: witnessed,
            tickInterval: .milliseconds(tickMilliseconds), maxMessageBytes: maxMessageBytes,
            sendTimeout: .milliseconds(sendTimeoutMilliseconds))
        if let codes { setup.codes = try codes.resolve(nodeKey: key, relativeTo: directory) }
        return setup
    }

    /// The bytes of an even-length hex string, or nil.
    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            case 0x41...0x46: c - 0x41 + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let high = value(digits[i]), let low = value(digits[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    static func path(_ path: String, relativeTo directory: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: directory).appendingPathComponent(path).path
    }
}

/// A checked configuration with its files read: what ``Node`` is built from.
public struct NodeSetup: Sendable {
    public var name: String
    public var key: SignerKey
    public var host: String
    public var port: Int
    public var store: StoreLocation
    public var chains: [ChainSetup]
    /// Logs witnessed as a plain C2SP witness: origin → checkpoint keys.
    public var witnessFor: [String: [VerifierKey]]
    public var tickInterval: Duration
    public var maxMessageBytes: Int
    public var sendTimeout: Duration
    /// Health codes, when configured.
    public var codes: CodeSettings?

    public init(
        name: String, key: SignerKey, host: String = "127.0.0.1", port: Int = 0, store: StoreLocation = .memory,
        chains: [ChainSetup], witnessFor: [String: [VerifierKey]] = [:], tickInterval: Duration = .milliseconds(200),
        maxMessageBytes: Int = MessageEnvelope.defaultMaxBytes, sendTimeout: Duration = .seconds(3)
    ) {
        self.name = name
        self.key = key
        self.host = host
        self.port = port
        self.store = store
        self.chains = chains
        self.witnessFor = witnessFor
        self.tickInterval = tickInterval
        self.maxMessageBytes = maxMessageBytes
        self.sendTimeout = sendTimeout
    }
}

/// One chain a node serves.
public struct ChainSetup: Sendable {
    public var slug: String
    public var origin: String
    public var genesis: Entry
    /// Base URLs of the other members' nodes, by member name.
    public var peers: [String: String]
    /// The area secret for case pseudonyms when this is the chain the node reports cases to.
    public var areaSecret: [UInt8]?
    /// Whether the node's published daily reports go on this chain as `bulletin` entries.
    public var bulletins: Bool

    public init(slug: String, origin: String, genesis: Entry, peers: [String: String], areaSecret: [UInt8]? = nil, bulletins: Bool = false) {
        self.slug = slug
        self.origin = origin
        self.genesis = genesis
        self.peers = peers
        self.areaSecret = areaSecret
        self.bulletins = bulletins
    }
}

/// Where a node keeps its ledger.
public enum StoreLocation: Hashable, Sendable, CustomStringConvertible {
    /// A SQLite file (WAL mode), created if missing.
    case sqlite(path: String)
    /// A PostgreSQL database, `postgres://user:password@host:port/database[?schema=NAME]`.
    case postgres(url: String)
    /// In memory, gone when the process ends (tests, demos).
    case memory

    /// Parses `sqlite:PATH`, `postgres://...` (or `postgresql://...`) or `memory:`.
    public init(parsing text: String, relativeTo directory: String) throws(ConfigurationError) {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw ConfigurationError("store \"sqlite:\" needs a path") }
            self = .sqlite(path: NodeConfiguration.path(path, relativeTo: directory))
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            guard URL(string: text)?.host != nil else { throw ConfigurationError("store URL is not a valid postgres:// URL") }
            self = .postgres(url: text)
        } else if text == "memory:" {
            self = .memory
        } else {
            throw ConfigurationError("store must be sqlite:PATH, postgres://... or memory:")
        }
    }

    /// Without the PostgreSQL password.
    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .memory: return "memory:"
        case .postgres(let url):
            if var components = URLComponents(string: url), components.password != nil {
                components.password = "***"
                return components.string ?? "postgres://***"
            } else {
                return url
            }
        }
    }
}

/// A configuration that cannot be used, with the reason.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing key \"\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "key \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" has the wrong type"
        default:
            return "not valid JSON"
        }
    }
}
