"""The Helm chart and the plain manifests describe the same stack, and both keep the promises the
specs make (specs/features/kubernetes-deployment.md, specs/features/helm-charts.md).

Offline: kustomize (kubectl 1.21+) builds kubernetes/, Helm's own engine (helm-python-sdk)
lints and renders helm/todo-app for Kubernetes 1.20 and a current version. The server-side
validation of the same output is run.sh's job.
"""

from __future__ import annotations

import difflib
import json
import re
import subprocess

import pytest
import yaml

import k8stest as k

BACKEND = ("Deployment", "backend")
FRONTEND = ("Deployment", "frontend")
POSTGRES = ("StatefulSet", "postgres")
MODEL = ("Deployment", "model-service")  # the lab's stand-in for the external model provider


# ---------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="session")
def staged(tmp_path_factory):
    return k.stage_manifests(tmp_path_factory.mktemp("manifests"))


@pytest.fixture(scope="session")
def manifests_new(staged):
    return {k.key(o): o for o in k.kustomize_build(staged)}


@pytest.fixture(scope="session")
def manifests_old(staged):
    return {k.key(o): o for o in k.kustomize_build(staged / "overlays" / "k8s-1.20")}


# The one intended difference in settings: kubernetes/ is the lab's deployment and turns on the
# stand-in sign-in (LAB_SIGN_IN), which the chart's default values keep off; the chart's lab values
# (values-bare.yaml, values-minikube.yaml) turn it on too.
LAB = {"backend": {"labSignIn": True}}


@pytest.fixture(scope="session")
def chart_new():
    return {k.key(o): o for o in k.chart_objects(k.render_chart(LAB, kube_version=k.KUBE_NEW))}


@pytest.fixture(scope="session")
def chart_old():
    return {k.key(o): o for o in k.chart_objects(k.render_chart(LAB, kube_version=k.KUBE_OLD))}


def _diff(a, b) -> str:
    left = yaml.safe_dump(a, sort_keys=True).splitlines()
    right = yaml.safe_dump(b, sort_keys=True).splitlines()
    return "\n".join(difflib.unified_diff(left, right, "kubernetes/", "helm/todo-app", lineterm=""))


# ---------------------------------------------------------------------------------------------
# Lint


@pytest.mark.parametrize("kube", [k.KUBE_OLD, k.KUBE_NEW])
@pytest.mark.parametrize("values", [None, "values-bare.yaml", "values-minikube.yaml", "values-cloud.yaml"])
def test_chart_lints_clean(values, kube):
    report = k.lint(None if values is None else k.values_file(values), kube)
    problems = [m for m in report["messages"] if m["severity"] >= 2]
    assert not report["errors"] and not problems, json.dumps(report, indent=2)


# ---------------------------------------------------------------------------------------------
# Same objects, same settings


@pytest.mark.parametrize("variant", ["new", "old"])
def test_chart_renders_the_same_objects_as_the_manifests(variant, request):
    manifests = request.getfixturevalue(f"manifests_{variant}")
    chart = request.getfixturevalue(f"chart_{variant}")
    only_manifests = set(manifests) - set(chart)
    only_chart = set(chart) - set(manifests)
    # The one intended difference: Helm installs into a namespace (--create-namespace) instead
    # of owning the Namespace object, so `helm uninstall` never deletes a namespace.
    assert only_manifests == {("Namespace", "todo")}, f"only in kubernetes/: {sorted(only_manifests)}"
    assert not only_chart, f"only in the chart: {sorted(only_chart)}"


@pytest.mark.parametrize("variant", ["new", "old"])
def test_every_object_agrees_field_by_field(variant, request):
    manifests = request.getfixturevalue(f"manifests_{variant}")
    chart = request.getfixturevalue(f"chart_{variant}")
    failures = []
    for obj_key in sorted(set(manifests) & set(chart)):
        left, right = k.normalise(manifests[obj_key]), k.normalise(chart[obj_key])
        if left != right:
            failures.append(f"{obj_key[0]}/{obj_key[1]} differs:\n{_diff(left, right)}")
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("obj_key", [BACKEND, FRONTEND, POSTGRES, MODEL])
def test_essential_settings_agree(obj_key, manifests_new, chart_new):
    """Named checks of what matters most, so a failure says which promise broke."""
    m, c = manifests_new[obj_key], chart_new[obj_key]
    assert m["spec"]["replicas"] == c["spec"]["replicas"], "replicas"
    for mc, cc in zip(k.pod_spec(m)["containers"], k.pod_spec(c)["containers"], strict=True):
        assert mc["image"] == cc["image"], "image"
        assert mc["ports"] == cc["ports"], "ports"
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert mc.get(probe) == cc.get(probe), probe
        assert mc["securityContext"] == cc["securityContext"], "container securityContext"
        assert mc["resources"] == cc["resources"], "resources"
    assert k.pod_spec(m)["securityContext"] == k.pod_spec(c)["securityContext"], "pod securityContext"


