import Foundation
import LabrunCore
import StackModel
import Testing
@testable import ScenarioEngine

/// The tokens labrun signs for `traffic.auth.jwt`: the published test vectors, then what a stack's API checks.
@Suite struct RequestCredentialsTests {
    static func base64URLDecoded(_ text: String) -> Data? {
        var text = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return Data(base64Encoded: text)
    }

    @Test func hmacSHA256MatchesRFC4231TestCase1() {
        let mac = JSONWebToken.hmacSHA256(key: Data(repeating: 0x0b, count: 20), message: Data("Hi There".utf8))
        #expect(mac.map { String(format: "%02x", $0) }.joined() == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    }

    /// RFC 7515 appendix A.1: the HS256 signature of its example JWS.
    @Test func signatureMatchesRFC7515AppendixA1() throws {
        let key = try #require(Self.base64URLDecoded("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"))
        let input = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
            + ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
        #expect(JSONWebToken.base64URL(JSONWebToken.hmacSHA256(key: key, message: Data(input.utf8)))
                == "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
    }

    @Test func eachUserGetsATokenWithItsSubjectTheClaimsAndALifetimeAndItIsRedacted() throws {
        let key = Data("a-shared-secret-of-at-least-32-bytes!".utf8)
        let auth = JWTAuth(secret: "todo-auth", key: "JWT_SECRET", claims: ["iss": "todo-auth", "aud": "todo-api"],
                           users: JWTAuth.users(count: 2, prefix: "labrun-user-"), ttlSeconds: 600)
        let credentials = RequestCredentials.signed(auth, key: key, now: 1_800_000_000.7)
        #expect(credentials.users == ["labrun-user-1", "labrun-user-2"])
        #expect(credentials.firstUser == "labrun-user-1")
        let value = try #require(credentials.authorization(user: "labrun-user-2"))
        #expect(value.hasPrefix("Bearer "))
        let parts = value.dropFirst("Bearer ".count).split(separator: ".").map(String.init)
        #expect(parts.count == 3)
        let header = try JSONValue.parse(try #require(Self.base64URLDecoded(parts[0])))
        #expect(header == ["alg": "HS256", "typ": "JWT"])
        let payload = try JSONValue.parse(try #require(Self.base64URLDecoded(parts[1])))
        #expect(payload == ["sub": "labrun-user-2", "iss": "todo-auth", "aud": "todo-api", "iat": 1_800_000_000, "exp": 1_800_000_600])
        let signature = JSONWebToken.hmacSHA256(key: key, message: Data((parts[0] + "." + parts[1]).utf8))
        #expect(JSONWebToken.base64URL(signature) == parts[2])
        #expect(credentials.authorization(user: nil) == credentials.authorization(user: "labrun-user-1"), "steps act as the first user")
        #expect(credentials.authorization(user: "labrun-user-1") != value)
        #expect(!Redactor.shared.redact("sent \(value)").contains(parts[2]), "a signed token never prints")
        #expect(!Redactor.shared.redact("key a-shared-secret-of-at-least-32-bytes!").contains("at-least-32"), "nor does the key")
    }

    @Test func aSharedValueGoesToEveryUser() {
        let credentials = RequestCredentials(shared: "Bearer abc")
        #expect(credentials.users.isEmpty && credentials.firstUser == nil)
        #expect(credentials.authorization(user: "anyone") == "Bearer abc" && credentials.authorization(user: nil) == "Bearer abc")
    }
}
