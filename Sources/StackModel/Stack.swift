import LabrunCore

/// A stack under test, as its stack file (`labrun.yaml`) describes it.
///
/// labrun itself knows no stack: every image, workload, Service, request, header, Secret and SQL
/// query it uses to build, deploy, load and judge a stack comes from here. The format is
/// specified in `specs/stack-format.md` and `specs/stack.schema.json`; `StackParser` (in
/// ScenarioEngine) turns a file into this value, with located errors. Pure data: no I/O.
public struct Stack: Sendable, Hashable {
    public static let apiVersion = "labrun.dev/v1alpha1"
    public static let kind = "Stack"
    /// The file name labrun looks for in a stack's directory.
    public static let fileName = "labrun.yaml"

    public var name: String
    public var description: String
    /// Absolute path of the stack file (for messages).
    public var file: String
    /// Absolute directory every relative path of the file is resolved from (`root:`, default the file's directory).
    public var root: String
    /// Images by name, sorted by name.
    public var images: [StackImage]
    public var deploy: StackDeploy
    /// Workloads by name, sorted by name.
    public var workloads: [StackWorkload]
    /// Response headers that name the serving pod and the version.
    public var headers: ResponseHeaders
    /// The database the SQL assertions and the write ledger read; nil when the stack has none.
    public var database: StackDatabase?
    /// The requests the background load sends.
    public var traffic: StackTraffic
    /// How the write ledgers find the rows the load's writes made (the first is the default of a
    /// `writeLedger` assertion); none disables `writeLedger`.
    public var ledgers: [StackLedger]

    public init(name: String, description: String, file: String, root: String, images: [StackImage],
                deploy: StackDeploy, workloads: [StackWorkload], headers: ResponseHeaders,
                database: StackDatabase?, traffic: StackTraffic, ledgers: [StackLedger]) {
        self.name = name
        self.description = description
        self.file = file
        self.root = root
        self.images = images
        self.deploy = deploy
        self.workloads = workloads
        self.headers = headers
        self.database = database
        self.traffic = traffic
        self.ledgers = ledgers
    }

    /// An absolute path for a path written in the file.
    public func path(_ relative: String) -> String {
        if relative.hasPrefix("/") { return relative }
        var trimmed = Substring(relative)
        while trimmed.hasPrefix("./") { trimmed = trimmed.dropFirst(2) }
        return (root == "/" ? "/" : root + "/") + (trimmed.isEmpty ? "." : trimmed)
    }

    public func workload(_ name: String) -> StackWorkload? { workloads.first { $0.name == name } }

    /// The ledger named `name`, or the first one when `name` is nil.
    public func ledger(named name: String?) -> StackLedger? {
        guard let name else { return ledgers.first }
        return ledgers.first { $0.name == name }
    }

    /// The workload that plays `role`, if any (the parser allows each role once).
    public func workload(role: WorkloadRole) -> StackWorkload? { workloads.first { $0.role == role } }

    /// The workload that takes the load and HTTP checks by default (role `api`; the parser requires one).
    public var api: StackWorkload? { workload(role: .api) }

    /// Workloads that have a Service the host can reach.
    public var reachable: [StackWorkload] { workloads.filter { $0.service != nil } }

    /// The reachable workloads the host reaches through node ports or a tunnel: all but the database,
    /// which is never put on a node port (every node address would expose it) and is reached through
    /// a port-forward while labrun runs (issue 13).
    public var exposed: [StackWorkload] { reachable.filter { $0.role != .database } }
}

/// One image of the stack: how it is built and which files key its content hash.
public struct StackImage: Sendable, Hashable {
    /// The image's name in the stack file (a DNS label).
    public var name: String
    /// The repository the manifests name (`labrun/todo-backend`); labrun tags its build
    /// `<repository>:<hash of the inputs>` and puts that reference in every matching `image:`.
    public var repository: String
    /// Files and directories (relative to the root) whose bytes key the image's tag.
    public var inputs: [String]
    public var build: ImageBuild

    public init(name: String, repository: String, inputs: [String], build: ImageBuild) {
        self.name = name
        self.repository = repository
        self.inputs = inputs
        self.build = build
    }
}

