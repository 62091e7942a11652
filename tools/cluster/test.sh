#!/usr/bin/env bash
# npm run test:cluster: Strata's Helm chart on a real one-node Kubernetes (tools/bin/cluster.sh),
# each step against the real API server, kubelet and containerd:
#   1. the dependencies in the cluster (Kafka, a three-master Redis Cluster, DynamoDB Local,
#      S3), the Redis Cluster formed, topic/table/bucket made
#   2. helm install under `restricted` Pod Security admission; every pod Ready by gRPC probes
#   3. helm test: the prober's test pod writes a point and reads it back
#   4. the prober's time-to-readable on its dashboard, through kubectl port-forward
#   5. helm upgrade with a changed setting under a steady write load: no write fails, no
#      probe fails, every acknowledged point is read back (tools/system-tests, cluster spec)
#   6. the writer's and ingest's pods deleted under load: every acknowledged point read back;
#      the hot tier's keys are then spread over all three Redis Cluster masters
#   7. helm uninstall leaves nothing of the release
#   8. server-side dry-run of every manifest, default values and the production example
#   9. (after the cluster is down) the local stack's services as containers that the
#      `testcontainers` package starts through podman's API, the same dependency images;
#      the storage, stream and writer integration specs against them; then no container
#      and no API socket is left (tools/bin/testcontainers.sh)
# It starts the cluster if it is down and takes it down again at the end (then checks the
# host is as before); a cluster that was already up is left up. Times each step.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/cluster/lib.sh
[ "$(id -u)" = 0 ] || die "needs root (see npm run cluster)"

release=strata
ns=strata
chart=charts/strata
values=tools/cluster/values.yaml
began=$(date +%s)
step_began=$began
timings=()
step() {
  local now
  now=$(date +%s)
  [ -z "${current:-}" ] || timings+=("$(printf '%-44s %4s s' "$current" $((now - step_began)))")
  current=$1
  step_began=$now
  [ -z "$1" ] || log "$1"
}
report() {
  step ""
  printf '%s\n' "${timings[@]}" >&2
  echo "test:cluster: $1 in $(($(date +%s) - began)) s" >&2
}

helm_bin="${STRATA_CACHE_DIR:-$PWD/.cache}/bin/helm"
helm() { in_netns "$helm_bin" "$@"; }
started_cluster=0
testcontainers_up=0
finish() {
  local rc=$?
  if [ $rc -ne 0 ]; then
    echo "test:cluster: FAILED (exit $rc) during: ${current:-?}" >&2
    if netns_exists; then
      kubectl get pods -A -o wide >&2 || true
      kubectl get events -A --sort-by=.lastTimestamp 2> /dev/null | tail -25 >&2 || true
    fi
  fi
  [ -z "${forward_pid:-}" ] || kill "$forward_pid" 2> /dev/null || true
  [ "$testcontainers_up" = 0 ] || bash tools/bin/testcontainers.sh down || rc=1
  if [ "$started_cluster" = 1 ]; then
    bash tools/cluster/down.sh || rc=1
  elif netns_exists; then
    # A cluster that was up before stays up, without what the test put on it.
    helm uninstall "$release" -n "$ns" --ignore-not-found --wait > /dev/null 2>&1 || true
    kubectl delete -f tools/cluster/manifests/deps.yaml --ignore-not-found --wait > /dev/null 2>&1 || true
  fi
  exit $rc
}
trap finish EXIT

step "tools: helm"
bash tools/bin/go-tools.sh helm > /dev/null

step "cluster up"
if ! netns_exists; then
  bash tools/cluster/up.sh
  started_cluster=1
fi

step "images: build and import (pause, dependencies, strata)"
bash tools/cluster/images.sh --import pause deps strata

step "1. dependencies in the cluster"
kubectl apply -f tools/cluster/manifests/deps.yaml > /dev/null
kubectl -n strata-deps rollout status deployment --timeout=180s > /dev/null
kubectl -n strata-deps rollout status statefulset/redis-cluster --timeout=180s > /dev/null
kubectl -n strata-deps wait job/redis-cluster-create --for=condition=Complete --timeout=180s > /dev/null ||
  { kubectl -n strata-deps logs job/redis-cluster-create >&2 || true; die "the Redis Cluster was not formed"; }
redis_cli() { # pod args...: redis-cli inside one of the cluster's pods
  local pod=$1
  shift
  kubectl -n strata-deps exec "$pod" -- redis-cli "$@"
}
masters=$(redis_cli redis-cluster-0 cluster nodes | grep -cE ' (myself,)?master ')
[ "$masters" = 3 ] || die "the Redis Cluster has $masters masters, expected 3"
echo "    Redis Cluster: 3 masters, $(redis_cli redis-cluster-0 cluster info | tr -d '\r' | grep -E '^cluster_(state|slots_assigned)' | tr '\n' ' ')" >&2
addresses=()
for d in kafka dynamodb s3; do
  addresses+=("$d=$(kubectl -n strata-deps get service "$d" -o jsonpath='{.spec.clusterIP}')")
