"""The Kubernetes manifests and the Dockerfile: what operations rely on.

Each overlay under ``deploy/overlays/`` is rendered with ``kubectl kustomize`` (skipped, with the
reason, when kubectl is not on PATH), every document is validated offline against the Kubernetes
schemas, and each service's Deployment is checked: probes on ``/healthz`` at the metrics port,
non-root, the migrate init container, secrets from a Secret, the replica count. Every service
folder under ``deploy/base/`` is checked, so a new service is covered as soon as it is added.
"""
from __future__ import annotations

import base64
import functools
import re
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from services.common.config import DEFAULT_METRICS_PORTS

kubernetes_validate = pytest.importorskip("kubernetes_validate")

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
IMAGE = "ghcr.io/workers-culture/platform"
# The oldest and the newest Kubernetes the manifests must be valid for (as deploy/validate.sh).
KUBE_VERSIONS = ("1.30", "1.37")
REPLICAS = {"dev": 1, "production": 2}
SECRET_KEYS = ("AMQP_URI", "CULTURE_JWT_SECRET")
SERVICES = sorted(d.name for d in (DEPLOY / "base").iterdir() if (d / "deployment.yaml").is_file())
OVERLAYS = sorted(d.name for d in (DEPLOY / "overlays").iterdir() if (d / "kustomization.yaml").is_file())

needs_kubectl = pytest.mark.skipif(
    shutil.which("kubectl") is None,
    reason="kubectl (with its built-in kustomize) is not on PATH: the overlays cannot be rendered")


