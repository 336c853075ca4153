import Foundation
import LabrunCore
import Testing
@testable import KubernetesClient

/// Inputs the fuzzers found (`scripts/fuzz.sh`), kept as fixtures once fixed.
@Suite struct FuzzFindingsTests {
    /// `fuzz-kubeconfig` found it in its first minute: the document `1:0:0:0:0:0:0:0:0:0:0:0`, a YAML 1.1
    /// base-60 integer past Int's range, trapped in Yams' conversion (ManifestParser, under Kubeconfig.parse).
    @Test func aBase60IntegerPastIntsRangeIsAnErrorNotATrap() throws {
        let text = try Fixture.text("invalid-kubeconfig-fuzz-sexagesimal.yaml")
        #expect(throws: (any Error).self) { try Kubeconfig.parse(text, source: "fuzz") }
        #expect(try ManifestParser.parseDocument("replicas: \(text)") == .object(["replicas": .string(text)]))
        #expect(try ManifestParser.parseDocument("replicas: -1:30") == .object(["replicas": .number(-90)]))
    }
}
