{{/*
The one workload every app is rendered from: strata.workload renders a Deployment or a
StatefulSet around strata.podTemplate. Called as
  {{ include "strata.workload" (dict "ctx" $ "app" "ingest" "kind" "Deployment") }}
*/}}

{{- define "strata.workload" -}}
{{- $v := index .ctx.Values (include "strata.valuesKey" .app) }}
{{- $scaledElsewhere := or (and $v.autoscaling $v.autoscaling.enabled) (and $v.keda $v.keda.enabled) }}
apiVersion: apps/v1
kind: {{ .kind }}
metadata:
  name: {{ include "strata.componentName" . }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "strata.labels" . | nindent 4 }}
spec:
  {{- if not $scaledElsewhere }}
  replicas: {{ $v.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "strata.selectorLabels" . | nindent 6 }}
  {{- if eq .kind "StatefulSet" }}
  serviceName: {{ include "strata.componentName" . }}
  # One pod at a time, and no new pod until the old one is gone: never two at once.
  podManagementPolicy: OrderedReady
  updateStrategy:
    type: RollingUpdate
  {{- else }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      # Keep full capacity during a rollout: start the new pod before stopping an old one.
      maxSurge: 25%
      maxUnavailable: 0
  {{- end }}
  template:
    {{- include "strata.podTemplate" . | trim | nindent 4 }}
{{- end }}

{{/* The effective shutdown settings of an app, as YAML: the top-level block with the app's fields over it. */}}
{{- define "strata.shutdown" -}}
{{- $v := index .ctx.Values (include "strata.valuesKey" .app) }}
{{- $merged := deepCopy .ctx.Values.shutdown }}
{{- range $key, $value := ($v.shutdown | default dict) }}
{{- $_ := set $merged $key $value }}
{{- end }}
{{- if and (eq $merged.preStopMethod "sleep") (lt (int $merged.preStopSleepSeconds) 1) }}
{{- fail (printf "%s: shutdown.preStopSleepSeconds must be at least 1 with preStopMethod sleep; use preStopMethod none for no delay" .app) }}
{{- end }}
{{- $preStop := ternary 0 (int $merged.preStopSleepSeconds) (eq $merged.preStopMethod "none") }}
{{- $graceSeconds := div (add (int $merged.graceMs) 999) 1000 }}
preStopMethod: {{ $merged.preStopMethod }}
preStopSleepSeconds: {{ $preStop }}
graceMs: {{ int $merged.graceMs }}
terminationGracePeriodSeconds: {{ add $preStop $graceSeconds (int $merged.marginSeconds) }}
{{- end }}

{{/* A probe: the top-level timings, the app's overrides, and the gRPC health check unless a handler is given. */}}
{{- define "strata.probe" -}}
{{- $v := index .ctx.Values (include "strata.valuesKey" .app) }}
{{- $probe := deepCopy (index .ctx.Values.probes .probe) }}
{{- range $key, $value := (index ($v.probes | default dict) .probe) | default dict }}
{{- $_ := set $probe $key $value }}
{{- end }}
{{- if not (or $probe.httpGet $probe.tcpSocket $probe.exec $probe.grpc) }}
{{- $_ := set $probe "grpc" (dict "port" (int $v.ports.grpc)) }}
{{- end }}
{{- toYaml $probe }}
{{- end }}

{{- define "strata.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "strata.secretName" .ctx }}
      key: {{ .key }}
{{- end }}

{{/* Environment of one app beyond the shared ConfigMap (which envFrom loads first). */}}
{{- define "strata.env" -}}
{{- $ctx := .ctx }}
{{- $v := index $ctx.Values (include "strata.valuesKey" .app) }}
{{- $keys := $ctx.Values.secret.keys }}
- name: STRATA_GRPC_PORT
  value: {{ $v.ports.grpc | int | quote }}
- name: STRATA_OPS_PORT
  value: {{ $v.ports.ops | int | quote }}
{{- with $v.ports.httpApi }}
- name: STRATA_HTTP_API_PORT
  value: {{ . | int | quote }}
{{- end }}
- name: STRATA_SHUTDOWN_GRACE_MS
  value: {{ .graceMs | int | quote }}
{{- with $v.logLevel }}
- name: STRATA_LOG_LEVEL
  value: {{ . | quote }}
{{- end }}
{{- if include "strata.uses" (dict "ctx" $ctx "app" .app "dep" "kafka") }}
- name: STRATA_KAFKA_CLIENT_ID
  value: {{ printf "%s-%s" $ctx.Values.kafka.clientId .app | quote }}
{{- if include "strata.kafkaUsesPassword" $ctx }}
{{ include "strata.secretEnv" (dict "ctx" $ctx "name" "STRATA_KAFKA_SASL_PASSWORD" "key" $keys.kafkaSaslPassword) }}
{{- end }}
{{- end }}
{{- if eq .app "writer" }}
- name: STRATA_WRITER_GROUP_ID
  value: {{ $ctx.Values.writer.groupId | quote }}
{{- end }}
{{- if and $ctx.Values.redis.auth.enabled (include "strata.uses" (dict "ctx" $ctx "app" .app "dep" "redis")) }}
{{ include "strata.secretEnv" (dict "ctx" $ctx "name" "STRATA_REDIS_PASSWORD" "key" $keys.redisPassword) }}
{{- end }}
{{- if has .app (list "ingest" "reader") }}
{{ include "strata.secretEnv" (dict "ctx" $ctx "name" "STRATA_API_KEYS" "key" $keys.apiKeys) }}
{{- end }}
{{- if eq .app "e2e-prober" }}
- name: STRATA_PROBER_COMPONENTS
  value: {{ include "strata.proberComponents" $ctx | quote }}
{{ include "strata.proberTargetEnv" $ctx }}
{{- end }}
{{- with $ctx.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- with $v.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* name=http://host:port of every other enabled app's ops port. */}}
{{- define "strata.proberComponents" -}}
{{- $ctx := . }}
{{- $entries := list }}
{{- range $app := include "strata.enabledApps" . | fromYamlArray }}
{{- if ne $app "e2e-prober" }}
{{- $entries = append $entries (printf "%s=http://%s" $app (include "strata.address" (dict "ctx" $ctx "app" $app "port" "ops"))) }}
{{- end }}
{{- end }}
{{- join "," $entries }}
{{- end }}

{{/* Where the prober (and the helm test pod) writes and reads, and as whom. */}}
{{- define "strata.proberTargetEnv" -}}
- name: STRATA_PROBER_INGEST_ADDRESS
  value: {{ include "strata.address" (dict "ctx" . "app" "ingest" "port" "grpc") | quote }}
- name: STRATA_PROBER_READER_ADDRESS
  value: {{ include "strata.address" (dict "ctx" . "app" "reader" "port" "grpc") | quote }}
{{ include "strata.secretEnv" (dict "ctx" . "name" "STRATA_PROBER_API_KEY" "key" .Values.secret.keys.proberApiKey) }}
{{- end }}

{{- define "strata.preStop" -}}
{{- if eq .preStopMethod "sleep" }}
preStop:
  sleep:
    seconds: {{ .preStopSleepSeconds | int }}
{{- else if eq .preStopMethod "exec" }}
preStop:
  exec:
    command: ["node", "-e", "setTimeout(() => {}, {{ mul (int .preStopSleepSeconds) 1000 }})"]
{{- end }}
{{- end }}

{{- define "strata.scheduling" -}}
{{- $v := index .ctx.Values (include "strata.valuesKey" .app) }}
{{- with $v.priorityClassName | default .ctx.Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with $v.nodeSelector | default .ctx.Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.tolerations | default .ctx.Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.affinity | default .ctx.Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .ctx.Values.topologySpread }}
{{- if and .enabled (not $.noSpread) }}
topologySpreadConstraints:
  {{- range $key := list "topology.kubernetes.io/zone" "kubernetes.io/hostname" }}
  - topologyKey: {{ $key }}
    maxSkew: {{ $.ctx.Values.topologySpread.maxSkew }}
    whenUnsatisfiable: {{ $.ctx.Values.topologySpread.whenUnsatisfiable }}
    labelSelector:
      matchLabels:
        {{- include "strata.selectorLabels" $ | nindent 8 }}
  {{- end }}
{{- end }}
{{- end }}
{{- end }}

{{- define "strata.podTemplate" -}}
{{- $ctx := .ctx }}
{{- $v := index $ctx.Values (include "strata.valuesKey" .app) }}
{{- $shutdown := include "strata.shutdown" . | fromYaml }}
metadata:
  labels:
    {{- include "strata.selectorLabels" . | nindent 4 }}
    {{- with merge (deepCopy ($v.podLabels | default dict)) $ctx.Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    checksum/config: {{ include (print $ctx.Template.BasePath "/strata-configmap.yaml") $ctx | sha256sum }}
    checksum/secret: {{ include "strata.secretChecksum" $ctx }}
    {{- with merge (deepCopy ($v.podAnnotations | default dict)) $ctx.Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "strata.serviceAccountName" . }}
  # The apps never call the Kubernetes API. (IRSA mounts its own web-identity token.)
  automountServiceAccountToken: false
  enableServiceLinks: false
  terminationGracePeriodSeconds: {{ $shutdown.terminationGracePeriodSeconds | int }}
  {{- with $ctx.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml $ctx.Values.podSecurityContext | nindent 4 }}
  {{- with include "strata.scheduling" . | trim }}
  {{- . | nindent 2 }}
  {{- end }}
  containers:
    - name: {{ .app }}
      image: {{ include "strata.image" . | quote }}
      imagePullPolicy: {{ $ctx.Values.image.pullPolicy }}
      ports:
        - name: grpc
          containerPort: {{ $v.ports.grpc }}
          protocol: TCP
        - name: ops
          containerPort: {{ $v.ports.ops }}
          protocol: TCP
        {{- with $v.ports.httpApi }}
        - name: http-api
          containerPort: {{ . }}
          protocol: TCP
        {{- end }}
      envFrom:
        - configMapRef:
            name: {{ include "strata.configName" $ctx }}
      env:
        {{- include "strata.env" (dict "ctx" $ctx "app" .app "graceMs" $shutdown.graceMs) | trim | nindent 8 }}
      startupProbe:
        {{- include "strata.probe" (dict "ctx" $ctx "app" .app "probe" "startup") | nindent 8 }}
      livenessProbe:
        {{- include "strata.probe" (dict "ctx" $ctx "app" .app "probe" "liveness") | nindent 8 }}
      readinessProbe:
        {{- include "strata.probe" (dict "ctx" $ctx "app" .app "probe" "readiness") | nindent 8 }}
      {{- with include "strata.preStop" $shutdown }}
      lifecycle:
        {{- . | trim | nindent 8 }}
      {{- end }}
      {{- with $v.resources }}
      resources:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $ctx.Values.containerSecurityContext | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: {{ $ctx.Values.tmpSizeLimit }}
{{- end }}
