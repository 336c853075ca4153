"""Steady GET load through the frontend while the backend rolls; run inside the cluster.

Sends GET /api/tasks?limit=1 every INTERVAL seconds for DURATION seconds (stdlib only, a fresh
connection per request, as a browser behind a load balancer would) and prints one JSON line:
{"requests": N, "errors": M, "served_by": {...}, "first_errors": [...]}. Exit status 0 always:
the caller decides what counts as failure.
"""
import collections
import json
import os
import time
import urllib.error
import urllib.request

BASE = os.environ.get("TARGET_URL", "http://frontend:8080").rstrip("/")
DURATION = float(os.environ.get("DURATION_SECONDS", "90"))
INTERVAL = float(os.environ.get("INTERVAL_SECONDS", "0.05"))

requests = errors = 0
served_by = collections.Counter()
first_errors = []
end = time.monotonic() + DURATION
while time.monotonic() < end:
    requests += 1
    try:
        with urllib.request.urlopen(BASE + "/api/tasks?limit=1", timeout=5) as resp:
            resp.read()
            served_by[resp.headers.get("X-Served-By", "?")] += 1
    except (urllib.error.URLError, OSError) as err:
        errors += 1
        if len(first_errors) < 5:
            first_errors.append(f"{time.strftime('%H:%M:%S')} {err}")
    time.sleep(INTERVAL)
print(json.dumps({"requests": requests, "errors": errors, "served_by": served_by, "first_errors": first_errors}))
