import Foundation
import KubernetesClient
import LabrunCore
import ScenarioModel

/// `fillVolume`: fills the filesystem of a pod's PersistentVolume to the last block for `duration`, then
/// frees it — the disk that runs full under a database. The volume is found through the API (the pod's
/// volume → its claim → the bound PersistentVolume's `hostPath` or `local` path), and the filling is
/// done on the host by a standard-library Python filler, as root: one file of labrun's at the volume's
/// root, allocated at once (`posix_fallocate`) and then written a block at a time until ENOSPC.
///
/// Refused before anything is written: a pod without that volume, a volume that is not a claim, a claim
/// not bound, a volume not on this host, and a volume that is not a filesystem of its own (a directory
/// on the node's disk: filling it would fill the node — the bare cluster's provisioner gives every
/// claim an ext4 filesystem of its size). Landed when the filesystem has no block left for anyone.
/// The file is removed after the duration, and by the run's cleanup on failure, timeout and Ctrl-C.
///
/// Only where the volumes are on this host (the bare provider).
struct FillVolumeExecutor: ActionExecutor {
    let spec: FillVolumeAction

    /// One volume to fill: where it is on the host, and what the report calls it.
    struct Target: Sendable {
        var pod: String
        /// The pod's name for the volume, its claim, and the PersistentVolume bound to it.
        var volume: String
        var claim: String
        var persistentVolume: String
        /// Where the volume is on the host.
        var path: String
        var name: String { "volume \(volume) of \(pod)" }
    }

    /// What the filler reports (a JSON line).
    struct Report: Decodable, Sendable {
        var error: String?
        var total: UInt64?
        var freeBefore: UInt64?
        var written: UInt64?
        var free: UInt64?
        var removed: UInt64?
    }

    func execute(in context: ActionContext) async throws -> ActionOutcome {
        try context.requireHostRuntime(reaching: "the filesystems of the cluster's volumes", advice: "Run it on the bare provider.")
        let run = context.run
        let runner = context.runner
        let chosen = try await context.readyPods(spec.target, count: spec.count, pick: spec.pick, for: "fillVolume")
        // Every volume is found before anything is written: a refusal changes nothing.
        var targets: [Target] = []
        for pod in chosen { targets.append(try await locate(pod, context: context)) }
        let file = ".labrun-fill-\(context.namespace)"

        var filled: [(target: Target, report: Report, token: Int)] = []
        func freeAll() async -> [String] {
            var notes: [String] = []
            for item in filled {
                let freed = try? await Self.report(Self.command("free", item.target, file: file), runner: runner, what: "Freeing \(item.target.name)")
                run.cleanup.remove(item.token)
                notes.append("\(item.target.name): \(Self.size(freed?.removed ?? 0)) removed, \(Self.size(freed?.free ?? 0)) free")
            }
            filled.removeAll()
            return notes
        }
        do {
            for target in targets {
                let token = run.cleanup.register("free \(target.name)", timeout: 60) {
                    _ = try? await runner.run(Self.command("free", target, file: file))
                }
                let report: Report
                do {
                    report = try await Self.report(Self.command("fill", target, file: file), runner: runner, what: "Filling \(target.name)")
                } catch {
                    _ = try? await runner.run(Self.command("free", target, file: file))
                    run.cleanup.remove(token)
                    throw error
                }
                if let refused = report.error {   // nothing was written
                    run.cleanup.remove(token)
                    throw Self.refusal(target, refused)
                }
                filled.append((target, report, token))
                run.timeline.record(.action, target.pod, "filling \(target.name) (claim \(target.claim), \(Self.size(report.total ?? 0)) filesystem, "
                                    + "\(Self.size(report.freeBefore ?? 0)) free): \(Self.size(report.written ?? 0)) written")
            }
            // Landed: no block left for anyone.
            for item in filled where (item.report.free ?? 1) > 0 {
                throw LabrunError(id: ErrorID.faultNotLanded, exitCode: ExitCode.failure,
                                  message: "The fill of \(item.target.name) did not land: after \(Self.size(item.report.written ?? 0)) written, "
                                    + "its filesystem still has \(Self.size(item.report.free ?? 0)) free.",
                                  advice: "Something frees space as fast as it is taken (a cleaner, a quota, a thin volume); the filler's file is \(item.target.path)/\(file).")
            }
            let landed = run.clock.now()
            let names = filled.map(\.target.name).joined(separator: ", ")
            run.timeline.record(.faultLanded, names, "full: no block left (\(filled.map { Self.size($0.report.written ?? 0) }.joined(separator: ", ")) written) for \(spec.duration)", at: landed)
            let written = filled.map { "\($0.target.name) (\(Self.size($0.report.total ?? 0)), \(Self.size($0.report.written ?? 0)) written)" }.joined(separator: ", ")

            try await run.clock.sleep(seconds: spec.duration.seconds)

            let notes = await freeAll()
            run.timeline.record(.recovered, names, "freed: " + notes.joined(separator: "; "))
            return ActionOutcome(faultLandedAt: landed, readyAt: run.clock.now(),
                                 message: "filled \(written) to the last block for \(spec.duration), then freed it")
        } catch {
            _ = await freeAll()
            throw error
        }
    }

    // MARK: - Finding the volume