done
# The dummy keys DynamoDB Local and versitygw accept (the chart's values pass the same).
in_netns env AWS_ACCESS_KEY_ID=strataLocal AWS_SECRET_ACCESS_KEY=strataLocal \
  npx --no-install tsx tools/cluster/src/provision.ts "${addresses[@]}"

step "2. helm install under restricted admission"
[ "$(kubectl get namespace "$ns" -o jsonpath='{.metadata.labels.pod-security\.kubernetes\.io/enforce}')" = restricted ] ||
  die "namespace $ns does not enforce the restricted profile"
# Admission really enforces it: a pod with no security context (root allowed, privilege
# escalation allowed, capabilities kept) is refused.
if kubectl -n "$ns" run psa-check --image=localhost/strata-pause:1 --restart=Never > /tmp/strata-psa.$$ 2>&1; then
  kubectl -n "$ns" delete pod psa-check --now > /dev/null
  die "a pod breaking the restricted profile was admitted in namespace $ns"
fi
grep -q 'violates PodSecurity "restricted' /tmp/strata-psa.$$ || { cat /tmp/strata-psa.$$ >&2; die "the pod was refused for another reason"; }
rm -f /tmp/strata-psa.$$
helm install "$release" "$chart" -n "$ns" -f "$values" --wait --timeout 6m > /dev/null
kubectl -n "$ns" wait pod -l "app.kubernetes.io/instance=$release" --for=condition=Ready --timeout=60s > /dev/null
pods=$(kubectl -n "$ns" get pods -l "app.kubernetes.io/instance=$release" -o name | wc -l)
probes=$(kubectl -n "$ns" get pods -l "app.kubernetes.io/instance=$release" \
  -o jsonpath='{range .items[*].spec.containers[*]}{.readinessProbe.grpc.port}{" "}{.livenessProbe.grpc.port}{" "}{.startupProbe.grpc.port}{"\n"}{end}')
[ "$(echo "$probes" | grep -c '^[0-9]\+ [0-9]\+ [0-9]\+ *$')" = "$pods" ] || { echo "$probes" >&2; die "not every pod has gRPC startup, liveness and readiness probes"; }
restarts=$(kubectl -n "$ns" get pods -l "app.kubernetes.io/instance=$release" -o jsonpath='{range .items[*]}{.status.containerStatuses[0].restartCount}{"\n"}{end}' | awk '{ s += $1 } END { print s + 0 }')
echo "    $pods pods Ready through gRPC probes, $restarts restarts" >&2

step "3. helm test"
helm test "$release" -n "$ns" --timeout 3m | grep -E "^(TEST SUITE|Phase)" >&2

step "4. the dashboard through kubectl port-forward"
# exec, so that $! is kubectl itself and the trap can stop it.
(exec nsenter --net="$netns_path" -- "$cluster_bin/kubectl" -n "$ns" port-forward "service/$release-e2e-prober" 19005:9005 \
  --address 127.0.0.1 > /dev/null 2>&1) &
forward_pid=$!
dashboard_ok() {
  [[ "$(in_netns curl -fsS --max-time 3 http://127.0.0.1:19005/)" == *"<html"* ]] &&
    in_netns curl -fsS --max-time 3 http://127.0.0.1:19005/api/state > /tmp/strata-state.$$ &&
    node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); if (!(s.summary.last5m.ok > 0 && s.summary.last5m.p50 !== null)) process.exit(1)' /tmp/strata-state.$$
}
deadline=$(($(date +%s) + 120))
until dashboard_ok 2> /dev/null; do
  [ "$(date +%s)" -lt "$deadline" ] || die "the dashboard shows no successful probe after 120 s"
  sleep 2
done
node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const m = s.summary.last5m;
  console.error(`    dashboard: status ${s.status}, ${m.ok}/${m.probes} probes ok, time to readable p50 ${m.p50} ms, p99 ${m.p99} ms`)' /tmp/strata-state.$$
rm -f /tmp/strata-state.$$
kill "$forward_pid" && wait "$forward_pid" 2> /dev/null || true
forward_pid=

step "5-6. upgrade and pod deletion under write load"
in_netns env STRATA_CLUSTER_RELEASE=$release STRATA_CLUSTER_NAMESPACE=$ns STRATA_CLUSTER_CHART=$chart \
  STRATA_CLUSTER_VALUES=$values STRATA_CLUSTER_HELM="$helm_bin" STRATA_CLUSTER_KUBECTL="$cluster_bin/kubectl" \
  STRATA_CLUSTER_API_KEYS=cluster-test-key-0001:upgrade,cluster-test-key-0002:deletion \
  npx --no-install jest -c tools/system-tests/jest.cluster.config.cjs