@functools.cache
def render(overlay: str) -> tuple[dict, ...]:
    out = subprocess.run(["kubectl", "kustomize", str(DEPLOY / "overlays" / overlay)],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, f"kubectl kustomize {overlay} failed:\n{out.stderr}"
    return tuple(doc for doc in yaml.safe_load_all(out.stdout) if doc)


def find(overlay: str, kind: str, name: str) -> dict:
    matches = [d for d in render(overlay) if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"{overlay}: expected one {kind} {name}, found {len(matches)}"
    return matches[0]


def pod_spec(overlay: str, service: str) -> dict:
    return find(overlay, "Deployment", service)["spec"]["template"]["spec"]


def main_container(overlay: str, service: str) -> dict:
    (container,) = [c for c in pod_spec(overlay, service)["containers"] if c["name"] == service]
    return container


def env_of(container: dict) -> dict:
    return {e["name"]: e for e in container.get("env", [])}


def test_there_is_a_service_and_both_overlays():
    assert "registry" in SERVICES
    assert {"dev", "production"} <= set(OVERLAYS)


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_document_passes_strict_schema_validation(overlay):
    failures = []
    for doc in render(overlay):
        for version in KUBE_VERSIONS:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.SchemaNotFoundError as e:  # an unknown kind must not pass silently
                failures.append(f"{doc['kind']}/{doc['metadata']['name']}: {e.message}")
            except kubernetes_validate.ValidationError as e:
                path = ".".join(str(p) for p in e.path)
                failures.append(f"{doc['kind']}/{doc['metadata']['name']} @ {version}: {path}: {e.message}")
    assert not failures, "\n".join(failures)


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_everything_lives_in_the_namespace_and_is_labelled_part_of_the_platform(overlay):
    for doc in render(overlay):
        if doc["kind"] == "Namespace":
            assert doc["metadata"]["name"] == "workers-culture"
        else:
            assert doc["metadata"].get("namespace") == "workers-culture", doc["metadata"]["name"]
        assert doc["metadata"]["labels"]["app.kubernetes.io/part-of"] == "workers-culture"


@needs_kubectl
@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_probes_check_healthz_on_the_metrics_port(overlay, service):
    container = main_container(overlay, service)
    port = DEFAULT_METRICS_PORTS[service]
    (metrics,) = [p for p in container["ports"] if p["name"] == "metrics"]
    assert metrics["containerPort"] == port
    assert env_of(container)[f"{service.upper()}_METRICS_PORT"]["value"] == str(port)
    for probe in ("readinessProbe", "livenessProbe"):
        http = container[probe]["httpGet"]
        assert http["path"] == "/healthz", probe
        assert http["port"] in ("metrics", port), probe
    # A short database outage makes pods unready, not restarted: liveness is the more patient one.
    readiness, liveness = container["readinessProbe"], container["livenessProbe"]
    assert (liveness["failureThreshold"] * liveness["periodSeconds"]
            > readiness["failureThreshold"] * readiness["periodSeconds"])
    assert liveness["failureThreshold"] * liveness["periodSeconds"] >= 60


@needs_kubectl
@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_metrics_are_scraped_and_reachable_through_the_service(overlay, service):
    port = DEFAULT_METRICS_PORTS[service]
    template = find(overlay, "Deployment", service)["spec"]["template"]
    annotations = template["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(port)
    assert annotations["prometheus.io/path"] == "/metrics"
    svc = find(overlay, "Service", f"{service}-metrics")
    assert [(p["name"], p["port"]) for p in svc["spec"]["ports"]] == [("metrics", port)]
    assert svc["spec"]["selector"].items() <= template["metadata"]["labels"].items()


@needs_kubectl
@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_runs_as_non_root_with_a_read_only_root_filesystem(overlay, service):
    spec = pod_spec(overlay, service)
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] == 10001
    assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert spec["automountServiceAccountToken"] is False
    volumes = {v["name"]: v for v in spec["volumes"]}
    for container in spec["containers"] + spec["initContainers"]:
        sc = container["securityContext"]
        assert sc["allowPrivilegeEscalation"] is False, container["name"]
        assert sc["readOnlyRootFilesystem"] is True, container["name"]
        assert sc["capabilities"]["drop"] == ["ALL"], container["name"]
        assert sc.get("runAsUser", 10001) != 0, container["name"]
        (tmp,) = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
        assert "emptyDir" in volumes[tmp["name"]], container["name"]
        assert container["resources"]["requests"] and container["resources"]["limits"]
    assert spec["terminationGracePeriodSeconds"] == 30


@needs_kubectl
@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_an_init_container_migrates_the_database_before_the_service_starts(overlay, service):
    spec = pod_spec(overlay, service)
    (migrate,) = spec["initContainers"]
    assert " ".join(migrate["command"] + migrate["args"]) == f"python -m services.common.migrate {service}"
    assert f"{service.upper()}_DATABASE_URL" in env_of(migrate)
    assert migrate["image"] == main_container(overlay, service)["image"]
    container = main_container(overlay, service)
    assert " ".join(container["command"] + container["args"]) == f"python -m services.common.run {service}"


@needs_kubectl
@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secrets_come_from_the_secret_not_literals(overlay, service):
    env = env_of(main_container(overlay, service))
    expected_secret = "culture-secrets" if overlay == "production" else None
    for key in SECRET_KEYS + (f"{service.upper()}_DATABASE_URL",):
        assert "value" not in env[key], f"{key} is a literal in {overlay}"
        ref = env[key]["valueFrom"]["secretKeyRef"]
        assert ref["key"] == key
        if expected_secret:
            assert ref["name"] == expected_secret
        else:  # the dev Secret is generated; kustomize rewrites the reference to its hashed name
            secret = find(overlay, "Secret", ref["name"])
            assert key in secret["data"]
    config = find(overlay, "ConfigMap", "culture-config")["data"]
    assert not set(config) & set(SECRET_KEYS), "a secret in the ConfigMap"


@needs_kubectl
def test_production_generates_no_secret_and_pins_the_image():
    assert not [d for d in render("production") if d["kind"] == "Secret"]
    for service in SERVICES:
        for container in pod_spec("production", service)["containers"] + pod_spec("production", service)["initContainers"]:
            image, _, tag = container["image"].rpartition(":")
            assert image == IMAGE
            assert re.fullmatch(r"\d+\.\d+\.\d+", tag), container["image"]


@needs_kubectl
def test_dev_points_at_the_in_namespace_postgres_and_rabbitmq():
    (secret,) = [d for d in render("dev") if d["kind"] == "Secret"
                 and d["metadata"]["name"].startswith("culture-secrets")]
    values = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert "@rabbitmq:5672" in values["AMQP_URI"]
    for service in SERVICES:
        assert values[f"{service.upper()}_DATABASE_URL"].startswith("postgresql+psycopg2://")
        assert f"@postgres:5432/{service}" in values[f"{service.upper()}_DATABASE_URL"]
    find("dev", "Service", "postgres")
    find("dev", "Service", "rabbitmq")
    assert main_container("dev", SERVICES[0])["image"] == f"{IMAGE}:dev"


@needs_kubectl
@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_replicas_and_disruption_budget(overlay, service):
    assert find(overlay, "Deployment", service)["spec"]["replicas"] == REPLICAS[overlay]
    pdb = find(overlay, "PodDisruptionBudget", service)
    assert pdb["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": service}
    if overlay == "production":
        assert pdb["spec"]["minAvailable"] == 1


@needs_kubectl
def test_validate_script_checks_every_overlay_and_passes():
    env = dict(os.environ)
    validator = Path(sys.executable).parent / "kubernetes-validate"  # the one of this test run
    if validator.exists():
        env["KUBERNETES_VALIDATE"] = str(validator)
    out = subprocess.run([str(DEPLOY / "validate.sh")], capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    for overlay in OVERLAYS:
        assert f"ok: overlay {overlay}" in out.stdout


def dockerfile_final_stage() -> list[str]:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    last_from = max(i for i, line in enumerate(lines) if line.upper().startswith("FROM "))
    return lines[last_from:]


def test_dockerfile_runs_the_service_as_a_non_root_user():
    stage = dockerfile_final_stage()
    assert stage[0].split()[1] == "python:3.11-slim"
    users = [i for i, line in enumerate(stage) if line.upper().startswith("USER ")]
    starts = [i for i, line in enumerate(stage) if line.upper().startswith(("CMD ", "ENTRYPOINT "))]
    assert users and starts, "the final stage needs a USER and a CMD/ENTRYPOINT"
    user = stage[users[-1]].split()[1].split(":")[0]
    assert user not in ("0", "root")
    assert user == "10001"  # numeric, so runAsNonRoot can verify it
    assert users[-1] < starts[-1]
    assert "services.common.run" in stage[starts[-1]]


def test_dockerignore_keeps_the_build_context_to_the_package():
    lines = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()]
    patterns = [line for line in lines if line and not line.startswith("#")]
    # Everything is excluded, then only what `pip install .` needs is let back in.
    assert patterns[0] == "*"
    assert {p for p in patterns if p.startswith("!")} == {"!pyproject.toml", "!services/"}
