# shellcheck shell=bash
# PKI for the bare cluster, made with openssl: a cluster CA, a front-proxy CA, serving and client
# certificates, and the service-account key pair. Sourced by `up` after common.sh.
# Files that exist are kept, so a second `up` changes nothing.

# _pki_key NAME : an ECDSA P-256 key at $PKI_DIR/NAME.key (0600). P-256 rather than RSA because
# generating a dozen RSA keys takes over 10 s on a busy 2-core machine, and every Kubernetes
# component (service-account signing included, as ES256) accepts it.
_pki_key() {
  [[ -f $PKI_DIR/$1.key ]] && return 0
  (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI_DIR/$1.key" 2>/dev/null)
}

# _pki_ca NAME CN : a self-signed CA valid for ten years.
_pki_ca() {
  local name=$1 cn=$2
  [[ -f $PKI_DIR/$name.crt ]] && return 0
  _pki_key "$name"
  openssl req -x509 -new -sha256 -days 3650 -key "$PKI_DIR/$name.key" -subj "/CN=$cn" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$PKI_DIR/$name.crt" 2>/dev/null
}

# _pki_cert NAME CA SUBJECT USAGE [SANS] : a certificate signed by CA.
# USAGE is serverAuth, clientAuth or both ("serverAuth,clientAuth").
_pki_cert() {
  local name=$1 ca=$2 subj=$3 usage=$4 sans=${5:-}
  [[ -f $PKI_DIR/$name.crt ]] && return 0
  _pki_key "$name"
  local ext
  ext=$(mktemp)
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature"
    echo "extendedKeyUsage=$usage"
    [[ -n $sans ]] && echo "subjectAltName=$sans"
  } >"$ext"
  openssl req -new -sha256 -key "$PKI_DIR/$name.key" -subj "$subj" -out "$PKI_DIR/$name.csr" 2>/dev/null
  openssl x509 -req -sha256 -days 825 -in "$PKI_DIR/$name.csr" -CA "$PKI_DIR/$ca.crt" -CAkey "$PKI_DIR/$ca.key" \
    -CAcreateserial -extfile "$ext" -out "$PKI_DIR/$name.crt" 2>/dev/null
  rm -f "$ext" "$PKI_DIR/$name.csr"
}

pki_generate() {
  mkdir -p "$PKI_DIR"
  chmod 0700 "$PKI_DIR"
  local host
  host=$(hostname)
  _pki_ca ca labrun-bare-ca
  _pki_ca front-proxy-ca labrun-bare-front-proxy-ca
  _pki_cert apiserver ca "/CN=kube-apiserver" serverAuth \
    "IP:127.0.0.1,IP:$NODE_IP,IP:$SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN"
  _pki_cert apiserver-kubelet-client ca "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
  _pki_cert front-proxy-client front-proxy-ca "/CN=front-proxy-client" clientAuth
  _pki_cert admin ca "/O=system:masters/CN=labrun-admin" clientAuth
  _pki_cert controller-manager ca "/CN=system:kube-controller-manager" clientAuth
  _pki_cert scheduler ca "/CN=system:kube-scheduler" clientAuth
  _pki_cert kube-proxy ca "/CN=system:kube-proxy" clientAuth
  _pki_cert kubelet-client ca "/O=system:nodes/CN=system:node:$NODE_NAME" clientAuth
  _pki_cert kubelet-serving ca "/CN=$NODE_NAME" serverAuth "IP:$NODE_IP,IP:127.0.0.1,DNS:$NODE_NAME,DNS:$host"
  _pki_cert hostpath-provisioner ca "/CN=labrun:hostpath-provisioner" clientAuth
  # The metrics API stand-in: served to kube-apiserver's aggregator (which verifies this name against
  # the APIService's caBundle, the cluster CA), and a client of the API that may only list pods.
  _pki_cert metrics-standin-serving ca "/CN=labrun-metrics-standin" serverAuth \
    "DNS:labrun-metrics-standin.kube-system.svc,IP:$NODE_IP"
  _pki_cert metrics-standin ca "/CN=labrun:metrics-standin" clientAuth
  _pki_key sa
  [[ -f $PKI_DIR/sa.pub ]] || openssl pkey -in "$PKI_DIR/sa.key" -pubout -out "$PKI_DIR/sa.pub" 2>/dev/null
  rm -f "$PKI_DIR"/*.srl
}

# kubeconfig_write FILE USER CERT_NAME [embed|path] [SERVER] : a kubeconfig for SERVER (default
# https://127.0.0.1:6443; an extra node's processes, in their own network namespace, use the node
# address). With "embed" the certificates are inlined (portable: the admin kubeconfig); else
# referenced by path.
kubeconfig_write() {
  local file=$1 user=$2 cert=$3 embed=${4:-} server=${5:-https://127.0.0.1:6443}
  local tmp
  tmp=$(mktemp "$file.XXXX")
  chmod 0600 "$tmp"
  if [[ $embed == embed ]]; then
    cat >"$tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: labrun-bare
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 "$PKI_DIR/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 "$PKI_DIR/$cert.crt")
    client-key-data: $(base64 -w0 "$PKI_DIR/$cert.key")
contexts:
- name: labrun-bare
  context:
    cluster: labrun-bare
    user: $user
current-context: labrun-bare
EOF
  else
    cat >"$tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: labrun-bare
  cluster:
    server: $server
    certificate-authority: $PKI_DIR/ca.crt
users:
- name: $user
  user:
    client-certificate: $PKI_DIR/$cert.crt
    client-key: $PKI_DIR/$cert.key
contexts:
- name: labrun-bare
  context:
    cluster: labrun-bare
    user: $user
current-context: labrun-bare
EOF
  fi
  if [[ -f $file ]] && cmp -s "$tmp" "$file"; then rm -f "$tmp"; else mv "$tmp" "$file"; fi
}

# pki_node NAME IP : an extra node's kubelet client certificate (the Node authorizer knows the
# node by it) and serving certificate (the apiserver verifies it), as node 1's.
pki_node() {
  local name=$1 ip=$2
  _pki_cert "kubelet-client-$name" ca "/O=system:nodes/CN=system:node:$name" clientAuth
  _pki_cert "kubelet-serving-$name" ca "/CN=$name" serverAuth "IP:$ip,IP:127.0.0.1,DNS:$name"
  rm -f "$PKI_DIR"/*.srl
}
