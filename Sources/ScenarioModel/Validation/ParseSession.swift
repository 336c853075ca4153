import LabrunCore
import StackModel
import Yams

/// The state of one parse: the reader collecting errors, the stack whose names the scenario may
/// use, and what later checks need (step names).
final class ParseSession {
    let reader: YAMLReader
    let stack: Stack
    /// The step names in order, for references from assertions (and as a set, to check each in constant time).
    var stepNames: [String] = []
    var stepNameSet: Set<String> = []
    /// References to steps, checked once every step is known.
    var stepReferences: [(name: String, at: Located)] = []
    /// What needs the background load (assertions that read its records, invariants over its phases), and
    /// why in words ("writeLedger reads the background load's requests"), checked once `load` is known.
    var loadUsers: [(why: String, at: Located)] = []

    init(reader: YAMLReader, stack: Stack) {
        self.reader = reader
        self.stack = stack
    }

    static let maxSuggestedSteps = 200

    static let topLevelKeys = ["apiVersion", "kind", "metadata", "setup", "steadyState", "load", "steps", "assertions", "cleanup"]

    func scenario(_ root: Located, expectedName: String?) -> Scenario? {
        guard let fields = reader.fields(root, allowed: Self.topLevelKeys,
                                         required: ["apiVersion", "kind", "metadata", "steps"], what: "a scenario") else { return nil }
        fields.constant("apiVersion", Scenario.apiVersion)
        fields.constant("kind", Scenario.kind)
        let metadata = fields.value("metadata").flatMap { self.metadata($0, expectedName: expectedName) }
        let setup = fields.value("setup").map { self.setup($0) } ?? ScenarioSetup()
        let steadyState = fields.value("steadyState").flatMap { self.steadyState($0) }
        let load = fields.value("load").flatMap { self.load($0) }
        let steps = fields.value("steps").map { self.steps($0) } ?? []
        let assertions = fields.value("assertions").map { self.assertions($0) } ?? []
        let cleanup = fields.value("cleanup").map { self.operations($0) } ?? []
        checkReferences(hasLoad: fields.has("load"))
        guard let metadata, let setup else { return nil }
        return Scenario(metadata: metadata, setup: setup, steadyState: steadyState, load: load,
                        steps: steps, assertions: assertions, cleanup: cleanup)
    }

    func metadata(_ value: Located, expectedName: String?) -> ScenarioMetadata? {
        guard let fields = reader.fields(value, allowed: ["name", "description", "labels", "timeout", "exclusive", "slots", "regressionPercent"],
                                         required: ["name", "description"]) else { return nil }
        let name = fields.string("name", pattern: .dnsLabel)
        if let name, let expectedName, name != expectedName, let at = fields.value("name") {
            reader.error("name \"\(name)\" does not match the file name \"\(expectedName).yaml\"; rename one of them",
                         at: at.node, at.path)
        }
        let description = fields.string("description")
        let labels = fields.has("labels") ? fields.value("labels").flatMap(reader.labels) : [:]
        let timeout = fields.has("timeout") ? fields.duration("timeout") : ScenarioMetadata.defaultTimeout
        let exclusive = fields.has("exclusive") ? fields.bool("exclusive") : false
        let slots = fields.has("slots") ? fields.int("slots", min: 1, max: ScenarioMetadata.maxSlots) : 1
        let regression = fields.has("regressionPercent")
            ? fields.number("regressionPercent", min: 0, max: ScenarioMetadata.maxRegressionPercent, minExclusive: true)
            : ScenarioMetadata.defaultRegressionPercent
        guard let name, let description, let labels, let timeout, let exclusive, let slots, let regression else { return nil }
        return ScenarioMetadata(name: name, description: description, labels: labels, timeout: timeout, exclusive: exclusive,
                                slots: slots, regressionPercent: regression)
    }

    func setup(_ value: Located) -> ScenarioSetup? {
        guard let fields = reader.fields(value, allowed: ["reuseNamespace", "workloads", "values", "keepKinds", "changes"]) else { return nil }
        var namespace: String?
        if let raw = fields.value("reuseNamespace"), let name = reader.string(raw) {
            if let problem = KubernetesNames.reusableNamespaceProblem(name) {
                reader.error(problem, at: raw.node, raw.path)
            } else {
                namespace = name
            }
        }
        var workloads: [String: WorkloadShape]? = [:]
        if let raw = fields.value("workloads"), let shapes = reader.fields(raw, allowed: stack.workloads.map(\.name)) {
            for member in shapes.members {
                guard let shape = workloadShape(Located(node: member.value, path: raw.path.key(member.key)), workload: member.key) else {
                    workloads = nil
                    continue
                }
                workloads?[member.key] = shape
            }
        } else if fields.has("workloads") {
            workloads = nil
        }
        var values: [String: JSONValue]? = [:]
        if let raw = fields.value("values") {
            if case .helm = stack.deploy.source {
                if case .object(let members)? = reader.json(raw) { values = members } else {
                    if case .mapping = raw.node {} else { reader.typeError(expected: "a mapping of Helm values", raw) }
                    values = nil
                }
            } else {
                reader.error("the stack \(stack.name) is deployed with kustomize, which takes no Helm values; "
                             + "set replicas, version, env and resources under setup.workloads", at: raw.node, raw.path)
                values = nil
            }
        }
        // Each list is nil when it, or any of its items, was refused (the error is recorded).
        func list<T>(_ key: String, _ item: (Located) -> T?) -> [T]? {
            guard fields.has(key) else { return [] }
            guard let items = fields.sequence(key) else { return nil }
            let parsed = items.compactMap(item)
            return parsed.count == items.count ? parsed : nil
        }
        let keepKinds = list("keepKinds") {
            reader.choice($0, stack.deploy.scenarioSkipsKinds, noun: "kind the stack file leaves out of scenarios (deploy.scenarioSkipsKinds)")
        }
        let changes = list("changes", objectChange)
        guard let workloads, let values, let keepKinds, let changes, !(fields.has("reuseNamespace") && namespace == nil) else { return nil }
        return ScenarioSetup(reuseNamespace: namespace, workloads: workloads, values: values, keepKinds: keepKinds, changes: changes)
    }

