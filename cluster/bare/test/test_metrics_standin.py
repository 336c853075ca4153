"""Unit tests of the metrics API stand-in (cluster/bare/lib/metrics-standin.py): a fake cgroup tree,
a fake pod list and a fake clock for the numbers; real TLS on loopback for who may call it.

    python3 -m unittest discover -s cluster/bare/test -p 'test_metrics_standin.py'
"""
import importlib.util
import json
import os
import ssl
import subprocess
import tempfile
import threading
import unittest
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("standin", os.path.join(HERE, "..", "lib", "metrics-standin.py"))
standin = importlib.util.module_from_spec(spec)
spec.loader.exec_module(standin)

A = "a" * 64
B = "b" * 64
C = "c" * 64


def pod(name, uid, containers, labels=None, node="labrun-bare", phase="Running", deleting=False):
    metadata = {"name": name, "namespace": "shop", "uid": uid, "labels": labels or {"app": name.split("-")[0]}}
    if deleting:
        metadata["deletionTimestamp"] = "2026-12-07T00:00:00Z"
    return {"metadata": metadata, "spec": {"nodeName": node},
            "status": {"phase": phase, "containerStatuses": [{"name": n, "containerID": f"docker://{i}"} for n, i in containers]}}


class FakeHost:
    """A cgroup v1 tree with cpuacct and memory hierarchies, node 1 at the top and node 2 under its root."""

    def __init__(self):
        self.directory = tempfile.TemporaryDirectory()
        self.root = self.directory.name

    def container(self, uid, container_id, node_root="", qos="burstable"):
        for hierarchy in ("cpuacct", "memory"):
            path = os.path.join(self.root, hierarchy, node_root, "kubepods", qos, f"pod{uid}", container_id)
            os.makedirs(path, exist_ok=True)
        return os.path.join(node_root, "kubepods", qos, f"pod{uid}", container_id)

    def set(self, relative, cpu_ns, memory=None, inactive=0):
        with open(os.path.join(self.root, "cpuacct", relative, "cpuacct.usage"), "w") as handle:
            handle.write(f"{cpu_ns}\n")
        if memory is not None:
            with open(os.path.join(self.root, "memory", relative, "memory.usage_in_bytes"), "w") as handle:
                handle.write(f"{memory}\n")
            with open(os.path.join(self.root, "memory", relative, "memory.stat"), "w") as handle:
                handle.write(f"cache 1\ntotal_inactive_file {inactive}\n")


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self):
        return self.now


UID1 = "11111111-1111-1111-1111-111111111111"
UID2 = "22222222-2222-2222-2222-222222222222"


class SamplerTests(unittest.TestCase):
    def setUp(self):
        self.host = FakeHost()
        self.addCleanup(self.host.directory.cleanup)
        self.clock = Clock()
        self.pods = [pod("api-1", UID1, [("api", A), ("sidecar", B)]),
                     pod("db-0", UID2, [("db", C)], node="labrun-bare-2")]
        self.sampler = standin.Sampler(self.host.root, lambda: self.pods, clock=self.clock)
        self.a = self.host.container(UID1, A)
        self.b = self.host.container(UID1, B, qos="besteffort")
        self.c = self.host.container(UID2, C, node_root="labrun-bare-2")
        # the pause container of the pod, which no containerStatus names: never served
        self.host.set(self.host.container(UID1, "d" * 64), 0)

    def test_cpu_is_the_rate_between_two_samples_and_memory_the_working_set(self):
        self.host.set(self.a, 1_000_000_000, memory=50 * 1024 * 1024, inactive=10 * 1024 * 1024)
        self.host.set(self.b, 0, memory=1024 * 1024)
        self.host.set(self.c, 5_000_000_000, memory=2048)
        self.sampler.sample()
        self.assertEqual(self.sampler.pods(), [], "one sample is not a rate: every pod is missing")
        self.clock.now += 15
        self.host.set(self.a, 1_000_000_000 + 3_000_000_000)   # 3 s of CPU in 15 s: 0.2 cores
        self.host.set(self.b, 150_000_000)                      # 0.01 cores
        self.host.set(self.c, 5_000_000_000 + 15_000_000_000)   # 1 core
        self.sampler.sample()
        api = self.sampler.pods(name="api-1")[0]
        self.assertEqual(api["window"], "15s")
        self.assertEqual(api["containers"], [
            {"name": "api", "usage": {"cpu": "200000000n", "memory": f"{40 * 1024}Ki"}},
            {"name": "sidecar", "usage": {"cpu": "10000000n", "memory": "1024Ki"}}])
        self.assertEqual(self.sampler.pods(name="db-0")[0]["containers"][0]["usage"]["cpu"], "1000000000n")
        nodes = {n["metadata"]["name"]: n["usage"]["cpu"] for n in self.sampler.nodes()}
        self.assertEqual(nodes, {"labrun-bare": "210000000n", "labrun-bare-2": "1000000000n"})

    def test_a_restarted_or_new_container_leaves_its_pod_missing(self):
        for relative in (self.a, self.b, self.c):
            self.host.set(relative, 1_000_000_000)
        self.sampler.sample()
        self.clock.now += 15
        self.host.set(self.a, 500)   # the counter went back: a new container in the same cgroup path
        self.host.set(self.b, 2_000_000_000)
        self.host.set(self.c, 2_000_000_000)
        self.sampler.sample()
        self.assertEqual([p["metadata"]["name"] for p in self.sampler.pods()], ["db-0"])

    def test_pods_not_running_or_being_deleted_are_left_out(self):
        self.pods = [pod("api-1", UID1, [("api", A)], deleting=True), pod("db-0", UID2, [("db", C)], phase="Pending")]
        for relative in (self.a, self.c):
            self.host.set(relative, 1)
        self.sampler.sample()
        self.clock.now += 15
        self.sampler.sample()
        self.assertEqual(self.sampler.pods(), [])

    def test_label_selectors(self):
        labels = {"app": "api", "tier": "web"}
        for text, expected in [("app=api", True), ("app==api,tier=web", True), ("app!=api", False),
                               ("app in (api, db)", True), ("app notin (api)", False), ("tier", True),
                               ("!tier", False), ("missing!=x", True), ("", True), ("app=db", False)]:
            with self.subTest(text=text):
                self.assertEqual(standin.matches(standin.parse_selector(text), labels), expected)
        with self.assertRaises(standin.SelectorError):
            standin.parse_selector("app=~x")

    def test_routes(self):
        self.host.set(self.a, 0)
        self.host.set(self.b, 0)
        self.sampler.sample()
        self.clock.now += 15
        self.sampler.sample()
        code, body = standin.route(self.sampler, "/apis/metrics.k8s.io/v1beta1", {})
        self.assertEqual((code, sorted(r["name"] for r in body["resources"])), (200, ["nodes", "pods"]))
        code, body = standin.route(self.sampler, "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods", {"labelSelector": ["app=api"]})
        self.assertEqual((code, body["kind"], [i["metadata"]["name"] for i in body["items"]]), (200, "PodMetricsList", ["api-1"]))
        code, body = standin.route(self.sampler, "/apis/metrics.k8s.io/v1beta1/namespaces/other/pods", {})
        self.assertEqual((code, body["items"]), (200, []))
        code, body = standin.route(self.sampler, "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/nope", {})
        self.assertEqual((code, body["reason"]), (404, "NotFound"))
        code, body = standin.route(self.sampler, "/apis/metrics.k8s.io/v1beta1/pods", {"labelSelector": ["app=~x"]})
        self.assertEqual((code, body["reason"]), (400, "BadRequest"))
        code, _ = standin.route(self.sampler, "/api/v1/secrets", {})
        self.assertEqual(code, 404)


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


