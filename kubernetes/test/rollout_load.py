"""Steady GET load through the frontend while the backend rolls; run inside the cluster.

Sends GET /api/rollout-load/tasks?limit=1 every INTERVAL seconds for DURATION seconds (a fresh
connection per request, as a browser behind a load balancer would; the standard library, and
PyJWT to sign the user's token with JWT_SECRET from Secret todo-auth) and prints one JSON line:
{"requests": N, "errors": M, "served_by": {...}, "first_errors": [...]}. Exit status 0 always:
the caller decides what counts as failure.
"""
import collections
import json
import os
import time
import urllib.error
import urllib.request

import jwt

BASE = os.environ.get("TARGET_URL", "http://frontend:8080").rstrip("/")
DURATION = float(os.environ.get("DURATION_SECONDS", "90"))
INTERVAL = float(os.environ.get("INTERVAL_SECONDS", "0.05"))
USER = "rollout-load"
_now = int(time.time())
TOKEN = jwt.encode({"iss": os.environ.get("JWT_ISSUER", "todo-auth"), "aud": os.environ.get("JWT_AUDIENCE", "todo-api"),
                    "sub": USER, "iat": _now, "exp": _now + int(DURATION) + 300},
                   os.environ["JWT_SECRET"], algorithm="HS256")
REQUEST = urllib.request.Request(f"{BASE}/api/{USER}/tasks?limit=1", headers={"Authorization": f"Bearer {TOKEN}"})

requests = errors = 0
served_by = collections.Counter()
first_errors = []
end = time.monotonic() + DURATION
while time.monotonic() < end:
    requests += 1
    try:
        with urllib.request.urlopen(REQUEST, timeout=5) as resp:
            resp.read()
            served_by[resp.headers.get("X-Served-By", "?")] += 1
    except (urllib.error.URLError, OSError) as err:
        errors += 1
        if len(first_errors) < 5:
            first_errors.append(f"{time.strftime('%H:%M:%S')} {err}")
    time.sleep(INTERVAL)
print(json.dumps({"requests": requests, "errors": errors, "served_by": served_by, "first_errors": first_errors}))
