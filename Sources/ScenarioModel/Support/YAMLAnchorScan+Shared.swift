import YAMLSafety

/// The anchor and alias scanner lives in `YAMLSafety`, below the clients, so the scenario and stack
/// parsers and the kubeconfig loader share one; this keeps its name inside this module.
typealias YAMLAnchorScan = YAMLSafety.YAMLAnchorScan
