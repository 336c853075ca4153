// swift-tools-version: 6.2
// Coverage-guided fuzzers (libFuzzer) for labrun's parsers: the scenario file, the stack file and the
// kubeconfig. Built and run by scripts/fuzz.sh only, with -sanitize=fuzzer,address; a plain
// `swift build` of the main package never sees this package.
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "labrun-fuzz",
    dependencies: [.package(name: "labrun", path: "..")],
    targets: [
        // libFuzzer's driver entry point (LLVMFuzzerRunDriver), declared for Swift.
        .target(name: "CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer", .product(name: "LabrunParsers", package: "labrun")],
                swiftSettings: strict),
        .executableTarget(name: "fuzz-scenario", dependencies: [
            "FuzzSupport", .product(name: "LabrunParsers", package: "labrun"),
        ], swiftSettings: strict),
        .executableTarget(name: "fuzz-stack", dependencies: [
            "FuzzSupport", .product(name: "LabrunParsers", package: "labrun"),
        ], swiftSettings: strict),
        .executableTarget(name: "fuzz-kubeconfig", dependencies: [
            "FuzzSupport", .product(name: "LabrunParsers", package: "labrun"),
        ], swiftSettings: strict),
    ]
)
