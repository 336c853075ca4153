import Foundation
import KubernetesClient
import LabrunCore
import Testing

@Suite("Kubernetes Status to LabrunError")
struct KubernetesErrorTests {
    @Test func notFoundNamesVerbObjectAndReason() {
        let body = #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"web-0\" not found","reason":"NotFound","details":{"name":"web-0","kind":"pods"},"code":404}"#
        let error = KubernetesError.fromResponse(status: 404, body: Data(body.utf8),
                                                 subject: .init(verb: "get", kind: "Pod", namespace: "todo", name: "web-0"))
        #expect(error.id == "K8S_NOT_FOUND")
        #expect(error.isNotFound)
        #expect(!error.isConflict)
        #expect(error.kubernetesReason == .notFound)
        #expect(error.message == #"Could not get Pod todo/web-0: the API server answered NotFound (HTTP 404): pods "web-0" not found."#)
        let asError: any Error = error
        #expect(asError.isKubernetesNotFound)
    }

    @Test func alreadyExistsAndConflict() {
        let exists = KubernetesError.fromResponse(status: 409, body: Data(#"{"kind":"Status","reason":"AlreadyExists","message":"namespaces \"x\" already exists","code":409}"#.utf8),
                                                  subject: .init(verb: "create", kind: "Namespace", name: "x"))
        #expect(exists.isAlreadyExists)
        #expect(exists.id == "K8S_ALREADY_EXISTS")
        #expect(exists.message.contains("Could not create Namespace x"))
        let conflict = KubernetesError.fromResponse(status: 409, body: Data(#"{"kind":"Status","reason":"Conflict","message":"the object has been modified","code":409}"#.utf8),
                                                    subject: .init(verb: "replace", kind: "Deployment", namespace: "todo", name: "backend"))
        #expect(conflict.isConflict)
        #expect(conflict.advice?.contains("retry") == true)
    }

    @Test func forbiddenAndUnauthorizedWithoutStatusBody() {
        let forbidden = KubernetesError.fromResponse(status: 403, body: Data("forbidden".utf8),
                                                     subject: .init(verb: "list", kind: "Secret", namespace: "kube-system"))
        #expect(forbidden.isForbidden)
        #expect(forbidden.message.contains("list Secret objects in namespace kube-system"))
        #expect(forbidden.exitCode == ExitCode.unavailable)
        let unauthorized = KubernetesError.fromResponse(status: 401, body: Data(), subject: .init(verb: "get", kind: "Pod", namespace: "a", name: "b"))
        #expect(unauthorized.isUnauthorized)
        #expect(unauthorized.message.contains("Unauthorized (HTTP 401): no message"))
    }

    @Test func invalidListsTheCauses() {
        let body = #"{"kind":"Status","reason":"Invalid","message":"Deployment.apps \"x\" is invalid","code":422,"details":{"causes":[{"reason":"FieldValueInvalid","message":"Invalid value: -1","field":"spec.replicas"}]}}"#
        let error = KubernetesError.fromResponse(status: 422, body: Data(body.utf8), subject: .init(verb: "apply", kind: "Deployment", namespace: "t", name: "x"))
        #expect(error.isInvalid)
        #expect(error.message.contains("spec.replicas: Invalid value: -1"))
    }

    @Test func goneAndExpiredBothCountAsGone() {
        let expired = KubernetesError.fromStatus(KubernetesStatus(message: "too old resource version: 1 (2)", reason: "Expired", code: 410),
                                                 httpStatus: nil, subject: .init(verb: "watch", kind: "Pod"))
        #expect(expired.isGone)
        #expect(expired.id == "K8S_EXPIRED")
        let gone = KubernetesError.fromStatus(KubernetesStatus(message: "gone", reason: "Gone", code: 410), httpStatus: 410, subject: .init(verb: "watch", kind: "Pod"))
        #expect(gone.isGone)
    }

    @Test func reasonIDsAreStable() {
        #expect(KubernetesStatusReason.notFound.errorID == "K8S_NOT_FOUND")
        #expect(KubernetesStatusReason.alreadyExists.errorID == "K8S_ALREADY_EXISTS")
        #expect(KubernetesStatusReason.serviceUnavailable.errorID == "K8S_SERVICE_UNAVAILABLE")
        #expect(KubernetesStatusReason.from(httpStatus: 404) == .notFound)
    }

    @Test func otherErrorsHaveNoReason() {
        let error = LabrunError(id: "TIMEOUT", message: "x")
        #expect(error.kubernetesReason == nil)
        #expect(!error.isNotFound)
        let plain: any Error = CancellationError()
        #expect(plain.kubernetesReason == nil)
    }

    @Test func secretsInServerMessagesAreRedacted() {
        Redactor.shared.register("very-secret-token-123")
        let error = KubernetesError.fromResponse(status: 400, body: Data(#"{"kind":"Status","reason":"BadRequest","message":"bad token very-secret-token-123","code":400}"#.utf8),
                                                 subject: .init(verb: "get", kind: "Pod", namespace: "a", name: "b"))
        #expect(!error.description.contains("very-secret-token-123"))
        #expect(!(error.debugDetail ?? "").contains("very-secret-token-123"))
    }
}
