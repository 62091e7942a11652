#!/usr/bin/env bash
# Part of `nx run chart:test`: what operators watch.
#   1. rules/strata-alerts.yaml: `promtool check rules`, then its unit tests
#      (`promtool test rules strata-alerts.test.yaml`: each alert fires on its failure and
#      stays quiet beside it).
#   2. The PrometheusRule the chart renders from that file: still valid rules, scoped to the
#      release namespace, thresholds and alertLabels from values.
#   3. Dashboards and rules name only metrics the apps export; every alert is documented
#      (dashboards/check-metric-names.mjs).
# promtool comes from Debian's prometheus package (rules/ensure-promtool.sh installs it once).
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/lib.sh" # set -euo pipefail, helm, render

bash "$here/ensure-promtool.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
fail() { failed=$((failed + 1)); echo "  FAIL  $1" >&2; }
pass() { echo "  ok    $1"; }

echo "==> promtool: rules/strata-alerts.yaml"
promtool check rules "$here/strata-alerts.yaml"
(cd "$here" && promtool test rules strata-alerts.test.yaml)

echo "==> the chart's PrometheusRule"
cat > "$work/values.yaml" <<'VALUES'
prometheusRule:
  enabled: true
  timeToReadableP99Seconds: 7.5
  consumerLagRecords: 2000000
  alertLabels:
    team: storage
VALUES
render --kube-version "${kube_versions[0]}" --namespace strata-prod --show-only templates/strata-prometheusrule.yaml \
  --values "$work/values.yaml" > "$work/rule.yaml"
# spec is the manifest's last key: its body, one level out, is a rule file.
sed -n '/^spec:$/,$p' "$work/rule.yaml" | tail -n +2 | sed 's/^  //' > "$work/groups.yaml"
if promtool check rules "$work/groups.yaml" > "$work/check" 2>&1; then pass "rendered rules pass promtool check"; else cat "$work/check" >&2; fail "rendered rules pass promtool check"; fi
expect() { if grep -qF -- "$2" "$work/rule.yaml"; then pass "$1"; else fail "$1 (no '$2')"; fi; }
expect_none() { if grep -qF -- "$2" "$work/rule.yaml"; then fail "$1 (found '$2')"; else pass "$1"; fi; }
expect "thresholds come from values" "> 7.5 # threshold: timeToReadableP99Seconds"
expect "large thresholds stay plain numbers" "> 2000000 # threshold: consumerLagRecords"
expect "defaults fill the other thresholds" "> 0.1 # threshold: probeFailureRatio"
expect "selectors are scoped to the release namespace" 'strata_writer_points_total{namespace="strata-prod"}'
expect_none "no selector is left unscoped" 'namespace=~".*"'
alerts=$(grep -c -- '- alert:' "$work/rule.yaml")
teams=$(grep -c -- 'team: storage' "$work/rule.yaml")
if [ "$alerts" -gt 5 ] && [ "$alerts" = "$teams" ]; then pass "alertLabels on all $alerts alerts"; else fail "alertLabels on every alert ($teams of $alerts)"; fi
render --kube-version "${kube_versions[0]}" --show-only templates/strata-prometheusrule.yaml \
  --set prometheusRule.enabled=true,prober.enabled=false,archiver.enabled=false > "$work/partial.yaml"
if grep -q 'StrataProbesFailing\|StrataArchiverNotSucceeding' "$work/partial.yaml"; then
  fail "no alert about an app that is not deployed"
else
  pass "no alert about an app that is not deployed"
fi

echo "==> metric names in dashboards and rules"
node "$here/../dashboards/check-metric-names.mjs" || fail "dashboards and rules use exported metrics"

[ "$failed" -eq 0 ]
