#!/usr/bin/env bash
# pki.sh <dir>: a throw-away CA and the certificates of a one-node cluster (EC P-256,
# valid 7 days), plus the service-account key pair and an admin kubeconfig. Every
# component authenticates as the admin (group system:masters): one node, one operator.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
dir=$1
mkdir -p "$dir" && cd "$dir"
key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1.key" 2> /dev/null; }
cert() { # name subject [subjectAltName]
  key "$1"
  openssl req -new -key "$1.key" -subj "$2" -out "$1.csr" 2> /dev/null
  local ext
  ext=$(mktemp)
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n' > "$ext"
  [ -z "${3:-}" ] || echo "subjectAltName=$3" >> "$ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 7 -extfile "$ext" -out "$1.crt" 2> /dev/null
  rm -f "$ext" "$1.csr"
}
key ca
openssl req -x509 -new -key ca.key -subj /CN=strata-cluster-ca -days 7 -out ca.crt 2> /dev/null
cert apiserver /CN=kube-apiserver \
  "IP:$node_ip,IP:$apiserver_service_ip,IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
cert kubelet "/CN=system:node:$node_name/O=system:nodes" "IP:$node_ip,DNS:$node_name"
cert admin /CN=strata-admin/O=system:masters
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key 2> /dev/null
openssl pkey -in sa.key -pubout -out sa.pub 2> /dev/null
cat > admin.kubeconfig <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: strata
  cluster: {server: "https://$node_ip:6443", certificate-authority: "$dir/ca.crt"}
users:
- name: admin
  user: {client-certificate: "$dir/admin.crt", client-key: "$dir/admin.key"}
contexts:
- name: strata
  context: {cluster: strata, user: admin}
current-context: strata
KUBECONFIG
chmod 600 ./*.key
