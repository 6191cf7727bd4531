public import Crypto
import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization
public import VigilCodes
public import VigilCommunity
public import VigilLedger
public import VigilStore

/// How a node issues and checks health codes (the `codes` section of its configuration).
public struct CodeSettings: Sendable {
    /// The region whose key signs the codes: a jurisdiction path, e.g. `sz/ft`. Codes are issued
    /// for the persons stored under it.
    public var region: JurisdictionPath
    /// The code-signing key and its id.
    public var keyID: SigningKeyID
    public var signingKey: Curve25519.Signing.PrivateKey
    /// Seconds a code is valid.
    public var lifetime: Int64
    /// Other regions' keys read from a file (the node's chains add the keys they accepted).
    public var trustList: TrustList
    public var rules: ColourRules
    /// Seconds between rebuilds of the colour directory.
    public var refreshSeconds: Int
    /// Health-code requests in progress at most (``AdmissionControl``).
    public var admissionLimit: Int
    /// Scans and audit events held for writing at most (``CodeRecorder``).
    public var queueCapacity: Int
    /// The local time zone, for calendar days (28 800 for China Standard Time).
    public var utcOffsetSeconds: Int
    /// Keys the pseudonyms codes carry.
    public var subjectSecret: [UInt8]

    public init(
        region: JurisdictionPath, keyID: SigningKeyID, signingKey: Curve25519.Signing.PrivateKey, lifetime: Int64 = 300,
        trustList: TrustList, rules: ColourRules = .standard, refreshSeconds: Int = 60, admissionLimit: Int = 256,
        queueCapacity: Int = 100_000, utcOffsetSeconds: Int = 28_800, subjectSecret: [UInt8]
    ) {
        self.region = region
        self.keyID = keyID
        self.signingKey = signingKey
        self.lifetime = lifetime
        self.trustList = trustList
        self.rules = rules
        self.refreshSeconds = refreshSeconds
        self.admissionLimit = admissionLimit
        self.queueCapacity = queueCapacity
        self.utcOffsetSeconds = utcOffsetSeconds
        self.subjectSecret = subjectSecret
    }
}

/// The health-code side of a node (DESIGN §6): issues codes from the in-memory
/// ``CodeDirectory``, verifies scanned codes offline against the trust list (the file's keys and
/// the keys the node's chains accepted), and hands visits and audit events to the
/// ``CodeRecorder``. Nothing on the issue or scan path reads the store.
///
/// As a `Service` it rebuilds the directory every ``CodeSettings/refreshSeconds`` (sooner after
/// ``markStale()``), refreshes the trust list from the chains, and runs the recorder.
public final class CodeService: Service, Sendable {
    public let settings: CodeSettings
    public let issuer: HealthCodeIssuer
    public let recorder: CodeRecorder
    public let admission: AdmissionControl
    let subjectKey: SymmetricKey
    private let store: any CommunityStore
    private let logger: Logger
    private let clock: @Sendable () -> Int64
    /// The keys the node's chains accepted (``ChainState/codeKeys``).
    private let chainKeys: @Sendable () async -> [CodeKey]
    private let directoryBox = Mutex(CodeDirectory.empty)
    private let verifierBox: Mutex<HealthCodeVerifier>
    private let stale = Atomic<Bool>(true)
    private let lastError = Mutex<String?>(nil)
    private let trustRefreshedAt = Mutex(ContinuousClock.now)

    public init(
        settings: CodeSettings, store: any CommunityStore, logger: Logger, clock: @escaping @Sendable () -> Int64,
        chainKeys: @escaping @Sendable () async -> [CodeKey] = { [] }
    ) throws {
        self.settings = settings
        issuer = try HealthCodeIssuer(region: settings.region, keyID: settings.keyID, privateKey: settings.signingKey, lifetime: settings.lifetime)
        recorder = CodeRecorder(store: store, capacity: settings.queueCapacity, logger: logger)
        admission = AdmissionControl(limit: settings.admissionLimit)
        subjectKey = SymmetricKey(data: settings.subjectSecret)
        self.store = store
        self.logger = logger
        self.clock = clock
        self.chainKeys = chainKeys
        verifierBox = Mutex(HealthCodeVerifier(trustList: settings.trustList))
    }

