#!/usr/bin/env python3
"""labrun-metrics-standin: the bare cluster's resource metrics API (metrics.k8s.io/v1beta1).

A STAND-IN, not metrics-server (which Debian does not package and nothing here can pull). It serves
what the HorizontalPodAutoscaler and `kubectl top` read, from the numbers the kubelet's own cadvisor
would use: each pod container's cgroup v1 counters on this host (cpuacct.usage, memory usage less
inactive file pages), sampled every --interval seconds. CPU is the rate between the last two samples;
a container with one sample so far (new, or restarted) is left out, so its pod counts as missing, as
the HPA expects of metrics-server.

It is reached only through kube-apiserver (an APIService, TLS verified against --cert's CA): it
requires the apiserver's front-proxy client certificate (--client-ca, CN --client-cn). The apiserver
has authenticated and authorised the caller before it proxies, so the stand-in grants nothing itself.
It reads pods through the API with its own certificate (ClusterRole labrun:metrics-standin: list pods).

Usage: metrics-standin.py --listen ADDR:PORT --cert F --key F --client-ca F --client-cn CN
         --api URL --api-ca F --api-cert F --api-key F [--cgroup-root DIR] [--interval S]
"""
import argparse
import json
import os
import re
import ssl
import sys
import threading
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GROUP, VERSION = "metrics.k8s.io", "v1beta1"
GROUP_VERSION = f"{GROUP}/{VERSION}"
CONTAINER_ID = re.compile(r"^[0-9a-f]{64}$")
POD_DIR = re.compile(r"^pod([0-9a-f-]{36})$")


# --- label selectors (the subset the API accepts in a list's labelSelector) ---------------------

class SelectorError(ValueError):
    pass


def parse_selector(text):
    """A label selector as a list of (key, op, values): op is =, !=, in, notin, exists, !exists."""
    requirements = []
    text = (text or "").strip()
    if not text:
        return requirements
    for part in split_top_level(text):
        part = part.strip()
        match = re.fullmatch(r"([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)", part)
        if match:
            values = {v.strip() for v in match.group(3).split(",") if v.strip()}
            requirements.append((match.group(1), match.group(2), values))
            continue
        match = re.fullmatch(r"([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)", part)
        if match:
            op = "!=" if match.group(2) == "!=" else "="
            requirements.append((match.group(1), op, {match.group(3)}))
            continue
        match = re.fullmatch(r"(!?)([\w./-]+)", part)
        if match:
            requirements.append((match.group(2), "!exists" if match.group(1) else "exists", set()))
            continue
        raise SelectorError(f"unsupported label selector requirement {part!r}")
    return requirements


def split_top_level(text):
    """Splits at commas outside parentheses."""
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def matches(requirements, labels):
    for key, op, values in requirements:
        present = key in labels
        value = labels.get(key)
        if op == "=" and value not in values:
            return False
        if op == "!=" and present and value in values:
            return False
        if op == "in" and value not in values:
            return False
        if op == "notin" and present and value in values:
            return False
        if op == "exists" and not present:
            return False
        if op == "!exists" and present:
            return False
    return True


# --- quantities ---------------------------------------------------------------------------------

def cpu_quantity(cores):
    """CPU cores as a Kubernetes quantity in nanocores ("12345678n"), as metrics-server writes it."""
    return f"{max(0, int(round(cores * 1e9)))}n"


def memory_quantity(octets):
    return f"{max(0, int(octets) // 1024)}Ki"


# --- sampling -----------------------------------------------------------------------------------

def read_int(path):
    try:
        with open(path) as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return None


def working_set(memory_dir):
    """Memory usage less inactive file pages (what the kubelet calls the working set)."""
    usage = read_int(os.path.join(memory_dir, "memory.usage_in_bytes"))
    if usage is None:
        return None
    inactive = 0
    try:
        with open(os.path.join(memory_dir, "memory.stat")) as handle:
            for line in handle:
                key, _, value = line.partition(" ")
                if key == "total_inactive_file":
                    inactive = int(value)
    except (OSError, ValueError):
        pass
    return max(0, usage - inactive)


def scan_containers(cgroup_root):
    """{docker container id: (cpuacct dir, memory dir)} for every pod container on this host: under
    <root>/cpuacct[/<node>]/kubepods[/<qos>]/pod<uid>/<id> (node 1 at the top, node K under its own
    cgroup root)."""
    found = {}
    cpu_top = os.path.join(cgroup_root, "cpuacct")
    for current, dirs, _ in os.walk(cpu_top):
        depth = current[len(cpu_top):].count(os.sep)
        name = os.path.basename(current)
        if POD_DIR.match(name):
            for container in dirs:
                if CONTAINER_ID.match(container):
                    relative = os.path.relpath(os.path.join(current, container), cpu_top)
                    found[container] = (os.path.join(cpu_top, relative), os.path.join(cgroup_root, "memory", relative))
            dirs[:] = []
        elif depth >= 4:
            dirs[:] = []
    return found


