#!/usr/bin/env bash
# Cluster DNS data for dnsmasq: keeps a hosts file in sync with Services and Endpoints.
# Watches both kinds (kubectl --watch) and rewrites the file after each burst of events; dnsmasq
# reads files in its --hostsdir again as soon as they change (inotify).
# Names written:
#   <svc>.<ns>.svc.<domain>                 ClusterIP Services -> the cluster IP
#   <svc>.<ns>.svc.<domain>                 headless Services  -> every ready endpoint address
#   <host>.<svc>.<ns>.svc.<domain>          endpoints with a hostname (StatefulSet pods)
# <svc>.<ns> and <svc> resolve through the pods' search path (<ns>.svc.<domain> svc.<domain> <domain>).
# Usage: dns-sync.sh KUBECTL KUBECONFIG HOSTS_FILE DOMAIN
set -euo pipefail

[[ $# -eq 4 ]] || { echo "usage: $0 KUBECTL KUBECONFIG HOSTS_FILE DOMAIN" >&2; exit 2; }
kubectl=$1 kubeconfig=$2 hosts=$3 domain=$4
# kubectl's discovery cache goes next to the kubeconfig, never into ~/.kube.
kcache=$(dirname "$kubeconfig")/../kubectl-cache

# One line per Service ("S ns name clusterIP") and per endpoint address ("E ns name ip hostname").
# shellcheck disable=SC2016 # a Go template, not shell
template='{{range .items}}{{if eq .kind "Service"}}S {{.metadata.namespace}} {{.metadata.name}} {{or .spec.clusterIP "None"}}{{"\n"}}{{else}}{{$ns := .metadata.namespace}}{{$n := .metadata.name}}{{range .subsets}}{{range .addresses}}E {{$ns}} {{$n}} {{.ip}} {{or .hostname "-"}}{{"\n"}}{{end}}{{end}}{{end}}{{end}}'

render() {
  local raw tmp
  raw=$("$kubectl" --kubeconfig "$kubeconfig" --cache-dir "$kcache" get services,endpoints --all-namespaces \
        -o go-template="$template" --request-timeout=10s) || return 1
  # Written next to the watched directory, then moved in: dnsmasq sees one complete file.
  tmp=$(mktemp "$(dirname "$(dirname "$hosts")")/.hosts.XXXX")
  awk -v d="$domain" '
    $1 == "S" { key = $2 "/" $3; ip[key] = $4 }
    $1 == "E" { n++; ens[n] = $2; ename[n] = $3; eip[n] = $4; ehost[n] = $5 }
    END {
      for (key in ip) if (ip[key] != "None") { split(key, p, "/"); print ip[key], p[2] "." p[1] ".svc." d }
      for (i = 1; i <= n; i++) {
        key = ens[i] "/" ename[i]
        if (!(key in ip)) continue
        fq = ename[i] "." ens[i] ".svc." d
        if (ip[key] == "None") print eip[i], fq
        if (ehost[i] != "-") print eip[i], ehost[i] "." fq
      }
    }' <<<"$raw" | sort -u >"$tmp"
  chmod 0644 "$tmp"
  if [[ -f $hosts ]] && cmp -s "$tmp" "$hosts"; then rm -f "$tmp"; else mv "$tmp" "$hosts"; fi
}

watch_events() {
  # Both watches print a line per event; the first lines (the initial lists) trigger a render too.
  "$kubectl" --kubeconfig "$kubeconfig" --cache-dir "$kcache" get services --all-namespaces --watch -o name --request-timeout=0 &
  "$kubectl" --kubeconfig "$kubeconfig" --cache-dir "$kcache" get endpoints --all-namespaces --watch -o name --request-timeout=0 &
  wait
}

# `down` stops this loop and its kubectl watches together: it signals the whole process group.
while true; do
  render || sleep 1
  dirty=0
  # Debounce: render 200 ms after the last event of a burst. The watches end when the apiserver
  # closes them (or restarts); then the outer loop renders and watches again.
  while true; do
    if IFS= read -r -t 0.2 _; then
      dirty=1
    else
      rc=$?
      if (( rc > 128 )); then                    # read timed out
        if (( dirty )); then render || true; dirty=0; fi
      else
        break                                    # both watches ended
      fi
    fi
  done < <(watch_events 2>/dev/null)
  sleep 1
done
