"""Shared helpers for the Kubernetes packaging tests: build kubernetes/ with kustomize, render
helm/todo-app with Helm's own engine (helm-python-sdk), and read a live cluster's discovery.

Used by test_chart_matches_manifests.py (offline), render.py (the server-side dry run) and
helm_release.py (install/upgrade/rollback on a live cluster).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
MANIFESTS = REPO / "kubernetes"
CHART = REPO / "helm" / "todo-app"
MONITORING = REPO / "monitoring"

#: Kubernetes versions the chart is rendered for: the bare cluster's and a current one.
KUBE_OLD = "v1.20.2"
KUBE_NEW = "v1.32.0"

#: Labels and annotations only the chart adds (Helm bookkeeping, config checksums).
CHART_ONLY_LABELS = {"app.kubernetes.io/managed-by", "app.kubernetes.io/version", "helm.sh/chart"}
CHART_ONLY_ANNOTATIONS = re.compile(r"^(checksum/.*|helm\.sh/resource-policy)$")


class ToolError(RuntimeError):
    """A command the tests depend on failed; the message carries the command and its output."""


def run(cmd: list[str], *, input: str | None = None, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(cmd, input=input, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise ToolError(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr.strip()}")
    return proc.stdout


# ---------------------------------------------------------------------------------------------
# kustomize


def kustomize_kubectl() -> str:
    """A kubectl whose built-in kustomize is v4 or newer (kubectl 1.21+): the manifests use
    `patches` with targets, which kubectl 1.20's kustomize v2 lacks. $KUSTOMIZE_KUBECTL wins."""
    candidates = [os.environ.get("KUSTOMIZE_KUBECTL", ""), "/usr/bin/kubectl", shutil.which("kubectl") or ""]
    seen = []
    for path in filter(None, candidates):
        if path in seen or not os.access(path, os.X_OK):
            continue
        seen.append(path)
        try:
            info = json.loads(run([path, "version", "--client", "-o", "json"]))
        except (ToolError, json.JSONDecodeError):
            continue
        match = re.match(r"v(\d+)", info.get("kustomizeVersion", ""))
        if match and int(match.group(1)) >= 4:
            return path
    raise ToolError(
        "no kubectl with kustomize v4 or newer found (tried: " + ", ".join(seen or ["none"]) + "); "
        "kubectl 1.21 or later is needed to build kubernetes/ (set KUSTOMIZE_KUBECTL)"
    )


def stage_manifests(dest: Path) -> Path:
    """Copy kubernetes/ to dest with a throwaway database secret, so tests never read or write
    the developer's real kubernetes/base/secrets/todo-db.env."""
    target = dest / "kubernetes"
    shutil.copytree(MANIFESTS, target, ignore=shutil.ignore_patterns("*.env", "__pycache__", ".pytest_cache"))
    run([str(target / "generate-secret.sh")], env={**os.environ, "POSTGRES_DB": "todo"})
    return target


def kustomize_build(directory: Path) -> list[dict[str, Any]]:
    out = run([kustomize_kubectl(), "kustomize", str(directory)])
    return [doc for doc in yaml.safe_load_all(out) if doc]


# ---------------------------------------------------------------------------------------------
# Helm (helm-python-sdk: Helm v4's Go SDK through a C ABI)


def _helm():
    import helm_python  # noqa: PLC0415 - imported lazily so a missing SDK is a clear test error

    return helm_python


def render_chart(
    values: dict[str, Any] | None = None,
    *,
    kube_version: str = KUBE_NEW,
    api_versions: list[str] | None = None,
    release: str = "todo",
    namespace: str = "todo",
) -> dict[str, str]:
    """Render helm/todo-app offline, as `helm template --kube-version --api-versions` would.

    helm-python-sdk's Chart.render() exposes name/namespace/revision only, but the library's
    render options also accept `kube_version` and `api_versions` (Helm's KubeVersion and extra
    APIVersions for .Capabilities); we pass them through its documented C entry point.
    """
    helm = _helm()
    from helm_python import _native  # noqa: PLC0415

    opts: dict[str, Any] = {"name": release, "namespace": namespace, "kube_version": kube_version}
    if api_versions:
        opts["api_versions"] = api_versions
    with helm.Chart.load(str(CHART)) as chart:
        payload = _native.call_string(
            "helm_render", chart._raw(), None if values is None else json.dumps(values), json.dumps(opts)
        )
    return json.loads(payload)


