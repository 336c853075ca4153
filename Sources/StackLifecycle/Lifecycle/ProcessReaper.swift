import Foundation
import LabrunCore

/// Stops processes an earlier labrun run recorded (by pid) and left behind, e.g. a port-forward
/// of an interrupted run. Only processes whose command line names `kubectl` or `labrun` are
/// touched, so a recycled pid never hits an unrelated process.
public enum ProcessReaper {
    /// The process's command line, or nil when it is gone (or a zombie).
    public static func commandLine(pid: Int32) -> String? {
        guard let facts = Platform.process(pid), !facts.zombie else { return nil }
        return Platform.commandLine(pid)
    }

    /// Whether `pid` runs and looks like something labrun started.
    public static func isOurs(pid: Int32) -> Bool {
        guard let line = commandLine(pid: pid) else { return false }
        return line.contains("kubectl") || line.contains("labrun")
    }

    /// SIGTERM, up to 5 s for it to exit, then SIGKILL.
    public static func stop(pid: Int32, clock: any LabClock) async {
        guard isOurs(pid: pid) else { return }
        kill(pid, SIGTERM)
        let gone = (try? await Wait(timeout: 5, interval: 0.1, clock: clock).until("process \(pid) to exit") { commandLine(pid: pid) == nil }) != nil
        if !gone { kill(pid, SIGKILL) }
    }
}