class TLSTests(unittest.TestCase):
    """Only a client holding a certificate of the front-proxy CA with the expected name gets an answer."""

    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.TemporaryDirectory()
        d = cls.directory.name

        def ca(name):
            openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                    "-subj", f"/CN={name}", "-keyout", f"{d}/{name}.key", "-out", f"{d}/{name}.crt")

        def cert(name, issuer, cn, extension):
            openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-subj", f"/CN={cn}", "-keyout", f"{d}/{name}.key", "-out", f"{d}/{name}.csr")
            with open(f"{d}/{name}.ext", "w") as handle:
                handle.write(extension)
            openssl("x509", "-req", "-in", f"{d}/{name}.csr", "-CA", f"{d}/{issuer}.crt", "-CAkey", f"{d}/{issuer}.key",
                    "-CAcreateserial", "-days", "1", "-extfile", f"{d}/{name}.ext", "-out", f"{d}/{name}.crt")

        ca("cluster-ca")
        ca("front-proxy-ca")
        cert("serving", "cluster-ca", "labrun-metrics-standin", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
        cert("proxy", "front-proxy-ca", "front-proxy-client", "extendedKeyUsage=clientAuth\n")
        cert("other", "front-proxy-ca", "someone-else", "extendedKeyUsage=clientAuth\n")
        cert("forged", "cluster-ca", "front-proxy-client", "extendedKeyUsage=clientAuth\n")

        sampler = standin.Sampler(d, lambda: [])
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), standin.handler_for(sampler, "front-proxy-client"))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(f"{d}/serving.crt", f"{d}/serving.key")
        context.load_verify_locations(f"{d}/front-proxy-ca.crt")
        context.verify_mode = ssl.CERT_REQUIRED
        cls.server.socket = context.wrap_socket(cls.server.socket, server_side=True, do_handshake_on_connect=False)
        cls.server.handle_error = lambda request, address: None
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.url = f"https://127.0.0.1:{cls.server.server_address[1]}/apis/metrics.k8s.io/v1beta1"

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.directory.cleanup()

    def get(self, client):
        d = self.directory.name
        context = ssl.create_default_context(cafile=f"{d}/cluster-ca.crt")
        if client:
            context.load_cert_chain(f"{d}/{client}.crt", f"{d}/{client}.key")
        with urllib.request.urlopen(self.url, context=context, timeout=10) as response:
            return response.status, json.load(response)

    def test_the_front_proxy_gets_the_api(self):
        status, body = self.get("proxy")
        self.assertEqual((status, body["groupVersion"]), (200, "metrics.k8s.io/v1beta1"))

    def test_another_name_of_the_front_proxy_ca_is_forbidden(self):
        with self.assertRaises(urllib.error.HTTPError) as raised:
            self.get("other")
        self.assertEqual(raised.exception.code, 403)

    def test_no_certificate_or_one_of_another_ca_is_refused_in_the_handshake(self):
        for client in (None, "forged"):
            with self.subTest(client=client), self.assertRaises((ssl.SSLError, urllib.error.URLError, ConnectionError)):
                self.get(client)


if __name__ == "__main__":
    unittest.main()
