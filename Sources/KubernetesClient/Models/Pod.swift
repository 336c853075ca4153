import LabrunCore

/// A Pod (core/v1).
public struct Pod: KubernetesResource, Equatable {
    public static let resourceType = ResourceType.pods
    public var apiVersion: String? = "v1"
    public var kind: String? = "Pod"
    public var metadata: ObjectMeta
    public var spec: PodSpec?
    public var status: PodStatus?

    public init(metadata: ObjectMeta, spec: PodSpec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }

    /// True when the `Ready` condition is `True`.
    public var isReady: Bool { status?.conditions?.first { $0.type == "Ready" }?.isTrue ?? false }
    /// `status.phase` (`Pending`, `Running`, `Succeeded`, `Failed`, `Unknown`).
    public var phase: String? { status?.phase }
    /// Restarts summed over the pod's containers.
    public var restartCount: Int { status?.containerStatuses?.reduce(0) { $0 + ($1.restartCount ?? 0) } ?? 0 }
}

/// What a pod runs.
public struct PodSpec: Codable, Sendable, Equatable {
    public var containers: [Container]
    public var initContainers: [Container]?
    public var nodeName: String?
    public var nodeSelector: [String: String]?
    public var restartPolicy: String?
    public var terminationGracePeriodSeconds: Int?
    public var serviceAccountName: String?
    /// Volumes, untyped.
    public var volumes: [JSONValue]?
    /// Pod-level securityContext, untyped.
    public var securityContext: JSONValue?

    public init(containers: [Container], nodeSelector: [String: String]? = nil, restartPolicy: String? = nil,
                terminationGracePeriodSeconds: Int? = nil) {
        self.containers = containers
        self.nodeSelector = nodeSelector
        self.restartPolicy = restartPolicy
        self.terminationGracePeriodSeconds = terminationGracePeriodSeconds
    }
}

/// One container of a pod.
public struct Container: Codable, Sendable, Equatable {
    public var name: String
    public var image: String?
    public var imagePullPolicy: String?
    public var command: [String]?
    public var args: [String]?
    public var env: [EnvVar]?
    public var ports: [ContainerPort]?
    /// Requests and limits, untyped.
    public var resources: JSONValue?
    public var readinessProbe: JSONValue?
    public var livenessProbe: JSONValue?
    public var securityContext: JSONValue?
    public var volumeMounts: [JSONValue]?

    public init(name: String, image: String? = nil, command: [String]? = nil, args: [String]? = nil,
                env: [EnvVar]? = nil, ports: [ContainerPort]? = nil, imagePullPolicy: String? = nil) {
        self.name = name
        self.image = image
        self.command = command
        self.args = args
        self.env = env
        self.ports = ports
        self.imagePullPolicy = imagePullPolicy
    }
}

/// An environment variable (plain value; `valueFrom` kept untyped).
public struct EnvVar: Codable, Sendable, Equatable {
    public var name: String
    public var value: String?
    public var valueFrom: JSONValue?

    public init(name: String, value: String? = nil) {
        self.name = name
        self.value = value
    }
}

/// A port a container listens on.
public struct ContainerPort: Codable, Sendable, Equatable {
    public var name: String?
    public var containerPort: Int
    public var `protocol`: String?

    public init(name: String? = nil, containerPort: Int) {
        self.name = name
        self.containerPort = containerPort
    }
}

/// What a pod is doing.
public struct PodStatus: Codable, Sendable, Equatable {
    public var phase: String?
    public var conditions: [Condition]?
    public var podIP: String?
    public var hostIP: String?
    public var startTime: String?
    public var reason: String?
    public var message: String?
    public var containerStatuses: [ContainerStatus]?
    public var initContainerStatuses: [ContainerStatus]?
}

/// A container's state.
public struct ContainerStatus: Codable, Sendable, Equatable {
    public var name: String
    public var ready: Bool?
    public var started: Bool?
    public var restartCount: Int?
    public var image: String?
    public var imageID: String?
    public var containerID: String?
    public var state: ContainerState?
    public var lastState: ContainerState?
}

/// Running, waiting or terminated (exactly one is set).
public struct ContainerState: Codable, Sendable, Equatable {
    public struct Running: Codable, Sendable, Equatable { public var startedAt: String? }
    public struct Waiting: Codable, Sendable, Equatable { public var reason: String?; public var message: String? }
    public struct Terminated: Codable, Sendable, Equatable {
        public var exitCode: Int?
        public var signal: Int?
        public var reason: String?
        public var message: String?
        public var startedAt: String?
        public var finishedAt: String?
    }

    public var running: Running?
    public var waiting: Waiting?
    public var terminated: Terminated?
}

/// A pod template (Deployments, StatefulSets).
public struct PodTemplateSpec: Codable, Sendable, Equatable {
    public var metadata: ObjectMeta?
    public var spec: PodSpec?

    public init(metadata: ObjectMeta? = nil, spec: PodSpec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}
