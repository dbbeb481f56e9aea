{{- define "ebpf-profiler.name" -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}

{{- define "ebpf-profiler.labels" -}}
app.kubernetes.io/name: ebpf-profiler
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "ebpf-profiler.agentClusterRole" -}}
{{ include "ebpf-profiler.name" . }}-agent
{{- end -}}

{{- define "ebpf-profiler.agentServiceAccount" -}}
{{ include "ebpf-profiler.name" . }}-agent
{{- end -}}

{{- define "ebpf-profiler.ingestService" -}}
{{ include "ebpf-profiler.name" . }}-ingest
{{- end -}}

{{- define "ebpf-profiler.ingestTlsSecret" -}}
{{ include "ebpf-profiler.name" . }}-ingest-tls
{{- end -}}
