{{/* The chart's name, or nameOverride. */}}
{{- define "lorahpo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's prefix: the release name when it already holds the chart name. */}}
{{- define "lorahpo.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Name of the Deployment, its Roles and bindings; the ServiceAccount's default. */}}
{{- define "lorahpo.operatorName" -}}
{{- printf "%s-operator" (include "lorahpo.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "lorahpo.metricsServiceName" -}}
{{- printf "%s-metrics" (include "lorahpo.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "lorahpo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "lorahpo.operatorName" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Leader election: asked for, or implied by more than one replica. */}}
{{- define "lorahpo.leaderElect" -}}
{{- if or .Values.leaderElection.enabled (gt (int .Values.replicaCount) 1) }}true{{ end }}
{{- end }}

{{- define "lorahpo.leaseName" -}}
{{- default (include "lorahpo.operatorName" .) .Values.leaderElection.leaseName }}
{{- end }}

{{/* image: repository@digest when a digest is set, else repository:tag (tag defaults to appVersion). */}}
{{- define "lorahpo.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "lorahpo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lorahpo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "lorahpo.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "lorahpo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: lorahpo
{{- end }}

{{/*
The operator's rules, exactly docs/rbac.md's YAML block (tests/helm/rbac.test.ts compares them
rule by rule): a ClusterRole's in cluster-wide mode, each watched namespace's Role otherwise.
*/}}
{{- define "lorahpo.operatorRules" -}}
- apiGroups: [lorahpo.io]
  resources: [lorastudies]
  verbs: [get, list, watch]
- apiGroups: [lorahpo.io]
  resources: [loratrials]
  verbs: [get, list, watch, create]
- apiGroups: [lorahpo.io]
  resources: [lorastudies/status, loratrials/status]
  verbs: [patch]
- apiGroups: [lorahpo.io]
  resources: [lorastudies/finalizers, loratrials/finalizers]
  verbs: [update]
- apiGroups: [batch]
  resources: [jobs]
  verbs: [list, watch, create, patch, delete]
- apiGroups: [""]
  resources: [pods]
  verbs: [list, watch]
- apiGroups: [""]
  resources: [pods/log]
  verbs: [get]
- apiGroups: [""]
  resources: [events]
  verbs: [create]
{{- end }}

{{/* The Lease rules of docs/rbac.md: a Role in the release namespace. */}}
{{- define "lorahpo.leaderElectionRules" -}}
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get, create, update]
{{- end }}
