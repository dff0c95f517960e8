{{/* Common labels of every resource of this release. */}}
{{- define "slrt.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Labels that select the pods of this release (all of them). */}}
{{- define "slrt.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Image of a service: registry/slrt-<service>:tag. Call with (list $ $name). */}}
{{- define "slrt.image" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- printf "%s/slrt-%s:%s" $root.Values.image.registry $name (default $root.Chart.AppVersion $root.Values.image.tag) -}}
{{- end -}}

{{- define "slrt.topic" -}}
{{- printf "%s%s" .prefix .name -}}
{{- end -}}

{{- define "slrt.kafkaBootstrap" -}}
{{- if .Values.kafka.create -}}
{{- printf "%s-kafka-bootstrap:9093" .Values.kafka.clusterName -}}
{{- else -}}
{{- required "kafka.bootstrapServers is required when kafka.create is false" .Values.kafka.bootstrapServers -}}
{{- end -}}
{{- end -}}

{{- define "slrt.postgresHost" -}}
{{- if .Values.postgres.create -}}
{{- printf "%s-rw" .Values.postgres.clusterName -}}
{{- else -}}
{{- required "postgres.host is required when postgres.create is false" .Values.postgres.host -}}
{{- end -}}
{{- end -}}

{{- define "slrt.credentialsSecret" -}}
{{- default (printf "%s-credentials" .Release.Name) .Values.credentials.existingSecret -}}
{{- end -}}

{{/* Name of the Postgres role (and schema) of a service. */}}
{{- define "slrt.dbRole" -}}
{{- if eq . "agency-gateway" -}}gateway{{- else -}}{{ . }}{{- end -}}
{{- end -}}

{{/* Pod security context shared by services and migration jobs. */}}
{{- define "slrt.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurity.runAsUser }}
runAsGroup: {{ .Values.podSecurity.runAsGroup }}
fsGroup: {{ .Values.podSecurity.runAsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "slrt.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
runAsNonRoot: true
capabilities:
  drop: [ALL]
{{- end -}}

{{/*
Environment of a service container: its database role, Kafka user and shared settings.
Call with (list $ $name $svc).
*/}}
{{- define "slrt.serviceEnv" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $svc := index . 2 -}}
{{- $role := include "slrt.dbRole" $name -}}
- name: {{ $svc.envPrefix }}_DATABASE_URL
  value: {{ printf "postgresql://%s@%s:5432/%s?sslmode=require" $role (include "slrt.postgresHost" $root) $root.Values.postgres.database | quote }}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ printf "%s-db-%s" $root.Release.Name $role }}
      key: password
- name: KAFKA_BOOTSTRAP_SERVERS
  value: {{ include "slrt.kafkaBootstrap" $root | quote }}
- name: KAFKA_SECURITY_PROTOCOL
  value: SASL_SSL
- name: KAFKA_SASL_MECHANISM
  value: SCRAM-SHA-512
- name: KAFKA_SASL_USERNAME
  value: {{ printf "slrt-%s" $name }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ printf "slrt-%s" $name }}
      key: password
- name: KAFKA_SSL_CAFILE
  value: /etc/slrt/kafka-ca/ca.crt
- name: SLRT_TOPIC_PREFIX
  value: {{ $root.Values.kafka.topicPrefix | quote }}
- name: SLRT_ADMIN_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "slrt.credentialsSecret" $root }}
      key: admin-token
{{- range list "INTAKE_SUBJECT_HASH_KEY" "GATEWAY_SUBJECT_HASH_KEY" }}
- name: {{ . }}
  valueFrom:
    secretKeyRef:
      name: {{ include "slrt.credentialsSecret" $root }}
      key: subject-hash-key
      optional: true
{{- end }}
{{- with $root.Values.telemetry.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- end -}}