# ---------------------------------------------------------------------------------------------
# API versions follow the server


def _api_version(objects, kind):
    return next(o["apiVersion"] for o in objects.values() if o["kind"] == kind)


def test_api_versions_by_kube_version(chart_old, chart_new, manifests_old, manifests_new):
    assert _api_version(chart_old, "PodDisruptionBudget") == "policy/v1beta1"
    assert _api_version(chart_old, "HorizontalPodAutoscaler") == "autoscaling/v2beta2"
    assert _api_version(chart_new, "PodDisruptionBudget") == "policy/v1"
    assert _api_version(chart_new, "HorizontalPodAutoscaler") == "autoscaling/v2"
    assert _api_version(manifests_old, "PodDisruptionBudget") == "policy/v1beta1"
    assert _api_version(manifests_new, "HorizontalPodAutoscaler") == "autoscaling/v2"


def test_discovery_wins_over_the_kube_version():
    """On a real install .Capabilities.APIVersions comes from discovery ("group/version/Kind");
    it decides even when the version number suggests otherwise (e.g. a patched distribution)."""
    discovered = ["policy/v1beta1/PodDisruptionBudget", "autoscaling/v2beta2/HorizontalPodAutoscaler"]
    objs = {k.key(o): o for o in k.chart_objects(k.render_chart(kube_version="v1.24.0", api_versions=discovered))}
    assert _api_version(objs, "PodDisruptionBudget") == "policy/v1beta1"
    assert _api_version(objs, "HorizontalPodAutoscaler") == "autoscaling/v2beta2"
    discovered = ["policy/v1/PodDisruptionBudget", "autoscaling/v2/HorizontalPodAutoscaler"]
    objs = {k.key(o): o for o in k.chart_objects(k.render_chart(kube_version="v1.20.2", api_versions=discovered))}
    assert _api_version(objs, "PodDisruptionBudget") == "policy/v1"
    assert _api_version(objs, "HorizontalPodAutoscaler") == "autoscaling/v2"


# ---------------------------------------------------------------------------------------------
# Promises of the issue, checked on the manifests (the chart agrees, by the tests above)


def _env(container):
    return {e["name"]: e for e in container.get("env", [])}


