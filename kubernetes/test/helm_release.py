"""The chart's release lifecycle on a live cluster, driven by Helm's own SDK (helm-python-sdk):
install → helm test → Prometheus scrapes the backend → upgrade (new app version) → rollback →
uninstall (the database Secret is kept). Runs in its own namespace, deleted at the end.

    LABRUN_KUBECONFIG=... KUBECTL=kubectl python helm_release.py

Prints PASS/FAIL/SKIP lines and "N passed, N failed, N skipped".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import traceback

import helm_python as helm

import k8stest as k

NS = os.environ.get("LABRUN_K8S_TEST_HELM_NAMESPACE", "labrun-k8s-test-helm")
RELEASE = "todo"
OWNER = ("labrun.dev/created-by", "kubernetes-test-helm-release")
KUBECTL = os.environ.get("KUBECTL", "kubectl")
CONFIG = k.kubeconfig()

counts = {"passed": 0, "failed": 0, "skipped": 0}


def report(ok: bool | None, message: str, detail: str = "") -> bool:
    word = {True: "PASS", False: "FAIL", None: "SKIP"}[ok]
    counts[{True: "passed", False: "failed", None: "skipped"}[ok]] += 1
    print(f"{word}  {message}", flush=True)
    if detail and ok is not True:
        print("\n".join("      " + line for line in detail.strip().splitlines()[-40:]), flush=True)
    return bool(ok)


def kubectl(*args: str, check: bool = True) -> str:
    proc = subprocess.run([KUBECTL, "--kubeconfig", CONFIG, "--request-timeout=60s", *args],
                          capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise k.ToolError(f"kubectl {' '.join(args)}: {proc.stderr.strip()}")
    return proc.stdout


def proxy(service: str, path: str) -> str:
    """GET through the API server's service proxy: no port-forward, no client pod."""
    return kubectl("get", "--raw", f"/api/v1/namespaces/{NS}/services/{service}/proxy{path}")


def wait_for(what: str, condition, timeout: float = 120, interval: float = 2):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            result = condition()
            if result:
                return result
        except Exception as err:  # noqa: BLE001 - retried until the deadline, then reported
            last = err
        time.sleep(interval)
    raise TimeoutError(f"{what} did not happen within {timeout:.0f}s (last error: {last})")


def backend_versions() -> set[str]:
    """APP_VERSION as served by the backend pods behind the Service (several requests)."""
    seen = set()
    for _ in range(12):
        seen.add(json.loads(proxy("backend:8000", "/version"))["version"])
    return seen


def image_present(image: str) -> bool:
    return subprocess.run(["docker", "image", "inspect", image], capture_output=True).returncode == 0


def namespace_is_ours() -> bool | None:
    out = kubectl("get", "namespace", NS, "-o", "json", check=False)
    if not out:
        return None
    return (json.loads(out)["metadata"].get("annotations") or {}).get(OWNER[0]) == OWNER[1]


def delete_namespace() -> None:
    kubectl("delete", "namespace", NS, "--wait=false", check=False)
    wait_for(f"namespace {NS} to disappear", lambda: namespace_is_ours() is None, timeout=180)


def main() -> int:
    ours = namespace_is_ours()
    if ours is False:
        report(False, f"namespace {NS} exists and was not created by this test: not touching it")
        return finish()
    if ours:
        print(f"helm_release: deleting leftover namespace {NS}", flush=True)
        delete_namespace()
    kubectl("create", "namespace", NS)
    try:
        wait_for("the namespace's default ServiceAccount",
                 lambda: kubectl("get", "serviceaccount", "default", "-n", NS, check=False), timeout=30, interval=0.5)
        kubectl("annotate", "namespace", NS, f"{OWNER[0]}={OWNER[1]}")
        lifecycle()
    except Exception:  # noqa: BLE001 - any surprise is a failed check, with its traceback
        report(False, "helm release lifecycle raised", traceback.format_exc())
    finally:
        try:
            delete_namespace()
        except Exception as err:  # noqa: BLE001
            print(f"helm_release: cleanup: {err}", flush=True)
    return finish()