def chart_objects(rendered: dict[str, str], *, hooks: bool = False) -> list[dict[str, Any]]:
    """The objects of a render (NOTES.txt left out); hooks (helm test pods) only when asked."""
    objects = []
    for path, text in sorted(rendered.items()):
        if path.endswith("NOTES.txt"):
            continue
        for doc in yaml.safe_load_all(text):
            if not doc:
                continue
            is_hook = "helm.sh/hook" in (doc.get("metadata", {}).get("annotations") or {})
            if is_hook == hooks:
                objects.append(doc)
    return objects


def values_file(name: str) -> dict[str, Any]:
    return _helm().values_from_yaml((CHART / name).read_text())


def lint(values: dict[str, Any] | None, kube_version: str) -> dict[str, Any]:
    return _helm().lint(str(CHART), values, strict=True, namespace="todo", kube_version=kube_version)


# ---------------------------------------------------------------------------------------------
# Object comparison


def key(obj: dict[str, Any]) -> tuple[str, str]:
    return obj["kind"], obj["metadata"]["name"]


def normalise(obj: dict[str, Any]) -> dict[str, Any]:
    """What must agree between the chart and kubernetes/: everything except the namespace
    field (kustomize sets it, Helm leaves it to the release), Helm's bookkeeping labels and
    checksum annotations, and Secret values (random on each render)."""
    obj = json.loads(json.dumps(obj))
    meta = obj.get("metadata", {})
    meta.pop("namespace", None)
    for field in ("labels", "annotations"):
        if field in meta:
            drop = CHART_ONLY_LABELS if field == "labels" else None
            meta[field] = {
                k: v for k, v in meta[field].items()
                if not (drop and k in drop) and not (field == "annotations" and CHART_ONLY_ANNOTATIONS.match(k))
            }
            if not meta[field]:
                del meta[field]
    template = obj.get("spec", {}).get("template", {}).get("metadata")
    if template and "annotations" in template:
        template["annotations"] = {k: v for k, v in template["annotations"].items()
                                   if not CHART_ONLY_ANNOTATIONS.match(k)}
        if not template["annotations"]:
            del template["annotations"]
    for claim in obj.get("spec", {}).get("volumeClaimTemplates", []) or []:
        labels = claim.get("metadata", {}).get("labels")
        if labels:
            claim["metadata"]["labels"] = {k: v for k, v in labels.items() if k not in CHART_ONLY_LABELS}
    if obj.get("kind") == "Secret":
        for field in ("data", "stringData"):
            if field in obj:
                obj[field] = sorted(obj[field])
    return obj


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    return obj["spec"]["template"]["spec"]


# ---------------------------------------------------------------------------------------------
# Live cluster


def kubeconfig() -> str:
    return os.environ.get("LABRUN_KUBECONFIG", "/var/lib/labrun/bare/admin.kubeconfig")


def discovery(kubectl: str, config: str) -> tuple[str, list[str]]:
    """The server's version and its "group/version" and "group/version/Kind" list, the way Helm
    fills .Capabilities.APIVersions on a real install."""
    base = [kubectl, "--kubeconfig", config, "--request-timeout", "20s"]
    version = json.loads(run(base + ["get", "--raw", "/version"]))["gitVersion"]
    versions: list[str] = []

    def add(group_version: str, path: str) -> None:
        versions.append(group_version)
        resources = json.loads(run(base + ["get", "--raw", path]))
        for res in resources.get("resources", []):
            if "/" not in res["name"]:
                versions.append(f"{group_version}/{res['kind']}")

    for v in json.loads(run(base + ["get", "--raw", "/api"]))["versions"]:
        add(v, f"/api/{v}")
    for group in json.loads(run(base + ["get", "--raw", "/apis"]))["groups"]:
        for gv in group["versions"]:
            add(gv["groupVersion"], f"/apis/{gv['groupVersion']}")
    return version, versions


def tempdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="labrun-k8s-test-"))
