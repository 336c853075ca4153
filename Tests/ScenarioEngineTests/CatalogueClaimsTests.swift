import Foundation
import Testing
@testable import ScenarioModel

/// Every mistake `scenarios/README.md` says a scenario catches is proven by a broken-stack fixture
/// (issue 12): the claim names its fixture, the fixture names the scenario, and every fixture is claimed.
/// The end-to-end suite (`EndToEndScenarioBrokenTests`) runs each pair and checks that the scenario fails.
@Suite struct CatalogueClaimsTests {
    struct Claim: Equatable {
        var scenario: String
        var text: String
        var fixture: String
    }

    /// The claims of the catalogue's "What breaks them" section: `### \`scenario\`` headings, then
    /// `- mistake — \`fixture\`` lines, up to the "Not claimed" heading.
    static func claims(in markdown: String) -> (claims: [Claim], malformed: [String]) {
        var claims: [Claim] = []
        var malformed: [String] = []
        var scenario: String?
        var inSection = false
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("## ") { inSection = line == "## What breaks them"; scenario = nil; continue }
            guard inSection else { continue }
            if line.hasPrefix("### ") {
                let title = line.dropFirst(4)
                scenario = title.hasPrefix("`") && title.hasSuffix("`") ? String(title.dropFirst().dropLast()) : nil
                continue
            }
            guard line.hasPrefix("- "), let scenario else { continue }
            guard let dash = line.range(of: " — `", options: .backwards), line.hasSuffix("`") else {
                malformed.append(line)
                continue
            }
            let fixture = String(line[dash.upperBound...].dropLast())
            claims.append(Claim(scenario: scenario, text: String(line.dropFirst(2)[..<dash.lowerBound]), fixture: fixture))
        }
        return (claims, malformed)
    }

    @Test func everyClaimHasAFixtureThatMakesItsScenarioFail() throws {
        let (claims, malformed) = Self.claims(in: TestPaths.read(TestPaths.scenarios + "/README.md"))
        #expect(malformed.isEmpty, "claims without a fixture (end each with ' — `fixture-name`'):\n\(malformed.joined(separator: "\n"))")
        #expect(!claims.isEmpty, "the catalogue's \"What breaks them\" section lists no claim")

        let names = TestPaths.yamlNames(in: "broken")
        var fixtures: [String: StackVariant] = [:]
        for name in names { fixtures[name] = try StackVariant.load(file: "\(TestPaths.fixtures)/broken/\(name).yaml") }

        var claimedPairs: Set<[String]> = []
        for claim in claims {
            guard let variant = fixtures[claim.fixture] else {
                Issue.record("\(claim.scenario): \"\(claim.text)\" names fixture \(claim.fixture), which does not exist")
                continue
            }
            #expect(variant.scenarios.contains(claim.scenario),
                    "\(claim.fixture) does not list \(claim.scenario) among its scenarios \(variant.scenarios), so nothing runs the claim")
            #expect(claimedPairs.insert([claim.fixture, claim.scenario]).inserted, "\(claim.fixture) is claimed twice for \(claim.scenario)")
        }
        let runPairs = Set(fixtures.values.flatMap { variant in variant.scenarios.map { [variant.name, $0] } })
        #expect(Set(fixtures.values.map(\.name)) == Set(names), "a fixture's name differs from its file's")
        for pair in runPairs.subtracting(claimedPairs).sorted(by: { $0.joined() < $1.joined() }) {
            Issue.record("fixture \(pair[0]) makes \(pair[1]) fail but the catalogue does not claim it")
        }
        let scenarios = Set(claims.map(\.scenario))
        print("catalogue: \(claims.count) claims over \(scenarios.count) scenarios, proven by \(fixtures.count) broken-stack fixtures "
              + "(\(runPairs.count) fixture × scenario runs)")
    }

    @Test func theParserFindsClaimsAndFlagsOnesWithoutAFixture() {
        let text = """
            ## Catalogue
            - not a claim — `x`
            ## What breaks them
            ### `a`
            - one mistake — `fix-1`
            - another, unproven
            ### Not claimed
            - something — `fix-2`
            ## Writing
            """
        let (claims, malformed) = Self.claims(in: text)
        #expect(claims == [Claim(scenario: "a", text: "one mistake", fixture: "fix-1")])
        #expect(malformed == ["- another, unproven"])
    }
}
