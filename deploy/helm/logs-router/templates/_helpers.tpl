{{/* Names */}}
{{- define "logs-router.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "logs-router.fullname" -}}
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

{{- define "logs-router.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels: selector labels never change between releases of the chart. */}}
{{- define "logs-router.selectorLabels" -}}
app.kubernetes.io/name: {{ include "logs-router.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "logs-router.labels" -}}
helm.sh/chart: {{ include "logs-router.chart" . }}
{{ include "logs-router.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: logs
{{- end }}

{{- define "logs-router.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "logs-router.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The migration Job runs before the release's own ServiceAccount exists: it gets a hook-scoped one. */}}
{{- define "logs-router.migrationServiceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- printf "%s-migrate" (include "logs-router.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- include "logs-router.serviceAccountName" . }}
{{- end }}
{{- end }}

{{- define "logs-router.secretName" -}}
{{- default (printf "%s-secrets" (include "logs-router.fullname" .)) .Values.secrets.existingSecret }}
{{- end }}

{{- define "logs-router.image" -}}
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
the Deployment, so `helm install`, `helm template` and `helm lint` all stop here. Where the cluster is
reachable (a real install or upgrade), the Secret is looked up too: present, with the keys the pods need.
*/}}
{{- define "logs-router.validate" -}}
{{- $a := .Values.config.auth }}
{{- $t := .Values.serviceLogs.token }}
{{- if not (or $a.jwksUrl $a.jwksFile.configMap .Values.secrets.authHs256SecretKey) }}
{{- fail "\n\nlogs-router: no token key source. Set one of:\n  config.auth.jwksUrl=https://<identity provider>/.well-known/jwks.json   (production)\n  config.auth.jwksFile.configMap=<ConfigMap holding a JWKS>\n  secrets.authHs256SecretKey=AUTH_HS256_SECRET   (development: that key must be in the Secret)\nWithout one the router refuses to start (it never runs unauthenticated)." }}
{{- end }}
{{- if not (or $t.key $t.projected.enabled .Values.secrets.authHs256SecretKey) }}
{{- fail "\n\nlogs-router: no token for service-logs (audit delivery). Set one of:\n  serviceLogs.token.projected.enabled=true   (a ServiceAccount token; service-logs' config.auth.serviceAccountIssuer accepts it)\n  serviceLogs.token.key=<key of a Secret holding a token with service-logs.log.create>\n  secrets.authHs256SecretKey=AUTH_HS256_SECRET   (development: the router signs its own, with the secret both services share)" }}
{{- end }}
{{- $secretName := include "logs-router.secretName" . }}
{{- with lookup "v1" "Secret" .Release.Namespace $secretName }}
{{- $data := .data | default dict }}
{{- range $key := list $.Values.secrets.databaseUrlKey $.Values.secrets.credentialsKeyKey $.Values.secrets.authHs256SecretKey }}
{{- if and $key (not (hasKey $data $key)) }}
{{- fail (printf "\n\nlogs-router: Secret %s has no key %s; add it (`helm template` with these values prints a Secret that works in its NOTES; docs/operations.md)." $secretName $key) }}
{{- end }}
{{- end }}
{{- if ne (len (b64dec (b64dec (index $data $.Values.secrets.credentialsKeyKey)))) 32 }}
{{- fail (printf "\n\nlogs-router: %s in Secret %s is not the base64 of 32 bytes; make one with: openssl rand -base64 32" $.Values.secrets.credentialsKeyKey $secretName) }}
{{- end }}
{{- else }}
{{- /* No such Secret. On a reachable cluster (its namespace can be read) the pre-install migration Job would wait
       for it until its deadline; say so now. Without a cluster (helm template, lint, --dry-run) nothing is known. */}}
{{- if lookup "v1" "Namespace" "" .Release.Namespace }}
{{- fail (printf "\n\nlogs-router: Secret %s does not exist in namespace %s. Create it first:\n  kubectl create secret generic %s -n %s \\\n    --from-literal=%s='postgres://USER:PASSWORD@HOST:5432/logs_router' \\\n    --from-literal=%s=\"$(openssl rand -base64 32)\"\n(and the key source's or token's keys your values name; docs/operations.md)." $secretName .Release.Namespace $secretName .Release.Namespace .Values.secrets.databaseUrlKey .Values.secrets.credentialsKeyKey) }}
{{- end }}
{{- end }}
{{- end }}

{{/* The `helm test` pod: not selected by the release's NetworkPolicy. */}}
{{- define "logs-router.testSelectorLabels" -}}
app.kubernetes.io/name: {{ printf "%s-test" (include "logs-router.name" .) }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "logs-router.testLabels" -}}
helm.sh/chart: {{ include "logs-router.chart" . }}
{{ include "logs-router.testSelectorLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: test
{{- end }}

{{/* Where the token for service-logs comes from: "secret", "projected" or "" (self-signed with HS256). */}}
{{- define "logs-router.tokenSource" -}}
{{- if .Values.serviceLogs.token.key }}secret{{ else if .Values.serviceLogs.token.projected.enabled }}projected{{ end }}
{{- end }}

{{/* service-logs' base URL: serviceLogs.url, else its Service (by default the service-logs chart's). */}}
{{- define "logs-router.serviceLogsUrl" -}}
{{- if .Values.serviceLogs.url }}
{{- .Values.serviceLogs.url | trimSuffix "/" }}
{{- else }}
{{- printf "http://%s.%s.svc:%v" .Values.serviceLogs.serviceName (default .Release.Namespace .Values.serviceLogs.namespace) .Values.serviceLogs.port }}
{{- end }}
{{- end }}

{{- define "logs-router.tokenSecretName" -}}
{{- default (include "logs-router.secretName" .) .Values.serviceLogs.token.existingSecret }}
{{- end }}

{{- define "logs-router.tokenMountPath" -}}
/var/run/secrets/logs-router/service-logs
{{- end }}

{{- define "logs-router.jwksMountPath" -}}
/etc/logs-router/jwks
{{- end }}

{{/*
Plain settings as a YAML map NAME: "value". Only set values appear: an unset variable keeps the binary's
default. Rendered into the ConfigMap for the Deployment, and inline into the migration Job (a pre-install
hook runs before the ConfigMap exists).
*/}}
{{- define "logs-router.plainEnv" -}}
{{- $c := .Values.config }}
BIND_ADDR: {{ printf "%s:%v" $c.bindHost .Values.containerPort | quote }}
RUN_MIGRATIONS: {{ ternary "false" "true" .Values.migrations.enabled | quote }}
RUST_LOG: {{ $c.rustLog | quote }}
LOG_FORMAT: {{ $c.logFormat | quote }}
{{- if gt (int $c.databasePoolSize) 0 }}
DATABASE_POOL_SIZE: {{ $c.databasePoolSize | quote }}
{{- end }}
{{- with $c.auth.jwksUrl }}
AUTH_JWKS_URL: {{ . | quote }}
{{- end }}
{{- if $c.auth.jwksFile.configMap }}
AUTH_JWKS_FILE: {{ printf "%s/%s" (include "logs-router.jwksMountPath" .) $c.auth.jwksFile.key | quote }}
{{- end }}
{{- with $c.auth.issuer }}
AUTH_ISSUER: {{ . | quote }}
{{- end }}
{{- with $c.auth.audience }}
AUTH_AUDIENCE: {{ . | quote }}
{{- end }}
AUTH_ACCOUNT_CLAIM: {{ $c.auth.accountClaim | quote }}
{{- with $c.otel.endpoint }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ . | quote }}
{{- end }}
OTEL_SERVICE_NAME: {{ default "logs-router" $c.otel.serviceName | quote }}
{{- with $c.otel.protocol }}
OTEL_EXPORTER_OTLP_PROTOCOL: {{ . | quote }}
{{- end }}
{{- with $c.otel.tracesSampler }}
OTEL_TRACES_SAMPLER: {{ . | quote }}
{{- end }}
{{- with $c.otel.tracesSamplerArg }}
OTEL_TRACES_SAMPLER_ARG: {{ . | quote }}
{{- end }}
REGION: {{ $c.region | quote }}
TENANTS_PER_ACCOUNT: {{ $c.tenantsPerAccount | quote }}
SERVICE_LOGS_URL: {{ include "logs-router.serviceLogsUrl" . | quote }}
{{- if include "logs-router.tokenSource" . }}
SERVICE_LOGS_TOKEN_FILE: {{ printf "%s/token" (include "logs-router.tokenMountPath" .) | quote }}
{{- end }}
{{- with $c.trustedProxies }}
TRUSTED_PROXIES: {{ . | quote }}
{{- end }}
AUDIT_DELIVERED_RETENTION_DAYS: {{ $c.auditDeliveredRetentionDays | quote }}
{{- range $name, $value := $c.extraEnv }}
{{ $name }}: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{/* Variables from the Secret, the downward API and extraEnv: the same in the Deployment and the Job. */}}
{{- define "logs-router.env" -}}
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
      name: {{ include "logs-router.secretName" . }}
      key: {{ .Values.secrets.databaseUrlKey }}
- name: CREDENTIALS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "logs-router.secretName" . }}
      key: {{ .Values.secrets.credentialsKeyKey }}
{{- with .Values.secrets.credentialsKeyPreviousKey }}
- name: CREDENTIALS_KEY_PREVIOUS
  valueFrom:
    secretKeyRef:
      name: {{ include "logs-router.secretName" $ }}
      key: {{ . }}
      optional: true
{{- end }}
{{- with .Values.secrets.authHs256SecretKey }}
- name: AUTH_HS256_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "logs-router.secretName" $ }}
      key: {{ . }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Volumes: a writable /tmp (the root filesystem is read-only) and the JWKS file when configured. */}}
{{- define "logs-router.volumes" -}}
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
{{- $source := include "logs-router.tokenSource" . }}
{{- if eq $source "secret" }}
# Mounted without subPath: when the Secret changes, the kubelet updates the file and the router re-reads it.
- name: service-logs-token
  secret:
    secretName: {{ include "logs-router.tokenSecretName" . }}
    defaultMode: 0440
    items:
      - key: {{ .Values.serviceLogs.token.key }}
        path: token
{{- else if eq $source "projected" }}
# The pod's ServiceAccount token for audience service-logs; kubelet renews it at 80% of its lifetime and
# the router re-reads the file when it changes.
- name: service-logs-token
  projected:
    defaultMode: 0440
    sources:
      - serviceAccountToken:
          audience: {{ .Values.serviceLogs.token.projected.audience | quote }}
          expirationSeconds: {{ .Values.serviceLogs.token.projected.expirationSeconds }}
          path: token
{{- end }}
{{- end }}

{{- define "logs-router.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.config.auth.jwksFile.configMap }}
- name: jwks
  mountPath: {{ include "logs-router.jwksMountPath" . }}
  readOnly: true
{{- end }}
{{- if include "logs-router.tokenSource" . }}
- name: service-logs-token
  mountPath: {{ include "logs-router.tokenMountPath" . }}
  readOnly: true
{{- end }}
{{- end }}
