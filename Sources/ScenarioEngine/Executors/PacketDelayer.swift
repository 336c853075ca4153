import Foundation
import LabrunCore
import ScenarioModel

/// Added latency without netem (this kernel has no `sch_netem`): every packet a pod sends (`OUTPUT`,
/// not to `lo` — what netem on its `eth0` would delay) is handed by iptables' `NFQUEUE` target to a
/// delayer in the pod's network namespace, which holds it for the delay (± jitter, order kept) and
/// gives it back to the kernel. The delayer is standard-library Python speaking nfnetlink_queue
/// itself, started by labrun on the host in the pod's network namespace (`nsenter -t PID -n`).
///
/// It fails open: the rule has `--queue-bypass` (no delayer bound: packets pass) and the queue the
/// fail-open flag (queue full: packets pass), so a delayer that dies ends the delay, never the traffic.
/// Stopped (SIGTERM), it releases every packet it holds at once and reports how many it delayed and
/// by how long on average; it also ends with labrun (`PR_SET_PDEATHSIG`) and after its own time limit.
struct PacketDelayer: Sendable {
    /// The queue number, in each pod's own network namespace (numbers are per namespace).
    static let queue = "7"
    /// How long the delayer gets to bind its queue.
    static let bindWithin = 15.0

    let pid: String
    let pod: String
    let log: String
    let process: any BackgroundProcess

    /// The rule (after `nsenter -t PID -n`) that queues the pod's outgoing packets, and its removal.
    static var rule: (add: [String], remove: [String]) {
        let match = ["!", "-o", "lo", "-j", "NFQUEUE", "--queue-num", queue, "--queue-bypass"]
        return (["iptables", "-I", "OUTPUT", "1"] + match, ["iptables", "-D", "OUTPUT"] + match)
    }

    /// `nsenter -t PID -n python3 -c <delayer> QUEUE DELAY_MS JITTER_MS SECONDS`.
    static func command(pid: String, delay: Int, jitter: Int, seconds: Double) -> Command {
        Command("nsenter", ["-t", pid, "-n", "python3", "-c", script, queue, String(delay), String(jitter), String(format: "%.0f", seconds)],
                timeout: seconds + 60)
    }

    /// Starts the delayer in `pid`'s network namespace and waits until it has bound its queue.
    static func start(pid: String, pod: String, delay: Int, jitter: Int, seconds: Double, log: String,
                      context: ActionContext) async throws -> PacketDelayer {
        // Its own limit is a backstop: the fault stops it after the duration.
        let process = try await context.runner.start(command(pid: pid, delay: delay, jitter: jitter, seconds: seconds + 120), logPath: log)
        let delayer = PacketDelayer(pid: pid, pod: pod, log: log, process: process)
        do {
            _ = try await context.waitUntil("the packet delayer of \(pod) to bind its queue", timeout: bindWithin, interval: 0.2) {
                if delayer.said.contains("bound queue") { return nil }
                guard await process.isRunning() else {
                    throw LabrunError(id: ErrorID.networkFaultUnsupported, exitCode: ExitCode.unavailable,
                                      message: "The packet delayer of \(pod) ended before it bound its queue: \(ScenarioError.clip(delayer.said.isEmpty ? "it printed nothing" : delayer.said))",
                                      advice: "It needs python3 on the host, root, and a kernel with NFQUEUE (CONFIG_NETFILTER_NETLINK_QUEUE, CONFIG_NETFILTER_XT_TARGET_NFQUEUE).")
                }
                return "not bound yet"
            }
        } catch {
            await process.stop(grace: 1)
            throw error
        }
        return delayer
    }

    /// What the delayer has printed so far.
    var said: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// Whether it has held a packet yet.
    var heldAny: Bool { said.contains("first packet held") }

    /// Stops it (it releases what it holds) and returns its closing line's figures, or nil when it
    /// printed none (it died early).
    func stop() async -> (packets: Int, meanMilliseconds: Double)? {
        await process.stop(grace: 5)
        return Self.figures(said)
    }

