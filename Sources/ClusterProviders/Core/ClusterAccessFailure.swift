import LabrunCore

/// Why a cluster's API could not be used, told apart so that each failure gets the advice that
/// fits it: "start the cluster" helps an unreachable server and nothing else.
///
/// | what failed | id | advice |
/// | --- | --- | --- |
/// | the kubeconfig: malformed, too large, unknown context, missing certificate/key/CA file, unsupported or failing auth plugin | its own `KUBECONFIG_*` id | fix or regenerate the kubeconfig |
/// | the request was refused before sending (token over plain HTTP, control characters) | its own `HTTP_*` id | as it says |
/// | TCP connect, timeout, dropped connection, 503 | `CLUSTER_UNREACHABLE` | start the cluster, check the server URL |
/// | TLS: the server's certificate does not match the kubeconfig's CA or name | `CLUSTER_TLS_MISMATCH` | regenerate the kubeconfig |
/// | 401/403 on `/version` | `CLUSTER_CREDENTIALS_REJECTED` | refresh the credentials |
public enum ClusterAccessFailure {
    /// `error` (from reading the kubeconfig or asking the API server of `target`) with the id and
    /// advice of its class. `neverStarts`: the provider never starts a cluster (`existing`).
    public static func classify(_ error: LabrunError, target: KubeconfigTarget, neverStarts: Bool = false) -> LabrunError {
        let id = error.id
        if id.hasPrefix(ErrorID.kubeconfigPrefix) || [ErrorID.httpInsecureCredentials, ErrorID.httpHeaderInvalid, ErrorID.httpURLInvalid,
                                                      ErrorID.clusterUnreachable, ErrorID.clusterTLSMismatch,
                                                      ErrorID.clusterCredentialsRejected].contains(id) {
            return error
        }
        switch id {
        case ErrorID.httpTls:
            return LabrunError(
                id: ErrorID.clusterTLSMismatch, exitCode: ExitCode.unavailable,
                message: "The API server of \(target) answered, but TLS failed: \(error.message)",
                advice: "The server's certificate does not match the kubeconfig's certificate-authority (or the server's name): "
                    + "regenerate the kubeconfig (minikube: `minikube update-context`; kind: `kind export kubeconfig`), "
                    + "or fix certificate-authority-data and the server URL.",
                debugDetail: error.debugDetail)
        case "K8S_UNAUTHORIZED", "K8S_FORBIDDEN":
            return LabrunError(
                id: ErrorID.clusterCredentialsRejected, exitCode: ExitCode.unavailable,
                message: "The API server of \(target) refused the kubeconfig's credentials: \(error.message)",
                advice: "The token or client certificate is expired, revoked or for another cluster: log in again or regenerate "
                    + "the kubeconfig (a cloud cluster: its get-credentials command).",
                debugDetail: error.debugDetail)
        case ErrorID.httpConnect, ErrorID.httpTimeout, ErrorID.httpClosed, ErrorID.httpTransport, ErrorID.k8sServiceUnavailable:
            return LabrunError(
                id: ErrorID.clusterUnreachable, exitCode: ExitCode.unavailable,
                message: "The cluster of \(target) does not answer: \(error.message)",
                advice: neverStarts
                    ? "labrun never starts an existing cluster: start it yourself, check the server URL in the kubeconfig, or choose another --context."
                    : "Start the cluster (`labrun up`), or check the server URL in the kubeconfig.",
                debugDetail: error.debugDetail)
        default:
            return error
        }
    }
}