    /// The directory as last built.
    var directory: CodeDirectory { directoryBox.withLock { $0 } }
    /// The verifier with the trust list as last refreshed.
    public var verifier: HealthCodeVerifier { verifierBox.withLock { $0 } }

    /// Asks for a rebuild of the directory soon (records that change colours were written).
    public func markStale() { stale.store(true, ordering: .relaxed) }

    /// Rebuilds the directory from the store now.
    public func refresh() async throws {
        let now = clock()
        let built = try await CodeDirectory.build(
            store: store, scope: settings.region, rules: settings.rules, subjectKey: subjectKey, now: now,
            utcOffsetSeconds: settings.utcOffsetSeconds)
        directoryBox.withLock { $0 = built }
        lastError.withLock { $0 = nil }
        await refreshTrustList()
    }

    /// The trust list: the file's keys, then those the chains accepted (a chain's key replaces
    /// a file key with the same id), and this node's own key if neither holds it.
    func refreshTrustList() async {
        trustRefreshedAt.withLock { $0 = ContinuousClock.now }
        var keys: [SigningKeyID: TrustList.Key] = [:]
        for key in settings.trustList.keys { keys[key.id] = key }
        for key in await chainKeys() {
            guard let id = try? SigningKeyID(key.kid), let region = try? JurisdictionPath(key.region),
                let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: key.publicKey),
                let entry = try? TrustList.Key(id: id, region: region, publicKey: publicKey, notBefore: key.notBefore, expires: key.notAfter)
            else {
                logger.warning("codes: a chain's code key cannot go in the trust list; skipped", metadata: ["kid": "\(key.kid)"])
                continue
            }
            keys[id] = entry
        }
        if keys[issuer.keyID] == nil, let own = try? issuer.trustListKey(notBefore: 0, expires: Int64.max / 2) {
            keys[issuer.keyID] = own
        }
        do {
            let list = try TrustList(keys: keys.keys.sorted().map { keys[$0]! })
            verifierBox.withLock { $0 = HealthCodeVerifier(trustList: list) }
        } catch {
            logger.warning("codes: trust list not refreshed", metadata: ["error": "\(error)"])
        }
    }

    /// What `/codes/status` shows.
    var status: (directory: CodeDirectory, error: String?) { (directory, lastError.withLock { $0 }) }

    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.recorder.run() }
            var last = ContinuousClock.now
            var first = true
            var retryAt = ContinuousClock.now
            var lastTrustRefresh: ContinuousClock.Instant { trustRefreshedAt.withLock { $0 } }
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let due = ContinuousClock.now - last >= .seconds(settings.refreshSeconds)
                if first || due || (ContinuousClock.now >= retryAt && stale.exchange(false, ordering: .relaxed)) {
                    first = false
                    last = ContinuousClock.now
                    do {
                        try await refresh()
                        lastError.withLock { $0 = nil }
                    } catch {
                        // Keep the old directory; try again in 10 s, not at the next change.
                        lastError.withLock { $0 = "\(error)" }
                        logger.warning("codes: directory not rebuilt", metadata: ["error": "\(error)"])
                        stale.store(true, ordering: .relaxed)
                        retryAt = ContinuousClock.now + .seconds(10)
                        await refreshTrustList()
                    }
                } else if ContinuousClock.now - lastTrustRefresh >= .seconds(5) {
                    // The chains load after this service starts and accept keys at any time:
                    // their keys reach the trust list within seconds, not at the next rebuild.
                    await refreshTrustList()
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}

extension NodeConfiguration.Codes {
    /// The key id of a node's code key: its name in lower case with anything but a-z 0-9 . _ -
    /// as `-` (what both a JWS `kid` here and a chain's `code-key` allow), then `.code-EPOCH`.
    static func keyID(node: String, epoch: Int) -> String {
        let safe = String(String.UnicodeScalarView(node.lowercased().unicodeScalars.map { c in
            ("a"..."z").contains(c) || ("0"..."9").contains(c) || c == "." || c == "_" || c == "-" ? c : "-"
        }).prefix(50))
        return "\(safe).code-\(epoch)"
    }