class Sampler:
    """Keeps the last two samples of every container and the pods they belong to."""

    def __init__(self, cgroup_root, list_pods, clock=time.time):
        self.cgroup_root = cgroup_root
        self.list_pods = list_pods
        self.clock = clock
        self.lock = threading.Lock()
        self.previous = {}   # container id -> (time, cpu ns)
        self.metrics = []    # pods with complete metrics: dicts ready to serve
        self.error = None

    def sample(self):
        pods = self.list_pods()
        now = self.clock()
        containers = scan_containers(self.cgroup_root)
        current = {}
        for container_id, (cpu_dir, _) in containers.items():
            usage = read_int(os.path.join(cpu_dir, "cpuacct.usage"))
            if usage is not None:
                current[container_id] = (now, usage)
        served = []
        for pod in pods:
            metadata, status = pod.get("metadata", {}), pod.get("status", {})
            if metadata.get("deletionTimestamp") or status.get("phase") not in ("Running",):
                continue
            entries, window = [], None
            for container in status.get("containerStatuses") or []:
                container_id = (container.get("containerID") or "").split("://")[-1]
                before, after = self.previous.get(container_id), current.get(container_id)
                if not before or not after or after[0] <= before[0] or after[1] < before[1]:
                    entries = None   # a container without two samples: the pod's metrics are missing
                    break
                window = after[0] - before[0]
                cores = (after[1] - before[1]) / 1e9 / window
                memory = working_set(containers[container_id][1]) or 0
                entries.append({"name": container.get("name"),
                                 "usage": {"cpu": cpu_quantity(cores), "memory": memory_quantity(memory)}})
            if entries:
                served.append({
                    "metadata": {"name": metadata.get("name"), "namespace": metadata.get("namespace"),
                                 "labels": metadata.get("labels") or {},
                                 "creationTimestamp": timestamp(now)},
                    "timestamp": timestamp(now),
                    "window": f"{int(round(window))}s",
                    "containers": entries,
                    "_node": pod.get("spec", {}).get("nodeName"),
                })
        with self.lock:
            self.previous = current
            self.metrics = served
            self.error = None

    def pods(self, namespace=None, selector=None, name=None):
        with self.lock:
            items = list(self.metrics)
        return [{k: v for k, v in item.items() if k != "_node"} for item in items
                if (namespace is None or item["metadata"]["namespace"] == namespace)
                and (name is None or item["metadata"]["name"] == name)
                and matches(selector or [], item["metadata"]["labels"])]

    def nodes(self, name=None):
        """Per node, the sum of its pods' usage (the stand-in's node figure: pods only, not the system)."""
        with self.lock:
            items = list(self.metrics)
        totals = {}
        for item in items:
            node = item["_node"]
            if node is None or (name is not None and node != name):
                continue
            total = totals.setdefault(node, {"cpu": 0, "memory": 0, "timestamp": item["timestamp"], "window": item["window"]})
            for container in item["containers"]:
                total["cpu"] += int(container["usage"]["cpu"][:-1])      # "…n"
                total["memory"] += int(container["usage"]["memory"][:-2])  # "…Ki"
        return [{"metadata": {"name": node, "creationTimestamp": total["timestamp"]}, "timestamp": total["timestamp"],
                 "window": total["window"], "usage": {"cpu": f"{total['cpu']}n", "memory": f"{total['memory']}Ki"}}
                for node, total in sorted(totals.items())]


def timestamp(seconds):
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the API ------------------------------------------------------------------------------------

RESOURCES = {
    "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": GROUP_VERSION,
    "resources": [
        {"name": "nodes", "singularName": "", "namespaced": False, "kind": "NodeMetrics", "verbs": ["get", "list"]},
        {"name": "pods", "singularName": "", "namespaced": True, "kind": "PodMetrics", "verbs": ["get", "list"]},
    ],
}


