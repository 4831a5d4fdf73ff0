{{/* Names: the release's full name unless overridden, cut to the 63 characters of a DNS label. */}}
{{- define "gitset.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "gitset.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "gitset.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gitset.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "gitset.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "gitset.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "gitset.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "gitset.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "gitset.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* Secret names: the existing one named in values, else the one this chart creates, else empty. */}}
{{- define "gitset.credentialsSecret" -}}
{{- if .Values.credentials.existingSecret -}}
{{- .Values.credentials.existingSecret -}}
{{- else if .Values.credentials.kubeconfigs -}}
{{- printf "%s-credentials" (include "gitset.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "gitset.gitTokenSecret" -}}
{{- if .Values.git.token.existingSecret -}}
{{- .Values.git.token.existingSecret -}}
{{- else if .Values.git.token.value -}}
{{- printf "%s-git" (include "gitset.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "gitset.webhookSecret" -}}
{{- if .Values.webhook.secret.existingSecret -}}
{{- .Values.webhook.secret.existingSecret -}}
{{- else if .Values.webhook.secret.value -}}
{{- printf "%s-webhook" (include "gitset.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "gitset.shardKeySecret" -}}
{{- if gt (int .Values.replicas) 1 -}}
{{- default (printf "%s-shard-key" (include "gitset.fullname" .)) .Values.shardKey.existingSecret -}}
{{- end -}}
{{- end -}}

{{/* "civo/cluster1" -> "civo.cluster1.kubeconfig": a Secret key cannot hold "/". */}}
{{- define "gitset.kubeconfigKey" -}}
{{- printf "%s.kubeconfig" (replace "/" "." .) -}}
{{- end -}}

{{/* Refuses what would not work: no repository, an option the chart sets, a bad cluster name. */}}
{{- define "gitset.checkValues" -}}
{{- if not .Values.config.repo -}}
{{- fail "config.repo is required: the Git repository gitset reconciles (an http or https URL)" -}}
{{- end -}}
{{- if regexMatch "^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*@" (toString .Values.config.repo) -}}
{{- fail "config.repo holds credentials (user:token@): they would be stored in a ConfigMap; put the token in git.token and the user in git.username" -}}
{{- end -}}
{{- range $key := list "listen" "work-dir" "workDir" "credentials" "git-token-file" "gitTokenFile" "git-password-file" "gitPasswordFile" "webhook-secret-file" "webhookSecretFile" "log-format" "logFormat" -}}
{{- if hasKey $.Values.config $key -}}
{{- fail (printf "config.%s is set by the chart; use its values (credentials, git.token, webhook.secret, service.port) instead" $key) -}}
{{- end -}}
{{- end -}}
{{- range $key := list "shards" "shard" -}}
{{- if hasKey $.Values.config $key -}}
{{- fail (printf "config.%s is set by the chart from replicas (each pod's shard is its ordinal); set replicas instead" $key) -}}
{{- end -}}
{{- end -}}
{{- range $nsName, $_ := .Values.credentials.kubeconfigs -}}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-a-z0-9]*[a-z0-9])?$" $nsName) -}}
{{- fail (printf "credentials.kubeconfigs: %q is not <namespace>/<name> of a SveltosCluster" $nsName) -}}
{{- end -}}
{{- end -}}
{{- end -}}