/// How an image is built.
public enum ImageBuild: Sendable, Hashable {
    /// `docker build -f DOCKERFILE --build-arg K=V … -t REF CONTEXT` (paths relative to the root).
    case dockerfile(context: String, dockerfile: String, args: [String: String])
    /// A command of the stack's own, run from the root; `${tag}`, `${image}` (the full reference) and
    /// `${repository}` are replaced in its arguments. It must leave `${image}` in Docker.
    case command([String])
}

/// How the stack's objects are rendered.
public struct StackDeploy: Sendable, Hashable {
    public var source: ManifestSource
    /// Commands (argv, relative to the root) run before rendering, e.g. to write generated Secrets.
    public var prepare: [[String]]
    /// Kinds rendered but not applied in a scenario run (e.g. an autoscaler that would fight the scenario's replicas).
    public var scenarioSkipsKinds: [String]
    /// Provider name (`minikube`, `kind`, `bare`, `existing`) → the kustomization rendered instead of
    /// the source's on that provider (kustomize sources only; a chart has its `values-<provider>.yaml`).
    public var overlays: [String: String]

    public init(source: ManifestSource, prepare: [[String]] = [], scenarioSkipsKinds: [String] = [], overlays: [String: String] = [:]) {
        self.source = source
        self.prepare = prepare
        self.scenarioSkipsKinds = scenarioSkipsKinds
        self.overlays = overlays
    }

    /// The providers an overlay may name.
    public static let providers = ["minikube", "kind", "bare", "existing"]
}

/// Where the objects come from.
public enum ManifestSource: Sendable, Hashable {
    /// A kustomization directory (relative to the root).
    case kustomize(directory: String)
    /// A Helm chart (directory relative to the root) with values files and inline values.
    case helm(chart: String, release: String, valuesFiles: [String], values: JSONValue?)
}

/// What labrun needs a workload for.
public enum WorkloadRole: String, Sendable, Hashable, CaseIterable, Codable {
    /// Takes the background load and HTTP checks by default; its readiness path is waited on.
    case api
    /// The user interface: its URL is what `labrun up` prints first.
    case ui
    /// The database the write ledger and SQL assertions read; `restartPostgres` restarts it.
    case database
}

/// The controller kinds a workload may be.
public enum WorkloadKind: String, Sendable, Hashable, CaseIterable, Codable {
    case deployment = "Deployment"
    case statefulSet = "StatefulSet"
    case daemonSet = "DaemonSet"
}

/// One workload (a controller object in the rendered manifests).
public struct StackWorkload: Sendable, Hashable {
    /// The object's `metadata.name`, and how scenarios name it.
    public var name: String
    public var kind: WorkloadKind
    public var role: WorkloadRole?
    /// The main container (for versions, env and resources); nil is the pod's first container.
    public var container: String?
    /// The Service in front of it that the host reaches; nil when it has none.
    public var service: StackService?
    /// How a version is set; nil when the workload has no versions.
    public var version: VersionSetting?

    public init(name: String, kind: WorkloadKind, role: WorkloadRole? = nil, container: String? = nil,
                service: StackService? = nil, version: VersionSetting? = nil) {
        self.name = name
        self.kind = kind
        self.role = role
        self.container = container
        self.service = service
        self.version = version
    }
}

/// A Service the host reaches (through a NodePort twin or a port-forward).
public struct StackService: Sendable, Hashable {
    /// The Service's name in the manifests.
    public var name: String
    /// Its port.
    public var port: Int
    /// An HTTP path that answers 200 once the workload serves (for HTTP Services); nil for others.
    public var ready: String?

    public init(name: String, port: Int, ready: String? = nil) {
        self.name = name
        self.port = port
        self.ready = ready
    }
}

/// How a workload's version is set: the environment variable its main container reads.
public struct VersionSetting: Sendable, Hashable {
    public var env: String

    public init(env: String) { self.env = env }
}

