"""The Kubernetes manifests and the Dockerfile: what operations rely on.

Each overlay under ``deploy/overlays/`` has two steps, rendered with ``kubectl kustomize``
(skipped, with the reason, when kubectl is not on PATH): ``<overlay>/migrate`` (the namespace, the
config and a migration Job per service) and ``<overlay>`` (the services). Every document is
validated offline against the Kubernetes schemas of 1.30 and of the newest version the validator
knows, the ServiceMonitors against their pinned CRD schema (deploy/schemas/). For each service:
the startup, liveness and readiness probes, the HorizontalPodAutoscaler, PodDisruptionBudget,
NetworkPolicy, zone and node spread, the version label, the migration Job and no migrate init
container. Every service folder under ``deploy/base/`` is checked, so a new service is covered as
soon as it is added.
"""
from __future__ import annotations

import base64
import functools
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from services.common.config import DEFAULT_METRICS_PORTS

kubernetes_validate = pytest.importorskip("kubernetes_validate")
from kubernetes_validate.utils import latest_version, major_minor  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
IMAGE = "ghcr.io/workers-culture/platform"
# The oldest Kubernetes the manifests must be valid for, and the newest the validator knows (as
# deploy/validate.sh).
NEWEST = major_minor(latest_version())
KUBE_VERSIONS = ("1.30", NEWEST)
# The HorizontalPodAutoscaler's range in each overlay.
REPLICAS = {"dev": (1, 2), "production": (2, 6)}
SECRET_KEYS = ("AMQP_URI", "CULTURE_JWT_SECRET")
SERVICES = sorted(d.name for d in (DEPLOY / "base").iterdir() if (d / "deployment.yaml").is_file())
OVERLAYS = sorted(d.name for d in (DEPLOY / "overlays").iterdir() if (d / "kustomization.yaml").is_file())
# Every egress a service's pod may open: DNS, RabbitMQ, PostgreSQL.
DNS = {(53, "UDP"), (53, "TCP")}
SERVICE_EGRESS = DNS | {(5672, "TCP"), (5432, "TCP")}
MIGRATION_EGRESS = DNS | {(5432, "TCP")}

needs_kubectl = pytest.mark.skipif(
    shutil.which("kubectl") is None,
    reason="kubectl (with its built-in kustomize) is not on PATH: the overlays cannot be rendered")


