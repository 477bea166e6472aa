#!/usr/bin/env bash
# Lints the Helm charts under deploy/helm and validates what they render. `make helm-lint` (deploy/helm.mk)
# installs the tools and calls this with their paths:
#   HELM                 helm binary
#   KUBERNETES_VALIDATE  kubernetes-validate (PyPI), validating against KUBE_VERSION's schemas
#   PYTHON               the python of the same virtualenv (PyYAML and jsonschema come with kubernetes-validate)
#   KUBE_VERSION         Kubernetes release to validate against, e.g. 1.32.0
#   CHARTS               chart names under deploy/helm
#   OUT_DIR              where rendered manifests are kept for reading
#
# The default values alone must fail, on purpose (a release needs a token key source, which only the operator
# can choose), with the message in ci/fail/default-values.txt; so must every ci/fail/*.yaml, with the message
# of its "# expect:" line. For each chart, and each value set under ci/*-values.yaml (chart-testing's
# convention):
#   1. helm lint --strict
#   2. helm template | kubernetes-validate --strict: every built-in kind against the pinned release's schemas,
#      unknown properties rejected
#   3. validate-crds.py: the custom resources (ServiceMonitor), which kubernetes-validate has no schema for
#      and would only warn about, against deploy/scripts/schemas/; any other kind without a schema fails
# Then every ci/invalid/*.yaml must be refused by the chart's values.schema.json.
set -euo pipefail

: "${HELM:?}" "${KUBERNETES_VALIDATE:?}" "${PYTHON:?}" "${KUBE_VERSION:?}" "${CHARTS:?}" "${OUT_DIR:?}"

cd "$(dirname "$0")/../.."
mkdir -p "$OUT_DIR"

failures=0
checked=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

for chart in $CHARTS; do
  dir="deploy/helm/$chart"
  [[ -f "$dir/Chart.yaml" ]] || { fail "$dir/Chart.yaml not found"; continue; }

  expect_fail() { # <label> <message> [helm args...]
    local label=$1 message=$2 err
    shift 2
    checked=$((checked + 1))
    err="$OUT_DIR/$chart-fail-$(basename "$label" .yaml).err"
    if "$HELM" template "$chart" "$dir" --namespace logs --kube-version "$KUBE_VERSION" "$@" >/dev/null 2>"$err"; then
      fail "$chart ($label) rendered; it must fail with: $message"
    elif ! grep -qF -- "$message" "$err"; then
      cat "$err" >&2
      fail "$chart ($label) failed, but without: $message"
    else
      # (helm lint reports a template's `fail` as INFO only, so `helm template` is the check.)
      echo "== $chart: $label fails as it should: $(grep -F -- "$message" "$err" | head -1 | sed 's/^ *//')"
    fi
  }
  if [[ -f "$dir/ci/fail/default-values.txt" ]]; then
    expect_fail "default values" "$(head -1 "$dir/ci/fail/default-values.txt")"
  fi
  for file in "$dir"/ci/fail/*.yaml; do
    [[ -e "$file" ]] || continue
    expect_fail "$file" "$(sed -n 's/^# expect: //p' "$file" | head -1)" -f "$file"
  done

  value_sets=()
  for file in "$dir"/ci/*-values.yaml; do
    [[ -e "$file" ]] && value_sets+=("$file")
  done
  ((${#value_sets[@]} > 0)) || fail "$dir/ci has no *-values.yaml"

  for values in "${value_sets[@]}"; do
    label="$values"
    name="$chart-$(basename "$values" .yaml)"
    args=(--kube-version "$KUBE_VERSION" -f "$values")
    echo "== $chart: $label"
    checked=$((checked + 1))
    rendered="$OUT_DIR/$name.yaml"

    if ! "$HELM" lint --strict --quiet "${args[@]}" "$dir"; then
      fail "helm lint --strict $chart ($label)"
      continue
    fi
    # The Prometheus Operator's and OpenShift's APIs are announced as present, as they are where those run.
    if ! "$HELM" template "$chart" "$dir" --namespace logs "${args[@]}" \
      --api-versions monitoring.coreos.com/v1 --api-versions monitoring.coreos.com/v1/ServiceMonitor \
      --api-versions monitoring.coreos.com/v1/PrometheusRule --api-versions route.openshift.io/v1 \
      >"$rendered"; then
      fail "helm template $chart ($label)"
      continue
    fi
    if ! "$KUBERNETES_VALIDATE" --strict --kubernetes-version "$KUBE_VERSION" --quiet "$rendered" \
      >"$rendered.kv.txt" 2>&1; then
      cat "$rendered.kv.txt" >&2
      fail "kubernetes-validate --strict $chart ($label)"
      continue
    fi
    if ! "$PYTHON" deploy/scripts/validate-crds.py --kubernetes-version "$KUBE_VERSION" \
      "$rendered" "$rendered.kv.txt"; then
      fail "custom resources of $chart ($label)"
      continue
    fi
  done

  for invalid in "$dir"/ci/invalid/*.yaml; do
    [[ -e "$invalid" ]] || continue
    checked=$((checked + 1))
    err="$OUT_DIR/$chart-invalid-$(basename "$invalid" .yaml).err"
    if "$HELM" template "$chart" "$dir" --kube-version "$KUBE_VERSION" -f "$invalid" >/dev/null 2>"$err"; then
      fail "$invalid was accepted; values.schema.json should refuse it"
    elif ! grep -q "values don't meet the specifications of the schema" "$err"; then
      cat "$err" >&2
      fail "$invalid was refused, but not by values.schema.json"
    else
      echo "== $chart: $invalid refused by values.schema.json, as it should be"
    fi
  done
done

if ((failures > 0)); then
  echo "helm-lint: $failures of $checked checks failed" >&2
  exit 1
fi
echo "helm-lint: $checked checks passed (charts: $CHARTS; Kubernetes $KUBE_VERSION); rendered manifests in $OUT_DIR"
