#!/usr/bin/env python3
"""Validate the custom resources of a rendered chart, which kubernetes-validate cannot.

kubernetes-validate only knows Kubernetes' built-in kinds: for any other kind it prints a WARN line
("Couldn't find schema for kind ...") and still exits 0, so a ServiceMonitor, PrometheusRule or Route would pass unchecked. This
script closes that gap:

* every document whose (apiVersion, kind) has a schema in deploy/scripts/schemas/ is validated against it
  (draft 2020-12; metadata against Kubernetes' ObjectMeta from kubernetes-validate's own schemas for the
  pinned release);
* every WARN in kubernetes-validate's output must name such a kind; a WARN about any other kind (a typo in
  apiVersion, a CRD nobody wrote a schema for) fails.

Usage: validate-crds.py --kubernetes-version 1.32.0 RENDERED.yaml KUBERNETES_VALIDATE_OUTPUT.txt
Runs in the virtualenv that has kubernetes-validate (it brings PyYAML, jsonschema and referencing).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import jsonschema
import referencing
import referencing.jsonschema
import yaml
from kubernetes_validate import utils as kv

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
SCHEMAS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "servicemonitor-monitoring.coreos.com-v1.json",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "prometheusrule-monitoring.coreos.com-v1.json",
    ("route.openshift.io/v1", "Route"): "route-route.openshift.io-v1.json",
}
DEFINITIONS_URI = "urn:kubernetes-validate:definitions"
WARN_RE = re.compile(r"Couldn't find schema for kind (\S+) with api version (\S+) for kubernetes version")


def registry_for(kube_version: str) -> referencing.Registry:
    version = kube_version.removeprefix("v")
    # The same schema directory kubernetes-validate picks: the newest release not newer than the one asked.
    chosen = [v for v in kv.all_versions() if kv.major_minor(v) <= kv.major_minor(version)][-1]
    definitions = kv.schema_contents(
        f"kubernetes-json-schema/v{chosen}-local-strict/_definitions.json", version
    )
    resource = referencing.jsonschema.DRAFT202012.create_resource(definitions)
    return referencing.Registry().with_resource(DEFINITIONS_URI, resource)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubernetes-version", required=True)
    parser.add_argument("rendered")
    parser.add_argument("kv_output")
    args = parser.parse_args()

    registry = registry_for(args.kubernetes_version)
    errors = 0

    with open(args.rendered, encoding="utf-8") as f:
        documents = [d for d in yaml.safe_load_all(f) if d]
    for doc in documents:
        key = (doc.get("apiVersion"), doc.get("kind"))
        if key not in SCHEMAS:
            continue
        name = f"{doc['kind'].lower()}/{doc.get('metadata', {}).get('name', '?')}"
        schema = json.loads((SCHEMA_DIR / SCHEMAS[key]).read_text(encoding="utf-8"))
        validator = jsonschema.Draft202012Validator(schema, registry=registry)
        problems = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        for problem in problems:
            path = ".".join(str(p) for p in problem.absolute_path) or "(root)"
            print(f"ERROR {args.rendered} {name}: {path}: {problem.message}")
        if problems:
            errors += 1
        else:
            print(f"INFO {args.rendered} {name} passed against {SCHEMAS[key]}")

    with open(args.kv_output, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.startswith("WARN"):
                continue
            match = WARN_RE.search(line)
            if match and (match.group(2), match.group(1)) in SCHEMAS:
                continue  # validated above
            print(f"ERROR no schema anywhere for: {line}")
            errors += 1

    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
