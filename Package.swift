// swift-tools-version: 6.2
// labrun — a local cluster lab and end-to-end test harness.
// Targets follow the layers of DESIGN §3; a layer imports only those below it:
//   C bridges → LabrunCore, YAMLSafety → clients → cluster providers → stack model → stack lifecycle
//   → scenario model (pure) → scenario engine (runtime) → LabrunCLI → labrun (thin main);
//   reports depend on the scenario model only
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "labrun",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "labrun", targets: ["labrun"]),
        .library(name: "LabrunKit", targets: ["LabrunCLI"]),
        // The parsers alone, for the coverage-guided fuzzers in fuzz/ (scripts/fuzz.sh).
        .library(name: "LabrunParsers", targets: ["LabrunCore", "ScenarioModel", "StackModel", "KubernetesClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // 1. C bridges (typed wrappers around variadic libcurl calls; libpq found through pkg-config; epoll).
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl")]),
        // Linux's epoll and eventfd (which Swift's Glibc module does not export) for the plain HTTP engine.
        .target(name: "CEpoll"),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"]), .brew(["libpq"])]),
        // OpenSSL's libcrypto: HMAC-SHA256 for the JSON Web Tokens of traffic.auth.jwt.
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]),

        // Shared basics: errors with ids and advice, redaction, process runner, clock, waits.
        .target(name: "LabrunCore", dependencies: [
            .product(name: "Subprocess", package: "swift-subprocess"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),

        // YAML read in bounded time and memory: aliases and nesting found from libyaml's events before
        // composing, syntax errors as positions without the offending text. Shared by the kubeconfig
        // loader and the scenario and stack parsers.
        .target(name: "YAMLSafety", dependencies: [.product(name: "Yams", package: "Yams")], swiftSettings: strict),

        // Fakes for unit tests (recording process runner, scripted HTTP transport). Never linked into labrun.
        .target(name: "LabrunTestSupport", dependencies: ["LabrunCore", "HTTPClient"], swiftSettings: strict),

        // 2. Clients.
        .target(name: "HTTPClient", dependencies: ["CCurl", "CEpoll", "LabrunCore"], exclude: ["README.md"], swiftSettings: strict),
        .target(name: "KubernetesClient", dependencies: [
            "CCurl", "LabrunCore", "HTTPClient", "YAMLSafety", .product(name: "Yams", package: "Yams"),
        ], exclude: ["README.md"], swiftSettings: strict),
        .target(name: "PostgresClient", dependencies: ["CLibPQ", "LabrunCore"], swiftSettings: strict),

        // The stack file's model: images, deploy source, workloads and roles, traffic, ledger. Pure data.
        .target(name: "StackModel", dependencies: ["LabrunCore"], swiftSettings: strict),

        // 3. Cluster providers.
        .target(name: "ClusterProviders", dependencies: ["LabrunCore", "KubernetesClient"], exclude: ["README.md"],
                swiftSettings: strict),

        // 4. Stack lifecycle: the one deployer (images, render, apply, readiness, access), status, init.
        .target(name: "StackLifecycle", dependencies: [
            "LabrunCore", "KubernetesClient", "HTTPClient", "PostgresClient", "ClusterProviders", "StackModel",
            .product(name: "Yams", package: "Yams"),
        ], exclude: ["README.md"], swiftSettings: strict),

        // 5a. Scenario model, pure: the scenario and stack file formats and their validation, results,
        // the pure evaluators and load statistics. Links no client: Reports depend on it alone.
        .target(name: "ScenarioModel", dependencies: [
            "LabrunCore", "StackModel", "YAMLSafety",
            .product(name: "Yams", package: "Yams"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ], swiftSettings: strict),

        // 5b. Scenario runtime: the runner, one executor per action, probes, the load, the suite.
        .target(name: "ScenarioEngine", dependencies: [
            "CCrypto", "LabrunCore", "KubernetesClient", "HTTPClient", "PostgresClient", "ClusterProviders", "StackModel",
            "StackLifecycle", "ScenarioModel",
        ], swiftSettings: strict),

        // 6. Reports: JUnit XML, JSON, HTML with an SVG timeline — from the model only.
        .target(name: "Reports", dependencies: ["LabrunCore", "ScenarioModel"], swiftSettings: strict),

        // 7. Commands (argument parsing only; work is done by the library) and the thin main.
        .target(name: "LabrunCLI", dependencies: [
            "LabrunCore", "KubernetesClient", "ClusterProviders", "StackModel", "StackLifecycle", "ScenarioModel", "ScenarioEngine", "Reports",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: strict),
        .executableTarget(name: "labrun", dependencies: ["LabrunCLI"], swiftSettings: strict),
        // Benchmarks of the clients against reference tools (kubectl, wrk) in the same run, and of the
        // parsers on the hostile corpus's worst inputs (made by LabrunTestSupport's generators).
        .executableTarget(name: "labrun-bench", dependencies: [
            "KubernetesClient", "HTTPClient", "LabrunCore", "StackModel", "ScenarioModel", "ScenarioEngine", "LabrunTestSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: strict),

        // Unit tests: logic with fakes and fixtures. Always run.
        .testTarget(name: "LabrunCoreTests", dependencies: ["LabrunCore", "LabrunTestSupport"], swiftSettings: strict),
        .testTarget(name: "ClientTests", dependencies: [
            "KubernetesClient", "HTTPClient", "PostgresClient", "LabrunCore", "LabrunTestSupport",
        ], resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(name: "ClusterProvidersTests", dependencies: ["ClusterProviders", "LabrunCore", "LabrunTestSupport"],
                    resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(name: "StackLifecycleTests", dependencies: ["StackLifecycle", "StackModel", "LabrunCore", "LabrunTestSupport"], swiftSettings: strict),
        .testTarget(name: "ScenarioEngineTests", dependencies: ["ScenarioEngine", "ScenarioModel", "StackModel", "StackLifecycle", "LabrunCore", "LabrunTestSupport"],
                    resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "ScenarioModel"], swiftSettings: strict),
        .testTarget(name: "LabrunCLITests", dependencies: [
            "LabrunCLI", "LabrunCore", "Reports", "ClusterProviders", "HTTPClient", "KubernetesClient", "StackLifecycle", "StackModel", "LabrunTestSupport",
        ], swiftSettings: strict),

        // Integration and end-to-end: real Postgres, real kube-apiserver, real cluster.
        // Each test checks its own environment variable and says plainly when it cannot run.
        .testTarget(name: "IntegrationTests", dependencies: [
            "KubernetesClient", "HTTPClient", "PostgresClient", "ClusterProviders", "StackModel", "StackLifecycle",
            "ScenarioModel", "ScenarioEngine", "Reports", "LabrunCore",
        ], swiftSettings: strict),
    ]
)