def route(sampler, path, query):
    """(status, body) for a GET of `path` with its parsed query."""
    parts = [p for p in path.split("/") if p]
    prefix = ["apis", GROUP, VERSION]
    if parts in (["healthz"], ["readyz"], ["livez"]):
        return 200, "ok"
    if parts == prefix:
        return 200, RESOURCES
    if parts[:3] != prefix:
        return 404, status_body(404, "NotFound", f"the stand-in serves only /apis/{GROUP_VERSION}")
    rest = parts[3:]
    try:
        selector = parse_selector((query.get("labelSelector") or [""])[0])
    except SelectorError as error:
        return 400, status_body(400, "BadRequest", str(error))
    if rest == ["pods"]:
        return 200, pod_list(sampler.pods(selector=selector))
    if len(rest) == 3 and rest[0] == "namespaces" and rest[2] == "pods":
        return 200, pod_list(sampler.pods(namespace=rest[1], selector=selector))
    if len(rest) == 4 and rest[0] == "namespaces" and rest[2] == "pods":
        found = sampler.pods(namespace=rest[1], name=rest[3])
        if not found:
            return 404, status_body(404, "NotFound", f"podmetrics.metrics.k8s.io \"{rest[3]}\" not found")
        return 200, dict(found[0], kind="PodMetrics", apiVersion=GROUP_VERSION)
    if rest == ["nodes"]:
        return 200, {"kind": "NodeMetricsList", "apiVersion": GROUP_VERSION, "metadata": {},
                     "items": sampler.nodes()}
    if len(rest) == 2 and rest[0] == "nodes":
        found = sampler.nodes(name=rest[1])
        if not found:
            return 404, status_body(404, "NotFound", f"nodemetrics.metrics.k8s.io \"{rest[1]}\" not found")
        return 200, dict(found[0], kind="NodeMetrics", apiVersion=GROUP_VERSION)
    return 404, status_body(404, "NotFound", f"no such resource: /{'/'.join(parts)}")


def pod_list(items):
    return {"kind": "PodMetricsList", "apiVersion": GROUP_VERSION, "metadata": {}, "items": items}


def status_body(code, reason, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


def handler_for(sampler, client_cn):
    class Handler(BaseHTTPRequestHandler):
        server_version = "labrun-metrics-standin"
        protocol_version = "HTTP/1.1"
        timeout = 10   # a client that stalls (in the TLS handshake too) is dropped, and only its thread waits

        def setup(self):
            super().setup()
            self.connection.do_handshake()   # here, in the request's thread, not in the accepting one

        def do_GET(self):  # noqa: N802 (http.server's name)
            peer = self.connection.getpeercert() or {}
            names = [value for field in peer.get("subject", ()) for key, value in field if key == "commonName"]
            if client_cn not in names:
                self.reply(403, status_body(403, "Forbidden", "only kube-apiserver's front proxy may call the stand-in"))
                return
            url = urllib.parse.urlsplit(self.path)
            self.reply(*route(sampler, url.path, urllib.parse.parse_qs(url.query)))

        def reply(self, code, body):
            data = (body if isinstance(body, str) else json.dumps(body)).encode()
            self.send_response(code)
            self.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):  # noqa: A002 (http.server's name)
            pass   # one line per request would flood the log every 15 s; errors go to stderr below

    return Handler


def api_pod_lister(api, ca, cert, key):
    context = ssl.create_default_context(cafile=ca)
    context.load_cert_chain(cert, key)

    def list_pods():
        request = urllib.request.Request(f"{api}/api/v1/pods?fieldSelector=status.phase%3DRunning",
                                         headers={"Accept": "application/json"})
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return json.load(response).get("items", [])
    return list_pods


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", required=True, help="ADDR:PORT to serve on")
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--client-ca", required=True, help="CA of kube-apiserver's front-proxy client certificate")
    parser.add_argument("--client-cn", default="front-proxy-client")
    parser.add_argument("--api", required=True, help="kube-apiserver URL")
    parser.add_argument("--api-ca", required=True)
    parser.add_argument("--api-cert", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--cgroup-root", default="/sys/fs/cgroup")
    parser.add_argument("--interval", type=float, default=15.0)
    args = parser.parse_args(argv)

    sampler = Sampler(args.cgroup_root, api_pod_lister(args.api, args.api_ca, args.api_cert, args.api_key))
    host, _, port = args.listen.rpartition(":")
    server = ThreadingHTTPServer((host, int(port)), handler_for(sampler, args.client_cn))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(args.cert, args.key)
    context.load_verify_locations(args.client_ca)
    context.verify_mode = ssl.CERT_REQUIRED
    server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    server.handle_error = lambda request, address: print(f"request from {address[0]} failed: {sys.exc_info()[1]}",
                                                         file=sys.stderr, flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"labrun-metrics-standin (a stand-in for metrics-server) serving {GROUP_VERSION} on {args.listen}, "
          f"sampling cgroups under {args.cgroup_root} every {args.interval:g}s", flush=True)
    failing = False
    while True:
        try:
            sampler.sample()
            if failing:
                print("sampling works again", flush=True)
            failing = False
        except Exception as error:  # keep serving the last samples; say why once per outage
            if not failing:
                print(f"sampling failed: {error}", file=sys.stderr, flush=True)
            failing = True
        time.sleep(args.interval)


if __name__ == "__main__":
    main()