    /// `delayed 1234 packets, mean 200.4 ms` → (1234, 200.4).
    static func figures(_ log: String) -> (packets: Int, meanMilliseconds: Double)? {
        guard let line = log.split(separator: "\n").last(where: { $0.hasPrefix("delayed ") }) else { return nil }
        let words = line.split(separator: " ")
        guard words.count >= 6, let packets = Int(words[1]), let mean = Double(words[4]) else { return nil }
        return (packets, mean)
    }

    /// The delayer: binds the queue (packet metadata only, up to 65,536 held, fail open), then holds each
    /// packet until its time and accepts it, in arrival order.
    static let script = #"""
import collections, ctypes, errno, os, random, select, signal, socket, struct, sys, time
queue, delay, jitter, seconds = int(sys.argv[1]), float(sys.argv[2]) / 1000, float(sys.argv[3]) / 1000, float(sys.argv[4])
ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: ends with whoever started it
QUEUE, PACKET, VERDICT, CONFIG = 3 << 8, 0, 1, 2
stop = False
def ended(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, ended)
signal.signal(signal.SIGINT, ended)
sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETLINK_NETFILTER
try:
    sock.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE
except OSError:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
sock.bind((0, 0))
seq = 0
def attr(kind, payload):
    size = 4 + len(payload)
    return struct.pack("=HH", size, kind) + payload + b"\0" * (-size % 4)
def send(kind, attrs, ack=False):
    global seq
    seq += 1
    body = struct.pack("=BB", socket.AF_UNSPEC, 0) + struct.pack(">H", queue) + attrs
    sock.send(struct.pack("=IHHII", 16 + len(body), QUEUE | kind, 1 | (4 if ack else 0), seq, 0) + body)
    if ack:
        reply = sock.recv(65536)
        kind = struct.unpack_from("=IH", reply)[1]
        code = struct.unpack_from("=i", reply, 16)[0] if kind == 2 else 0
        if code:
            raise OSError(-code, os.strerror(-code))
send(CONFIG, attr(1, struct.pack(">BBH", 1, 0, 0)), ack=True)
send(CONFIG, attr(2, struct.pack(">IB", 0, 1)) + attr(3, struct.pack(">I", 65536))
     + attr(4, struct.pack(">I", 1)) + attr(5, struct.pack(">I", 1)), ack=True)
print("bound queue", queue, flush=True)
held = collections.deque()
count, total, last = 0, 0.0, 0.0
end = time.monotonic() + seconds
def accept(packet):
    send(VERDICT, attr(2, struct.pack(">II", 1, packet)))
sock.setblocking(False)
while not stop and time.monotonic() < end:
    now = time.monotonic()
    while held and held[0][0] <= now:
        _, packet, arrived = held.popleft()
        accept(packet)
        total += now - arrived
    wait = min(held[0][0] - now if held else 0.5, 0.5)
    try:
        ready, _, _ = select.select([sock], [], [], max(wait, 0))
    except InterruptedError:
        continue
    if not ready:
        continue
    while True:
        try:
            data = sock.recv(1 << 16)
        except BlockingIOError:
            break
        except OSError as error:
            if error.errno == errno.ENOBUFS:
                print("receive buffer overrun: some packets dropped", flush=True)
                continue
            raise
        offset = 0
        while offset + 16 <= len(data):
            length, kind = struct.unpack_from("=IH", data, offset)
            if length < 16:
                break
            if kind == QUEUE | PACKET:
                at = offset + 20
                while at + 4 <= offset + length:
                    size, akind = struct.unpack_from("=HH", data, at)
                    if size < 4:
                        break
                    if akind & 0x3FFF == 1:  # NFQA_PACKET_HDR: the packet's id
                        packet = struct.unpack_from(">I", data, at + 4)[0]
                        arrived = time.monotonic()
                        last = max(arrived + max(0.0, delay + random.uniform(-jitter, jitter)), last)
                        held.append((last, packet, arrived))
                        count += 1
                        if count == 1:
                            print("first packet held", flush=True)
                        break
                    at += (size + 3) & ~3
            offset += (length + 3) & ~3
for _, packet, arrived in held:  # released at once: the fault ends without dropping anything
    accept(packet)
    total += time.monotonic() - arrived
print("delayed %d packets, mean %.1f ms" % (count, 1000 * total / count if count else 0), flush=True)
"""#
}
