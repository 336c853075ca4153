import Foundation
import HTTPClient
import KubernetesClient
import LabrunCore
import Testing

@Suite("Kubeconfig loading, merging and resolution")
struct KubeconfigTests {
    @Test func parsesInlineCertificatesAndCurrentContext() throws {
        let config = try Kubeconfig.parse(fileAt: Fixture.path("valid-kubeconfig-certs.yaml"))
        #expect(config.currentContext == "bare")
        #expect(config.clusters.count == 2)
        let resolved = try config.configuration()
        #expect(resolved.server == "https://127.0.0.1:6443")
        #expect(resolved.namespace == "default")
        #expect(resolved.contextName == "bare")
        #expect(resolved.tls.certificateAuthority == .pem(Data("FAKE-CA-PEM\n".utf8)))
        #expect(resolved.tls.clientCertificate == .pem(Data("FAKE-CERT-PEM\n".utf8)))
        #expect(resolved.tls.clientKey == .pem(Data("FAKE-KEY-PEM\n".utf8)))
        #expect(resolved.bearerToken == nil)
    }

    @Test func resolvesRelativePathsAgainstTheFileAndTrimsTheServerSlash() throws {
        let config = try Kubeconfig.parse(fileAt: Fixture.path("valid-kubeconfig-certs.yaml"))
        #expect(config.clusters["files"]?.certificateAuthority == Fixture.directory + "/pki/ca.crt")
        #expect(config.users["file-user"]?.clientCertificate == Fixture.directory + "/pki/admin.crt")
        #expect(config.users["file-user"]?.clientKey == "/etc/labrun/admin.key")
        // The files do not exist: a clear error naming the file, not an unreachable cluster later.
        do {
            _ = try config.configuration(context: "files")
            Issue.record("expected an error")
        } catch let error as LabrunError {
            #expect(error.id == ErrorID.kubeconfigCredentialFileMissing)
            #expect(error.message.contains("certificate-authority of cluster files"))
            #expect(error.message.contains(Fixture.directory + "/pki/ca.crt, which does not exist"))
            #expect(error.advice?.contains("minikube update-context") == true)
        }
    }

    @Test func readsTokensAndTokenFiles() throws {
        let config = try Kubeconfig.parse(fileAt: Fixture.path("valid-kubeconfig-token.yaml"))
        let inline = try config.configuration()
        #expect(inline.bearerToken == "s3cr3t-bearer-token-value")
        #expect(inline.namespace == "labrun-test")
        let fromFile = try config.configuration(context: "tokenfile-ctx")
        #expect(fromFile.bearerToken == "token-from-file-0123456789")
    }

    @Test func mergesLikeKubectlFirstFileWins() throws {
        let environment = [
            "KUBECONFIG": Fixture.path("valid-kubeconfig-certs.yaml") + ":" + Fixture.path("does-not-exist.yaml")
                + ":" + Fixture.path("valid-kubeconfig-token.yaml"),
            "HOME": "/nonexistent",
        ]
        let merged = try Kubeconfig.load(environment: environment)
        // current-context comes from the first file that sets one.
        #expect(merged.currentContext == "bare")
        // "bare" is defined in both files: the first file's definition wins.
        #expect(merged.clusters["bare"]?.server == "https://127.0.0.1:6443")
        #expect(merged.contexts["bare"]?.user == "admin")
        // Names only in the second file are there too.
        #expect(merged.contexts["token-ctx"] != nil)
        #expect(merged.users["tokenuser"] != nil)
        #expect(merged.sources.count == 2)
        let other = try merged.configuration(context: "token-ctx")
        #expect(other.server == "https://127.0.0.1:7443")
    }

    @Test func searchPathsFollowKubectlOrder() {
        #expect(Kubeconfig.searchPaths(explicitPath: "/x/config", environment: ["KUBECONFIG": "/a:/b"]) == ["/x/config"])
        #expect(Kubeconfig.searchPaths(explicitPath: nil, environment: ["KUBECONFIG": "/a::/b:/a"]) == ["/a", "/b"])
        #expect(Kubeconfig.searchPaths(explicitPath: nil, environment: ["HOME": "/home/me"]) == ["/home/me/.kube/config"])
    }

    @Test func explicitMissingFileIsAnError() {
        #expect(throws: LabrunError.self) {
            try Kubeconfig.load(explicitPath: "/nonexistent/kubeconfig", environment: [:])
        }
        do {
            _ = try Kubeconfig.load(environment: ["HOME": "/nonexistent", "KUBECONFIG": "/nonexistent/a"])
            Issue.record("expected an error")
        } catch let error as LabrunError {
            #expect(error.id == "KUBECONFIG_MISSING")
            #expect(error.message.contains("/nonexistent/a"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func refusesInsecureSkipTLSVerify() throws {
        let config = try Kubeconfig.parse(fileAt: Fixture.path("invalid-kubeconfig-insecure.yaml"))
        do {
            _ = try config.configuration()
            Issue.record("expected an error")
        } catch let error as LabrunError {
            #expect(error.id == "KUBECONFIG_INSECURE")
            #expect(error.message.contains("insecure-skip-tls-verify"))
            #expect(error.advice?.contains("certificate-authority") == true)
        }
    }

    @Test func anExecUserGetsItsPluginAttached() throws {
        let config = try Kubeconfig.parse(fileAt: Fixture.path("valid-kubeconfig-exec.yaml"))
        let resolved = try config.configuration()
        let plugin = try #require(resolved.credentialPlugin)
        #expect(plugin.config.command == "gke-gcloud-auth-plugin")
        #expect(plugin.config.apiVersion == "client.authentication.k8s.io/v1beta1")
        #expect(resolved.bearerToken == nil)
        #expect(resolved.description.contains("exec gke-gcloud-auth-plugin"))
    }

    @Test func reportsBadBase64WithTheEntry() {
        do {
            _ = try Kubeconfig.parse(fileAt: Fixture.path("invalid-kubeconfig-base64.yaml"))
            Issue.record("expected an error")
        } catch let error as LabrunError {
            #expect(error.id == "KUBECONFIG_INVALID")
            #expect(error.message.contains("certificate-authority-data of cluster x"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func unknownContextNamesTheAvailableOnes() throws {
        let config = try Kubeconfig.parse(fileAt: Fixture.path("valid-kubeconfig-certs.yaml"))
        do {
            _ = try config.configuration(context: "nope")
            Issue.record("expected an error")
        } catch let error as LabrunError {
            #expect(error.id == ErrorID.kubeconfigContextMissing)
            #expect(error.message.contains("Context nope"))
            #expect(error.message.contains("bare, files"))
        }
    }

    @Test func descriptionsNeverShowSecrets() throws {
        let config = try Kubeconfig.parse(fileAt: Fixture.path("valid-kubeconfig-token.yaml"))
        let resolved = try config.configuration()
        #expect(!resolved.description.contains("s3cr3t-bearer-token-value"))
        #expect(!String(describing: config.users["tokenuser"]).contains("s3cr3t"))
        let certs = try Kubeconfig.parse(fileAt: Fixture.path("valid-kubeconfig-certs.yaml")).configuration()
        #expect(!certs.description.contains("FAKE-KEY"))
        // Tokens read from a kubeconfig are registered with the redactor.
        let error = LabrunError(id: "X", message: "request with s3cr3t-bearer-token-value failed")
        #expect(!error.description.contains("s3cr3t-bearer-token-value"))
    }
}