def lifecycle() -> None:
    monitoring = image_present("labrun/todo-prometheus:dev")
    values = k.values_file("values-bare.yaml")
    if not monitoring:
        values["monitoring"]["enabled"] = False
        report(None, "Prometheus in the release: image labrun/todo-prometheus:dev is missing "
                     "(build it with monitoring/build-image.sh)")

    with helm.Config(kubeconfig_path=CONFIG, namespace=NS) as cfg, helm.Chart.load(str(k.CHART)) as chart:
        # --- install -----------------------------------------------------------------------
        try:
            rel = cfg.install(chart, RELEASE, values, namespace=NS, wait="watcher", timeout=600)
        except helm.HelmError as err:
            report(False, "helm install (wait for ready)", str(err))
            dump_state()
            return
        status = cfg.status(RELEASE)
        report(status.get("status") == "deployed" and status.get("revision") == 1,
               f"helm install: release {RELEASE} revision 1 deployed and ready (wait=watcher)",
               json.dumps({k: v for k, v in status.items() if k != "manifest"}))
        manifest = rel.get("manifest", "")
        server = json.loads(kubectl("version", "-o", "json"))["serverVersion"]["gitVersion"]
        served = kubectl("api-versions").split()
        want_pdb = "policy/v1" if "policy/v1" in served else "policy/v1beta1"
        want_hpa = "autoscaling/v2" if "autoscaling/v2" in served else "autoscaling/v2beta2"
        report(f"apiVersion: {want_pdb}\nkind: PodDisruptionBudget" in manifest
               and f"apiVersion: {want_hpa}\nkind: HorizontalPodAutoscaler" in manifest,
               f"the chart chose {want_pdb} and {want_hpa} from the server's discovery ({server})",
               "\n".join(line for line in manifest.splitlines() if line.startswith("apiVersion")))

        # --- helm test ---------------------------------------------------------------------
        try:
            result = cfg.test(RELEASE, timeout=300, logs=True)
            logs = result.get("logs", "") if isinstance(result, dict) else str(result)
            report("api-check: all steps passed" in logs, "helm test: the API works end to end through the frontend", logs)
        except helm.HelmError as err:
            report(False, "helm test", str(err))

        # --- monitoring --------------------------------------------------------------------
        if monitoring:
            try:
                up = wait_for("Prometheus to scrape 3 backend pods", lambda: scrape_count("todo-backend") == 3, timeout=120)
                report(bool(up), "Prometheus discovers (DNS, headless Service backend-metrics) and scrapes the 3 backend pods")
            except TimeoutError as err:
                report(False, "Prometheus scraping the backend", str(err))
            try:
                up = wait_for("Prometheus to scrape the model service", lambda: scrape_count("todo-model-service") == 1, timeout=120)
                report(bool(up), "Prometheus scrapes the model service (the stand-in for the model provider) through its Service")
            except TimeoutError as err:
                report(False, "Prometheus scraping the model service", str(err))
            try:
                rules = json.loads(proxy("prometheus:9090", "/api/v1/rules"))
                names = {r["name"] for g in rules["data"]["groups"] for r in g["rules"]}
                report({"TodoBackendHighErrorRate", "TodoBackendHighLatency", "TodoBackendRestarting",
                        "TodoChatHighErrorRatio", "TodoModelFaultLeftActive"} <= names,
                       f"Prometheus loaded the alert rules ({len(names)} rules)", json.dumps(sorted(names)))
            except Exception as err:  # noqa: BLE001
                report(False, "Prometheus alert rules", str(err))

        # --- upgrade -----------------------------------------------------------------------
        before = backend_versions()
        upgraded = dict(values, backend=dict(values.get("backend", {}), appVersion="v2-upgrade"))
        try:
            cfg.upgrade(chart, RELEASE, upgraded, namespace=NS, wait="watcher", timeout=600)
            after = wait_for("all backend pods to serve v2-upgrade",
                             lambda: (v := backend_versions()) == {"v2-upgrade"} and v, timeout=120)
            report(True, f"helm upgrade (backend.appVersion=v2-upgrade): revision 2, pods serve {sorted(after)} (were {sorted(before)})")
        except (helm.HelmError, TimeoutError) as err:
            report(False, "helm upgrade", str(err))

        # --- rollback ----------------------------------------------------------------------
        try:
            cfg.rollback(RELEASE, version=1, wait="watcher", timeout=600)
            back = wait_for("backend pods to serve the original version again",
                            lambda: (v := backend_versions()) == before and v, timeout=120)
            history = [(h.get("revision"), h.get("status")) for h in cfg.history(RELEASE)]
            report(len(history) == 3 and history[-1][1] == "deployed",
                   f"helm rollback to revision 1: pods serve {sorted(back)} again; history {history}",
                   json.dumps(history))
        except (helm.HelmError, TimeoutError) as err:
            report(False, "helm rollback", str(err))

        # --- uninstall ---------------------------------------------------------------------
        try:
            cfg.uninstall(RELEASE, wait="watcher", timeout=300)
            left = kubectl("get", "deployments,statefulsets,services", "-n", NS, "-o", "name").split()
            kept = kubectl("get", "secret", "todo-db", "-n", NS, "-o", "name", check=False).strip()
            report(not left and kept == "secret/todo-db",
                   "helm uninstall removes the stack and keeps Secret todo-db (helm.sh/resource-policy: keep)",
                   f"left: {left}, secret: {kept!r}")
        except helm.HelmError as err:
            report(False, "helm uninstall", str(err))


def scrape_count(job: str) -> int:
    """Active targets of the scrape job `job` that are up."""
    targets = json.loads(proxy("prometheus:9090", "/api/v1/targets?state=active"))
    return sum(1 for t in targets["data"]["activeTargets"]
               if t["labels"].get("job") == job and t["health"] == "up")


def dump_state() -> None:
    print(kubectl("get", "pods,pvc,events", "-n", NS, "-o", "wide", check=False)[-4000:], flush=True)


def finish() -> int:
    print(f"\n{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped", flush=True)
    return 0 if counts["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
