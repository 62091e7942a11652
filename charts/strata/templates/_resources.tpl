{{/*
The per-app resources around the workload, each rendered by one helper that the small
files templates/<app>/<app>-<kind>.yaml call with (dict "ctx" $ "app" "<app>").
*/}}

{{- define "strata.service" -}}
{{- $v := index .ctx.Values (include "strata.valuesKey" .app) }}
{{- $service := $v.service | default dict }}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "strata.componentName" . }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "strata.labels" . | nindent 4 }}
  {{- with $service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ $service.type | default "ClusterIP" }}
  selector:
    {{- include "strata.selectorLabels" . | nindent 4 }}
  ports:
    {{- include "strata.servicePorts" . | trim | nindent 4 }}
{{- if $service.headless }}
---
# Every ready pod's address, for gRPC clients that balance per call (dns:/// + round_robin).
apiVersion: v1
kind: Service
metadata:
  name: {{ include "strata.componentName" . }}-headless
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "strata.labels" . | nindent 4 }}
    # Keeps the ServiceMonitor from scraping every pod twice.
    strata-service-variant: headless
spec:
  type: ClusterIP
  clusterIP: None
  selector:
    {{- include "strata.selectorLabels" . | nindent 4 }}
  ports:
    {{- include "strata.servicePorts" . | trim | nindent 4 }}
{{- end }}
{{- end }}

{{- define "strata.servicePorts" -}}
{{- $v := index .ctx.Values (include "strata.valuesKey" .app) }}
- name: grpc
  port: {{ $v.ports.grpc }}
  targetPort: grpc
  protocol: TCP
  appProtocol: kubernetes.io/h2c
- name: ops
  port: {{ $v.ports.ops }}
  targetPort: ops
  protocol: TCP
  appProtocol: http
{{- with $v.ports.httpApi }}
- name: http-api
  port: {{ . }}
  targetPort: http-api
  protocol: TCP
  appProtocol: http
{{- end }}
{{- end }}

{{- define "strata.serviceAccount" -}}
{{- if .ctx.Values.serviceAccount.create }}
{{- $v := index .ctx.Values (include "strata.valuesKey" .app) }}
{{- $annotations := merge (deepCopy (($v.serviceAccount | default dict).annotations | default dict)) .ctx.Values.serviceAccount.annotations }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "strata.serviceAccountName" . }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "strata.labels" . | nindent 4 }}
  {{- with $annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: false
{{- end }}
{{- end }}

{{- define "strata.podDisruptionBudget" -}}
{{- $v := index .ctx.Values (include "strata.valuesKey" .app) }}
{{- if $v.podDisruptionBudget.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "strata.componentName" . }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "strata.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ $v.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "strata.selectorLabels" . | nindent 6 }}
  # A pod that is not ready protects nothing: let drains evict it.
  unhealthyPodEvictionPolicy: AlwaysAllow
{{- end }}
{{- end }}

{{- define "strata.horizontalPodAutoscaler" -}}
{{- $v := index .ctx.Values (include "strata.valuesKey" .app) }}
{{- $hpa := $v.autoscaling }}
{{- if $hpa.enabled }}
{{- if gt (int $hpa.minReplicas) (int $hpa.maxReplicas) }}
{{- fail (printf "%s.autoscaling.minReplicas (%d) is above maxReplicas (%d)" .app (int $hpa.minReplicas) (int $hpa.maxReplicas)) }}
{{- end }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "strata.componentName" . }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "strata.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "strata.componentName" . }}
  minReplicas: {{ $hpa.minReplicas }}
  maxReplicas: {{ $hpa.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $hpa.targetCPUUtilizationPercentage }}
    {{- if $hpa.targetMemoryUtilizationPercentage }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ $hpa.targetMemoryUtilizationPercentage }}
    {{- end }}
  {{- with $hpa.behavior }}
  behavior:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}

{{- define "strata.serviceMonitor" -}}
{{- $sm := .ctx.Values.serviceMonitor }}
{{- if $sm.enabled }}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "strata.componentName" . }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "strata.labels" . | nindent 4 }}
    {{- with $sm.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  # The job label becomes the Service name, <fullname>-<app>; the alerts rely on it.
  selector:
    matchLabels:
      {{- include "strata.selectorLabels" . | nindent 6 }}
    matchExpressions:
      - key: strata-service-variant
        operator: DoesNotExist
  namespaceSelector:
    matchNames:
      - {{ .ctx.Release.Namespace }}
  endpoints:
    - port: ops
      path: /metrics
      interval: {{ $sm.interval }}
      scrapeTimeout: {{ $sm.scrapeTimeout }}
{{- end }}
{{- end }}

{{/* One egress rule for a dependency block `{to, ports}`; an empty `to` means any destination. */}}
{{- define "strata.egressRule" -}}
- ports:
    {{- toYaml .ports | nindent 4 }}
  {{- with .to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}

{{- define "strata.networkPolicy" -}}
{{- $np := .ctx.Values.networkPolicy }}
{{- if $np.enabled }}
{{- $v := index .ctx.Values (include "strata.valuesKey" .app) }}
{{- $strataPods := dict "podSelector" (dict "matchLabels" (include "strata.selectorLabels" (dict "ctx" .ctx) | fromYaml)) }}
{{- $apiFrom := list $strataPods }}
{{- if has .app (list "ingest" "reader") }}
{{- $apiFrom = ternary list (concat $apiFrom $np.apiClients) (empty $np.apiClients) }}
{{- end }}
{{- $opsFrom := ternary list (concat (list $strataPods) $np.opsClients) (empty $np.opsClients) }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "strata.componentName" . }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "strata.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "strata.selectorLabels" . | nindent 6 }}
  policyTypes:
    - Ingress
    {{- if $np.egress.enabled }}
    - Egress
    {{- end }}
  ingress:
    {{- /* The HTTP API (ingest: remote write; reader: remote read) serves the same clients as gRPC: one rule admits both. */}}
    - ports:
        - port: grpc
          protocol: TCP
        {{- if $v.ports.httpApi }}
        - port: http-api
          protocol: TCP
        {{- end }}
      {{- with $apiFrom }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    - ports:
        - port: ops
          protocol: TCP
      {{- with $opsFrom }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
  {{- if $np.egress.enabled }}
  egress:
    {{- include "strata.egressRule" $np.egress.dns | nindent 4 }}
    {{- if eq .app "e2e-prober" }}
    # The prober calls ingest and reader and reads every app's /readyz.
    - to:
        - {{ toYaml $strataPods | nindent 10 | trim }}
    {{- end }}
    {{- $kafka := include "strata.uses" (dict "ctx" .ctx "app" .app "dep" "kafka") }}
    {{- if $kafka }}
    {{- include "strata.egressRule" $np.egress.kafka | nindent 4 }}
    {{- end }}
    {{- if include "strata.uses" (dict "ctx" .ctx "app" .app "dep" "redis") }}
    {{- include "strata.egressRule" $np.egress.redis | nindent 4 }}
    {{- end }}
    {{- if or (include "strata.uses" (dict "ctx" .ctx "app" .app "dep" "aws")) (and $kafka (eq .ctx.Values.kafka.sasl.mechanism "aws-msk-iam")) }}
    {{- include "strata.egressRule" $np.egress.aws | nindent 4 }}
    {{- end }}
    {{- with $np.egress.extra }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- end }}
{{- end }}
{{- end }}
