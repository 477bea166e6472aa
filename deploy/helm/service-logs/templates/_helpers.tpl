{{/* Names */}}
{{- define "service-logs.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "service-logs.fullname" -}}
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

{{- define "service-logs.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels: selector labels never change between releases of the chart. */}}
{{- define "service-logs.selectorLabels" -}}
app.kubernetes.io/name: {{ include "service-logs.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "service-logs.labels" -}}
helm.sh/chart: {{ include "service-logs.chart" . }}
{{ include "service-logs.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: logs
{{- end }}

{{/* The `helm test` pod: not selected by the release's NetworkPolicy, admitted by it. */}}
{{- define "service-logs.testSelectorLabels" -}}
app.kubernetes.io/name: {{ printf "%s-test" (include "service-logs.name" .) }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "service-logs.testLabels" -}}
helm.sh/chart: {{ include "service-logs.chart" . }}
{{ include "service-logs.testSelectorLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: test
{{- end }}

{{- define "service-logs.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "service-logs.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The migration Job runs before the release's own ServiceAccount exists: it gets a hook-scoped one. */}}
{{- define "service-logs.migrationServiceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- printf "%s-migrate" (include "service-logs.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- include "service-logs.serviceAccountName" . }}
{{- end }}
{{- end }}

{{- define "service-logs.secretName" -}}
{{- default (printf "%s-secrets" (include "service-logs.fullname" .)) .Values.secrets.existingSecret }}
{{- end }}

{{- define "service-logs.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- $repo := .Values.image.repository }}
{{- with (.Values.global).imageRegistry }}
{{- $repo = printf "%s/%s" (trimSuffix "/" .) $repo }}
{{- end }}
{{- if .Values.image.digest }}
{{- printf "%s:%s@%s" $repo $tag .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repo $tag }}
{{- end }}
{{- end }}

{{/*
Settings the binary would refuse at start, refused at `helm install` instead, with what to set. Included by
the Deployment, so `helm install`, `helm template` and `helm lint` all stop here.
*/}}
{{- define "service-logs.validate" -}}
{{- $a := .Values.config.auth }}
{{- if not (or $a.jwksUrl $a.jwksFile.configMap .Values.secrets.authHs256SecretKey) }}
{{- fail "\n\nservice-logs: no token key source. Set one of:\n  config.auth.jwksUrl=https://<identity provider>/.well-known/jwks.json   (production)\n  config.auth.jwksFile.configMap=<ConfigMap holding a JWKS>\n  secrets.authHs256SecretKey=AUTH_HS256_SECRET   (development: that key must be in the Secret)\nWithout one the service refuses to start (it never runs unauthenticated)." }}
{{- end }}
{{- $sa := $a.serviceAccountIssuer }}
{{- if and $sa.enabled (not (or $sa.jwksUrl $sa.jwksFile.configMap)) }}
{{- fail "\n\nservice-logs: config.auth.serviceAccountIssuer is enabled without keys: set its jwksUrl (the API server's /openid/v1/jwks) or jwksFile.configMap, or enabled=false." }}
{{- end }}
{{- /* On a reachable cluster (its namespace can be read; not under helm template, lint or --dry-run) the Secret must
       exist with the keys the pods read: the pre-install migration Job would otherwise wait for it until its deadline. */}}
{{- $secretName := include "service-logs.secretName" . }}
{{- if lookup "v1" "Namespace" "" .Release.Namespace }}
{{- with lookup "v1" "Secret" .Release.Namespace $secretName }}
{{- $data := .data | default dict }}
{{- range $key := list $.Values.secrets.databaseUrlKey $.Values.secrets.webhookSecretsKeyKey $.Values.secrets.authHs256SecretKey $.Values.secrets.smtpUrlKey }}
{{- if and $key (not (hasKey $data $key)) }}
{{- fail (printf "\n\nservice-logs: Secret %s has no key %s; add it (`helm template` with these values prints a Secret that works in its NOTES; docs/operations.md)." $secretName $key) }}
{{- end }}
{{- end }}
{{- if ne (len (b64dec (b64dec (index $data $.Values.secrets.webhookSecretsKeyKey)))) 32 }}
{{- fail (printf "\n\nservice-logs: %s in Secret %s is not the base64 of 32 bytes; make one with: openssl rand -base64 32" $.Values.secrets.webhookSecretsKeyKey $secretName) }}
{{- end }}
{{- else }}
{{- fail (printf "\n\nservice-logs: Secret %s does not exist in namespace %s. Create it first:\n  kubectl create secret generic %s -n %s \\\n    --from-literal=%s='postgres://USER:PASSWORD@HOST:5432/service_logs' \\\n    --from-literal=%s=\"$(openssl rand -base64 32)\"\n(and %s when development tokens are on; docs/operations.md)." $secretName .Release.Namespace $secretName .Release.Namespace .Values.secrets.databaseUrlKey .Values.secrets.webhookSecretsKeyKey (default "AUTH_HS256_SECRET" .Values.secrets.authHs256SecretKey)) }}
{{- end }}
{{- end }}
{{- end }}

{{/* The subjects of the service-account issuer: the router's ServiceAccount, then the extra ones. */}}
{{- define "service-logs.saSubjects" -}}
{{- $sa := .Values.config.auth.serviceAccountIssuer }}
{{- $subjects := list (printf "system:serviceaccount:%s:%s" (default .Release.Namespace $sa.router.namespace) $sa.router.serviceAccount) }}
{{- join "," (concat $subjects $sa.extraSubjects) }}
{{- end }}

{{/* The pod mounts its own token and the cluster CA only to fetch the issuer's keys from the API server. */}}
{{- define "service-logs.needsApiServer" -}}
{{- $sa := .Values.config.auth.serviceAccountIssuer }}
{{- if and $sa.enabled (not $sa.jwksFile.configMap) }}true{{ end }}
{{- end }}

{{- define "service-logs.saJwksMountPath" -}}
/etc/service-logs/sa-jwks
{{- end }}

{{- define "service-logs.jwksMountPath" -}}
/etc/service-logs/jwks
{{- end }}

{{/*
Plain settings as a YAML map NAME: "value". Only set values appear: an unset variable keeps the binary's
default. Rendered into the ConfigMap for the Deployment, and inline into the migration Job (a pre-install
hook runs before the ConfigMap exists).
*/}}
{{- define "service-logs.plainEnv" -}}
{{- $c := .Values.config }}
BIND_ADDR: {{ printf "%s:%v" $c.bindHost .Values.containerPort | quote }}
RUN_MIGRATIONS: {{ ternary "false" "true" .Values.migrations.enabled | quote }}
RUST_LOG: {{ $c.rustLog | quote }}
LOG_FORMAT: {{ $c.logFormat | quote }}
{{- if gt (int $c.databasePoolSize) 0 }}
DATABASE_POOL_SIZE: {{ $c.databasePoolSize | quote }}
{{- end }}
{{- if gt (int $c.logRetentionDays) 0 }}
LOG_RETENTION_DAYS: {{ $c.logRetentionDays | quote }}
{{- end }}
NOTIFICATION_DUPLICATE_WINDOW: {{ $c.notifications.duplicateWindow | quote }}
{{- with $c.notifications.linkBaseUrl }}
NOTIFICATION_LINK_BASE_URL: {{ . | quote }}
{{- end }}
LOG_CREATE_BATCH_MAX: {{ $c.createBatch.max | quote }}
LOG_CREATE_BATCH_WAIT_US: {{ $c.createBatch.waitMicros | quote }}
LOG_CREATE_BATCH_WRITERS: {{ $c.createBatch.writers | quote }}
{{- with $c.auth.jwksUrl }}
AUTH_JWKS_URL: {{ . | quote }}
{{- end }}
{{- if $c.auth.jwksFile.configMap }}
AUTH_JWKS_FILE: {{ printf "%s/%s" (include "service-logs.jwksMountPath" .) $c.auth.jwksFile.key | quote }}
{{- end }}
{{- with $c.auth.issuer }}
AUTH_ISSUER: {{ . | quote }}
{{- end }}
{{- with $c.auth.audience }}
AUTH_AUDIENCE: {{ . | quote }}
{{- end }}
AUTH_ACCOUNT_CLAIM: {{ $c.auth.accountClaim | quote }}
{{- with $c.auth.serviceAccountIssuer }}
{{- if .enabled }}
AUTH_SA_ISSUER: {{ .issuer | quote }}
AUTH_SA_AUDIENCE: {{ .audience | quote }}
AUTH_SA_SUBJECTS: {{ include "service-logs.saSubjects" $ | quote }}
{{- if .jwksFile.configMap }}
AUTH_SA_JWKS_FILE: {{ printf "%s/%s" (include "service-logs.saJwksMountPath" $) .jwksFile.key | quote }}
{{- else }}
AUTH_SA_JWKS_URL: {{ .jwksUrl | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- with $c.otel.endpoint }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ . | quote }}
{{- end }}
OTEL_SERVICE_NAME: {{ default "service-logs" $c.otel.serviceName | quote }}
{{- with $c.otel.protocol }}
OTEL_EXPORTER_OTLP_PROTOCOL: {{ . | quote }}
{{- end }}
{{- with $c.otel.tracesSampler }}
OTEL_TRACES_SAMPLER: {{ . | quote }}
{{- end }}
{{- with $c.otel.tracesSamplerArg }}
OTEL_TRACES_SAMPLER_ARG: {{ . | quote }}
{{- end }}
{{- range $name, $value := $c.extraEnv }}
{{ $name }}: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{/* Variables from the Secret, the downward API and extraEnv: the same in the Deployment and the Job. */}}
{{- define "service-logs.env" -}}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ printf "k8s.namespace.name=$(POD_NAMESPACE),k8s.pod.name=$(POD_NAME)%s" (ternary (printf ",%s" .Values.config.otel.resourceAttributes) "" (ne .Values.config.otel.resourceAttributes "")) | quote }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "service-logs.secretName" . }}
      key: {{ .Values.secrets.databaseUrlKey }}
- name: WEBHOOK_SECRETS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "service-logs.secretName" . }}
      key: {{ .Values.secrets.webhookSecretsKeyKey }}
{{- with .Values.secrets.webhookSecretsKeyPreviousKey }}
- name: WEBHOOK_SECRETS_KEY_PREVIOUS
  valueFrom:
    secretKeyRef:
      name: {{ include "service-logs.secretName" $ }}
      key: {{ . }}
      optional: true
{{- end }}
{{- with .Values.secrets.authHs256SecretKey }}
- name: AUTH_HS256_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "service-logs.secretName" $ }}
      key: {{ . }}
{{- end }}
{{- with .Values.secrets.smtpUrlKey }}
- name: SMTP_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "service-logs.secretName" $ }}
      key: {{ . }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Volumes: a writable /tmp (the root filesystem is read-only) and the JWKS file when configured. */}}
{{- define "service-logs.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- if .Values.config.auth.jwksFile.configMap }}
- name: jwks
  configMap:
    name: {{ .Values.config.auth.jwksFile.configMap }}
    items:
      - key: {{ .Values.config.auth.jwksFile.key }}
        path: {{ .Values.config.auth.jwksFile.key }}
{{- end }}
{{- with .Values.config.auth.serviceAccountIssuer }}
{{- if and .enabled .jwksFile.configMap }}
- name: sa-jwks
  configMap:
    name: {{ .jwksFile.configMap }}
    items:
      - key: {{ .jwksFile.key }}
        path: {{ .jwksFile.key }}
{{- end }}
{{- end }}
{{- if include "service-logs.needsApiServer" . }}
# The pod's own token (for the API server's default audience) and the cluster CA, at the usual path: only to
# fetch the service-account issuer's JWKS (AUTH_SA_TOKEN_FILE / AUTH_SA_CA_FILE keep their defaults).
- name: kube-api-access
  projected:
    defaultMode: 0444
    sources:
      - serviceAccountToken:
          path: token
          expirationSeconds: 3607
      - configMap:
          name: kube-root-ca.crt
          items:
            - key: ca.crt
              path: ca.crt
{{- end }}
{{- end }}

{{- define "service-logs.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.config.auth.jwksFile.configMap }}
- name: jwks
  mountPath: {{ include "service-logs.jwksMountPath" . }}
  readOnly: true
{{- end }}
{{- with .Values.config.auth.serviceAccountIssuer }}
{{- if and .enabled .jwksFile.configMap }}
- name: sa-jwks
  mountPath: {{ include "service-logs.saJwksMountPath" $ }}
  readOnly: true
{{- end }}
{{- end }}
{{- if include "service-logs.needsApiServer" . }}
- name: kube-api-access
  mountPath: /var/run/secrets/kubernetes.io/serviceaccount
  readOnly: true
{{- end }}
{{- end }}
