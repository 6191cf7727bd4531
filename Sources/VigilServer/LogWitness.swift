import Hummingbird
import VigilLedger
import VigilStore

/// A plain C2SP tlog-witness for the logs listed under `witnessFor`: the `add-checkpoint`
/// checks of ``Witness``, then the check-and-persist of the new record in the store
/// (``LedgerStore/updateWitnessState(_:expectedOldSize:)``) before the cosignature is returned.
struct LogWitness: Sendable {
    /// The witness's cosignature key (type 0x04, named after the node).
    let key: SignerKey
    let logs: [String: [VerifierKey]]
    let store: any LedgerStore
    let metrics: NodeMetrics
    let clock: @Sendable () -> Int64

    /// The most bytes of a request body (the spec's note size plus the proof).
    static let maxRequestBytes = Note.maxSize + 8 * 1024

    /// Answers one `add-checkpoint` request body, as the spec says:
    /// 200 with the cosignature lines; 409 `text/x.tlog.size` with the stored size; 400 for a
    /// malformed request, 403 for an untrusted signature, 404 for an unknown log, 422 for a bad
    /// proof — with an RFC 9457 problem body; 503 when the store fails (nothing is cosigned).
    func addCheckpoint(_ body: [UInt8]) async -> Response {
        let response = await answer(body)
        metrics.witnessRequest(status: response.status.code)
        return response
    }

    private func answer(_ body: [UInt8]) async -> Response {
        let request: AddCheckpointRequest
        do { request = try AddCheckpointRequest(parsing: body) } catch {
            return Problem(.badRequest, "malformed", error.message).response()
        }
        let origin: String
        do { origin = try Checkpoint(text: request.checkpoint.text).origin } catch {
            return Problem(.badRequest, "malformed", error.message).response()
        }
        guard logs[origin] != nil else {
            return Problem(.notFound, "unknown-log", "this node does not witness \(origin.prefix(100))").response()
        }
        let current: WitnessState?
        do { current = try await store.witnessState(for: origin) } catch {
            return Problem.unavailable("the witness store failed; nothing was cosigned").response()
        }
        let witness: Witness
        do { witness = try Witness(key: key, logs: logs) } catch {
            return Problem(.internalServerError, "internal", error.message).response()
        }
        let outcome = witness.addCheckpoint(
            request, current: current.map { WitnessRecord(origin: $0.origin, size: $0.size, root: $0.root) },
            timestamp: UInt64(max(0, clock())))
        switch outcome {
        case .cosigned(let signatures, let record):
            do {
                try await store.updateWitnessState(
                    WitnessState(origin: record.origin, size: record.size, root: record.root, note: request.checkpoint),
                    expectedOldSize: request.oldSize)
            } catch let error as StoreError where error.code == .conflict {
                return Self.conflict(size: error.currentSize ?? 0)
            } catch {
                return Problem.unavailable("the witness store failed; nothing was cosigned").response()
            }
            let lines = signatures.map(\.line).joined()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: lines)))
        case .conflict(let size, _):
            return Self.conflict(size: size.rawValue)
        case .refused(let status, let reason):
            let code =
                switch status {
                case 403: "untrusted-signature"
                case 404: "unknown-log"
                case 422: "bad-proof"
                default: "refused"
                }
            return Problem(HTTPResponse.Status(code: status), code, reason).response()
        }
    }

    static func conflict(size: UInt64) -> Response {
        Response(
            status: .conflict, headers: [.contentType: "text/x.tlog.size"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: "\(size)\n")))
    }
}