    /// One of `setup.changes`: `{kind, name, set: /json/pointer, value}` or `{kind, name, remove: /json/pointer}`.
    func objectChange(_ value: Located) -> StackVariant.Change? {
        guard let fields = reader.fields(value, allowed: ["kind", "name", "set", "value", "remove"], required: ["kind", "name"]) else { return nil }
        let kind = fields.string("kind")
        let name = fields.string("name")
        guard let operation = fields.exactlyOne(of: ["set", "remove"]), let kind, let name,
              let pointer = fields.string(operation) else { return nil }
        guard pointer.hasPrefix("/"), pointer.count > 1 else {
            fields.error("`\(operation)` takes a JSON pointer into the object, like /spec/replicas", at: operation)
            return nil
        }
        if operation == "remove" {
            if fields.has("value") { fields.error("`remove` takes no `value`", at: "value"); return nil }
            return StackVariant.Change(kind: kind, name: name, path: pointer)
        }
        guard fields.has("value") else { fields.error("`set` needs a `value`", at: "set"); return nil }
        guard let json = fields.json("value") else { return nil }
        return StackVariant.Change(kind: kind, name: name, path: pointer, value: json)
    }

    func workloadShape(_ value: Located, workload: String) -> WorkloadShape? {
        guard let fields = reader.fields(value, allowed: ["replicas", "version", "env", "resources"]) else { return nil }
        let replicas = fields.has("replicas") ? fields.int("replicas", min: 0, max: 50) : nil
        let version = fields.has("version") ? fields.string("version", pattern: .version) : nil
        let env = fields.has("env") ? fields.value("env").flatMap { reader.stringMap($0, keys: .environmentName) } : [:]
        let resources = fields.has("resources") ? fields.json("resources") : nil
        if fields.has("version"), stack.workload(workload)?.version == nil {
            fields.error(Self.noVersionSetting(workload), at: "version")
            return nil
        }
        if let resources, resources.objectValue == nil {
            fields.error("must be a mapping (requests, limits)", at: "resources")
            return nil
        }
        guard !(fields.has("replicas") && replicas == nil), !(fields.has("version") && version == nil), let env,
              !(fields.has("resources") && resources == nil) else { return nil }
        return WorkloadShape(replicas: replicas, version: version, env: env, resources: resources)
    }

    /// Why a version cannot be set on `workload`: its stack file says nothing of how.
    static func noVersionSetting(_ workload: String) -> String {
        "the stack file says nothing of how \(workload)'s version is set; add workloads.\(workload).version.env to it"
    }

    func steadyState(_ value: Located) -> SteadyState? {
        guard let fields = reader.fields(value, allowed: ["timeout", "recovery", "checks"], required: ["checks"]) else { return nil }
        let timeout = fields.has("timeout") ? fields.duration("timeout") : SteadyState.defaultTimeout
        let recovery = fields.has("recovery") ? fields.duration("recovery") : SteadyState.defaultRecovery
        var checks: [Assertion]?
        if let list = fields.value("checks") {
            checks = assertions(list, only: AssertionKind.steadyStateKindNames)
            if case .sequence(let items) = list.node, items.isEmpty {
                reader.error("needs at least one check", at: list.node, list.path)
            }
        }
        guard let timeout, let recovery, let checks else { return nil }
        return SteadyState(timeout: timeout, recovery: recovery, checks: checks)
    }

    /// Checks the references collected while parsing: step names and sections assertions need.
    /// Linear in the references and steps: a set lookup each, and suggestions only for the errors shown
    /// and among at most `maxSuggestedSteps` steps (a scenario has a few dozen; past that, the list is shown).
    func checkReferences(hasLoad: Bool) {
        let shownNames = 10
        let known = stepNames.isEmpty ? "the scenario has no steps"
            : "steps are: \(stepNames.prefix(shownNames).joined(separator: ", "))"
                + (stepNames.count > shownNames ? " and \(stepNames.count - shownNames) more" : "")
        for reference in stepReferences where !stepNameSet.contains(reference.name) {
            let close = stepNames.count <= Self.maxSuggestedSteps ? Suggestion.closest(to: reference.name, in: stepNames) : nil
            reader.error("unknown step \(YAMLReader.quote(reference.name))" + (close.map { "; did you mean \"\($0)\"?" } ?? " (\(known))"),
                         at: reference.at.node, reference.at.path)
        }
        if !hasLoad {
            for user in loadUsers {
                reader.error("\(user.why); add a \"load\" section", at: user.at.node, user.at.path)
            }
        }
    }
}
