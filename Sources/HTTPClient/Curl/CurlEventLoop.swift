import CCurl
import Foundation
import LabrunCore

/// A libcurl multi handle driven by one dedicated thread: every transfer of a client runs here,
/// so connections (and HTTP/2 streams) are reused across requests and many concurrent requests
/// cost one thread, not one each.
///
/// Other threads only hand work over (`submit`, `cancel`, `shutdown`) through a locked queue and
/// `curl_multi_wakeup`; every libcurl call happens on the loop's thread.
final class CurlEventLoop: @unchecked Sendable {
    private let multi: UnsafeMutableRawPointer
    private let lock = NSLock()
    private var incoming: [CurlTransfer] = []
    private var cancellations: [CurlTransfer] = []
    private var stopRequested = false
    private let stopped = DispatchSemaphore(value: 0)
    private var thread: Thread?

    // Loop thread only.
    private var running: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    private var idleHandles: [UnsafeMutableRawPointer] = []
    private static let maxIdleHandles = 256

    init(name: String, maxConnectionsPerHost: Int) throws {
        guard CurlGlobal.ensureInitialised(), let multi = curl_multi_init() else {
            throw LabrunError(id: ErrorID.httpSetup, exitCode: ExitCode.unavailable,
                              message: "libcurl could not be initialised.",
                              advice: "Check that libcurl4-openssl-dev is installed.")
        }
        self.multi = multi
        if maxConnectionsPerHost > 0 {
            _ = lr_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, maxConnectionsPerHost)
        }
        _ = lr_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, 512)
        let thread = Thread { [self] in self.run() }
        thread.name = name
        self.thread = thread
        thread.start()
    }

    /// Hands a transfer to the loop.
    func submit(_ transfer: CurlTransfer) {
        let accepted = lock.withLock { () -> Bool? in
            guard !stopRequested else { return nil }
            incoming.append(transfer)
            return incoming.count == 1
        }
        if let first = accepted {
            // One wake-up per batch: a queue that was not empty has a wake-up pending, and the loop takes the
            // whole queue at once (at 10,000 requests/s a write to the wake-up pipe each was a measurable cost).
            if first { curl_multi_wakeup(multi) }
        } else {
            transfer.fail(LabrunError(id: ErrorID.httpClosed, message: "\(transfer.request) was not sent: the HTTP client was shut down."))
        }
    }

    /// Asks the loop to abort a transfer (harmless if it already ended).
    func cancel(_ transfer: CurlTransfer) {
        lock.withLock {
            transfer.cancelRequested = true
            cancellations.append(transfer)
        }
        curl_multi_wakeup(multi)
    }

    /// Stops the loop: transfers still running fail, then the thread exits. Waits for it.
    func shutdown() {
        let first = lock.withLock { () -> Bool in
            defer { stopRequested = true }
            return !stopRequested
        }
        guard first else { return }
        curl_multi_wakeup(multi)
        // Never wait for ourselves (the last reference could go away on the loop's own thread).
        if let thread, Thread.current === thread { return }
        stopped.wait()
    }

    // MARK: Loop thread

    private func run() {
        while true {
            let (adds, cancels, stop) = lock.withLock { () -> ([CurlTransfer], [CurlTransfer], Bool) in
                defer { incoming = []; cancellations = [] }
                return (incoming, cancellations, stopRequested)
            }
            for transfer in adds { start(transfer) }
            for transfer in cancels { abort(transfer, with: CancellationError()) }
            if stop { break }
            var stillRunning: Int32 = 0
            _ = curl_multi_perform(multi, &stillRunning)
            collectFinished()
            var ready: Int32 = 0
            _ = curl_multi_poll(multi, nil, 0, 1000, &ready)
        }
        let closed = LabrunError(id: ErrorID.httpClosed, message: "The HTTP client was shut down while a request was in flight.")
        for transfer in Array(running.values) { abort(transfer, with: closed) }
        let left = lock.withLock { () -> [CurlTransfer] in defer { incoming = [] }; return incoming }
        for transfer in left { transfer.fail(closed) }
        for easy in idleHandles { curl_easy_cleanup(easy) }
        idleHandles.removeAll()
        curl_multi_cleanup(multi)
        stopped.signal()
    }

    private func start(_ transfer: CurlTransfer) {
        if lock.withLock({ transfer.cancelRequested }) {
            transfer.fail(CancellationError())
            return
        }
        guard let easy = idleHandles.popLast() ?? curl_easy_init() else {
            transfer.fail(LabrunError(id: ErrorID.httpSetup, message: "libcurl could not allocate a handle for \(transfer.request)."))
            return
        }
        do {
            try transfer.configure(easy)
        } catch {
            recycle(easy)
            transfer.fail(error)
            return
        }
        let code = curl_multi_add_handle(multi, easy)
        guard code == CURLM_OK else {
            recycle(easy)
            transfer.fail(LabrunError(id: ErrorID.httpSetup, message: "libcurl refused to start \(transfer.request) (multi error \(code.rawValue))."))
            return
        }
        running[easy] = transfer
    }

    private func abort(_ transfer: CurlTransfer, with error: any Error) {
        guard let easy = running.first(where: { $0.value === transfer })?.key else { return }
        running[easy] = nil
        curl_multi_remove_handle(multi, easy)
        recycle(easy)
        transfer.fail(error)
    }

    private func collectFinished() {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard lr_multi_msg_is_done(message) != 0, let easy = lr_multi_msg_easy(message) else { continue }
            let code = lr_multi_msg_result(message)
            guard let transfer = running.removeValue(forKey: easy) else { continue }
            curl_multi_remove_handle(multi, easy)
            transfer.complete(code: code, easy: easy)
            recycle(easy)
        }
    }

    private func recycle(_ easy: UnsafeMutableRawPointer) {
        curl_easy_reset(easy)
        if idleHandles.count < CurlEventLoop.maxIdleHandles { idleHandles.append(easy) } else { curl_easy_cleanup(easy) }
    }
}