step "6b. the hot tier spans the Redis Cluster"
# Keys carry the series as a hash tag, so the series written above land on every master.
counts=()
for i in 0 1 2; do counts+=("$(redis_cli "redis-cluster-$i" dbsize | tr -d '\r')"); done
echo "    keys per master: ${counts[*]}" >&2
for count in "${counts[@]}"; do
  [ "$count" -gt 0 ] || die "a Redis Cluster master holds no keys (${counts[*]}): the release is not using the cluster"
done

step "7. helm uninstall leaves nothing"
helm uninstall "$release" -n "$ns" --wait --timeout 3m > /dev/null
kubectl -n "$ns" wait pod --all --for=delete --timeout=90s > /dev/null 2>&1 || true
left=$(kubectl -n "$ns" get all,configmap,secret,serviceaccount,pdb,networkpolicy,role,rolebinding,endpointslice -o name 2> /dev/null |
  grep -v -e '^configmap/kube-root-ca.crt$' -e '^serviceaccount/default$' || true)
[ -z "$left" ] || { echo "$left" >&2; die "helm uninstall left these in namespace $ns"; }
echo "    namespace $ns holds nothing but its default ServiceAccount and root CA" >&2

step "8. server-side dry-run: default values and the production example"
# The production example turns on ServiceMonitors and PrometheusRules: install their CRDs,
# from the prometheus-operator module version the chart's render tests pin.
operator=$(bash -c 'source charts/strata/tests/lib.sh && module_dir "github.com/prometheus-operator/prometheus-operator@$prometheus_operator"')
for crd in servicemonitors prometheusrules; do
  kubectl apply --server-side -f "$operator/example/prometheus-operator-crd/monitoring.coreos.com_$crd.yaml" > /dev/null
  kubectl wait --for=condition=Established "crd/$crd.monitoring.coreos.com" --timeout=60s > /dev/null
done
server_version=$(kubectl version -o json | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).serverVersion.gitVersion))')
for example in "" "$chart/examples/production-values.yaml"; do
  # The helm test pod is left out: admission would look up its ServiceAccount, which a dry
  # run never creates (step 3 ran it for real). A fixed prober key: no Secret to look up.
  args=(--kube-version "$server_version" --skip-tests)
  if [ -z "$example" ]; then args+=(--set auth.proberApiKey=dry-run-key-0000001); else args+=(-f "$example"); fi
  helm template "$release" "$chart" -n "$ns" "${args[@]}" > /tmp/strata-render.$$.yaml
  kubectl apply --dry-run=server -n "$ns" -f /tmp/strata-render.$$.yaml > /tmp/strata-dry.$$ ||
    { rm -f /tmp/strata-render.$$.yaml; die "server-side dry-run refused ${example:-the default values}"; }
  echo "    ${example:-default values}: $(wc -l < /tmp/strata-dry.$$) objects accepted" >&2
done
rm -f /tmp/strata-render.$$.yaml /tmp/strata-dry.$$
kubectl delete crd servicemonitors.monitoring.coreos.com prometheusrules.monitoring.coreos.com > /dev/null

if [ "$started_cluster" = 1 ]; then
  step "cluster down"
  started_cluster=0
  bash tools/cluster/down.sh
fi

step "9. testcontainers: the stack as containers, integration specs against it"
testcontainers_up=1
bash tools/bin/testcontainers.sh up
(
  eval "$(bash tools/bin/testcontainers.sh env 2> /dev/null)"
  [ "$STRATA_REDIS_URL" = redis://127.0.0.1:26379 ] || die "the testcontainers stack's settings are not its own: $STRATA_REDIS_URL"
  commands() {
    source tools/bin/podman-lib.sh
    pm exec strata-tc-redis-26379 redis-cli -p 26379 info stats | tr -d '\r' | sed -n 's/^total_commands_processed://p'
  }
  before=$(commands)
  for project in libs/storage libs/stream apps/writer; do
    npx --no-install jest -c "$project/jest.int.config.cjs" > "/tmp/strata-tc-jest.$$" 2>&1 ||
      { tail -80 "/tmp/strata-tc-jest.$$" >&2; die "integration specs of $project failed against the testcontainers stack"; }
    grep -E '^(PASS|FAIL)|^Tests:' "/tmp/strata-tc-jest.$$" | sed 's/^/    /' >&2
  done
  rm -f "/tmp/strata-tc-jest.$$"
  after=$(commands)
  echo "    the container's Redis served $((after - before)) commands" >&2
  [ $((after - before)) -gt 1000 ] || die "the specs barely used the container's Redis ($((after - before)) commands)"
)
bash tools/bin/testcontainers.sh down
testcontainers_up=0
status_rc=0
bash tools/bin/testcontainers.sh status > /tmp/strata-tc-status.$$ || status_rc=$?
[ "$status_rc" = 3 ] && grep -q '^podman API: not running' /tmp/strata-tc-status.$$ ||
  { cat /tmp/strata-tc-status.$$ >&2; rm -f /tmp/strata-tc-status.$$; die "testcontainers left a container or the API socket behind"; }
rm -f /tmp/strata-tc-status.$$
echo "    no container and no API socket left" >&2
report passed
