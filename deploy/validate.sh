#!/usr/bin/env bash
# Renders every overlay under deploy/overlays/ with `kubectl kustomize` and validates each
# rendered document offline (no cluster, no network) with kubernetes-validate in strict mode
# (unknown fields are errors) against each Kubernetes version in KUBE_VERSIONS. A document whose
# kind has no schema counts as a failure too (kubernetes-validate only warns about it).
#
#   deploy/validate.sh                  # every overlay
#   deploy/validate.sh dev              # only the named overlays
#   KUBE_VERSIONS="1.31 1.33" deploy/validate.sh
#
# Environment: KUBE_VERSIONS (default "1.30 1.37": the oldest and the newest we support),
# KUBECTL (default: kubectl on PATH), KUBERNETES_VALIDATE (default: the project's
# .venv/bin/kubernetes-validate, else the one on PATH).
set -euo pipefail

deploy_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(dirname "$deploy_dir")"
kube_versions="${KUBE_VERSIONS:-1.30 1.37}"
kubectl="${KUBECTL:-kubectl}"
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

if [[ $# -gt 0 ]]; then
    overlays=("$@")
else
    overlays=()
    for dir in "$deploy_dir"/overlays/*/; do
        overlays+=("$(basename "$dir")")
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
    rendered="$work/$overlay.yaml"
    echo "== overlay $overlay ($dir)"
    if ! "$kubectl" kustomize "$dir" >"$rendered" 2>"$work/$overlay.err"; then
        echo "FAIL: kubectl kustomize $dir" >&2
        cat "$work/$overlay.err" >&2
        failed=1
        continue
    fi
    # One line per resource and version: "INFO <file> passed for resource <kind>/<name> ...".
    set +e
    "$validator" --strict "${version_args[@]}" "$rendered" >"$work/$overlay.out" 2>&1
    rc=$?
    set -e
    sed "s|$rendered|$overlay|" "$work/$overlay.out"
    passed=$(grep -c '^INFO ' "$work/$overlay.out" || true)
    if [[ $rc -ne 0 ]] || grep -qvE '^INFO ' "$work/$overlay.out" || [[ $passed -eq 0 ]]; then
        echo "FAIL: overlay $overlay (exit $rc; any ERROR/WARN line above is a failure)" >&2
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
