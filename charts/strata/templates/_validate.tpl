{{/*
Checks that need more than one value, which values.schema.json cannot express. Each
failure names the values involved and what to do. Included once, by the ConfigMap.
*/}}
{{- define "strata.validate" -}}
{{- $v := .Values }}
{{- $partitions := int $v.kafka.topicPartitions }}
{{- if and $v.writer.enabled (not $v.writer.keda.enabled) (gt (int $v.writer.replicas) $partitions) }}
{{- fail (printf "writer.replicas (%d) exceeds kafka.topicPartitions (%d): a writer beyond the partition count gets no partition and idles; add partitions first" (int $v.writer.replicas) $partitions) }}
{{- end }}
{{- if and (include "strata.kafkaUsesPassword" .) (not $v.secret.existingSecret) (not $v.kafka.sasl.password) }}
{{- fail (printf "kafka.sasl.mechanism %s needs kafka.sasl.password or secret.existingSecret" $v.kafka.sasl.mechanism) }}
{{- end }}
{{- if and $v.redis.auth.enabled (not $v.secret.existingSecret) (not $v.redis.auth.password) }}
{{- fail "redis.auth.enabled needs redis.auth.password or secret.existingSecret" }}
{{- end }}
{{- if and $v.secret.existingSecret (or $v.auth.apiKeys $v.auth.proberApiKey $v.kafka.sasl.password $v.redis.auth.password) }}
{{- fail (printf "secret.existingSecret (%s) replaces auth.apiKeys, auth.proberApiKey, kafka.sasl.password and redis.auth.password: put them in that Secret and remove them from values" $v.secret.existingSecret) }}
{{- end }}
{{- if ne (mod 86400000 (int64 $v.redis.windowMs)) 0 }}
{{- fail (printf "redis.windowMs (%d) must divide a day (86400000 ms) evenly: windows never straddle a UTC day, which the archiver's day blocks rely on" (int64 $v.redis.windowMs)) }}
{{- end }}
{{- if and $v.prober.enabled (not (and $v.ingest.enabled $v.reader.enabled)) }}
{{- fail "prober.enabled needs ingest.enabled and reader.enabled: it writes through one and reads through the other" }}
{{- end }}
{{- range $app := include "strata.enabledApps" . | fromYamlArray }}
{{- $key := include "strata.valuesKey" $app }}
{{- $seen := dict }}
{{- range $name, $port := (index $v $key).ports }}
{{- with get $seen (toString (int $port)) }}
{{- fail (printf "%s.ports.%s and %s.ports.%s are both %d: each port of a pod needs its own number" $key . $key $name (int $port)) }}
{{- end }}
{{- $_ := set $seen (toString (int $port)) $name }}
{{- end }}
{{- end }}
{{- end }}
