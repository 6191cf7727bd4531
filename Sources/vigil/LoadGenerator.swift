import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A closed-loop HTTP/1.1 load generator on loopback for `vigil bench codes`: each connection
/// sends a request, waits for its response, records its status and latency, and sends the next,
/// until the time is up. Admitted (200) and refused (503) answers are timed apart, which `wrk`
/// cannot do. One event-loop thread, so the node keeps the other core.
enum LoadGenerator {
    struct Result {
        var ok = 0
        var refused = 0
        var other = 0
        var errors = 0
        var seconds = 0.0
        var okP50 = Double.nan
        var okP99 = Double.nan
        var refusedP50 = Double.nan
        var refusedP99 = Double.nan

        var summary: String {
            let ms = { (s: Double) in s.isNaN ? "—" : String(format: "%.2f ms", s * 1000) }
            return "\(ok) admitted (p50 \(ms(okP50)), p99 \(ms(okP99))), \(refused) refused 503 (p50 \(ms(refusedP50)), p99 \(ms(refusedP99))), \(other) other, \(errors) connection errors in \(String(format: "%.1f", seconds)) s"
        }
    }

    /// Latencies by class, shared by the connections of the one event loop.
    final class Samples: Sendable {
        let state = Mutex<(ok: [Double], refused: [Double], other: Int, errors: Int)>(([], [], 0, 0))
    }

    final class Connection: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPClientResponsePart
        typealias OutboundOut = HTTPClientRequestPart

        let request: @Sendable (Int) -> (HTTPRequestHead, ByteBuffer)
        let deadline: NIODeadline
        let samples: Samples
        let done: EventLoopPromise<Void>
        var sent = NIODeadline.now()
        var status = 0
        var count = 0
        var ok: [Double] = []
        var refused: [Double] = []
        var other = 0

        init(request: @escaping @Sendable (Int) -> (HTTPRequestHead, ByteBuffer), deadline: NIODeadline, samples: Samples, done: EventLoopPromise<Void>) {
            self.request = request
            self.deadline = deadline
            self.samples = samples
            self.done = done
        }

        func channelActive(context: ChannelHandlerContext) { send(context) }

        func send(_ context: ChannelHandlerContext) {
            sent = .now()
            count += 1
            let (head, body) = request(count)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): status = Int(head.status.code)
            case .body: break
            case .end:
                let now = NIODeadline.now()
                let seconds = Double((now - sent).nanoseconds) / 1e9
                switch status {
                case 200: ok.append(seconds)
                case 503: refused.append(seconds)
                default: other += 1
                }
                if now < deadline { send(context) } else { context.close(promise: nil) }
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            let (ok, refused, other) = (self.ok, self.refused, self.other)
            samples.state.withLock {
                $0.ok += ok
                $0.refused += refused
                $0.other += other
            }
            done.succeed(())
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            samples.state.withLock { $0.errors += 1 }
            context.close(promise: nil)
        }
    }

    static func run(
        port: Int, connections: Int, seconds: Int, request: @escaping @Sendable (Int) -> (HTTPRequestHead, ByteBuffer)
    ) async throws -> Result {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let samples = Samples()
        let start = NIODeadline.now()
        let deadline = start + .seconds(Int64(seconds))
        var finished: [EventLoopFuture<Void>] = []
        for _ in 0..<connections {
            let loop = group.next()
            let done = loop.makePromise(of: Void.self)
            let bootstrap = ClientBootstrap(group: loop).channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(Connection(request: request, deadline: deadline, samples: samples, done: done))
                }
            }
            let connected = bootstrap.connect(host: "127.0.0.1", port: port)
            connected.whenFailure { _ in
                samples.state.withLock { $0.errors += 1 }
                done.succeed(())
            }
            finished.append(done.futureResult)
        }
        for future in finished { try await future.get() }
        let elapsed = Double((NIODeadline.now() - start).nanoseconds) / 1e9
        try await group.shutdownGracefully()
        let (ok, refused, other, errors) = samples.state.withLock { ($0.ok.sorted(), $0.refused.sorted(), $0.other, $0.errors) }
        func percentile(_ values: [Double], _ p: Double) -> Double { values.isEmpty ? .nan : values[min(values.count - 1, Int(Double(values.count) * p))] }
        return Result(
            ok: ok.count, refused: refused.count, other: other, errors: errors, seconds: elapsed, okP50: percentile(ok, 0.5),
            okP99: percentile(ok, 0.99), refusedP50: percentile(refused, 0.5), refusedP99: percentile(refused, 0.99))
    }
}
