import Foundation
import LabrunCore
import StackModel
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

/// Stack files: the todo stack's, the valid fixtures, and every invalid fixture with its exact errors.
@Suite struct StackParserTests {
    static let valid = TestPaths.yamlNames(in: "stacks/valid")
    static let invalid = TestPaths.yamlNames(in: "stacks/invalid")

    func load(_ name: String) throws -> Stack {
        try StackLoader().load(file: TestPaths.fixtures + "/stacks/valid/\(name).yaml", displayPath: "valid/\(name).yaml")
    }

    /// The errors of a stack file given as text, at `/lab/stack/labrun.yaml`.
    func errors(_ yaml: String) -> [String] {
        switch StackParser().parse(yaml: yaml, file: "labrun.yaml", absolutePath: "/lab/stack/labrun.yaml") {
        case .success: return []
        case .failure(let error): return error.errors.map(\.description)
        }
    }

    static let minimal = """
        apiVersion: labrun.dev/v1alpha1
        kind: Stack
        metadata: {name: x, description: d}
        deploy: {kustomize: k8s}
        workloads:
          web: {kind: Deployment, role: api, service: {name: web, port: 80}}
        traffic:
          operations:
            home: {path: /}

        """

    // MARK: The todo stack

    @Test func theTodoStackParses() throws {
        let stack = try StackLoader().load(pathOrDirectory: TestPaths.repositoryRoot + "/stack")
        #expect(stack.name == "todo")
        #expect(stack.file == TestPaths.todoStack)
        #expect(stack.root == TestPaths.repositoryRoot)
        #expect(stack.images.map(\.name) == ["backend", "frontend", "model-service", "postgres"])
        #expect(stack.images.map(\.repository) == ["labrun/todo-backend", "labrun/todo-frontend", "labrun/todo-model-service", "labrun/todo-postgres"])
        #expect(stack.images[0].build == .command(["docker/build.sh", "--tag", "${tag}", "--only", "backend"]))
        #expect(stack.images[0].inputs.contains("stack/backend/app"))
        #expect(stack.deploy == StackDeploy(source: .kustomize(directory: "kubernetes"), prepare: [["kubernetes/generate-secret.sh"]],
                                            scenarioSkipsKinds: ["HorizontalPodAutoscaler"]))
        #expect(stack.workloads == [
            StackWorkload(name: "backend", kind: .deployment, role: .api, container: "backend",
                          service: StackService(name: "backend", port: 8000, ready: "/readyz"), version: VersionSetting(env: "APP_VERSION")),
            StackWorkload(name: "frontend", kind: .deployment, role: .ui, container: "frontend",
                          service: StackService(name: "frontend", port: 8080, ready: "/api/readyz")),
            StackWorkload(name: "model-service", kind: .deployment, container: "model-service",
                          service: StackService(name: "model-service", port: 8000, ready: "/readyz"),
                          auth: .bearer(secret: "todo-model-control", key: "MODEL_CONTROL_TOKEN")),
            StackWorkload(name: "postgres", kind: .statefulSet, role: .database, container: "postgres",
                          service: StackService(name: "postgres", port: 5432)),
        ])
        #expect(stack.api?.name == "backend")
        #expect(stack.workload(role: .database)?.name == "postgres")
        #expect(stack.headers == ResponseHeaders(servedBy: "X-Served-By", version: "X-App-Version"))
        #expect(stack.database == StackDatabase(workload: "postgres", secret: "todo-db", userKey: "READER_DB_USER",
                                                passwordKey: "READER_DB_PASSWORD", databaseKey: "POSTGRES_DB"))
        #expect(stack.traffic.workload == "backend")
        #expect(stack.traffic.operations.map(\.name) == ["chat", "chat-start", "complete", "create", "get", "list"])
        #expect(stack.traffic.session == "conversation" && stack.traffic.producer(of: "conversation")?.name == "chat-start")
        #expect(stack.traffic.operation("chat")?.needs == ["conversation"])
        #expect(stack.traffic.operation("create") == TrafficOperation(
            name: "create", method: "POST", path: "/api/${user}/tasks", headers: ["Idempotency-Key": "${idempotencyKey}"],
            body: .object(["title": .string("labrun load"), "description": .string("written by the load generator as ${user}")]),
            captures: ["id": "/id"], write: true))
        #expect(stack.traffic.operation("list") == TrafficOperation(name: "list", method: "GET", path: "/api/${user}/tasks?limit=50"))
        #expect(stack.traffic.operation("get")?.needs == ["id"])
        #expect(stack.traffic.auth == .jwt(JWTAuth(secret: "todo-auth", key: "JWT_SECRET", claims: ["iss": "todo-auth", "aud": "todo-api"],
                                                    users: JWTAuth.users(count: 8, prefix: "labrun-user-"))))
        #expect(stack.traffic.operation("complete")?.write == true)
        #expect(stack.traffic.producer(of: "id")?.name == "create")
        #expect(stack.ledgers.map(\.name) == ["tasks", "conversations"])
        #expect(stack.ledgers.first == StackLedger(name: "tasks", operations: ["create"], query: "SELECT idempotency_key, count(*) FROM tasks "
                                                   + "WHERE idempotency_key LIKE $1 GROUP BY idempotency_key"))
        #expect(stack.ledgers.last?.operations == ["chat-start", "chat"])
        #expect(stack.path("kubernetes") == TestPaths.repositoryRoot + "/kubernetes")
    }

    @Test func theTodoStackFileStartsWithTheSchemaModeline() {
        #expect(TestPaths.read(TestPaths.todoStack).hasPrefix("# yaml-language-server: $schema=../specs/stack.schema.json\n"))
    }

    // MARK: Valid fixtures

    @Test(arguments: StackParserTests.valid)
    func validFixtureLoads(name: String) throws {
        let stack = try load(name)
        #expect(stack.images.map(\.name) == stack.images.map(\.name).sorted())
        #expect(stack.workloads.map(\.name) == stack.workloads.map(\.name).sorted())
        #expect(stack.traffic.operations.map(\.name) == stack.traffic.operations.map(\.name).sorted())
        #expect(stack.api != nil)
    }

    @Test func theMinimalStackTakesTheDefaults() throws {
        let stack = try load("minimal")
        let directory = TestPaths.fixtures + "/stacks/valid"
        #expect(stack.root == directory)
        #expect(stack.file == directory + "/minimal.yaml")
        #expect(stack.images.isEmpty)
        #expect(stack.deploy == StackDeploy(source: .kustomize(directory: "manifests")))
        #expect(stack.workloads == [StackWorkload(name: "web", kind: .deployment, role: .api, service: StackService(name: "web", port: 80))])
        #expect(stack.headers == ResponseHeaders())
        #expect(stack.database == nil)
        #expect(stack.ledgers.isEmpty)
        #expect(stack.traffic == StackTraffic(workload: "web", operations: [TrafficOperation(name: "home", method: "GET", path: "/")]))
    }

    @Test func overlaysPickAKustomizationPerProvider() {
        let yaml = Self.minimal.replacingOccurrences(of: "deploy: {kustomize: k8s}", with: "deploy:\n  kustomize: k8s\n  overlays: {minikube: k8s/minikube, bare: k8s/bare}")
        guard case .success(let stack) = StackParser().parse(yaml: yaml, file: "labrun.yaml", absolutePath: "/lab/stack/labrun.yaml") else {
            Issue.record("overlays were refused: \(errors(yaml))")
            return
        }
        #expect(stack.deploy.overlays == ["minikube": "k8s/minikube", "bare": "k8s/bare"])
        let wrong = Self.minimal.replacingOccurrences(of: "deploy: {kustomize: k8s}", with: "deploy:\n  kustomize: k8s\n  overlays: {minikub: k8s/m, kind: /abs}")
        #expect(errors(wrong).count == 2)
        #expect(errors(wrong).first?.contains("unknown key \"minikub\"; did you mean \"minikube\"?") == true)
    }

    @Test func trafficCredentialsComeFromASecret() {
        let yaml = Self.minimal + "  auth:\n    bearer: {secret: api-token, key: token}\n"
        guard case .success(let stack) = StackParser().parse(yaml: yaml, file: "labrun.yaml", absolutePath: "/lab/stack/labrun.yaml") else {
            Issue.record("traffic.auth was refused: \(errors(yaml))")
            return
        }
        #expect(stack.traffic.auth == .bearer(secret: "api-token", key: "token"))
        #expect(errors(Self.minimal + "  auth:\n    bearer: {secret: Api_Token}\n") == [
            "labrun.yaml:11:13: traffic.auth.bearer.key: missing required key \"key\"",
            "labrun.yaml:11:22: traffic.auth.bearer.secret: invalid name \"Api_Token\" (use lower-case letters, digits, dashes and dots, e.g. shop-db)",
        ])
        #expect(errors(Self.minimal + "  auth:\n    basic: {user: a}\n") == [
            "labrun.yaml:11:5: traffic.auth.basic: unknown key \"basic\" (expected one of: bearer, jwt)",
            "labrun.yaml:11:5: traffic.auth: needs \"bearer\" or \"jwt\"",
        ])
    }

    @Test func jwtAuthSignsATokenPerUserAndGivesTheLoadAUserVariable() throws {
        let yaml = Self.minimal.replacingOccurrences(of: "home: {path: /}", with: "home: {path: \"/api/${user}/items\"}")
            + "  auth:\n    jwt: {secret: app-auth, key: JWT_SECRET, claims: {iss: app, aud: api}, users: 3, ttl: 30m}\n"
        guard case .success(let stack) = StackParser().parse(yaml: yaml, file: "labrun.yaml", absolutePath: "/lab/stack/labrun.yaml") else {
            Issue.record("traffic.auth.jwt was refused: \(errors(yaml))")
            return
        }
        #expect(stack.traffic.auth == .jwt(JWTAuth(secret: "app-auth", key: "JWT_SECRET", claims: ["iss": "app", "aud": "api"],
                                                    users: ["labrun-user-1", "labrun-user-2", "labrun-user-3"], ttlSeconds: 1800)))
        let defaults = Self.minimal + "  auth:\n    jwt: {secret: app-auth, key: K, userPrefix: tester.}\n"
        guard case .success(let plain) = StackParser().parse(yaml: defaults, file: "labrun.yaml", absolutePath: "/lab/stack/labrun.yaml") else {
            Issue.record("defaults refused: \(errors(defaults))")
            return
        }
        #expect(plain.traffic.auth == .jwt(JWTAuth(secret: "app-auth", key: "K", users: ["tester.1"], ttlSeconds: 3600)))
    }

    @Test func isolationNamesWhereAnswersSayWhoseDataTheyCarry() throws {
        let yaml = Self.minimal + "  auth:\n    jwt: {secret: a, key: K, users: 2}\n  isolation:\n    owner: [/user_id, /items/*/user_id]\n"
        guard case .success(let stack) = StackParser().parse(yaml: yaml, file: "labrun.yaml", absolutePath: "/lab/stack/labrun.yaml") else {
            Issue.record("isolation was refused: \(errors(yaml))")
            return
        }
        #expect(stack.traffic.ownerPointers == ["/user_id", "/items/*/user_id"])
        #expect(errors(Self.minimal + "  isolation:\n    owner: [user_id]\n") == [
            "labrun.yaml:11:5: traffic.isolation: isolation is checked between users: add traffic.auth.jwt with users: 2 or more",
            "labrun.yaml:11:13: traffic.isolation.owner[0]: invalid JSON pointer \"user_id\" (a pointer starts with /, e.g. /id, or is \"\" for the whole body)",
        ])
    }

    @Test func jwtAuthMistakesAreNamed() {
        #expect(errors(Self.minimal + "  auth:\n    jwt: {secret: a, key: K, claims: {sub: me, exp: \"1\"}, users: 0, ttl: 10s, userPrefix: \"a b\"}\n") == [
            "labrun.yaml:11:39: traffic.auth.jwt.claims.sub: claim \"sub\" is set by labrun (sub is the user, iat and exp come from ttl); remove it",
            "labrun.yaml:11:48: traffic.auth.jwt.claims.exp: claim \"exp\" is set by labrun (sub is the user, iat and exp come from ttl); remove it",
            "labrun.yaml:11:66: traffic.auth.jwt.users: must be at least 1, got 0",
            "labrun.yaml:11:74: traffic.auth.jwt.ttl: a token's lifetime must be between 1m and 24h (a run outliving it would be refused half-way)",
            "labrun.yaml:11:91: traffic.auth.jwt.userPrefix: invalid user prefix \"a b\" (use letters, digits, dots, dashes, underscores or @, e.g. labrun-user-)",
        ])
        #expect(errors(Self.minimal + "  auth:\n    jwt: {secret: a, key: K}\n    bearer: {secret: a, key: K}\n") == [
            "labrun.yaml:11:5: traffic.auth.jwt: \"bearer\" and \"jwt\" exclude each other; keep one",
        ])
        let userWithoutTokens = Self.minimal.replacingOccurrences(of: "home: {path: /}", with: "home: {path: \"/api/${user}/items\"}")
        #expect(errors(userWithoutTokens) == [
            "labrun.yaml:9:18: traffic.operations.home.path: ${user} is the user a request acts as, which needs tokens per user: add traffic.auth.jwt",
        ])
    }

    /// `ledger` as one mapping (named writes) or a list of named ledgers, each tracking one operation or several.
    @Test func ledgersAreOneMappingOrANamedList() throws {
        // The minimal stack with a database and two writing operations.
        let writes = Self.minimal
            .replacingOccurrences(of: "  web: {kind: Deployment, role: api, service: {name: web, port: 80}}\n", with: """
                  web: {kind: Deployment, role: api, service: {name: web, port: 80}}
                  db: {kind: StatefulSet, role: database, service: {name: db, port: 5432}}
                database: {workload: db, secret: s, keys: {user: U, password: P, database: D}}

                """)
            .replacingOccurrences(of: "    home: {path: /}\n", with: """
                    create: {method: POST, path: /notes, headers: {Idempotency-Key: "${idempotencyKey}"}, write: true}
                    say: {method: POST, path: /say, body: {text: "${idempotencyKey}"}, write: true}
                    home: {path: /}

                """)
        let list = writes + """
            ledger:
              - {name: notes, operation: create, query: "SELECT k, count(*) FROM notes WHERE k LIKE $1 GROUP BY k"}
              - {name: said, operation: [say, create], query: "SELECT k, count(*) FROM said WHERE k LIKE $1 GROUP BY k"}

            """
        guard case .success(let stack) = StackParser().parse(yaml: list, file: "labrun.yaml", absolutePath: "/lab/stack/labrun.yaml") else {
            Issue.record("the list was refused: \(errors(list))")
            return
        }
        #expect(stack.ledgers.map(\.name) == ["notes", "said"])
        #expect(stack.ledgers.map(\.operations) == [["create"], ["say", "create"]])
        #expect(stack.ledger(named: nil)?.name == "notes" && stack.ledger(named: "said") != nil && stack.ledger(named: "x") == nil)
        let mistakes = writes + """
            ledger:
              - {name: notes, operation: create, query: "SELECT k, count(*) FROM n WHERE k LIKE $1 GROUP BY k"}
              - {name: notes, operation: say, query: "SELECT k, count(*) FROM n WHERE k LIKE $1 GROUP BY k"}
              - {operation: [create, create, home], query: "SELECT k, count(*) FROM n WHERE k LIKE $1 GROUP BY k"}
              - {name: e, operation: [], query: "SELECT k, count(*) FROM n WHERE k LIKE $1 GROUP BY k"}

            """
        #expect(errors(mistakes) == [
            "labrun.yaml:16:5: ledger[1].name: a second ledger named \"notes\"; each ledger needs a name of its own",
            "labrun.yaml:17:5: ledger[2].name: missing required key \"name\"",
            "labrun.yaml:17:26: ledger[2].operation[1]: operation \"create\" is listed twice",
            "labrun.yaml:17:34: ledger[2].operation[2]: operation \"home\" sends no ${idempotencyKey}, so the ledger cannot find its rows; "
                + "send one, e.g. headers: {Idempotency-Key: \"${idempotencyKey}\"}",
            "labrun.yaml:18:26: ledger[3].operation: the ledger tracks no operation; name at least one",
        ])
    }

    @Test func aWorkloadsOwnCredentialsAreOneBearerTokenForItsService() {
        let withAuth = Self.minimal.replacingOccurrences(of: "web: {kind: Deployment, role: api, service: {name: web, port: 80}}", with: """
            web: {kind: Deployment, role: api, service: {name: web, port: 80}}
              admin: {kind: Deployment, auth: {bearer: {secret: s, key: K}}}
              ops: {kind: Deployment, service: {name: ops, port: 81}, auth: {jwt: {secret: s, key: K}}}
            """)
        #expect(errors(withAuth) == [
            "labrun.yaml:7:35: workloads.admin.auth: a workload's auth is for requests to its Service; add a service",
            "labrun.yaml:8:65: workloads.ops.auth.bearer: missing required key \"bearer\"",
            "labrun.yaml:8:66: workloads.ops.auth.jwt: unknown key \"jwt\" (expected one of: bearer)",
        ])
    }

    @Test func helmAndDockerfileBuildsAreParsedWithTheirDefaults() throws {
        let stack = try load("helm-dockerfiles")
        #expect(stack.root == TestPaths.testsDirectory + "/Fixtures")
        #expect(stack.images[0] == StackImage(name: "api", repository: "registry.local:5000/shop/api", inputs: ["services/api", "go.mod", "go.sum"],
                                              build: .dockerfile(context: ".", dockerfile: "services/api/Dockerfile", args: [:])))
        #expect(stack.images[1].build == .dockerfile(context: "services/worker", dockerfile: "Dockerfile.worker",
                                                     args: ["GO_VERSION": "1.22", "CGO_ENABLED": "0"]))
        #expect(stack.deploy.source == .helm(chart: "charts/shop", release: "shop", valuesFiles: ["charts/shop/values-lab.yaml"], values: .object([
            "api": .object(["replicas": .number(2), "resources": .object(["limits": .object(["cpu": .string("500m")])])]),
            "featureFlags": .array([.string("fast-checkout")]),
        ])))
        #expect(stack.workloads.map(\.kind) == [.deployment, .daemonSet, .deployment])
        #expect(stack.workload("worker") == StackWorkload(name: "worker", kind: .deployment))
        #expect(stack.reachable.map(\.name) == ["api"])
        let order = try #require(stack.traffic.operation("order"))
        #expect(order.method == "PUT")
        #expect(order.body == .object(["items": .array([.object(["sku": .string("A-1"), "count": .number(2)])]), "note": .null,
                                       "gift": .bool(false), "total": .number(12.5)]))
        #expect(order.usesIdempotencyKey)
        #expect(stack.traffic.operation("browse")?.variables == ["sequence"])
    }

    @Test func everyKeyOfTheFullStackIsParsed() throws {
        let stack = try load("full")
        #expect(stack.images[0].build == .command(["scripts/build-image.sh", "--tag", "${tag}", "--image", "${image}",
                                                   "--repository", "${repository}", "api"]))
        #expect(stack.deploy.prepare == [["deploy/make-secret.sh", "--length", "32"], ["deploy/check.sh"]])
        #expect(stack.deploy.scenarioSkipsKinds == ["HorizontalPodAutoscaler", "PodDisruptionBudget"])
        #expect(stack.workloads.map(\.role) == [.api, .database, .ui])
        #expect(stack.database == StackDatabase(workload: "db", secret: "notes-db.credentials", userKey: "username",
                                                passwordKey: "password", databaseKey: "db.name"))
        #expect(stack.traffic.workload == "ui")
        #expect(stack.traffic.operations.map(\.method) == ["POST", "GET", "HEAD", "GET", "DELETE", "PATCH"])
        #expect(stack.traffic.operation("create")?.captures == ["note": "/id", "etag": "/meta/etag", "whole": ""])
        #expect(stack.traffic.operation("create")?.variables == ["idempotencyKey", "sequence"])
        #expect(stack.traffic.operation("read")?.needs == ["etag", "note"])
        #expect(stack.traffic.producer(of: "etag")?.name == "create")
        #expect(stack.ledgers.first?.query == "SELECT idempotency_key, count(*)\nFROM notes\nWHERE idempotency_key LIKE $1\nGROUP BY idempotency_key\n")
    }

    // MARK: Invalid fixtures

    @Test func theCorpusHasAtLeastThirtyFiveFilesEachWithItsExpectedErrors() {
        TestPaths.expectCorpus("stacks/invalid", atLeast: 35)
    }

    @Test(arguments: StackParserTests.invalid)
    func rejectedWithTheExactErrors(name: String) {
        TestPaths.expectRejected(TestPaths.fixtures + "/stacks/invalid/\(name)", shownAs: "invalid/\(name).yaml") { path, shown throws(ScenarioValidationError) in
            _ = try StackLoader().load(file: path, displayPath: shown)
        }
    }

    @Test func anAliasBombIsRefusedBeforeItIsExpanded() {
        let elapsed = ContinuousClock().measure {
            _ = try? StackLoader().load(file: TestPaths.fixtures + "/stacks/invalid/yaml-alias-bomb.yaml")
        }
        // Composing it alone takes minutes: one alias is a mapping key, and Yams hashes keys to find duplicates.
        #expect(elapsed < .seconds(2))
    }

    @Test func anInvalidStackIsAUserFacingError() {
        do throws(ScenarioValidationError) {
            _ = try StackLoader().load(file: TestPaths.fixtures + "/stacks/invalid/bad-ports.yaml", displayPath: "bad-ports.yaml")
            Issue.record("bad-ports.yaml was accepted")
        } catch {
            let labrun = error.stackLabrunError
            #expect(labrun.id == "STACK_INVALID")
            #expect(labrun.exitCode == ExitCode.invalidInput)
            #expect(labrun.message.hasPrefix("Found 5 errors in bad-ports.yaml; nothing was run:\nbad-ports.yaml:13:32: "))
            #expect(labrun.advice?.contains("specs/stack-format.md") == true)
        }
    }

    // MARK: Root and files

    @Test func theRootIsTheFilesDirectoryJoinedWithRoot() throws {
        func root(_ line: String) -> String? {
            let yaml = Self.minimal + line
            return try? StackParser().parse(yaml: yaml, file: "labrun.yaml", absolutePath: "/lab/stacks/shop/labrun.yaml").get().root
        }
        #expect(root("") == "/lab/stacks/shop")
        #expect(root("root: .") == "/lab/stacks/shop")
        #expect(root("root: ..") == "/lab/stacks")
        #expect(root("root: ../..") == "/lab")
        #expect(root("root: ../../../../..") == "/")
        #expect(root("root: ./src/../app/") == "/lab/stacks/shop/app")
        #expect(root("root: /srv") == nil)
        let stack = try StackParser().parse(yaml: Self.minimal + "root: ..", file: "x", absolutePath: "/lab/stacks/shop/./labrun.yaml").get()
        #expect(stack.file == "/lab/stacks/shop/labrun.yaml")
        #expect(stack.path("k8s") == "/lab/stacks/k8s")
    }

    @Test func aDirectoryIsReadThroughItsLabrunYaml() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("labrun-stack-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let loader = StackLoader()

        #expect(throws: ScenarioValidationError.self) { try loader.load(pathOrDirectory: directory, displayPath: "shop") }
        do throws(ScenarioValidationError) {
            _ = try loader.load(pathOrDirectory: directory, displayPath: "shop")
        } catch {
            #expect(error.description == "shop/labrun.yaml:1:1: no labrun.yaml in this directory; a stack's directory holds its stack file "
                    + "(the format is in specs/stack-format.md)")
        }
        do throws(ScenarioValidationError) {
            _ = try loader.load(file: directory, displayPath: "shop")
        } catch {
            #expect(error.description == "shop:1:1: is a directory; name the stack file in it (labrun.yaml)")
        }

        try Self.minimal.write(toFile: directory + "/labrun.yaml", atomically: true, encoding: .utf8)
        let stack = try loader.load(pathOrDirectory: directory)
        #expect(stack.name == "x")
        #expect(stack.root == URL(fileURLWithPath: directory).standardized.path)
        #expect(try loader.load(pathOrDirectory: directory + "/labrun.yaml") == stack)
    }

    @Test func missingAndOversizedFilesAreRefusedWithAMessage() throws {
        do throws(ScenarioValidationError) {
            _ = try StackLoader().load(file: "/nonexistent/labrun.yaml")
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.description == "/nonexistent/labrun.yaml:1:1: does not exist")
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("labrun-big-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data((Self.minimal + "# " + String(repeating: "x", count: StackLoader.maxFileSize) + "\n").utf8).write(to: URL(fileURLWithPath: path))
        do throws(ScenarioValidationError) {
            _ = try StackLoader().load(file: path, displayPath: "big.yaml")
            Issue.record("loaded a file over 1 MiB")
        } catch {
            #expect(error.description.hasPrefix("big.yaml:1:1: is 10"))
            #expect(error.description.hasSuffix(" bytes; a stack file is at most 1 MiB of YAML (is this the right file?)"))
        }
    }

    // MARK: Targeted checks

    @Test func controlCharactersNeverReachTheTerminal() {
        let found = errors(Self.minimal + "headers:\n  \"servedBy\\e[31m\": X\n")
        #expect(found == [#"labrun.yaml:11:3: headers."servedBy\u{1B}[31m": contains the control character U+001B; remove it (only | and > blocks may span lines)"#])
        #expect(YAMLReader.printable("a\tb\u{0}") == #"a\tb\u{0}"#)
    }

    @Test func aQueryMaySpanLinesInABlock() throws {
        let yaml = Self.minimal.replacingOccurrences(of: "home: {path: /}", with: "home: {path: /, write: true, headers: {K: \"${idempotencyKey}\"}}")
            + "database: {workload: web, secret: s, keys: {user: u, password: p, database: d}}\n"
            + "ledger:\n  operation: home\n  query: |\n    SELECT k,\n    \tcount(*) FROM t WHERE k LIKE $1 GROUP BY k\n"
        #expect(errors(yaml) == [])
    }

    @Test(arguments: [("labrun/todo-backend", true), ("registry.local:5000/shop/api", true), ("localhost/app", true),
                      ("localhost:5000/a/b", true), ("Registry.Example.com/shop", true), ("a__b/c-d/e.f/g---h", true), ("nginx", true),
                      ("shop/api:v1", false), ("shop/api@sha256:abc", false), ("Shop/api", false), ("shop//api", false),
                      ("shop/api/", false), ("/shop", false), ("shop/_api", false), ("shop/a___b", false), ("shop/a.-b", false),
                      ("host:/shop", false), ("ho_st.io/shop", false), ("", false)])
    func repositoriesFollowDockersGrammar(repository: String, valid: Bool) {
        #expect(NamePattern.imageRepository.matches(repository) == valid)
    }

    @Test func aMisspeltSectionKeyIsNotAlsoReportedAsMissing() {
        let yaml = Self.minimal.replacingOccurrences(of: "deploy: {kustomize: k8s}", with: "deploy: {kustomise: k8s}")
        #expect(errors(yaml) == [#"labrun.yaml:4:10: deploy.kustomise: unknown key "kustomise"; did you mean "kustomize"?"#])
    }
}