/// The response headers labrun reads for its accounting.
public struct ResponseHeaders: Sendable, Hashable {
    /// The header that names the pod that served a request (for `servingPods`); nil when the stack sends none.
    public var servedBy: String?
    /// The header that carries the version that served a request (for `versionAccounting`).
    public var version: String?

    public init(servedBy: String? = nil, version: String? = nil) {
        self.servedBy = servedBy
        self.version = version
    }
}

/// How labrun reaches the database for SQL assertions and the ledger.
public struct StackDatabase: Sendable, Hashable {
    /// The database workload (its Service must be set).
    public var workload: String
    /// The Secret (in the stack's namespace) that holds the credentials.
    public var secret: String
    /// The Secret's keys of the user, password and database name.
    public var userKey: String
    public var passwordKey: String
    public var databaseKey: String

    public init(workload: String, secret: String, userKey: String, passwordKey: String, databaseKey: String) {
        self.workload = workload
        self.secret = secret
        self.userKey = userKey
        self.passwordKey = passwordKey
        self.databaseKey = databaseKey
    }
}

/// The background load's requests.
public struct StackTraffic: Sendable, Hashable {
    /// The workload whose Service receives them (default: the `api` workload).
    public var workload: String
    /// Operations by name, sorted by name.
    public var operations: [TrafficOperation]
    /// The credentials every request of the load and of a scenario's HTTP steps carries; nil for none.
    public var auth: TrafficAuth?
    /// `isolation.owner`: JSON pointers (`*` for every element or member) to the owner of the data an answer
    /// carries; every value found in a 2xx answer to the load must be the user the request acted as. Empty: not checked.
    public var ownerPointers: [String]
    /// `session`: a captured variable that names a session (a conversation, a cart); each request that
    /// carries it, or captures it, is recorded with its value, so a `sessions` assertion can tell which
    /// pods served each session. Nil: not recorded.
    public var session: String?

    public init(workload: String, operations: [TrafficOperation], auth: TrafficAuth? = nil, ownerPointers: [String] = [],
                session: String? = nil) {
        self.workload = workload
        self.operations = operations
        self.auth = auth
        self.ownerPointers = ownerPointers
        self.session = session
    }

    public func operation(_ name: String) -> TrafficOperation? { operations.first { $0.name == name } }

    /// The operation that captures `variable` from its responses (the parser allows one per variable).
    public func producer(of variable: String) -> TrafficOperation? {
        operations.first { $0.captures.keys.contains(variable) }
    }
}

/// Credentials for the stack's API, read from a Secret of the stack's namespace at run time (so
/// they never sit in the stack file, a report or a log: the value is redacted everywhere).
public enum TrafficAuth: Sendable, Hashable {
    /// `Authorization: Bearer <token>`, the token being `key` of Secret `secret`.
    case bearer(secret: String, key: String)
    /// `Authorization: Bearer <token>`, a JSON Web Token per user that labrun signs itself (`JWTAuth`).
    case jwt(JWTAuth)

    /// The users requests act as (`${user}`): the load spreads over them in turn, a scenario's HTTP steps act as
    /// the first. Empty for a single shared token.
    public var users: [String] {
        if case .jwt(let jwt) = self { return jwt.users }
        return []
    }
}

/// Tokens labrun signs for a stack whose API checks HS256 JSON Web Tokens with a shared secret (RFC 7519): the
/// HMAC key is `key` of Secret `secret`, read when the run starts; each user's token carries `sub` (the user),
/// `iat`, `exp` (`ttlSeconds` later) and `claims` (e.g. `iss`, `aud`). The key and every token are redacted.
public struct JWTAuth: Sendable, Hashable {
    /// Claims labrun sets itself; a stack file cannot.
    public static let reservedClaims: Set<String> = ["sub", "iat", "exp", "nbf"]
    /// The users' names: `labrun-user-1`, `labrun-user-2`, … (`userPrefix` then a number).
    public static func users(count: Int, prefix: String) -> [String] { (1...max(1, count)).map { prefix + String($0) } }

    public var secret: String
    public var key: String
    /// String claims every token carries besides `sub`, `iat` and `exp`, sorted by name when signed.
    public var claims: [String: String]
    public var users: [String]
    public var ttlSeconds: Int

