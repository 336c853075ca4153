/// Every stable `LabrunError.id` labrun raises, defined once (ids derived from a Kubernetes
/// status reason, `K8S_<REASON>`, come from `KubernetesStatusReason.errorID`).
///
/// Scripts may match on these strings, so a value never changes once released; a new failure
/// gets a new constant here rather than a string literal at its call site.
public enum ErrorID {
    // ACCESS
    public static let accessUnknown = "ACCESS_UNKNOWN"
    public static let accessFailed = "ACCESS_FAILED"
    // ACTION
    public static let actionFailed = "ACTION_FAILED"
    public static let actionNoTarget = "ACTION_NO_TARGET"
    // API
    public static let apiVersionUnserved = "API_VERSION_UNSERVED"
    // BENCH
    public static let benchFailed = "BENCH_FAILED"
    // CLUSTER
    public static let clusterUnreachable = "CLUSTER_UNREACHABLE"
    // COMMAND
    public static let commandFailed = "COMMAND_FAILED"
    public static let commandNotRun = "COMMAND_NOT_RUN"
    public static let commandTimeout = "COMMAND_TIMEOUT"
    // CONTAINER
    public static let containerNotFound = "CONTAINER_NOT_FOUND"
    // FAULT
    public static let faultNotLanded = "FAULT_NOT_LANDED"
    // HELM
    public static let helmMissing = "HELM_MISSING"
    public static let helmValues = "HELM_VALUES"
    // HISTORY
    public static let historyCorrupt = "HISTORY_CORRUPT"
    public static let historyEmpty = "HISTORY_EMPTY"
    public static let historyNoBaseline = "HISTORY_NO_BASELINE"
    public static let historyRegression = "HISTORY_REGRESSION"
    public static let historyWrite = "HISTORY_WRITE"
    // INIT
    public static let initExists = "INIT_EXISTS"
    // HTTP
    /// The prefix every HTTP transport failure's id starts with.
    public static let httpPrefix = "HTTP_"
    public static let httpBadBody = "HTTP_BAD_BODY"
    public static let httpClosed = "HTTP_CLOSED"
    public static let httpConnect = "HTTP_CONNECT"
    public static let httpSetup = "HTTP_SETUP"
    public static let httpStatus = "HTTP_STATUS"
    public static let httpStream = "HTTP_STREAM"
    public static let httpTimeout = "HTTP_TIMEOUT"
    public static let httpTls = "HTTP_TLS"
    public static let httpTransport = "HTTP_TRANSPORT"
    public static let httpUnexpectedStatus = "HTTP_UNEXPECTED_STATUS"
    public static let httpUnknownService = "HTTP_UNKNOWN_SERVICE"
    // IMAGE
    public static let imageInputsMissing = "IMAGE_INPUTS_MISSING"
    public static let imageInputUnreadable = "IMAGE_INPUT_UNREADABLE"
    public static let imageNotBuilt = "IMAGE_NOT_BUILT"
    // INTERRUPTED
    public static let interrupted = "INTERRUPTED"
    // K8S
    public static let k8sBadResponse = "K8S_BAD_RESPONSE"
    public static let k8sBadWatchEvent = "K8S_BAD_WATCH_EVENT"
    public static let k8sServiceUnavailable = "K8S_SERVICE_UNAVAILABLE"
    public static let k8sUnknownKind = "K8S_UNKNOWN_KIND"
    public static let k8sWatchClosed = "K8S_WATCH_CLOSED"
    // KUBECONFIG
    /// The prefix every kubeconfig failure's id starts with (the cluster may be fine; the file is not).
    public static let kubeconfigPrefix = "KUBECONFIG_"
    public static let kubeconfigAuthProviderRemoved = "KUBECONFIG_AUTH_PROVIDER_REMOVED"
    public static let kubeconfigContextMissing = "KUBECONFIG_CONTEXT_MISSING"
    public static let kubeconfigCredentialFileMissing = "KUBECONFIG_CREDENTIAL_FILE_MISSING"
    public static let kubeconfigExecFailed = "KUBECONFIG_EXEC_FAILED"
    public static let kubeconfigExecNotFound = "KUBECONFIG_EXEC_NOT_FOUND"
    public static let kubeconfigInsecure = "KUBECONFIG_INSECURE"
    public static let kubeconfigInvalid = "KUBECONFIG_INVALID"
    public static let kubeconfigMissing = "KUBECONFIG_MISSING"
    public static let kubeconfigUnreadable = "KUBECONFIG_UNREADABLE"
    public static let kubeconfigUnsupportedAuth = "KUBECONFIG_UNSUPPORTED_AUTH"
    // KUSTOMIZATION
    public static let kustomizeMissing = "KUSTOMIZE_MISSING"
    // LEDGER
    public static let ledgerQueryShape = "LEDGER_QUERY_SHAPE"
    // LOAD
    public static let loadCalibrationFailed = "LOAD_CALIBRATION_FAILED"
    public static let loadRateTooLow = "LOAD_RATE_TOO_LOW"
    public static let loadSpillFailed = "LOAD_SPILL_FAILED"
    // MANIFEST
    public static let manifestInvalid = "MANIFEST_INVALID"
    // MANIFESTS
    public static let manifestsMissing = "MANIFESTS_MISSING"
    // MINIKUBE
    public static let minikubeOutput = "MINIKUBE_OUTPUT"
    public static let minikubeTooSmall = "MINIKUBE_TOO_SMALL"
    // NETWORK
    public static let networkFaultUnsupported = "NETWORK_FAULT_UNSUPPORTED"
    // NO
    public static let noPort = "NO_PORT"
    public static let noProvider = "NO_PROVIDER"
    // NODE
    public static let nodeAddressUnknown = "NODE_ADDRESS_UNKNOWN"
    // NODEPORT
    public static let nodeportMissing = "NODEPORT_MISSING"
    // NOT
    public static let notReady = "NOT_READY"
    // PG
    public static let pgClosed = "PG_CLOSED"
    public static let pgConnect = "PG_CONNECT"
    public static let pgDecode = "PG_DECODE"
    public static let pgQuery = "PG_QUERY"
    public static let pgRowCount = "PG_ROW_COUNT"
    public static let pgUrlInvalid = "PG_URL_INVALID"
    // PLATFORM
    public static let platformCall = "PLATFORM_CALL"
    // PORT
    public static let portForwardFailed = "PORT_FORWARD_FAILED"
    // PROJECT
    public static let projectNotFound = "PROJECT_NOT_FOUND"
    // PROVIDER
    public static let providerCannotRestart = "PROVIDER_CANNOT_RESTART"
    public static let providerUnavailable = "PROVIDER_UNAVAILABLE"
    public static let providerUnknown = "PROVIDER_UNKNOWN"
    // REPORT
    public static let reportDecode = "REPORT_DECODE"
    public static let reportEncode = "REPORT_ENCODE"
    public static let reportPath = "REPORT_PATH"
    public static let reportWrite = "REPORT_WRITE"
    // RUNTIME
    public static let runtimeUnsupported = "RUNTIME_UNSUPPORTED"
    // SCENARIO
    public static let scenarioFailed = "SCENARIO_FAILED"
    public static let scenarioFlaky = "SCENARIO_FLAKY"
    public static let scenarioFaultNotLanded = "SCENARIO_FAULT_NOT_LANDED"
    public static let scenarioSkipped = "SCENARIO_SKIPPED"
    public static let scenarioInvalid = "SCENARIO_INVALID"
    public static let scenarioNoneSelected = "SCENARIO_NONE_SELECTED"
    public static let scenarioUnknown = "SCENARIO_UNKNOWN"
    // SECRET
    public static let secretIncomplete = "SECRET_INCOMPLETE"
    // STACK
    public static let stackInvalid = "STACK_INVALID"
    public static let stackNoDatabase = "STACK_NO_DATABASE"
    public static let stackNoLedger = "STACK_NO_LEDGER"
    public static let stackNotReachable = "STACK_NOT_REACHABLE"
    // STATE
    public static let stateUnreadable = "STATE_UNREADABLE"
    public static let stateUnwritable = "STATE_UNWRITABLE"
    // TIMEOUT
    public static let timeout = "TIMEOUT"
    // UNEXPECTED
    public static let unexpected = "UNEXPECTED"
    // VOLUME
    public static let volumeChanged = "VOLUME_CHANGED"
    // WORKLOAD
    public static let workloadNotFound = "WORKLOAD_NOT_FOUND"
    public static let workloadNoSelector = "WORKLOAD_NO_SELECTOR"
    // DATABASE (issue 13: least privilege for labrun's own SQL)
    public static let databaseRoleTooPowerful = "DATABASE_ROLE_TOO_POWERFUL"
    public static let sqlNotReadOnly = "SQL_NOT_READ_ONLY"

    // MARK: - Hostile input and secrets (issue 13: secrets, kubeconfig, headers, terminal, CLI)
    // HTTP requests refused before anything is sent
    public static let httpHeaderInvalid = "HTTP_HEADER_INVALID"
    public static let httpInsecureCredentials = "HTTP_INSECURE_CREDENTIALS"
    public static let httpURLInvalid = "HTTP_URL_INVALID"
    // Kubeconfig and cluster failures, each with its own advice
    public static let kubeconfigTooLarge = "KUBECONFIG_TOO_LARGE"
    public static let clusterTLSMismatch = "CLUSTER_TLS_MISMATCH"
    public static let clusterCredentialsRejected = "CLUSTER_CREDENTIALS_REJECTED"
    // labrun down: what it may delete
    public static let namespaceNotLabruns = "NAMESPACE_NOT_LABRUNS"
    public static let namespaceProtected = "NAMESPACE_PROTECTED"
    // REGISTRY (issue 16 item 5: `--registry`, and the check that the cluster sees the images built here)
    public static let imagesNotVisible = "IMAGES_NOT_VISIBLE"
    public static let imagePushFailed = "IMAGE_PUSH_FAILED"
    public static let registryInvalid = "REGISTRY_INVALID"
}
