import Foundation
import HTTPClient

/// Builds the URL of every API request. Pure, so each verb's URL is unit-tested.
public struct KubernetesPaths: Sendable {
    /// `https://host:port` (no trailing slash).
    public let server: String

    public init(server: String) { self.server = server.hasSuffix("/") ? String(server.dropLast()) : server }

    /// `/api/v1/namespaces/ns/pods/name/log`, or the cluster-wide collection when `namespace` is nil.
    public func path(_ resource: ResourceType, namespace: String?, name: String? = nil, subresource: String? = nil) -> String {
        var path = resource.basePath
        if resource.namespaced, let namespace { path += "/namespaces/\(segment(namespace))" }
        path += "/\(resource.plural)"
        if let name { path += "/\(segment(name))" }
        if let subresource { path += "/\(subresource)" }
        return path
    }

    /// `server + path + ?query` with every query value percent-encoded.
    public func url(_ path: String, query: [(String, String)] = []) -> String {
        guard !query.isEmpty else { return server + path }
        let encoded = query.map { "\(KubernetesPaths.encode($0.0))=\(KubernetesPaths.encode($0.1))" }.joined(separator: "&")
        return server + path + "?" + encoded
    }

    // MARK: Verbs

    public func get(_ resource: ResourceType, namespace: String?, name: String) -> String {
        url(path(resource, namespace: namespace, name: name))
    }

    public func list(_ resource: ResourceType, namespace: String?, options: ListOptions) -> String {
        var query: [(String, String)] = []
        if let value = options.labelSelector, !value.isEmpty { query.append(("labelSelector", value)) }
        if let value = options.fieldSelector, !value.isEmpty { query.append(("fieldSelector", value)) }
        if let value = options.limit { query.append(("limit", String(value))) }
        if let value = options.continueToken { query.append(("continue", value)) }
        if let value = options.resourceVersion { query.append(("resourceVersion", value)) }
        return url(path(resource, namespace: namespace), query: query)
    }

    public func create(_ resource: ResourceType, namespace: String?, fieldManager: String = "labrun") -> String {
        url(path(resource, namespace: namespace), query: [("fieldManager", fieldManager)])
    }

    public func replace(_ resource: ResourceType, namespace: String?, name: String, fieldManager: String = "labrun") -> String {
        url(path(resource, namespace: namespace, name: name), query: [("fieldManager", fieldManager)])
    }

    public func delete(_ resource: ResourceType, namespace: String?, name: String, options: DeleteOptions) -> String {
        var query: [(String, String)] = []
        if let value = options.gracePeriodSeconds { query.append(("gracePeriodSeconds", String(value))) }
        if let value = options.propagationPolicy { query.append(("propagationPolicy", value.rawValue)) }
        return url(path(resource, namespace: namespace, name: name), query: query)
    }

    public func patch(_ resource: ResourceType, namespace: String?, name: String, fieldManager: String = "labrun") -> String {
        url(path(resource, namespace: namespace, name: name), query: [("fieldManager", fieldManager)])
    }

    public func apply(_ resource: ResourceType, namespace: String?, name: String, options: ApplyOptions) -> String {
        var query: [(String, String)] = [("fieldManager", options.fieldManager)]
        if options.force { query.append(("force", "true")) }
        if options.dryRun { query.append(("dryRun", "All")) }
        return url(path(resource, namespace: namespace, name: name), query: query)
    }

    public func watch(_ resource: ResourceType, namespace: String?, options: WatchOptions, resourceVersion: String?) -> String {
        var query: [(String, String)] = [("watch", "1")]
        if let value = options.labelSelector, !value.isEmpty { query.append(("labelSelector", value)) }
        if let value = options.fieldSelector, !value.isEmpty { query.append(("fieldSelector", value)) }
        if let resourceVersion { query.append(("resourceVersion", resourceVersion)) }
        query.append(("allowWatchBookmarks", "true"))
        query.append(("timeoutSeconds", String(options.requestTimeout)))
        return url(path(resource, namespace: namespace), query: query)
    }

    public func logs(namespace: String, pod: String, options: LogOptions) -> String {
        var query: [(String, String)] = []
        if let value = options.container { query.append(("container", value)) }
        if let value = options.tailLines { query.append(("tailLines", String(value))) }
        if let value = options.sinceSeconds { query.append(("sinceSeconds", String(value))) }
        if let value = options.limitBytes { query.append(("limitBytes", String(value))) }
        if options.previous { query.append(("previous", "true")) }
        if options.timestamps { query.append(("timestamps", "true")) }
        return url(path(.pods, namespace: namespace, name: pod, subresource: "log"), query: query)
    }

    // MARK: Encoding

    private func segment(_ text: String) -> String { KubernetesPaths.encode(text) }

    private static let allowed: CharacterSet = {
        var set = CharacterSet.alphanumerics
        set.insert(charactersIn: "-._~")
        return set
    }()

    /// Percent-encodes everything but unreserved characters (RFC 3986).
    public static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// Options of a pod log read.
public struct LogOptions: Sendable, Equatable {
    public var container: String?
    public var tailLines: Int?
    public var sinceSeconds: Int?
    public var limitBytes: Int?
    /// The previous (crashed) instance's log.
    public var previous: Bool
    public var timestamps: Bool

    public init(container: String? = nil, tailLines: Int? = nil, sinceSeconds: Int? = nil, limitBytes: Int? = nil,
                previous: Bool = false, timestamps: Bool = false) {
        self.container = container
        self.tailLines = tailLines
        self.sinceSeconds = sinceSeconds
        self.limitBytes = limitBytes
        self.previous = previous
        self.timestamps = timestamps
    }
}
