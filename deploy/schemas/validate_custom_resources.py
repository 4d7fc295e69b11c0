"""Validates the custom resources of a rendered overlay offline, against pinned CRD schemas.

kubernetes-validate knows only the built-in kinds. For a kind defined by a CRD (the Prometheus
Operator's ServiceMonitor), the CRD's own ``openAPIV3Schema``, copied unchanged into this folder,
is checked with jsonschema, strictly: an object that lists its properties rejects any other, as the
API server does with strict field validation.

    python deploy/schemas/validate_custom_resources.py RENDERED.yaml REST.yaml

checks each custom resource of RENDERED.yaml, prints one line per resource ("INFO ... passed" or
"ERROR ..."), writes every other document to REST.yaml (for kubernetes-validate) and exits 1 if
one failed.

The pinned copies, by file: where each comes from and its sha256 (checked on load, so an edit
fails loudly; to update one, copy the new file and change both fields here).
"""
from __future__ import annotations

import copy
import hashlib
import sys
from pathlib import Path

import jsonschema
import yaml

HERE = Path(__file__).resolve().parent

PINNED = {
    "monitoring.coreos.com_servicemonitors.yaml": {
        # prometheus-operator's CRD, operator.prometheus.io/version 0.84.1 (its annotation).
        "source": "https://raw.githubusercontent.com/prometheus-operator/prometheus-operator/"
                  "01b1a0ea3113af46d69ae3d2ee717bd10b2de1d1/example/prometheus-operator-crd/"
                  "monitoring.coreos.com_servicemonitors.yaml",
        "sha256": "8e84b113416767504fc960e1c8f0813abb9f4967f465a1bef1af605218803976",
    },
}


def _strict(schema):
    """The schema with ``additionalProperties: false`` wherever properties are listed and neither
    additionalProperties nor x-kubernetes-preserve-unknown-fields says otherwise."""
    if isinstance(schema, dict):
        schema = {k: _strict(v) for k, v in schema.items()}
        if ("properties" in schema and "additionalProperties" not in schema
                and not schema.get("x-kubernetes-preserve-unknown-fields")):
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


def load_schemas() -> dict[tuple[str, str], tuple[str, dict]]:
    """(apiVersion, kind) -> (a description of the source, the strict JSON schema)."""
    schemas = {}
    for filename, pin in PINNED.items():
        raw = (HERE / filename).read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if digest != pin["sha256"]:
            raise RuntimeError(f"{filename}: sha256 {digest}, expected {pin['sha256']} (see {__file__})")
        crd = yaml.safe_load(raw)
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        version = crd["metadata"].get("annotations", {}).get("operator.prometheus.io/version", "?")
        for v in crd["spec"]["versions"]:
            schema = copy.deepcopy(v["schema"]["openAPIV3Schema"])
            # The API server checks metadata itself; a namespaced kind needs a name.
            schema["properties"]["metadata"] = {"type": "object", "required": ["name"]}
            schemas[(f"{group}/{v['name']}", kind)] = (f"{crd['metadata']['name']} {version}", _strict(schema))
    return schemas


def errors(doc: dict, schemas=None) -> list[str]:
    """Why ``doc`` fails its CRD schema (empty: it passes). KeyError if its kind has no schema."""
    schemas = load_schemas() if schemas is None else schemas
    _, schema = schemas[(doc.get("apiVersion"), doc.get("kind"))]
    validator = jsonschema.Draft7Validator(schema)
    return [f"{'.'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
            for e in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    rendered, rest = argv
    schemas = load_schemas()
    docs = [d for d in yaml.safe_load_all(Path(rendered).read_text()) if d]
    failed = False
    others = []
    for doc in docs:
        key = (doc.get("apiVersion"), doc.get("kind"))
        if key not in schemas:
            others.append(doc)
            continue
        name = f"{doc['kind']}/{doc.get('metadata', {}).get('name')}"
        problems = errors(doc, schemas)
        if problems:
            failed = True
            for problem in problems:
                print(f"ERROR {rendered} did not validate for resource {name} against CRD {schemas[key][0]}: {problem}")
        else:
            print(f"INFO {rendered} passed for resource {name} against CRD {schemas[key][0]}")
    Path(rest).write_text(yaml.safe_dump_all(others, sort_keys=False))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
