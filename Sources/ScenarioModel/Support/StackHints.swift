import Foundation
import LabrunCore

/// Known weaknesses of a deployed stack that explain a failed scenario, in words a user can act on.
/// Pure: reads the objects as the API server returns them.
public enum StackHints {
    /// Weaknesses of a Deployment that make a rollout or a pod kill drop requests.
    public static func deploymentWeaknesses(_ deployment: JSONValue, name: String) -> [String] {
        var out: [String] = []
        let spec = deployment["spec"]
        let containers = spec?["template"]?["spec"]?["containers"]
        guard case .array(let list)? = containers, let main = list.first else { return out }
        if main["readinessProbe"] == nil {
            out.append("Deployment \(name) has no readinessProbe, so new pods get traffic before they can serve and failing pods are not taken out of the Service")
        }
        if let delay = main["readinessProbe"]?["initialDelaySeconds"]?.intValue, delay > 10 {
            out.append("Deployment \(name)'s readinessProbe waits \(delay)s before its first check (initialDelaySeconds), so a replaced pod takes at least that long to get traffic again")
        }
        if main["lifecycle"]?["preStop"] == nil {
            out.append("Deployment \(name) has no preStop delay, so its pods stop while kube-proxy still sends them requests")
        }
        if let unavailable = spec?["strategy"]?["rollingUpdate"]?["maxUnavailable"],
           unavailable != .number(0), unavailable != .string("0%"), unavailable != .string("0") {
            out.append("Deployment \(name) allows maxUnavailable \(unavailable) during a rollout, so capacity drops while it rolls")
        }
        return out
    }

    /// Weaknesses of a Service that keep load from spreading over the pods behind it.
    public static func serviceWeaknesses(_ service: JSONValue, name: String) -> [String] {
        guard service["spec"]?["sessionAffinity"] == .string("ClientIP") else { return [] }
        return ["Service \(name) has sessionAffinity ClientIP, so every request of one client goes to the same pod and replicas added later get none of its traffic"]
    }

    /// Weaknesses of the database's StatefulSet.
    public static func statefulSetWeaknesses(_ statefulSet: JSONValue, name: String) -> [String] {
        let spec = statefulSet["spec"]
        if case .array(let templates)? = spec?["volumeClaimTemplates"], !templates.isEmpty { return [] }
        var claimed = false
        if case .array(let volumes)? = spec?["template"]?["spec"]?["volumes"] {
            claimed = volumes.contains { $0["persistentVolumeClaim"] != nil }
        }
        return claimed ? [] : ["StatefulSet \(name) has no persistent volume (no volumeClaimTemplates), so its data lives in the pod and is lost when the pod is replaced"]
    }
}
