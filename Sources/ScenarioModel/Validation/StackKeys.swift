/// The keys each mapping of a stack file allows (the schema-agreement test compares them with
/// `specs/stack.schema.json`).
enum StackKeys {
    static let top = ["apiVersion", "kind", "metadata", "root", "images", "deploy", "workloads", "headers", "database",
                      "traffic", "ledger"]
    static let topRequired = ["apiVersion", "kind", "metadata", "deploy", "workloads", "traffic"]
    static let metadata = ["name", "description"]
    static let image = ["repository", "inputs", "build"]
    static let build = ["command", "dockerfile"]
    static let dockerfile = ["dockerfile", "context", "args"]
    static let deploy = ["kustomize", "helm", "prepare", "scenarioSkipsKinds", "overlays"]
    static let helm = ["chart", "release", "valuesFiles", "values"]
    static let workload = ["kind", "role", "container", "service", "version"]
    static let service = ["name", "port", "ready"]
    static let version = ["env"]
    static let headers = ["servedBy", "version"]
    static let database = ["workload", "secret", "keys"]
    static let databaseKeys = ["user", "password", "database"]
    static let traffic = ["workload", "operations", "auth", "isolation", "session"]
    static let isolation = ["owner"]
    static let auth = ["bearer", "jwt"]
    static let bearer = ["secret", "key"]
    static let jwt = ["secret", "key", "claims", "users", "userPrefix", "ttl"]
    static let operation = ["method", "path", "headers", "body", "capture", "write"]
    static let ledger = ["name", "operation", "query"]
    static let ledgerRequired = ["operation", "query"]

    /// Placeholders a build command may use.
    static let buildPlaceholders = ["tag", "image", "repository"]
}
