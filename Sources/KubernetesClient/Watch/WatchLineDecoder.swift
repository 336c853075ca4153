import Foundation
import HTTPClient
import LabrunCore

/// Decodes one line of a watch stream (`{"type":"ADDED","object":{…}}`). Pure, for unit tests.
public struct WatchLineDecoder<Object: Decodable & Sendable>: Sendable {
    /// A decoded line.
    public enum Line: Sendable {
        case event(WatchEvent<Object>, key: String)
        /// A bookmark: nothing changed, but the watch may resume from here.
        case bookmark(resourceVersion: String)
        /// An `ERROR` event; 410 Gone/Expired means "relist".
        case error(KubernetesStatus)
    }

    public init() {}

    struct Probe: Decodable {
        struct Meta: Decodable { var name: String?; var namespace: String?; var resourceVersion: String? }
        struct Object: Decodable { var metadata: Meta? }
        var type: String
        var object: Object?
    }

    struct Envelope<T: Decodable>: Decodable { var object: T }
    struct StatusEnvelope: Decodable { var object: KubernetesStatus }

    /// Decodes a line; throws `K8S_BAD_WATCH_EVENT` for anything that is not a watch event.
    public func decode(_ line: Data) throws -> Line {
        let decoder = JSONDecoder()
        let probe: Probe
        do { probe = try decoder.decode(Probe.self, from: line) } catch {
            throw bad(line, "\(error)")
        }
        switch probe.type {
        case "BOOKMARK":
            return .bookmark(resourceVersion: probe.object?.metadata?.resourceVersion ?? "")
        case "ERROR":
            do { return .error(try decoder.decode(StatusEnvelope.self, from: line).object) } catch {
                throw bad(line, "\(error)")
            }
        case "ADDED", "MODIFIED", "DELETED":
            let object: Object
            do { object = try decoder.decode(Envelope<Object>.self, from: line).object } catch {
                throw bad(line, "\(error)")
            }
            let meta = probe.object?.metadata
            let key = (meta?.namespace.map { $0 + "/" } ?? "") + (meta?.name ?? "")
            let kind = WatchEvent<Object>.Kind(rawValue: probe.type) ?? .modified
            return .event(WatchEvent(type: kind, object: object, resourceVersion: meta?.resourceVersion), key: key)
        default:
            throw bad(line, "unknown event type \(probe.type)")
        }
    }

    private func bad(_ line: Data, _ why: String) -> LabrunError {
        LabrunError(id: ErrorID.k8sBadWatchEvent, exitCode: ExitCode.external,
                    message: "A watch sent a line labrun could not decode as \(Object.self): \(why).",
                    debugDetail: String(decoding: line.prefix(2000), as: UTF8.self))
    }
}
