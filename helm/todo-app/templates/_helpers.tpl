{{/*
Labels. Object names are fixed by the labrun contract (backend, frontend, postgres, todo-db);
the instance label carries the release name so selectors stay unique per release.
*/}}

{{/* Selector labels of one component: include "todo.selectorLabels" (dict "ctx" $ "component" "backend") */}}
{{- define "todo.selectorLabels" -}}
app.kubernetes.io/name: todo
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end }}

{{/* All labels of an object: selector labels plus chart bookkeeping. */}}
{{- define "todo.labels" -}}
{{ include "todo.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* image reference: include "todo.image" .Values.backend.image */}}
{{- define "todo.image" -}}
{{- printf "%s:%s" .repository (toString .tag) -}}
{{- end }}

{{/*
API versions. A real install or upgrade fills .Capabilities.APIVersions from the server's
discovery, which lists "group/version/Kind" entries: those decide. Offline rendering (helm
template, the tests) only knows the client's built-in group/versions, so the kube version
(--kube-version) decides there.
*/}}
{{- define "todo.pdb.apiVersion" -}}
{{- if .Capabilities.APIVersions.Has "policy/v1/PodDisruptionBudget" -}}
policy/v1
{{- else if .Capabilities.APIVersions.Has "policy/v1beta1/PodDisruptionBudget" -}}
policy/v1beta1
{{- else if semverCompare ">=1.21-0" .Capabilities.KubeVersion.Version -}}
policy/v1
{{- else -}}
policy/v1beta1
{{- end -}}
{{- end }}

{{- define "todo.hpa.apiVersion" -}}
{{- if .Capabilities.APIVersions.Has "autoscaling/v2/HorizontalPodAutoscaler" -}}
autoscaling/v2
{{- else if .Capabilities.APIVersions.Has "autoscaling/v2beta2/HorizontalPodAutoscaler" -}}
autoscaling/v2beta2
{{- else if semverCompare ">=1.23-0" .Capabilities.KubeVersion.Version -}}
autoscaling/v2
{{- else -}}
autoscaling/v2beta2
{{- end -}}
{{- end }}

{{/* The shared pod-level security context: include "todo.podSecurityContext" 10001 */}}
{{- define "todo.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
fsGroup: {{ . }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* The shared container security context: include "todo.containerSecurityContext" 10001 */}}
{{- define "todo.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
capabilities:
  drop: ["ALL"]
{{- end }}

{{/*
A generated secret value that upgrades keep: the value given, else the one already in the cluster
(lookup; offline rendering has no cluster and shows a fresh value each time), else a new random one.
  include "todo.keptSecretValue" (dict "ctx" $ "secret" "todo-auth" "key" "JWT_SECRET" "given" .Values.auth.jwtSecret "length" 64)
*/}}
{{- define "todo.keptSecretValue" -}}
{{- $value := .given | default "" -}}
{{- if not $value -}}
{{- $existing := lookup "v1" "Secret" .ctx.Release.Namespace .secret -}}
{{- if and $existing $existing.data -}}
{{- $value = index $existing.data .key | default "" | b64dec -}}
{{- end -}}
{{- end -}}
{{- if not $value -}}{{- $value = randAlphaNum (int .length) -}}{{- end -}}
{{- $value -}}
{{- end }}

{{/* What marks the model service as the lab's stand-in, on each of its objects and pods. */}}
{{- define "todo.standInLabels" -}}
todo.labrun.dev/stand-in: "true"
{{- end }}

{{- define "todo.standInAnnotations" -}}
todo.labrun.dev/stands-in-for: the external OpenAI-compatible model provider (not a language model)
{{- end }}

{{/* A NetworkPolicy egress rule to the model service's port: include "todo.toModelService" $ */}}
{{- define "todo.toModelService" -}}
- to:
    - podSelector:
        matchLabels:
          {{- include "todo.selectorLabels" (dict "ctx" . "component" "model-service") | nindent 10 }}
  ports:
    - port: 8000
      protocol: TCP
{{- end }}