def _load_crd_validator():
    spec = importlib.util.spec_from_file_location(
        "validate_custom_resources", DEPLOY / "schemas" / "validate_custom_resources.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


crd_validator = _load_crd_validator()


@functools.cache
def render(step: str) -> tuple[dict, ...]:
    """``step``: an overlay ("production": the services) or its migrations ("production/migrate")."""
    out = subprocess.run(["kubectl", "kustomize", str(DEPLOY / "overlays" / step)],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, f"kubectl kustomize {step} failed:\n{out.stderr}"
    return tuple(doc for doc in yaml.safe_load_all(out.stdout) if doc)


def both_steps(overlay: str) -> tuple[dict, ...]:
    return render(f"{overlay}/migrate") + render(overlay)


def find(step: str, kind: str, name: str) -> dict:
    matches = [d for d in render(step) if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"{step}: expected one {kind} {name}, found {len(matches)}"
    return matches[0]


def pod_spec(overlay: str, service: str) -> dict:
    return find(overlay, "Deployment", service)["spec"]["template"]["spec"]


def job(overlay: str, service: str) -> dict:
    return find(f"{overlay}/migrate", "Job", f"{service}-migrate")


def main_container(overlay: str, service: str) -> dict:
    (container,) = [c for c in pod_spec(overlay, service)["containers"] if c["name"] == service]
    return container


def env_of(container: dict) -> dict:
    return {e["name"]: e for e in container.get("env", [])}


def selects(selector: dict, labels: dict) -> bool:
    """Whether a label selector (matchLabels only) selects ``labels``."""
    assert set(selector) <= {"matchLabels"}, selector
    return selector["matchLabels"].items() <= labels.items()


def test_there_is_a_service_and_both_overlays_with_their_migrate_step():
    assert "registry" in SERVICES
    assert {"dev", "production"} <= set(OVERLAYS)
    for overlay in OVERLAYS:
        assert (DEPLOY / "overlays" / overlay / "migrate" / "kustomization.yaml").is_file(), overlay


def test_the_newest_kubernetes_checked_is_at_least_1_37():
    assert tuple(map(int, NEWEST.split("."))) >= (1, 37)


@needs_kubectl
@pytest.mark.parametrize("step", [f"{o}{s}" for o in OVERLAYS for s in ("/migrate", "")])
def test_every_rendered_document_passes_strict_schema_validation(step):
    schemas = crd_validator.load_schemas()
    failures = []
    for doc in render(step):
        name = f"{doc['kind']}/{doc['metadata']['name']}"
        if (doc["apiVersion"], doc["kind"]) in schemas:  # a custom resource: its pinned CRD schema
            failures += [f"{name}: {e}" for e in crd_validator.errors(doc, schemas)]
            continue
        for version in KUBE_VERSIONS:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.SchemaNotFoundError as e:  # an unknown kind must not pass silently
                failures.append(f"{name}: {e.message}")
            except kubernetes_validate.ValidationError as e:
                path = ".".join(str(p) for p in e.path)
                failures.append(f"{name} @ {version}: {path}: {e.message}")
    assert not failures, "\n".join(failures)


def test_the_crd_schema_is_strict_and_pinned():
    schemas = crd_validator.load_schemas()  # checks the pinned copy's sha256
    assert ("monitoring.coreos.com/v1", "ServiceMonitor") in schemas
    good = yaml.safe_load((DEPLOY / "components" / "servicemonitor" / "registry.yaml").read_text())
    assert crd_validator.errors(good, schemas) == []
    bad = yaml.safe_load((DEPLOY / "components" / "servicemonitor" / "registry.yaml").read_text())
    bad["spec"]["endpoints"][0]["intervall"] = "30s"  # an unknown field
    bad["spec"]["endpoints"][0]["scheme"] = "ftp"  # not in the enum
    del bad["spec"]["selector"]  # required
    problems = "\n".join(crd_validator.errors(bad, schemas))
    assert "intervall" in problems and "ftp" in problems and "selector" in problems, problems


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_everything_lives_in_the_namespace_and_carries_the_version_label(overlay):
    versions = set()
    for doc in both_steps(overlay):
        name = f"{doc['kind']}/{doc['metadata']['name']}"
        if doc["kind"] == "Namespace":
            assert doc["metadata"]["name"] == "workers-culture"
        else:
            assert doc["metadata"].get("namespace") == "workers-culture", name
        labels = doc["metadata"]["labels"]
        assert labels["app.kubernetes.io/part-of"] == "workers-culture", name
        assert "app.kubernetes.io/version" in labels, f"{name} has no version label"
        versions.add(labels["app.kubernetes.io/version"])
        template = doc.get("spec", {}).get("template")
        if template:  # the pods too
            versions.add(template["metadata"]["labels"]["app.kubernetes.io/version"])
    assert len(versions) == 1, f"{overlay}: several versions {versions}"


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_version_label_is_the_image_tag(overlay):
    # A release changes both in overlays/<overlay>/shared/kustomization.yaml.
    images = set()
    for doc in both_steps(overlay):
        template = doc.get("spec", {}).get("template")
        if not template:
            continue
        for container in template["spec"]["containers"] + template["spec"].get("initContainers", []):
            if container["image"].startswith(IMAGE + ":"):
                images.add(container["image"])
                assert template["metadata"]["labels"]["app.kubernetes.io/version"] == \
                    container["image"].rpartition(":")[2], f"{doc['kind']}/{doc['metadata']['name']}"
    assert len(images) == 1, images


@needs_kubectl
@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_startup_liveness_and_readiness_probes_on_the_metrics_port(overlay, service):
    container = main_container(overlay, service)
    port = DEFAULT_METRICS_PORTS[service]
    (metrics,) = [p for p in container["ports"] if p["name"] == "metrics"]
    assert metrics["containerPort"] == port
    assert env_of(container)[f"{service.upper()}_METRICS_PORT"]["value"] == str(port)
    paths = {"startupProbe": "/livez", "livenessProbe": "/livez", "readinessProbe": "/readyz"}
    for probe, path in paths.items():
        assert probe in container, f"{service}: no {probe}"
        http = container[probe]["httpGet"]
        assert http["path"] == path, probe
        assert http["port"] in ("metrics", port), probe
    startup, liveness = container["startupProbe"], container["livenessProbe"]
    # The startup probe covers a slow start, so the others need no fixed delay.
    for probe in ("livenessProbe", "readinessProbe"):
        assert not container[probe].get("initialDelaySeconds"), f"{service}: {probe} has a fixed delay"
    assert startup["failureThreshold"] * startup["periodSeconds"] >= 120
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
def test_production_has_a_service_monitor_on_the_metrics_port(service):
    monitor = find("production", "ServiceMonitor", service)
    svc = find("production", "Service", f"{service}-metrics")
    assert selects(monitor["spec"]["selector"], svc["metadata"]["labels"])
    assert [e["port"] for e in monitor["spec"]["endpoints"]] == ["metrics"]
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    assert not monitor["spec"].get("namespaceSelector")  # its own namespace
    # Only the Service of this service: no other Service carries its labels.
    others = [d for d in render("production") if d["kind"] == "Service" and d is not svc
              and selects(monitor["spec"]["selector"], d["metadata"].get("labels", {}))]
    assert not others


@needs_kubectl
def test_the_service_monitors_are_optional():
    # Dev applies on a cluster without the Prometheus Operator's CRD; the migrate steps never need it.
    for step in ("dev", "dev/migrate", "production/migrate"):
        assert not [d for d in render(step) if d["apiVersion"].startswith("monitoring.coreos.com/")], step
    component = yaml.safe_load((DEPLOY / "components" / "servicemonitor" / "kustomization.yaml").read_text())
    assert component["kind"] == "Component"
    assert sorted(component["resources"]) == sorted(f"{s}.yaml" for s in SERVICES)


@needs_kubectl
@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_runs_as_non_root_with_a_read_only_root_filesystem(overlay, service):
    for spec in (pod_spec(overlay, service), job(overlay, service)["spec"]["template"]["spec"]):
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] == 10001
        assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        assert spec["automountServiceAccountToken"] is False
        volumes = {v["name"]: v for v in spec["volumes"]}
        for container in spec["containers"] + spec.get("initContainers", []):
            sc = container["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False, container["name"]
            assert sc["readOnlyRootFilesystem"] is True, container["name"]
            assert sc["capabilities"]["drop"] == ["ALL"], container["name"]
            assert sc.get("runAsUser", 10001) != 0, container["name"]
            (tmp,) = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
            assert "emptyDir" in volumes[tmp["name"]], container["name"]
            assert container["resources"]["requests"] and container["resources"]["limits"]
    assert pod_spec(overlay, service)["terminationGracePeriodSeconds"] == 30


@needs_kubectl
@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_a_job_migrates_the_database_and_the_pods_do_not(overlay, service):
    assert not pod_spec(overlay, service).get("initContainers"), f"{service}: an init container is left"
    container = main_container(overlay, service)
    assert " ".join(container["command"] + container["args"]) == f"python -m services.common.run {service}"

    migration = job(overlay, service)
    spec = migration["spec"]
    assert spec["template"]["spec"]["restartPolicy"] == "Never"
    assert 1 <= spec["backoffLimit"] <= 10
    assert spec["ttlSecondsAfterFinished"] >= 3600  # its logs stay a while
    (migrate,) = spec["template"]["spec"]["containers"]
    assert " ".join(migrate["command"] + migrate["args"]) == f"python -m services.common.migrate {service}"
    assert migrate["image"] == container["image"]
    assert f"{service.upper()}_DATABASE_URL" in env_of(migrate)
    # Its pods are not the service's: no Service, PodDisruptionBudget or autoscaler counts them.
    labels = spec["template"]["metadata"]["labels"]
    assert labels["app.kubernetes.io/component"] == "migration"
    deployment = find(overlay, "Deployment", service)
    assert not selects(deployment["spec"]["selector"], labels)
    assert migration["metadata"]["labels"]["app.kubernetes.io/component"] == "migration"


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_migrate_step_holds_the_jobs_and_the_services_step_none(overlay):
    migrate_kinds = {d["kind"] for d in render(f"{overlay}/migrate")}
    assert "Job" in migrate_kinds and "HorizontalPodAutoscaler" not in migrate_kinds
    assert not [d for d in render(f"{overlay}/migrate") if d["kind"] == "Deployment"
                and d["metadata"]["name"] in SERVICES]
    assert not [d for d in render(overlay) if d["kind"] == "Job"]
    # What the Jobs need exists in their own step.
    for kind, name in (("Namespace", "workers-culture"), ("ConfigMap", "culture-config"),
                       ("ServiceAccount", "culture-service"), ("NetworkPolicy", "migrate")):
        find(f"{overlay}/migrate", kind, name)


@needs_kubectl
@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secrets_come_from_the_secret_not_literals(overlay, service):
    migrate = job(overlay, service)["spec"]["template"]["spec"]["containers"][0]
    for step, container, keys in ((overlay, main_container(overlay, service), SECRET_KEYS),
                                  (f"{overlay}/migrate", migrate, ())):
        env = env_of(container)
        for key in keys + (f"{service.upper()}_DATABASE_URL",):
            assert "value" not in env[key], f"{key} is a literal in {step}"
            ref = env[key]["valueFrom"]["secretKeyRef"]
            assert ref["key"] == key
            if overlay == "production":
                assert ref["name"] == "culture-secrets"
            else:  # the dev Secret is generated; kustomize rewrites the reference to its hashed name
                secret = find(step, "Secret", ref["name"])
                assert key in secret["data"]
        config = find(step, "ConfigMap", "culture-config")["data"]
        assert not set(config) & set(SECRET_KEYS), "a secret in the ConfigMap"


@needs_kubectl
def test_production_generates_no_secret_and_pins_the_image():
    assert not [d for d in both_steps("production") if d["kind"] == "Secret"]
    for service in SERVICES:
        for container in (pod_spec("production", service)["containers"]
                          + job("production", service)["spec"]["template"]["spec"]["containers"]):
            image, _, tag = container["image"].rpartition(":")
            assert image == IMAGE
            assert re.fullmatch(r"\d+\.\d+\.\d+", tag), container["image"]


@needs_kubectl
def test_dev_points_at_the_in_namespace_postgres_and_rabbitmq():
    (secret,) = [d for d in render("dev") if d["kind"] == "Secret"
                 and d["metadata"]["name"].startswith("culture-secrets")]
    # Both steps generate the very same Secret.
    assert secret in render("dev/migrate")
    values = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert "@rabbitmq:5672" in values["AMQP_URI"]
    for service in SERVICES:
        assert values[f"{service.upper()}_DATABASE_URL"].startswith("postgresql+psycopg2://")
        assert f"@postgres:5432/{service}" in values[f"{service.upper()}_DATABASE_URL"]
    for step in ("dev", "dev/migrate"):  # the migrations need PostgreSQL first
        find(step, "Service", "postgres")
        find(step, "Service", "rabbitmq")
    assert main_container("dev", SERVICES[0])["image"] == f"{IMAGE}:dev"


@needs_kubectl
@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_an_autoscaler_owns_the_replicas_and_agrees_with_the_disruption_budget(overlay, service):
    deployment = find(overlay, "Deployment", service)
    # The HPA owns the count: an apply must not reset it.
    assert "replicas" not in deployment["spec"]
    hpa = find(overlay, "HorizontalPodAutoscaler", service)
    assert hpa["apiVersion"] == "autoscaling/v2"
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"], target["name"]) == ("apps/v1", "Deployment", service)
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == REPLICAS[overlay]
    (cpu,) = [m for m in hpa["spec"]["metrics"] if m["type"] == "Resource" and m["resource"]["name"] == "cpu"]
    assert cpu["resource"]["target"]["type"] == "Utilization"
    assert 0 < cpu["resource"]["target"]["averageUtilization"] <= 100
    # Utilization is measured against the CPU request of every container.
    for container in deployment["spec"]["template"]["spec"]["containers"]:
        assert container["resources"]["requests"]["cpu"], container["name"]
    assert hpa["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"] >= 60

    pdb = find(overlay, "PodDisruptionBudget", service)
    assert pdb["spec"]["selector"] == deployment["spec"]["selector"]
    assert pdb["spec"]["maxUnavailable"] == 1 and "minAvailable" not in pdb["spec"]
    if overlay == "production":
        # At the autoscaler's minimum a drain may evict one pod and another still serves.
        assert hpa["spec"]["minReplicas"] - pdb["spec"]["maxUnavailable"] >= 1


def _ports(rule: dict) -> set[tuple]:
    return {(p["port"], p.get("protocol", "TCP")) for p in rule.get("ports", [])}


def _assert_dns_rule(egress: list[dict]):
    (dns,) = [r for r in egress if _ports(r) == DNS]
    (peer,) = dns["to"]
    assert peer["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "kube-system"}
    assert peer["podSelector"]["matchLabels"] == {"k8s-app": "kube-dns"}


@needs_kubectl
@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_a_network_policy_allows_only_metrics_in_and_dns_broker_database_out(overlay, service):
    policy = find(overlay, "NetworkPolicy", service)
    template = find(overlay, "Deployment", service)["spec"]["template"]
    assert selects(policy["spec"]["podSelector"], template["metadata"]["labels"])
    assert sorted(policy["spec"]["policyTypes"]) == ["Egress", "Ingress"]
    # In: the metrics port only, from the monitoring namespace.
    assert policy["spec"]["ingress"], "no ingress rule: Prometheus could not scrape"
    for rule in policy["spec"]["ingress"]:
        assert _ports(rule) == {("metrics", "TCP")}, rule
        assert rule.get("from"), "ingress from anywhere"
    # Out: DNS, RabbitMQ, PostgreSQL and nothing else; every rule names its ports.
    egress = policy["spec"]["egress"]
    assert all(r.get("ports") for r in egress), "an egress rule open on every port"
    assert set().union(*map(_ports, egress)) == SERVICE_EGRESS
    _assert_dns_rule(egress)
    if overlay == "dev":  # narrowed to the in-namespace backing pods
        for port, backing in ((5672, "rabbitmq"), (5432, "postgres")):
            (rule,) = [r for r in egress if _ports(r) == {(port, "TCP")}]
            assert rule["to"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": backing}}}]


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_migration_pods_reach_only_dns_and_the_database(overlay):
    for step in (f"{overlay}/migrate", overlay):
        policy = find(step, "NetworkPolicy", "migrate")
        assert sorted(policy["spec"]["policyTypes"]) == ["Egress", "Ingress"]
        assert not policy["spec"].get("ingress")
        egress = policy["spec"]["egress"]
        assert all(r.get("ports") for r in egress)
        assert set().union(*map(_ports, egress)) == MIGRATION_EGRESS
        _assert_dns_rule(egress)
    for service in SERVICES:
        labels = job(overlay, service)["spec"]["template"]["metadata"]["labels"]
        assert selects(policy["spec"]["podSelector"], labels), service


@needs_kubectl
@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_spread_over_zones_and_nodes(overlay, service):
    template = find(overlay, "Deployment", service)["spec"]["template"]
    constraints = {c["topologyKey"]: c for c in template["spec"].get("topologySpreadConstraints", [])}
    for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname"):
        assert key in constraints, f"{service}: no spread over {key}"
        constraint = constraints[key]
        # A preference: a single-zone or single-node cluster still schedules every pod.
        assert constraint["whenUnsatisfiable"] == "ScheduleAnyway"
        assert constraint["maxSkew"] == 1
        assert selects(constraint["labelSelector"], template["metadata"]["labels"])


@needs_kubectl
def test_validate_script_checks_every_step_for_both_versions_and_passes():
    env = dict(os.environ)
    validator = Path(sys.executable).parent / "kubernetes-validate"  # the one of this test run
    if validator.exists():
        env["KUBERNETES_VALIDATE"] = str(validator)
    env["PYTHON"] = sys.executable
    env.pop("KUBE_VERSIONS", None)
    out = subprocess.run([str(DEPLOY / "validate.sh")], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"Kubernetes versions: 1.30 {NEWEST}" in out.stdout
    for overlay in OVERLAYS:
        assert f"ok: overlay {overlay}/migrate," in out.stdout
        assert f"ok: overlay {overlay}," in out.stdout
    assert "passed for resource ServiceMonitor/registry against CRD" in out.stdout


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
