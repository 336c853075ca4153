import Foundation
import Testing
@testable import LabrunCore

/// Every rule of the `Redactor`, the texts it must leave alone, and its linear time on worst-case
/// shapes (proved by counting the scanners' steps, not by a clock).
@Suite struct RedactorRuleTests {
    let mask = Redactor.mask

    @Test(arguments: [
        // scheme://user:password@
        ("connect postgres://todo:s3cr3t@db:5432/todo", "s3cr3t", "postgres://todo:••••••@db:5432/todo"),
        ("git+ssh://me:p4ss@host/x", "p4ss", "git+ssh://me:••••••@host/x"),
        // keyword, separator, value
        ("PGPASSWORD=abc123 psql", "abc123", "PGPASSWORD=••••••"),
        (#"{"password": "pw1", "user": "u"}"#, "pw1", #""password": "••••••""#),
        ("passwd: hunter22", "hunter22", "passwd: ••••••"),
        ("access_token=tk-991&x=1", "tk-991", "access_token=••••••&x=1"),
        ("client_secret : 'cs-77'", "cs-77", "client_secret : '••••••'"),
        ("X-Api-Key: k-5150", "k-5150", "X-Api-Key: ••••••"),
        ("apikey=k-5151", "k-5151", "apikey=••••••"),
        ("    token: eyJhbGciOi.payload.sig", "eyJhbGciOi", "token: ••••••"),
        // kubeconfig *-data fields
        ("    client-key-data: LS0tQUFBQkJC", "LS0tQUFBQkJC", "client-key-data: ••••••"),
        ("    client-certificate-data: Q0VSVERBVEE=", "Q0VSVERBVEE=", "client-certificate-data: ••••••"),
        ("    certificate-authority-data: \"Q0FEQVRB\"", "Q0FEQVRB", "certificate-authority-data: \"••••••\""),
        // Authorization with any scheme word
        ("Authorization: Bearer eyJhbGciOi", "eyJhbGciOi", "Authorization: Bearer ••••••"),
        ("authorization:basic dXNlcjpwYXNz", "dXNlcjpwYXNz", "authorization:basic ••••••"),
        (#""Authorization": "Bearer tok-123""#, "tok-123", #""Authorization": "Bearer ••••••""#),
        ("Authorization: opaque-value-1", "opaque-value-1", "Authorization: ••••••"),
    ])
    func masksAShape(text: String, secret: String, expected: String) {
        let out = Redactor().redact(text)
        #expect(!out.contains(secret), "\(out)")
        #expect(out.contains(expected), "\(out)")
    }

    @Test(arguments: [
        "tokens: 5", "tokenFile: /home/me/token", "a bearer token was sent", "curl --data '{}' http://x",
        "http://host:8080/path?q=1", "secretName: db-credentials", "The token in Secret ns/x key k is empty.",
        "Secret todo/db has no key password.", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
        "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t", "passwordless login", "x://", "://a:b@", "token=", "token: ;",
    ])
    func leavesOrdinaryTextAlone(text: String) {
        #expect(Redactor().redact(text) == text)
    }

    @Test func privateKeysGoWholeEvenWithoutTheirEnd() {
        let redactor = Redactor()
        let closed = redactor.redact("a\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\nb")
        #expect(closed == "a\n[private key \(mask)]\nb")
        let cut = redactor.redact("log: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq\nMIIEvQ…(truncated")
        #expect(cut == "log: [private key \(mask)]")
        let pkcs8 = redactor.redact("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAA\n-----END ENCRYPTED PRIVATE KEY----- tail")
        #expect(pkcs8 == "[private key \(mask)] tail")
    }

    @Test func base64PrivateKeysGoWhole() {
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx\n-----END RSA PRIVATE KEY-----\n"
        let encoded = Data(pem.utf8).base64EncodedString()
        let out = Redactor().redact("key \(encoded) end")
        #expect(out == "key [private key \(mask)] end")
    }

    @Test func registeredSecretsAndTheirBase64FormsAreMasked() {
        let redactor = Redactor()
        let secret = "Sup3r-S3cret-Value!"
        redactor.register(secret)
        #expect(redactor.redact("pw is \(secret).") == "pw is \(mask).")
        // A Secret's data: value is the base64 of the secret alone.
        let alone = Data(secret.utf8).base64EncodedString()
        #expect(!redactor.redact("data:\n  password: \(alone)\n").contains(alone))
        #expect(!redactor.redact("value \(alone)").contains(alone.dropLast(2)))
        // Inside a longer encoded text (a whole env file in one Secret key), at every offset.
        for prefix in ["", "A", "AB", "DB_USER=todo\nDB_PASSWORD="] {
            let encoded = Data((prefix + secret + "\nNEXT=1").utf8).base64EncodedString()
            let out = redactor.redact("env: \(encoded)")
            #expect(out.contains(mask), "prefix \(prefix.count): \(out)")
            // No run of the secret's encoding longer than the few characters it shares with its neighbours.
            let core = Redactor.encodedForms(of: Array(secret.utf8))
            for form in core.dropFirst() { #expect(!out.contains(String(decoding: form, as: UTF8.self))) }
        }
    }

    @Test func overlappingSecretsLeaveNoByte() {
        let redactor = Redactor()
        redactor.register("abcdefgh")
        redactor.register("efghijkl")
        #expect(redactor.redact("x abcdefghijkl y") == "x \(mask) y")
        redactor.register("abc")  // too short: ignored
        #expect(redactor.redact("abc") == "abc")
    }

    @Test func encodedFormsHoldOnlyTheSecretsOwnCharacters() {
        // The form for offset k appears in the encoding of any text holding the secret k bytes past a
        // multiple of 3, whatever the bytes around it.
        let secret = "hunter22-long-enough"
        let forms = Redactor.encodedForms(of: Array(secret.utf8))
        #expect(forms.count == 4)
        for offset in 0..<3 {
            let form = String(decoding: forms[offset + 1], as: UTF8.self)
            for (before, after) in [("", ""), ("Q", "Z"), ("\u{0}\u{1}\u{2}", "\n")] {
                let lead = String(repeating: "x", count: 3 * before.utf8.count) + before
                let text = String(repeating: "y", count: (offset - lead.utf8.count % 3 + 3) % 3) + lead + secret + after
                #expect(Data(text.utf8).base64EncodedString().contains(form), "offset \(offset), text \(text.debugDescription)")
            }
        }
    }

    /// The steps of redacting `make(size)` grow linearly: 4× the input costs at most ~4× the steps,
    /// and the count stays within a small constant of the length.
    @Test(arguments: [
        "alnum", "scheme-starts", "scheme-user", "pem-open", "pem-label", "keyword-spaces", "authorization-words",
        "encoded-begin", "secret-prefixes", "data-fields", "mixed",
    ])
    func timeIsLinearOnWorstCaseShapes(shape: String) {
        let redactor = Redactor()
        redactor.register(String(repeating: "a", count: 300) + "b")  // the matcher's worst case: long shared prefixes
        for length in stride(from: 4, through: 40, by: 3) { redactor.register(String(repeating: "ab", count: length) + "!") }
        func make(_ size: Int) -> String {
            func fill(_ unit: String) -> String { String(String(repeating: unit, count: size / unit.count + 1).prefix(size)) }
            switch shape {
            case "alnum": return fill("a1B2c3D4e5")
            case "scheme-starts": return fill("x://")
            case "scheme-user": return fill("x://user:pa:ss://")
            case "pem-open": return fill("-----BEGIN RSA PRIVATE KEY-----\n")
            case "pem-label": return "-----BEGIN " + fill("A ")
            case "keyword-spaces": return fill("token" + String(repeating: " ", count: 40) + "\"")
            case "authorization-words": return fill("Authorization: " + String(repeating: "Bearer", count: 10) + ";")
            case "encoded-begin": return fill("LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0t ")
            case "secret-prefixes": return fill("a") + fill("ab")
            case "data-fields": return fill("x-data-data-data")
            default: return fill("tok\u{1B}[2Jpass://a:b@ -----END -data\"=: ")
            }
        }
        var small = 0, large = 0
        let size = 20_000
        _ = redactor.redact(make(size), steps: &small)
        _ = redactor.redact(make(4 * size), steps: &large)
        #expect(large <= 5 * small, "\(shape): \(small) steps for \(size) bytes, \(large) for \(4 * size)")
        #expect(large <= 64 * 4 * size, "\(shape): \(large) steps for \(4 * size) bytes")
    }

    @Test func aLongTokenRunCompletes() {
        // The input that took the regular expressions tens of seconds: it must simply finish here.
        let text = String(repeating: "Zm9vYmFy", count: 50_000)
        #expect(Redactor().redact(text) == text)
    }
}

/// Registering many secrets builds the matcher once, at the next redaction, not once per secret: a
/// kubeconfig with thousands of tokens made registration quadratic (the kubeconfig fuzzer's 10 s input).
@Test func registrationsAreBatchedIntoOneMatcherBuild() {
    let redactor = Redactor()
    for index in 0..<2_000 { redactor.register("token-\(index)-secret") }
    #expect(redactor.matcherBuilds == 0)
    #expect(redactor.redact("a token-1999-secret b") == "a \(Redactor.mask) b")
    #expect(redactor.redact("token-7-secret") == Redactor.mask)
    #expect(redactor.matcherBuilds == 1)
    redactor.removeAll()
    #expect(redactor.redact("token-7-secret") == "token-7-secret")
}