    func locate(_ pod: Pod, context: ActionContext) async throws -> Target {
        let name = pod.metadata.name ?? "?"
        let volumes = pod.spec?.volumes ?? []
        guard let volume = volumes.first(where: { $0["name"]?.stringValue == spec.volume }) else {
            let known = volumes.compactMap { $0["name"]?.stringValue }
            throw Self.failed("fillVolume: pod \(name) has no volume \"\(spec.volume)\" (its volumes: \(known.isEmpty ? "none" : known.joined(separator: ", "))).",
                              advice: "Name one of the pod's volumes (spec.volumes[].name, or the claim template's name for a StatefulSet).")
        }
        guard let claim = volume["persistentVolumeClaim"]?["claimName"]?.stringValue else {
            let kind = volume.objectValue?.keys.first { $0 != "name" } ?? "unknown"
            throw Self.failed("fillVolume: volume \"\(spec.volume)\" of pod \(name) is a \(kind) volume, not a PersistentVolumeClaim: fillVolume fills a PersistentVolume's filesystem.",
                              advice: "Name a volume backed by a claim.")
        }
        let bound = try await context.kube.get(PersistentVolumeClaim.self, name: claim, namespace: context.namespace)
        guard let persistentVolume = bound.spec?.volumeName, !persistentVolume.isEmpty else {
            throw Self.failed("fillVolume: claim \(claim) of pod \(name) is not bound to a PersistentVolume.", advice: "Its events say why.")
        }
        let object = try await context.kube.get(ResourceType.persistentVolumes, name: persistentVolume)
        guard let path = (object["spec"]?["hostPath"]?["path"] ?? object["spec"]?["local"]?["path"])?.stringValue, path.hasPrefix("/") else {
            throw LabrunError(id: ErrorID.runtimeUnsupported, exitCode: ExitCode.unavailable,
                              message: "fillVolume reaches a volume's filesystem from the host, and PersistentVolume \(persistentVolume) (claim \(claim)) is no hostPath or local volume of this host.",
                              advice: "Run it on the bare provider, whose volumes are filesystems of their own on this host.")
        }
        return Target(pod: name, volume: spec.volume, claim: claim, persistentVolume: persistentVolume, path: path)
    }

    static func refusal(_ target: Target, _ why: String) -> LabrunError {
        guard why == "not a filesystem of its own" else {
            return failed("fillVolume could not fill \(target.name) (\(target.path)): \(ScenarioError.clip(why)).", advice: "The path is the PersistentVolume's (\(target.persistentVolume)).")
        }
        return failed("fillVolume refused: \(target.name) (PersistentVolume \(target.persistentVolume), \(target.path)) is a directory on the node's disk, not a filesystem of its own, "
                        + "so filling it would fill the node's disk (etcd's, the runtime's) instead of the volume.",
                      advice: "The bare cluster's provisioner gives each claim an ext4 filesystem of its size; a volume made before it did is a plain directory: delete the claim (or `cluster/bare/down --purge`) and let it be made again.")
    }

    static func failed(_ message: String, advice: String) -> LabrunError {
        LabrunError(id: ErrorID.actionFailed, exitCode: ExitCode.failure, message: message, advice: advice)
    }

    // MARK: - The filler

    /// `python3 -c <filler> fill|free PATH FILE`.
    static func command(_ mode: String, _ target: Target, file: String) -> Command {
        Command("python3", ["-c", filler, mode, target.path, file], timeout: 180)
    }

    static func report(_ command: Command, runner: any ProcessRunner, what: String) async throws -> Report {
        let output = try await runner.check(command, what: what).standardOutput
        guard let line = output.split(separator: "\n").last, let report = try? JSONDecoder().decode(Report.self, from: Data(line.utf8)) else {
            throw failed("\(what): the filler said \"\(ScenarioError.clip(output))\", not its report.", advice: "It needs python3 on the host.")
        }
        return report
    }

    /// The filler: standard-library Python, run as root. `fill` refuses a path that is not a mount point of
    /// its own, allocates all but the last MiB at once, writes the rest a block at a time until ENOSPC,
    /// and reports the filesystem's size, what was free, what it wrote and what is free now (for
    /// unprivileged users: `f_bavail`). `free` removes the file and reports what is free again.
    static let filler = #"""
import errno, json, os, sys
mode, root, name = sys.argv[1], sys.argv[2], sys.argv[3]
path = os.path.join(root, name)

def free():
    st = os.statvfs(root)
    return st.f_bavail * st.f_frsize, st.f_blocks * st.f_frsize, st.f_bsize

if mode == "free":
    removed = 0
    try:
        removed = os.stat(path).st_size
        os.unlink(path)
    except FileNotFoundError:
        pass
    print(json.dumps({"removed": removed, "free": free()[0]}))
    sys.exit(0)

if not os.path.ismount(root) or os.stat(root).st_dev == os.stat("/").st_dev:
    print(json.dumps({"error": "not a filesystem of its own"}))
    sys.exit(0)
before, total, block = free()
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
written = 0
bulk = before - (1 << 20)
if bulk > 0:
    try:
        os.posix_fallocate(fd, 0, bulk)
        written = bulk
    except OSError as error:
        if error.errno != errno.ENOSPC:
            raise
os.lseek(fd, written, os.SEEK_SET)
chunk = b"\0" * block
while True:
    try:
        n = os.write(fd, chunk)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            break
        raise
    if n <= 0:
        break
    written += n
try:
    os.fsync(fd)
except OSError:
    pass
os.close(fd)
print(json.dumps({"total": total, "freeBefore": before, "written": written, "free": free()[0]}))
"""#

    static func size(_ bytes: UInt64) -> String {
        bytes >= 1 << 30 ? String(format: "%.2f GiB", Double(bytes) / 1_073_741_824)
            : bytes >= 1 << 20 ? String(format: "%.1f MiB", Double(bytes) / 1_048_576)
            : bytes >= 1024 ? String(format: "%.0f KiB", Double(bytes) / 1024) : "\(bytes) B"
    }
}
