"""Render helm/todo-app to a multi-document YAML stream on stdout, like `helm template`.

    python render.py [--values FILE]... [--kube-version v1.20.2] [--discover KUBECTL KUBECONFIG]
                     [--namespace NS] [--hooks]

--discover reads the live server's version and API list (group/version/Kind), the way Helm does
on a real install, so the output is exactly what `helm install` would send to that server.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

import k8stest as k


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", action="append", default=[], help="values file inside helm/todo-app")
    parser.add_argument("--kube-version", default=k.KUBE_NEW)
    parser.add_argument("--discover", nargs=2, metavar=("KUBECTL", "KUBECONFIG"))
    parser.add_argument("--discovery-cache", help="JSON file to keep the discovery in between runs")
    parser.add_argument("--namespace", default="todo")
    parser.add_argument("--hooks", action="store_true", help="also print hook objects (the helm test pod)")
    args = parser.parse_args()

    values: dict = {}
    for name in args.values:
        values = merge(values, k.values_file(name))
    kube_version, api_versions = args.kube_version, None
    if args.discover:
        cache = Path(args.discovery_cache) if args.discovery_cache else None
        if cache and cache.exists():
            kube_version, api_versions = json.loads(cache.read_text())
        else:
            kube_version, api_versions = k.discovery(*args.discover)
            if cache:
                cache.write_text(json.dumps([kube_version, api_versions]))
        # Distribution suffixes (v1.20.5+really1.20.2) are not semver Helm accepts.
        kube_version = kube_version.split("+")[0].split("-")[0]
    rendered = k.render_chart(values or None, kube_version=kube_version, api_versions=api_versions,
                              namespace=args.namespace)
    objects = k.chart_objects(rendered)
    if args.hooks:
        objects += k.chart_objects(rendered, hooks=True)
    sys.stdout.write(yaml.safe_dump_all(objects, sort_keys=False))
    return 0


def merge(base: dict, override: dict) -> dict:
    out = dict(base)
    for key, value in override.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


if __name__ == "__main__":
    sys.exit(main())
