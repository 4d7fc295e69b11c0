#!/usr/bin/env bash
# Renders every overlay under deploy/overlays/ (each step: dev/migrate, dev, production/migrate,
# production) with `kubectl kustomize` and validates each rendered document offline (no cluster,
# no network): the built-in kinds with kubernetes-validate in strict mode (unknown fields are
# errors) against each Kubernetes version in KUBE_VERSIONS, the custom resources (ServiceMonitor)
# against the CRD schemas pinned in deploy/schemas/ (validate_custom_resources.py). A document whose
# kind has no schema counts as a failure too (kubernetes-validate only warns about it).
#
#   deploy/validate.sh                      # every overlay
#   deploy/validate.sh dev production/migrate   # only the named ones
#   KUBE_VERSIONS="1.31 1.33" deploy/validate.sh
#
# Environment: KUBE_VERSIONS (default: 1.30, the oldest we support, and the newest the validator
# knows), KUBECTL (default: kubectl on PATH), KUBERNETES_VALIDATE (default: the project's
# .venv/bin/kubernetes-validate, else the one on PATH), PYTHON (default: the project's
# .venv/bin/python, else python3; needs PyYAML and jsonschema).
set -euo pipefail

deploy_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(dirname "$deploy_dir")"
kubectl="${KUBECTL:-kubectl}"
python="${PYTHON:-}"
if [[ -z "$python" ]]; then
    if [[ -x "$repo_dir/.venv/bin/python" ]]; then
        python="$repo_dir/.venv/bin/python"
    else
        python="python3"
    fi
fi
validator="${KUBERNETES_VALIDATE:-}"
if [[ -z "$validator" ]]; then
    if [[ -x "$repo_dir/.venv/bin/kubernetes-validate" ]]; then
        validator="$repo_dir/.venv/bin/kubernetes-validate"
    else
        validator="kubernetes-validate"
    fi
fi

command -v "$kubectl" >/dev/null || { echo "FAIL: $kubectl not found (needs kubectl with kustomize)" >&2; exit 2; }
command -v "$validator" >/dev/null || { echo "FAIL: $validator not found (pip install kubernetes-validate)" >&2; exit 2; }
command -v "$python" >/dev/null || { echo "FAIL: $python not found" >&2; exit 2; }

# The newest Kubernetes the validator has schemas for: its default version ("Defaults to 1.37.0").
newest="$("$validator" --help | tr -s ' \n' ' ' | sed -n 's/.*Defaults to \([0-9]*\.[0-9]*\).*/\1/p')"
[[ -n "$newest" ]] || { echo "FAIL: cannot read the default Kubernetes version from $validator --help" >&2; exit 2; }
kube_versions="${KUBE_VERSIONS:-1.30 $newest}"

if [[ $# -gt 0 ]]; then
    overlays=("$@")
else
    # Both steps of every overlay: <overlay>/migrate, then <overlay>.
    overlays=()
    for dir in "$deploy_dir"/overlays/*/; do
        name="$(basename "$dir")"
        [[ -f "$dir/migrate/kustomization.yaml" ]] && overlays+=("$name/migrate")
        overlays+=("$name")
    done
fi

version_args=()
for v in $kube_versions; do
    version_args+=(-k "$v")
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "kubernetes-validate $("$validator" --version), strict, Kubernetes versions: $kube_versions"
failed=0
for overlay in "${overlays[@]}"; do
    dir="$deploy_dir/overlays/$overlay"
    base="$work/${overlay//\//-}"
    rendered="$base.yaml"
    echo "== overlay $overlay ($dir)"
    if ! "$kubectl" kustomize "$dir" >"$rendered" 2>"$base.err"; then
        echo "FAIL: kubectl kustomize $dir" >&2
        cat "$base.err" >&2
        failed=1
        continue
    fi
    # One line per resource (and version): "INFO <file> passed for resource <kind>/<name> ...".
    # The custom resources first; the rest goes on to kubernetes-validate.
    set +e
    "$python" "$deploy_dir/schemas/validate_custom_resources.py" "$rendered" "$base.builtin.yaml" >"$base.out" 2>&1
    rc_crd=$?
    "$validator" --strict "${version_args[@]}" "$base.builtin.yaml" >>"$base.out" 2>&1
    rc=$?
    set -e
    sed "s|$base.builtin.yaml|$overlay|; s|$rendered|$overlay|" "$base.out"
    passed=$(grep -c '^INFO ' "$base.out" || true)
    if [[ $rc -ne 0 ]] || [[ $rc_crd -ne 0 ]] || grep -qvE '^INFO ' "$base.out" || [[ $passed -eq 0 ]]; then
        echo "FAIL: overlay $overlay (exit $rc_crd/$rc; any ERROR/WARN line above is a failure)" >&2
        failed=1
    else
        echo "ok: overlay $overlay, $passed resource checks passed"
    fi
done

if [[ $failed -ne 0 ]]; then
    echo "validate.sh: FAILED" >&2
    exit 1
fi
echo "validate.sh: all overlays valid (${overlays[*]})"