def test_backend_deployment_promises(manifests_new):
    dep = manifests_new[BACKEND]
    assert dep["spec"]["replicas"] == 3
    assert dep["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    pod = k.pod_spec(dep)
    (c,) = pod["containers"]
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert c["imagePullPolicy"] == "IfNotPresent"
    assert c["image"] == "labrun/todo-backend:dev"
    assert _env(c)["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    # The backend logs in as its own role, never as the superuser (docker/postgres/initdb/10-roles.sh).
    for var, key in (("PGUSER", "APP_DB_USER"), ("PGPASSWORD", "APP_DB_PASSWORD"), ("PGDATABASE", "POSTGRES_DB")):
        assert _env(c)[var]["valueFrom"]["secretKeyRef"] == {"name": "todo-db", "key": key}
    assert c["resources"]["requests"] and c["resources"]["limits"]


@pytest.mark.parametrize("obj_key,uid", [(BACKEND, 10001), (FRONTEND, 10101), (POSTGRES, 999), (MODEL, 10001)])
def test_pods_run_locked_down(obj_key, uid, manifests_new):
    pod = k.pod_spec(manifests_new[obj_key])
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == uid
    assert pod["automountServiceAccountToken"] is False
    for c in pod["containers"]:
        sc = c["securityContext"]
        assert sc["readOnlyRootFilesystem"] is True
        assert sc["allowPrivilegeEscalation"] is False
        assert sc["capabilities"]["drop"] == ["ALL"]
        assert sc["runAsUser"] == uid
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        # The only writable paths are volumes.
        assert any(m["mountPath"] == "/tmp" for m in c["volumeMounts"])


def test_grace_period_covers_prestop_and_drain(manifests_new):
    """preStop sleep + the backend's drain bound must end before the kubelet's SIGKILL."""
    pod = k.pod_spec(manifests_new[BACKEND])
    pre_stop = int(pod["containers"][0]["lifecycle"]["preStop"]["exec"]["command"][1])
    config = manifests_new[("ConfigMap", "backend-config")]["data"]
    drain, delay = float(config["SHUTDOWN_DRAIN_SECONDS"]), float(config["SHUTDOWN_DELAY_SECONDS"])
    assert delay < drain, "the backend refuses SHUTDOWN_DELAY_SECONDS >= SHUTDOWN_DRAIN_SECONDS"
    assert pre_stop + drain < pod["terminationGracePeriodSeconds"]


def test_backend_settings_are_ones_the_backend_reads(manifests_new):
    """Every key of backend-config is read by stack/backend (guards against renamed variables)."""
    sources = "\n".join(p.read_text() for p in (k.REPO / "stack" / "backend" / "app").rglob("*.py"))
    libpq = {"PGHOST", "PGPORT"}  # read by libpq itself
    for name in manifests_new[("ConfigMap", "backend-config")]["data"]:
        assert name in libpq or f'"{name}"' in sources, f"{name} is not read by the backend"


def test_postgres_statefulset(manifests_new):
    sts = manifests_new[POSTGRES]
    (claim,) = sts["spec"]["volumeClaimTemplates"]
    assert "storageClassName" not in claim["spec"], "leave the class to the cluster default"
    assert claim["spec"]["resources"]["requests"]["storage"] == "1Gi"
    assert k.pod_spec(sts)["securityContext"]["fsGroup"] == 999
    env = _env(k.pod_spec(sts)["containers"][0])
    assert env["PGDATA"]["value"].startswith("/var/lib/postgresql/data/")
    assert k.pod_spec(sts)["containers"][0]["envFrom"] == [{"secretRef": {"name": "todo-db"}}]


def test_services_and_ingress(manifests_new):
    ports = {name: manifests_new[("Service", name)]["spec"]["ports"][0]["port"]
             for name in ("backend", "frontend", "postgres", "model-service")}
    assert ports == {"backend": 8000, "frontend": 8080, "postgres": 5432, "model-service": 8000}
    ingress = manifests_new[("Ingress", "frontend")]
    assert ingress["spec"]["rules"][0]["host"] == "todo.local"


def test_network_policies_deny_by_default_and_allow_only_the_stack_paths(manifests_new):
    policies = {name: o["spec"] for (kind, name), o in manifests_new.items() if kind == "NetworkPolicy"}
    deny = policies["default-deny-all"]
    assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny and "egress" not in deny
    dns_ports = {(p["port"], p["protocol"]) for p in policies["allow-dns"]["egress"][0]["ports"]}
    assert dns_ports == {(53, "UDP"), (53, "TCP")}

    def peers(rule):
        return [p["podSelector"]["matchLabels"].get("app.kubernetes.io/component") for p in rule.get("from", rule.get("to", []))]

    assert peers(policies["postgres"]["ingress"][0]) == ["backend"]
    assert [p["port"] for p in policies["postgres"]["ingress"][0]["ports"]] == [5432]
    assert peers(policies["frontend"]["egress"][0]) == ["backend"]
    assert [peers(rule) for rule in policies["backend"]["egress"]] == [["postgres"], ["model-service"]]
    assert [p["port"] for p in policies["backend"]["egress"][1]["ports"]] == [8000]
    # Nothing lets the frontend talk to PostgreSQL or to the model service.
    for rule in policies["frontend"].get("egress", []):
        assert "postgres" not in peers(rule) and "model-service" not in peers(rule)
    # The model service (the stand-in for the external provider): in from the backend, client pods
    # and Prometheus on 8000 only; out to nothing but DNS (it calls nothing).
    model = policies["model-service"]
    assert set(model["policyTypes"]) == {"Ingress", "Egress"} and "egress" not in model
    (rule,) = model["ingress"]
    assert peers(rule) == ["backend", None, "prometheus"]
    assert rule["from"][1]["podSelector"]["matchLabels"] == {"todo.labrun.dev/client": "true"}
    assert [(p["port"], p["protocol"]) for p in rule["ports"]] == [(8000, "TCP")]
    assert ["model-service"] in [peers(rule) for rule in policies["clients"]["egress"]]


def test_pdb_and_hpa(manifests_new):
    pdb = manifests_new[("PodDisruptionBudget", "backend")]["spec"]
    assert pdb["maxUnavailable"] == 1
    hpa = manifests_new[("HorizontalPodAutoscaler", "backend")]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "backend"}
    assert hpa["minReplicas"] == manifests_new[BACKEND]["spec"]["replicas"]


# ---------------------------------------------------------------------------------------------
# The secret: generated, never committed


def test_secret_comes_from_a_git_ignored_generated_file(manifests_new):
    secret = manifests_new[("Secret", "todo-db")]
    assert sorted(secret["data"]) == ["APP_DB_PASSWORD", "APP_DB_USER", "POSTGRES_DB", "POSTGRES_PASSWORD", "POSTGRES_USER",
                                      "READER_DB_PASSWORD", "READER_DB_USER"]
    assert sorted(manifests_new[("Secret", "todo-auth")]["data"]) == ["JWT_SECRET"]
    assert sorted(manifests_new[("Secret", "todo-model")]["data"]) == ["MODEL_API_KEY"]
    assert sorted(manifests_new[("Secret", "todo-model-control")]["data"]) == ["MODEL_CONTROL_TOKEN"]
    kustomization = yaml.safe_load((k.MANIFESTS / "base" / "kustomization.yaml").read_text())
    envs = {generator["name"]: generator["envs"] for generator in kustomization["secretGenerator"]}
    names = ("todo-db", "todo-auth", "todo-model", "todo-model-control")
    assert envs == {name: [f"secrets/{name}.env"] for name in names}
    for name in names:
        ignored = subprocess.run(["git", "-C", str(k.REPO), "check-ignore", "-q", f"kubernetes/base/secrets/{name}.env"])
        assert ignored.returncode == 0, f"kubernetes/base/secrets/{name}.env must be git-ignored"
    tracked = subprocess.run(["git", "-C", str(k.REPO), "ls-files", "--", "kubernetes/base/secrets/*.env"],
                             capture_output=True, text=True).stdout
    assert not tracked.strip(), f"a secret env file is tracked by git: {tracked}"


def test_generated_password_is_random(tmp_path):
    a = k.stage_manifests(tmp_path / "a") / "base" / "secrets" / "todo-db.env"
    b = k.stage_manifests(tmp_path / "b") / "base" / "secrets" / "todo-db.env"
    envs = [dict(line.split("=", 1) for line in p.read_text().split()) for p in (a, b)]
    for key in ("POSTGRES_PASSWORD", "APP_DB_PASSWORD", "READER_DB_PASSWORD"):
        pw = [env[key] for env in envs]
        assert pw[0] != pw[1] and all(re.fullmatch(r"[0-9a-f]{32}", p) for p in pw)
    # Three different roles, three different passwords.
    assert len({envs[0][key] for key in ("POSTGRES_PASSWORD", "APP_DB_PASSWORD", "READER_DB_PASSWORD")}) == 3
    assert len({envs[0][key] for key in ("POSTGRES_USER", "APP_DB_USER", "READER_DB_USER")}) == 3
    assert oct(a.stat().st_mode & 0o777) == "0o600"
    keys = [p.with_name("todo-auth.env").read_text().strip() for p in (a, b)]
    assert keys[0] != keys[1] and all(re.fullmatch(r"JWT_SECRET=[0-9a-f]{64}", key) for key in keys)
    assert oct(a.with_name("todo-auth.env").stat().st_mode & 0o777) == "0o600"
    # The model key (backend and stand-in) and the stand-in's fault-control token (harness only):
    # random per machine, 0600, and never equal (the model service refuses equal values).
    for file, var in (("todo-model.env", "MODEL_API_KEY"), ("todo-model-control.env", "MODEL_CONTROL_TOKEN")):
        values = [p.with_name(file).read_text().strip() for p in (a, b)]
        assert values[0] != values[1] and all(re.fullmatch(rf"{var}=[0-9a-f]{{64}}", v) for v in values), file
        assert oct(a.with_name(file).stat().st_mode & 0o777) == "0o600", file
    for p in (a, b):
        key = p.with_name("todo-model.env").read_text().split("=", 1)[1]
        assert key != p.with_name("todo-model-control.env").read_text().split("=", 1)[1]


def test_generate_secret_adds_missing_files_and_refuses_an_equal_model_pair(tmp_path):
    """An older clone gains the model secrets without its database passwords changing; a hand-made
    control token equal to the key is refused (the model service would not start)."""
    staged = k.stage_manifests(tmp_path)
    secrets = staged / "base" / "secrets"
    db_before = (secrets / "todo-db.env").read_text()
    for name in ("todo-model.env", "todo-model-control.env"):
        (secrets / name).unlink()
    k.run([str(staged / "generate-secret.sh")])
    assert (secrets / "todo-db.env").read_text() == db_before
    assert (secrets / "todo-model.env").exists() and (secrets / "todo-model-control.env").exists()
    key = (secrets / "todo-model.env").read_text().split("=", 1)[1]
    (secrets / "todo-model-control.env").write_text(f"MODEL_CONTROL_TOKEN={key}")
    proc = subprocess.run([str(staged / "generate-secret.sh")], capture_output=True, text=True, check=False)
    assert proc.returncode == 1 and "are equal" in proc.stderr
    assert key.strip() not in proc.stdout + proc.stderr, "the key must never be printed"


def test_chart_secret_uses_given_password_and_is_kept_on_uninstall():
    given = {"password": "s3cret-for-test", "appPassword": "app-s3cret", "readerPassword": "reader-s3cret"}
    objs = {k.key(o): o for o in k.chart_objects(k.render_chart({"database": given}))}
    secret = objs[("Secret", "todo-db")]
    import base64

    decoded = {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}
    assert decoded["POSTGRES_PASSWORD"] == "s3cret-for-test"
    assert decoded["APP_DB_PASSWORD"] == "app-s3cret" and decoded["READER_DB_PASSWORD"] == "reader-s3cret"
    assert (decoded["POSTGRES_USER"], decoded["APP_DB_USER"], decoded["READER_DB_USER"]) == ("postgres", "todo", "labrun_reader")
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    objs = {k.key(o): o for o in k.chart_objects(k.render_chart({"database": {"createSecret": False}}))}
    assert ("Secret", "todo-db") not in objs


def test_chart_auth_secret_and_settings():
    import base64

    objs = {k.key(o): o for o in k.chart_objects(k.render_chart())}
    generated = base64.b64decode(objs[("Secret", "todo-auth")]["data"]["JWT_SECRET"]).decode()
    assert len(generated) == 64
    config = objs[("ConfigMap", "backend-config")]["data"]
    assert (config["JWT_ISSUER"], config["JWT_AUDIENCE"], config["LAB_SIGN_IN"]) == ("todo-auth", "todo-api", "false")
    (c,) = k.pod_spec(objs[BACKEND])["containers"]
    assert _env(c)["JWT_SECRET"]["valueFrom"]["secretKeyRef"] == {"name": "todo-auth", "key": "JWT_SECRET"}
    given = "x" * 40
    objs = {k.key(o): o for o in k.chart_objects(k.render_chart({"auth": {"jwtSecret": given}}))}
    assert base64.b64decode(objs[("Secret", "todo-auth")]["data"]["JWT_SECRET"]).decode() == given
    objs = {k.key(o): o for o in k.chart_objects(k.render_chart({"auth": {"createSecret": False}}))}
    assert ("Secret", "todo-auth") not in objs
    with pytest.raises(Exception, match="at least 32 bytes"):
        k.render_chart({"auth": {"jwtSecret": "too-short"}})


@pytest.mark.parametrize("values, on", [(None, "false"), ("values-cloud.yaml", "false"),
                                        ("values-bare.yaml", "true"), ("values-minikube.yaml", "true")])
def test_lab_sign_in_only_in_the_lab(values, on, manifests_new):
    chosen = None if values is None else k.values_file(values)
    objs = {k.key(o): o for o in k.chart_objects(k.render_chart(chosen))}
    assert objs[("ConfigMap", "backend-config")]["data"]["LAB_SIGN_IN"] == on
    # kubernetes/ is the lab's deployment (stack/labrun.yaml deploys it).
    assert manifests_new[("ConfigMap", "backend-config")]["data"]["LAB_SIGN_IN"] == "true"


# ---------------------------------------------------------------------------------------------
# Chart values


def test_bad_drain_settings_are_refused():
    import helm_python

    with pytest.raises(helm_python.HelmRenderError, match="terminationGracePeriodSeconds"):
        k.render_chart({"backend": {"terminationGracePeriodSeconds": 10}})
    with pytest.raises(helm_python.HelmRenderError, match="shutdownDelaySeconds"):
        k.render_chart({"backend": {"shutdownDelaySeconds": 20}})


def test_values_change_what_they_should():
    values = {
        "backend": {"replicas": 5, "appVersion": "v2", "image": {"tag": "v2"}},
        "postgres": {"persistence": {"size": "5Gi", "storageClass": "premium-rwo"}},
        "ingress": {"className": "nginx", "host": "todo.example.com"},
        "autoscaling": {"enabled": False},
        "podDisruptionBudget": {"enabled": False},
        "networkPolicy": {"enabled": False},
    }
    objs = {k.key(o): o for o in k.chart_objects(k.render_chart(values))}
    (c,) = k.pod_spec(objs[BACKEND])["containers"]
    assert objs[BACKEND]["spec"]["replicas"] == 5
    assert c["image"] == "labrun/todo-backend:v2"
    assert _env(c)["APP_VERSION"]["value"] == "v2"
    claim = objs[POSTGRES]["spec"]["volumeClaimTemplates"][0]["spec"]
    assert claim["storageClassName"] == "premium-rwo" and claim["resources"]["requests"]["storage"] == "5Gi"
    assert objs[("Ingress", "frontend")]["spec"]["ingressClassName"] == "nginx"
    kinds = {kind for kind, _ in objs}
    assert not kinds & {"HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy"}
    objs = {k.key(o): o for o in k.chart_objects(k.render_chart({"postgres": {"persistence": {"storageClass": "-"}}}))}
    assert objs[POSTGRES]["spec"]["volumeClaimTemplates"][0]["spec"]["storageClassName"] == ""


def test_bare_values_skip_grafana_and_say_why():
    rendered = k.render_chart(k.values_file("values-bare.yaml"), kube_version=k.KUBE_OLD)
    objs = {k.key(o): o for o in k.chart_objects(rendered)}
    assert ("Deployment", "prometheus") in objs
    assert ("Deployment", "grafana") not in objs
    assert ("Ingress", "frontend") not in objs
    notes = next(v for p, v in rendered.items() if p.endswith("NOTES.txt"))
    assert "Grafana:    SKIPPED" in notes and "not packaged in Debian" in notes
    assert "port-forward svc/frontend" in notes


def test_minikube_values_deploy_prometheus_and_grafana():
    rendered = k.render_chart(k.values_file("values-minikube.yaml"))
    objs = {k.key(o): o for o in k.chart_objects(rendered)}
    for name in ("prometheus", "grafana"):
        assert ("Deployment", name) in objs and ("Service", name) in objs and ("NetworkPolicy", name) in objs
    assert objs[("Ingress", "frontend")]["spec"]["ingressClassName"] == "nginx"
    config = yaml.safe_load(objs[("ConfigMap", "prometheus-config")]["data"]["prometheus.yml"])
    job = config["scrape_configs"][0]
    assert job["job_name"] == "todo-backend"
    # Debian's Prometheus has no kubernetes_sd_configs: targets come from a headless Service.
    assert job["dns_sd_configs"][0]["names"] == ["backend-metrics.todo.svc"]
    assert objs[("Service", "backend-metrics")]["spec"]["clusterIP"] == "None"
    rules = objs[("ConfigMap", "prometheus-config")]["data"]["alerts.yml"]
    assert yaml.safe_load(rules) == yaml.safe_load((k.MONITORING / "prometheus" / "alerts.yml").read_text())
    dashboard = objs[("ConfigMap", "grafana-dashboards")]["data"]["todo-dashboard.json"]
    assert json.loads(dashboard)["uid"] == "labrun-todo"


def test_helm_test_hook_checks_the_api_through_the_frontend():
    (pod,) = k.chart_objects(k.render_chart(), hooks=True)
    assert pod["kind"] == "Pod" and pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    assert pod["metadata"]["labels"]["todo.labrun.dev/client"] == "true"
    (c,) = pod["spec"]["containers"]
    assert c["command"][:2] == ["python3", "-c"]
    compile(c["command"][2], "api-check.py", "exec")
    assert _env(c)["TARGET_URL"]["value"] == "http://frontend:8080"
    # It signs its own token with the Secret: the lab sign-in is off in the chart's defaults.
    assert _env(c)["JWT_SECRET"]["valueFrom"]["secretKeyRef"] == {"name": "todo-auth", "key": "JWT_SECRET"}
    assert _env(c)["JWT_ISSUER"]["valueFrom"]["configMapKeyRef"] == {"name": "backend-config", "key": "JWT_ISSUER"}


# ---------------------------------------------------------------------------------------------
# Monitoring files: one source, no drift, names the backend really exports


def test_chart_copies_of_monitoring_files_are_identical():
    pairs = [
        (k.MONITORING / "prometheus" / "alerts.yml", k.CHART / "files" / "alerts.yml"),
        (k.MONITORING / "grafana" / "todo-dashboard.json", k.CHART / "files" / "todo-dashboard.json"),
    ]
    for source, copy in pairs:
        assert source.read_bytes() == copy.read_bytes(), f"{copy} differs from {source}: cp {source} {copy}"


def test_alerts_and_dashboard_use_metrics_the_backend_exports():
    exported = (k.REPO / "stack" / "backend" / "app" / "observability.py").read_text()
    text = (k.MONITORING / "prometheus" / "alerts.yml").read_text() + (
        k.MONITORING / "grafana" / "todo-dashboard.json").read_text()
    used = set(re.findall(r"\b((?:http|db_pool|app)_[a-z_]+?)(?:_bucket|_total)?\b(?=[{\[ )])", text))
    assert used, "no backend metric found in the rules or dashboard"
    for name in sorted(used):
        assert f'"{name}"' in exported, f"{name} is used by monitoring/ but not exported by the backend"
    alerts = yaml.safe_load((k.MONITORING / "prometheus" / "alerts.yml").read_text())
    names = {r["alert"] for g in alerts["groups"] for r in g["rules"]}
    assert {"TodoBackendHighErrorRate", "TodoBackendHighLatency", "TodoBackendRestarting"} <= names


# ---------------------------------------------------------------------------------------------
# The model service (the lab's stand-in for the external model provider) and the backend's model
# settings; stack/model-service/README.md, "What a Deployment needs"


def test_model_service_deployment_promises(manifests_new):
    dep = manifests_new[MODEL]
    # One process, never two: fault state is per process (no surge pod during a rollout either).
    assert dep["spec"]["replicas"] == 1 and dep["spec"]["strategy"] == {"type": "Recreate"}
    pod = k.pod_spec(dep)
    (c,) = pod["containers"]
    assert c["image"] == "labrun/todo-model-service:dev" and c["imagePullPolicy"] == "IfNotPresent"
    assert c["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    env = _env(c)
    assert env["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert env["MODEL_API_KEY"]["valueFrom"]["secretKeyRef"] == {"name": "todo-model", "key": "MODEL_API_KEY"}
    assert env["MODEL_CONTROL_TOKEN"]["valueFrom"]["secretKeyRef"] == {"name": "todo-model-control", "key": "MODEL_CONTROL_TOKEN"}
    assert pod["terminationGracePeriodSeconds"] >= int(env["SHUTDOWN_GRACE_SECONDS"]["value"]) + 5
    assert c["resources"] == {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}}
    annotations = dep["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == "8000" and annotations["prometheus.io/path"] == "/metrics"
    # Named a stand-in wherever it appears.
    for obj in (dep, manifests_new[("Service", "model-service")], dep["spec"]["template"]):
        assert obj["metadata"]["labels"]["todo.labrun.dev/stand-in"] == "true"
        assert "model provider" in obj["metadata"]["annotations"]["todo.labrun.dev/stands-in-for"]


def test_model_service_reads_only_settings_it_knows(manifests_new):
    """Every variable the Deployment sets is one stack/model-service reads (its README's table)."""
    sources = "\n".join(p.read_text() for p in (k.REPO / "stack" / "model-service" / "model_service").glob("*.py"))
    (c,) = k.pod_spec(manifests_new[MODEL])["containers"]
    for name in _env(c):
        assert f'"{name}"' in sources, f"{name} is not read by the model service"


def test_backend_talks_to_the_stand_in(manifests_new):
    config = manifests_new[("ConfigMap", "backend-config")]["data"]
    assert config["MODEL_BASE_URL"] == "http://model-service:8000/v1"
    assert config["MODEL_TIMEOUT_SECONDS"] == "15"
    service = manifests_new[("Service", "model-service")]["spec"]
    assert service["type"] == "ClusterIP" and service["ports"][0]["port"] == 8000 and service["ports"][0]["name"] == "http"
    # The stand-in serves exactly the model the backend asks for.
    (model,) = k.pod_spec(manifests_new[MODEL])["containers"]
    assert _env(model)["MODEL_NAMES"]["value"] == config["MODEL_NAME"] == "labrun-stand-in"
    (backend,) = k.pod_spec(manifests_new[BACKEND])["containers"]
    assert _env(backend)["MODEL_API_KEY"]["valueFrom"]["secretKeyRef"] == {"name": "todo-model", "key": "MODEL_API_KEY"}
    # The fault-control token is the stand-in's and the harness's, never the system under test's.
    assert "todo-model-control" not in json.dumps(manifests_new[BACKEND])
    assert "MODEL_CONTROL_TOKEN" not in json.dumps(manifests_new[BACKEND])


def test_chart_model_secrets_are_generated_and_differ():
    import base64

    objs = {k.key(o): o for o in k.chart_objects(k.render_chart())}
    key = base64.b64decode(objs[("Secret", "todo-model")]["data"]["MODEL_API_KEY"]).decode()
    token = base64.b64decode(objs[("Secret", "todo-model-control")]["data"]["MODEL_CONTROL_TOKEN"]).decode()
    assert len(key) == len(token) == 64 and key != token
    # Another Secret name for the key follows everywhere it is used.
    objs = {k.key(o): o for o in k.chart_objects(k.render_chart({"model": {"apiKeySecret": "lab-model-key"}}))}
    assert ("Secret", "lab-model-key") in objs and ("Secret", "todo-model") not in objs
    for obj_key in (BACKEND, MODEL):
        (c,) = k.pod_spec(objs[obj_key])["containers"]
        assert _env(c)["MODEL_API_KEY"]["valueFrom"]["secretKeyRef"]["name"] == "lab-model-key"


@pytest.mark.parametrize("values", [None, "values-bare.yaml", "values-minikube.yaml"])
def test_lab_values_run_the_stand_in(values):
    objs = {k.key(o): o for o in k.chart_objects(k.render_chart(None if values is None else k.values_file(values)))}
    assert objs[MODEL]["spec"]["replicas"] == 1
    assert objs[("ConfigMap", "backend-config")]["data"]["MODEL_BASE_URL"] == "http://model-service:8000/v1"


def test_cloud_values_use_a_real_provider_without_the_stand_in():
    rendered = k.render_chart(k.values_file("values-cloud.yaml"))
    objs = {k.key(o): o for o in k.chart_objects(rendered)}
    for obj_key in (MODEL, ("Service", "model-service"), ("NetworkPolicy", "model-service"),
                    ("Secret", "todo-model"), ("Secret", "todo-model-control")):
        assert obj_key not in objs, f"{obj_key} must not exist without the stand-in"
    config = objs[("ConfigMap", "backend-config")]["data"]
    assert config["MODEL_BASE_URL"].startswith("https://") and "model-service" not in config["MODEL_BASE_URL"]
    # The key comes from a Secret the operator creates; the backend's policy lets it reach the provider.
    (c,) = k.pod_spec(objs[BACKEND])["containers"]
    assert _env(c)["MODEL_API_KEY"]["valueFrom"]["secretKeyRef"] == {"name": "todo-model", "key": "MODEL_API_KEY"}
    egress = objs[("NetworkPolicy", "backend")]["spec"]["egress"]
    assert any(p.get("port") == 443 for rule in egress for p in rule.get("ports", [])), egress
    assert "model-service" not in json.dumps(egress)
    notes = next(v for p, v in rendered.items() if p.endswith("NOTES.txt"))
    assert "todo-model" in notes and "stand-in" in notes
    config_yaml = objs[("ConfigMap", "prometheus-config")]["data"]["prometheus.yml"]
    assert "todo-model-service" not in config_yaml


def test_chart_refuses_a_model_setup_that_cannot_work():
    import helm_python

    with pytest.raises(helm_python.HelmRenderError, match="still points at the stand-in"):
        k.render_chart({"modelService": {"enabled": False}})
    with pytest.raises(helm_python.HelmRenderError, match="terminationGracePeriodSeconds"):
        k.render_chart({"modelService": {"terminationGracePeriodSeconds": 8}})


# The chat's metrics, as the backend's chat code (written in parallel, issue 14 item 2) names them.
CHAT_METRICS = {"chat_turn_duration_seconds", "chat_tool_calls", "chat_model_errors"}


def _monitoring_text() -> str:
    """Every PromQL expression of the alert rules and the dashboard (not their prose, which names
    label values such as outcome="model_timeout")."""
    alerts = yaml.safe_load((k.MONITORING / "prometheus" / "alerts.yml").read_text())
    panels = json.loads((k.MONITORING / "grafana" / "todo-dashboard.json").read_text())["panels"]
    exprs = [r["expr"] for g in alerts["groups"] for r in g["rules"]]
    exprs += [t["expr"] for p in panels for t in p.get("targets", [])]
    # Label values in quotes are not metric names.
    return "\n".join(re.sub(r'"[^"]*"', '""', e) for e in exprs)


def test_monitoring_uses_metrics_the_model_service_exports():
    """model_* names in the rules and dashboard are the stand-in's own (prometheus_client adds
    _total to counters and _bucket/_count/_sum to histograms)."""
    exported = (k.REPO / "stack" / "model-service" / "model_service" / "observability.py").read_text()
    used = set(re.findall(r"\b(model_[a-z_]+?)(?:_bucket|_count|_sum|_total)?\b(?=[{\[ )])", _monitoring_text()))
    assert {"model_requests", "model_request_duration_seconds", "model_fault_active"} <= used, used
    for name in sorted(used):
        assert f'"{name}"' in exported, f"{name} is used by monitoring/ but not exported by the model service"


def test_monitoring_uses_the_chat_metric_names():
    used = set(re.findall(r"\b(chat_[a-z_]+?)(?:_bucket|_count|_sum|_total)?\b(?=[{\[ )])", _monitoring_text()))
    assert used == CHAT_METRICS, used
    alerts = yaml.safe_load((k.MONITORING / "prometheus" / "alerts.yml").read_text())
    names = {r["alert"] for g in alerts["groups"] for r in g["rules"]}
    assert {"TodoChatHighErrorRatio", "TodoChatSlowTurns", "TodoModelFaultLeftActive"} <= names
    sources = "\n".join(p.read_text() for p in (k.REPO / "stack" / "backend" / "app").rglob("*.py"))
    for name in sorted(CHAT_METRICS):
        assert f'"{name}"' in sources, f"{name} is used by monitoring/ but not exported by the backend"


def test_chart_prometheus_scrapes_the_stand_in_when_it_runs():
    objs = {k.key(o): o for o in k.chart_objects(k.render_chart(k.values_file("values-minikube.yaml")))}
    config = yaml.safe_load(objs[("ConfigMap", "prometheus-config")]["data"]["prometheus.yml"])
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["todo-model-service"]["static_configs"] == [{"targets": ["model-service.todo.svc:8000"]}]
    egress = objs[("NetworkPolicy", "prometheus")]["spec"]["egress"]
    components = [p["podSelector"]["matchLabels"]["app.kubernetes.io/component"] for rule in egress for p in rule["to"]]
    assert components == ["backend", "model-service"]
    objs = {k.key(o): o for o in k.chart_objects(k.render_chart({"monitoring": {"enabled": True}, "modelService": {"enabled": False},
                                                               "model": {"baseURL": "https://models.example.com/v1"}}))}
    config = yaml.safe_load(objs[("ConfigMap", "prometheus-config")]["data"]["prometheus.yml"])
    assert "todo-model-service" not in {job["job_name"] for job in config["scrape_configs"]}
