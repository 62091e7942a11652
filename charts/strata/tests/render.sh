#!/usr/bin/env bash
# `nx run chart:test`: renders the chart and checks what it renders.
#   1. Good values (defaults, the production example, tests/values/*.yaml), for each
#      supported Kubernetes version: every manifest validates with kubeconform -strict
#      against that version's API schemas (CRDs included: no kind is skipped), and every
#      pod meets tests/policy/restricted.json (restricted Pod Security profile, probes...).
#   2. Rendered facts no schema can state: shutdown timing, the API keys Secret, the HTTP
#      API ports of ingest and reader in their containers, Services, NetworkPolicies and
#      NOTES.txt (and none on the other apps).
#   3. Bad values (tests/bad-values/*.yaml): each must make `helm template` fail with the
#      message on its first line (`# expect: ...`). Schema violations must fail
#      `helm lint --strict` too; the chart's own cross-value checks (`fail` in templates)
#      cannot, because helm lint downgrades `fail` to an INFO line.
source "$(dirname "$0")/lib.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "  ok    $1"; }
fail() { failed=$((failed + 1)); echo "  FAIL  $1" >&2; }

good_values=(default "$chart/examples/production-values.yaml" "$tests"/values/*.yaml)

for version in "${kube_versions[@]}"; do
  schemas=$(schemas_for "$version")
  echo "==> good values, Kubernetes $version"
  for values in "${good_values[@]}"; do
    name=$(basename "$values" .yaml)
    out="$work/$name-$version.yaml"
    args=(--kube-version "$version")
    [ "$values" != default ] && args+=(--values "$values")
    if ! render "${args[@]}" > "$out" 2> "$work/err"; then
      cat "$work/err" >&2
      fail "$name: helm template"
      continue
    fi
    if "$kubeconform" -strict -summary -kubernetes-version "$version" \
      -schema-location "$schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json" "$out"; then
      pass "$name: kubeconform -strict"
    else
      fail "$name: kubeconform -strict"
    fi
    # Only workloads and pods have a policy; any other kind new to the chart must be added
    # here, or kubeconform reports its policy schema missing.
    if "$kubeconform" -summary -schema-location "$tests/policy/restricted.json" \
      -skip ConfigMap,Secret,Service,ServiceAccount,PodDisruptionBudget,HorizontalPodAutoscaler,NetworkPolicy,ServiceMonitor,PrometheusRule,ScaledObject,TriggerAuthentication \
      "$out"; then
      pass "$name: pod policy"
    else
      fail "$name: pod policy"
    fi
  done
done

echo "==> rendered facts"
# expect_line <description> <file> <fixed string>
expect_line() {
  if grep -qF -- "$3" "$2"; then pass "$1"; else fail "$1 (no line '$3')"; fi
}
floor=${kube_versions[0]}
render --kube-version "$floor" --show-only templates/ingest/ingest-deployment.yaml > "$work/ingest.yaml"
render --kube-version "$floor" --show-only templates/writer/writer-deployment.yaml > "$work/writer.yaml"
# grace = preStop 5 + ceil(graceMs / 1000) + margin 10; the writer drains for 20 s.
expect_line "ingest grace period is preStop 5 + drain 10 + margin 10" "$work/ingest.yaml" "terminationGracePeriodSeconds: 25"
expect_line "writer grace period is preStop 5 + drain 20 + margin 10" "$work/writer.yaml" "terminationGracePeriodSeconds: 35"
expect_line "writer drains for its own graceMs" "$work/writer.yaml" 'value: "20000"'
expect_line "preStop uses the kubelet's sleep action" "$work/ingest.yaml" "seconds: 5"
render --kube-version "$floor" --show-only templates/ingest/ingest-deployment.yaml \
  --set shutdown.preStopMethod=exec,shutdown.graceMs=2500 > "$work/exec.yaml"
expect_line "exec preStop sleeps in node (no /bin/sleep in the image)" "$work/exec.yaml" 'command: ["node", "-e", "setTimeout(() => {}, 5000)"]'
expect_line "a fractional drain rounds up: 5 + 3 + 10" "$work/exec.yaml" "terminationGracePeriodSeconds: 18"
render --kube-version "$floor" --show-only templates/strata-secret.yaml \
  --set 'auth.apiKeys[0].key=key-0123456789abcdef,auth.apiKeys[0].tenant=acme,auth.proberApiKey=prober-0123456789abcdef' \
  > "$work/secret.yaml"
api_keys=$(printf '%s' 'key-0123456789abcdef:acme,prober-0123456789abcdef:strata-prober' | base64 -w0)
expect_line "STRATA_API_KEYS holds the given keys and the prober's" "$work/secret.yaml" "STRATA_API_KEYS: \"$api_keys\""
render --kube-version "$floor" --show-only templates/strata-secret.yaml > "$work/generated.yaml"
if grep -qE '^  STRATA_PROBER_API_KEY: "[A-Za-z0-9+/=]{40,}"$' "$work/generated.yaml"; then
  pass "a prober key is generated when none is given"
else
  fail "a prober key is generated when none is given"
fi

# The chart may offer only SASL mechanisms the apps accept (libs/stream reads the variable).
chart_mechanisms=$(node -p 'require(process.argv[1]).properties.kafka.properties.sasl.properties.mechanism.enum.filter(Boolean).sort().join(" ")' "$chart/values.schema.json")
code_mechanisms=$(sed -n 's/^const SASL_MECHANISMS = \[\(.*\)\] as const;$/\1/p' "$root/libs/stream/src/kafka-env.ts" | grep -o "'[^']*'" | tr -d "'" | grep -vx none | sort | paste -sd ' ')
if [ -n "$chart_mechanisms" ] && [ "$chart_mechanisms" = "$code_mechanisms" ]; then
  pass "kafka.sasl.mechanism offers what STRATA_KAFKA_SASL_MECHANISM accepts ($chart_mechanisms)"
else
  fail "kafka.sasl.mechanism offers '$chart_mechanisms', STRATA_KAFKA_SASL_MECHANISM accepts '$code_mechanisms'"
fi

# Tracing: off renders no OTEL_* variable (the apps then load no SDK); on sets exactly the
# variables libs/runtime/src/tracing.ts reads, with attribute values percent-encoded.
render --kube-version "$floor" --show-only templates/strata-configmap.yaml > "$work/config-default.yaml"
if grep -q OTEL_ "$work/config-default.yaml"; then fail "tracing off by default sets no OTEL_ variable"; else pass "tracing off by default sets no OTEL_ variable"; fi
render --kube-version "$floor" --show-only templates/strata-configmap.yaml \
  --set tracing.enabled=true,tracing.endpoint=http://collector.obs:4318 --set-json tracing.samplerRatio=0.25 \
  --set-string 'tracing.resourceAttributes.deployment\.environment\.name=prod eu' > "$work/config-tracing.yaml"
expect_line "tracing on selects the OTLP exporter" "$work/config-tracing.yaml" 'OTEL_TRACES_EXPORTER: "otlp"'
expect_line "tracing endpoint" "$work/config-tracing.yaml" 'OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector.obs:4318"'
expect_line "tracing sampler ratio" "$work/config-tracing.yaml" 'OTEL_TRACES_SAMPLER_ARG: "0.25"'
expect_line "tracing resource attributes" "$work/config-tracing.yaml" 'OTEL_RESOURCE_ATTRIBUTES: "k8s.namespace.name=strata,deployment.environment.name=prod+eu"'
code_samplers=$(sed -n '/^const SAMPLERS/,/^];/p' "$root/libs/runtime/src/tracing.ts" | grep -o "'[^']*'" | tr -d "'" | sort | paste -sd ' ')
chart_samplers=$(node -p 'require(process.argv[1]).properties.tracing.properties.sampler.enum.sort().join(" ")' "$chart/values.schema.json")
if [ -n "$code_samplers" ] && [ "$chart_samplers" = "$code_samplers" ]; then pass "tracing.sampler offers what OTEL_TRACES_SAMPLER accepts"; else fail "tracing.sampler offers '$chart_samplers', OTEL_TRACES_SAMPLER accepts '$code_samplers'"; fi

# The HTTP API ports (ingest: remote write; reader: remote read): per app, one value drives
# the container port, the env the app reads, both Services and the NetworkPolicy, which
# admits it from the gRPC port's peers. The other apps serve no HTTP API and expose none.
# expect_block <description> <file> <lines that must appear together, in this order>
expect_block() {
  if [[ $(< "$2") == *"$3"* ]]; then pass "$1"; else fail "$1 (no block:"$'\n'"$3)"; fi
}
for app_port in ingest:8080 reader:8081; do
  app=${app_port%:*} port=${app_port#*:}
  render --kube-version "$floor" --set "$app.ports.httpApi=$port" \
    --set-json 'networkPolicy.apiClients=[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"prometheus"}}}]' \
    --show-only "templates/$app/$app-deployment.yaml" --show-only "templates/$app/$app-svc.yaml" \
    --show-only "templates/$app/$app-networkpolicy.yaml" > "$work/$app-http-api.yaml"
  expect_block "$app's container declares the HTTP API port" "$work/$app-http-api.yaml" "\
            - name: http-api
              containerPort: $port
              protocol: TCP"
  expect_block "STRATA_HTTP_API_PORT comes from $app.ports.httpApi" "$work/$app-http-api.yaml" "\
            - name: STRATA_HTTP_API_PORT
              value: \"$port\""
  expect_block "the $app Services expose the HTTP API port" "$work/$app-http-api.yaml" "\
    - name: http-api
      port: $port
      targetPort: http-api
      protocol: TCP
      appProtocol: http"
  services=$(grep -c -- '^    - name: http-api$' "$work/$app-http-api.yaml" || true)
  if [ "$services" = 2 ]; then pass "both $app Services (ClusterIP, headless) have it"; else fail "both $app Services have the HTTP API port (found in $services)"; fi
  expect_block "$app's NetworkPolicy admits the HTTP API port from the gRPC port's peers" "$work/$app-http-api.yaml" "\
    - ports:
        - port: grpc
          protocol: TCP
        - port: http-api
          protocol: TCP
      from:
        - podSelector:
            matchLabels:
              app.kubernetes.io/instance: strata
              app.kubernetes.io/name: strata
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: prometheus
    - ports:
        - port: ops"
done
render --kube-version "$floor" \
  --show-only templates/writer/writer-deployment.yaml --show-only templates/writer/writer-svc.yaml \
  --show-only templates/writer/writer-networkpolicy.yaml \
  --show-only templates/archiver/archiver-statefulset.yaml --show-only templates/archiver/archiver-svc.yaml \
  --show-only templates/archiver/archiver-networkpolicy.yaml \
  --show-only templates/e2e-prober/e2e-prober-deployment.yaml --show-only templates/e2e-prober/e2e-prober-svc.yaml \
  --show-only templates/e2e-prober/e2e-prober-networkpolicy.yaml > "$work/no-http-api.yaml"
if grep -qE 'http-api|HTTP_API' "$work/no-http-api.yaml"; then
  fail "writer, archiver and prober expose no HTTP API port (they serve none)"
else
  pass "writer, archiver and prober expose no HTTP API port (they serve none)"
fi
# helm template skips NOTES.txt: a copy of the chart renders it as a template's data instead.
cp -r "$chart" "$work/notes-chart"
cp "$chart/templates/NOTES.txt" "$work/notes-chart/notes.txt"
printf '%s\n' 'notes: |' '{{ tpl (.Files.Get "notes.txt") . | indent 2 }}' > "$work/notes-chart/templates/notes-check.yaml"
"$helm" template strata "$work/notes-chart" --namespace strata --kube-version "$floor" \
  --show-only templates/notes-check.yaml > "$work/notes.txt"
expect_line "NOTES.txt gives the remote_write URL of ingest's Service" "$work/notes.txt" "http://strata-ingest.strata.svc:7101/api/v1/write"
expect_line "NOTES.txt gives the remote_read URL of the reader's Service" "$work/notes.txt" "http://strata-reader.strata.svc:7102/api/v1/read"

echo "==> bad values must fail"
for values in "$tests"/bad-values/*.yaml; do
  name=$(basename "$values" .yaml)
  expected=$(sed -n '1s/^# expect: //p' "$values")
  if [ -z "$expected" ]; then
    fail "$name: first line must be '# expect: <message>'"
    continue
  fi
  if render --kube-version "$floor" --values "$values" > /dev/null 2> "$work/err"; then
    fail "$name: helm template accepted it"
    continue
  fi
  if ! grep -qF -- "$expected" "$work/err"; then
    fail "$name: helm template failed, but not with: $expected"
    sed 's/^/        /' "$work/err" >&2
    continue
  fi
  if [[ $expected == "at '"* ]]; then
    if "$helm" lint --strict "$chart" --kube-version "$floor" --values "$values" > "$work/lint" 2>&1; then
      fail "$name: helm lint accepted a schema violation"
      continue
    fi
  fi
  pass "$name: $expected"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