    /// The settings with the files read and the keys derived from the node's key: the signing
    /// key from `vigil/code-key/v1/EPOCH`, the pseudonym secret from `vigil/code-subject/v1`; the
    /// key id is `NODE.code-EPOCH`.
    func resolve(nodeKey: SignerKey, relativeTo directory: String) throws(ConfigurationError) -> CodeSettings {
        func fail(_ field: String, _ message: String) -> ConfigurationError { ConfigurationError("codes.\(field): \(message)") }
        let region: JurisdictionPath
        do { region = try JurisdictionPath(self.region) } catch { throw fail("region", "\"\(self.region.prefix(60))\" is not a jurisdiction path") }
        // The chain's `code-key` takes a region of 1-64 of a-z 0-9 . _ - /: refuse now what it would refuse later.
        guard self.region.utf8.count <= 64,
            self.region.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || "._-/".unicodeScalars.contains($0) })
        else { throw fail("region", "must be 1-64 of a-z 0-9 . _ - / to go on a chain's code-key proposal") }
        let epoch = keyEpoch ?? 1
        guard (1...1_000_000).contains(epoch) else { throw fail("keyEpoch", "must be 1-1000000") }
        let lifetime = lifetimeSeconds ?? 300
        guard (1...86_400).contains(lifetime) else { throw fail("lifetimeSeconds", "must be 1-86400") }
        let refresh = refreshSeconds ?? 60
        guard refresh >= 1 else { throw fail("refreshSeconds", "must be at least 1") }
        let admission = admissionLimit ?? 256
        guard admission >= 1 else { throw fail("admissionLimit", "must be at least 1") }
        let capacity = queueCapacity ?? 100_000
        guard capacity >= 1 else { throw fail("queueCapacity", "must be at least 1") }
        let offset = utcOffsetSeconds ?? 28_800
        guard (-50_400...50_400).contains(offset) else { throw fail("utcOffsetSeconds", "must be within ±14 hours") }
        var trustList: TrustList
        do { trustList = try TrustList(keys: []) } catch { throw fail("trustListFile", "\(error)") }
        if let file = trustListFile {
            let path = NodeConfiguration.path(file, relativeTo: directory)
            guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)) else { throw fail("trustListFile", "cannot read \(path)") }
            do { trustList = try TrustList(jwks: data) } catch { throw fail("trustListFile", "\(path): \(error)") }
        }
        var rules = ColourRules.standard
        if let file = rulesFile {
            let path = NodeConfiguration.path(file, relativeTo: directory)
            guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)) else { throw fail("rulesFile", "cannot read \(path)") }
            do { rules = try ColourRules(json: data) } catch { throw fail("rulesFile", "\(path): \(error)") }
        }
        let keyID: SigningKeyID
        let signingKey: Curve25519.Signing.PrivateKey
        let subjectSecret: [UInt8]
        do {
            keyID = try SigningKeyID(Self.keyID(node: nodeKey.name, epoch: epoch))
            signingKey = try Curve25519.Signing.PrivateKey(rawRepresentation: try APITokens.derivedSecret(nodeKey, label: "vigil/code-key/v1/\(epoch)"))
            subjectSecret = try APITokens.derivedSecret(nodeKey, label: "vigil/code-subject/v1")
        } catch {
            throw ConfigurationError("codes: cannot derive the code key for \(nodeKey.name.prefix(60)): \(error)")
        }
        return CodeSettings(
            region: region, keyID: keyID, signingKey: signingKey, lifetime: Int64(lifetime), trustList: trustList, rules: rules,
            refreshSeconds: refresh, admissionLimit: admission, queueCapacity: capacity, utcOffsetSeconds: offset, subjectSecret: subjectSecret)
    }
}
