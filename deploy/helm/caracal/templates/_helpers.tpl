{{/* The name of every object: the release name, or fullnameOverride. */}}
{{- define "caracal.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select the pods (never change them on upgrade). */}}
{{- define "caracal.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "caracal.labels" -}}
{{ include "caracal.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The service account's name. */}}
{{- define "caracal.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "caracal.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
The grace period: the preStop sleep, then Caracal's drain delay and exit timeout, plus a margin
for the JVM to stop; an explicit value wins.
*/}}
{{- define "caracal.terminationGracePeriodSeconds" -}}
{{- if .Values.drain.terminationGracePeriodSeconds -}}
{{- .Values.drain.terminationGracePeriodSeconds -}}
{{- else -}}
{{- add .Values.drain.preStopSleepSecs .Values.drain.delaySecs .Values.drain.exitTimeoutSecs 10 -}}
{{- end -}}
{{- end -}}

{{/* The PromQL query of the queue-depth autoscalers: pending requests summed over the pods. */}}
{{- define "caracal.pendingQuery" -}}
{{- if .Values.autoscaling.query -}}
{{- .Values.autoscaling.query -}}
{{- else -}}
sum(nv_inference_pending_request_count{namespace="{{ .Release.Namespace }}",service="{{ include "caracal.fullname" . }}"})
{{- end -}}
{{- end -}}