    public init(secret: String, key: String, claims: [String: String] = [:], users: [String], ttlSeconds: Int = 3600) {
        self.secret = secret
        self.key = key
        self.claims = claims
        self.users = users
        self.ttlSeconds = ttlSeconds
    }
}

/// One named request template of the load.
///
/// Placeholders `${name}` in the path, header values and string leaves of the body are replaced
/// per request: `${idempotencyKey}` (unique per request and run), `${sequence}` (the request's
/// number), `${user}` (the user it acts as, with `auth.jwt`), and any variable an operation captures
/// (`${id}`), taken in turn from earlier responses of the same user.
public struct TrafficOperation: Sendable, Hashable {
    public static let builtinVariables = ["idempotencyKey", "sequence", "user"]

    public var name: String
    public var method: String
    /// Path and query template, starting with `/`.
    public var path: String
    public var headers: [String: String]
    public var body: JSONValue?
    /// Variable → RFC 6901 JSON pointer into a successful response's body (`id: /id`).
    public var captures: [String: String]
    /// Whether the operation writes (for the report and the ledger's accounting).
    public var write: Bool

    public init(name: String, method: String, path: String, headers: [String: String] = [:], body: JSONValue? = nil,
                captures: [String: String] = [:], write: Bool = false) {
        self.name = name
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.captures = captures
        self.write = write
    }

    /// Every `${…}` variable the template uses, sorted.
    public var variables: [String] {
        var found = Set<String>()
        var texts = [path] + headers.keys + headers.values
        func collect(_ value: JSONValue) {
            switch value {
            case .string(let text): texts.append(text)
            case .array(let items): items.forEach(collect)
            case .object(let members): members.forEach { texts.append($0.key); collect($0.value) }
            default: break
            }
        }
        if let body { collect(body) }
        for text in texts { found.formUnion(Placeholders.names(in: text)) }
        return found.sorted()
    }

    /// Variables taken from earlier responses (every variable but the built-in ones).
    public var needs: [String] { variables.filter { !Self.builtinVariables.contains($0) } }

    /// Whether each request carries a fresh idempotency key.
    public var usesIdempotencyKey: Bool { variables.contains("idempotencyKey") }
}

/// How a write ledger counts the rows of the load's writes.
public struct StackLedger: Sendable, Hashable {
    /// The name a `writeLedger` assertion uses (`ledger: conversations`); a stack file with one ledger
    /// written as a mapping calls it `writes`.
    public var name: String
    /// The operations whose idempotency keys the ledger tracks (each must use `${idempotencyKey}`).
    public var operations: [String]
    /// A read-only query with one parameter, `$1`, a LIKE pattern of the run's keys; it returns
    /// one row per key found: the key in its first column, the number of rows in its second.
    public var query: String

    public static let defaultName = "writes"

    public init(name: String = StackLedger.defaultName, operations: [String], query: String) {
        self.name = name
        self.operations = operations
        self.query = query
    }
}

/// `${name}` placeholders in template text.
public enum Placeholders {
    /// The names used in `text`, in order of appearance (a `$` not followed by `{` is literal).
    public static func names(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { break }
            names.append(String(rest[start.upperBound..<end]))
            rest = rest[rest.index(after: end)...]
        }
        return names
    }

    /// `text` with each `${name}` replaced by `values[name]` (unknown names are left as written).
    public static func substitute(_ text: String, _ values: [String: String]) -> String {
        guard text.contains("${") else { return text }
        var out = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { break }
            out += rest[..<start.lowerBound]
            let name = String(rest[start.upperBound..<end])
            out += values[name] ?? "${\(name)}"
            rest = rest[rest.index(after: end)...]
        }
        return out + rest
    }
}

/// The namespaces Kubernetes itself uses. labrun never deletes them (`labrun down`) and a run never
/// reuses them (`setup.reuseNamespace`, `--reuse-namespace`): a run kills, scales and cuts off what
/// it runs beside.
public enum SystemNamespaces {
    public static let names: Set<String> = ["default", "kube-system", "kube-public", "kube-node-lease"]
}
