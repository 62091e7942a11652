{{/*
Names, labels, images and addresses shared by every template.

Most helpers take a dict `(dict "ctx" $ "app" "<app>")`, where <app> is the process name
(ingest, reader, writer, archiver, e2e-prober); its values live under the same key, except
e2e-prober, whose values key is `prober` (see strata.valuesKey).
*/}}

{{- define "strata.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-wide name prefix; kept to 42 characters so "<prefix>-e2e-prober-headless" fits 63. */}}
{{- define "strata.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 42 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 42 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 42 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "strata.valuesKey" -}}
{{- ternary "prober" . (eq . "e2e-prober") }}
{{- end }}

{{/* The apps in start order, each with what it talks to (drives env, secrets, egress). */}}
{{- define "strata.apps" -}}
ingest: [kafka, redis]
reader: [redis, aws]
writer: [kafka, redis, aws]
archiver: [redis, aws]
e2e-prober: []
{{- end }}

{{- define "strata.enabledApps" -}}
{{- $ctx := . }}
{{- range $app, $_ := include "strata.apps" . | fromYaml }}
{{- if (index $ctx.Values (include "strata.valuesKey" $app)).enabled }}
- {{ $app }}
{{- end }}
{{- end }}
{{- end }}

{{/* Whether an app (.app) uses a dependency (.dep): kafka, redis or aws. */}}
{{- define "strata.uses" -}}
{{- $deps := index (include "strata.apps" .ctx | fromYaml) .app }}
{{- if has .dep $deps }}true{{ end }}
{{- end }}

{{- define "strata.componentName" -}}
{{- printf "%s-%s" (include "strata.fullname" .ctx) .app }}
{{- end }}

{{- define "strata.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels; without .app they select every Strata pod of the release. */}}
{{- define "strata.selectorLabels" -}}
app.kubernetes.io/name: {{ include "strata.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- with .app }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{- define "strata.labels" -}}
helm.sh/chart: {{ include "strata.chart" .ctx }}
{{ include "strata.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Values.image.tag | default .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: strata
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* <registry>/<repository>-<app>:<tag>[@digest]; an app's `image` overrides any part. */}}
{{- define "strata.image" -}}
{{- $v := index .ctx.Values (include "strata.valuesKey" .app) }}
{{- $global := .ctx.Values.image }}
{{- $own := $v.image | default dict }}
{{- $repository := $own.repository | default (printf "%s-%s" $global.repository .app) }}
{{- with $global.registry }}
{{- $repository = printf "%s/%s" . $repository }}
{{- end }}
{{- $tag := $own.tag | default $global.tag | default .ctx.Chart.AppVersion }}
{{- $digest := $own.digest | default $global.digest }}
{{- if $digest }}
{{- printf "%s:%s@%s" $repository $tag $digest }}
{{- else }}
{{- printf "%s:%s" $repository $tag }}
{{- end }}
{{- end }}

{{- define "strata.serviceAccountName" -}}
{{- if .ctx.Values.serviceAccount.create }}
{{- include "strata.componentName" . }}
{{- else }}
{{- .ctx.Values.serviceAccount.name | default "default" }}
{{- end }}
{{- end }}

{{- define "strata.configName" -}}
{{- printf "%s-config" (include "strata.fullname" .) }}
{{- end }}

{{- define "strata.secretName" -}}
{{- .Values.secret.existingSecret | default (printf "%s-secrets" (include "strata.fullname" .)) }}
{{- end }}

{{/* In-cluster address of an app's port: .port is "grpc" or "ops". */}}
{{- define "strata.address" -}}
{{- $v := index .ctx.Values (include "strata.valuesKey" .app) }}
{{- printf "%s.%s.svc:%d" (include "strata.componentName" .) .ctx.Release.Namespace (index $v.ports .port | int) }}
{{- end }}

{{- define "strata.kafkaUsesPassword" -}}
{{- if has .Values.kafka.sasl.mechanism (list "plain" "scram-sha-256" "scram-sha-512") }}true{{ end }}
{{- end }}

{{/* Rolls pods when a secret value given in values changes (not an existingSecret's). */}}
{{- define "strata.secretChecksum" -}}
{{- if .Values.secret.existingSecret }}
{{- .Values.secret.existingSecret | sha256sum }}
{{- else }}
{{- list .Values.auth .Values.kafka.sasl.password .Values.redis.auth.password | toJson | sha256sum }}
{{- end }}
{{- end }}
