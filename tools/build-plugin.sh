#!/usr/bin/env bash
# Build the provider plugin tarball pulumi-resource-modelarts-v<version>-<os>-<arch>.tar.gz
# into OUTDIR (default dist/): the launcher `pulumi-resource-modelarts` and a venv
# beside it with the wheel (tools/build-dist.sh) and its dependencies, pinned as
# requirements.txt pins them. Install it with
#   pulumi plugin install resource modelarts <version> --file <tarball>
# Prints the tarball's path (the only line on stdout).
#   tools/build-plugin.sh [OUTDIR] [PYTHON]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mkdir -p "${1:-$root/dist}" && cd "${1:-$root/dist}" && pwd)"
python="${2:-${PYTHON:-python3}}"
version="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$root/provider/__init__.py")"
case "$(uname -m)" in x86_64|amd64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;; *) arch="$(uname -m)" ;; esac
os="$(uname -s | tr '[:upper:]' '[:lower:]')"
tarball="$out/pulumi-resource-modelarts-v$version-$os-$arch.tar.gz"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$root/tools/build-dist.sh" "$work/wheel" "$python" >/dev/null 2>&1 || "$root/tools/build-dist.sh" "$work/wheel" "$python" >&2
plugin="$work/plugin"
mkdir -p "$plugin"
# A venv of the base interpreter (made from a venv's python, it still names the base one), its
# interpreter copied in: the engine refuses to unpack links that point outside the plugin folder.
"$python" -m venv --copies "$plugin/venv" >&2
"$plugin/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  -c "$root/requirements.txt" "$work/wheel"/modelarts_notebooks-"$version"-py3-none-any.whl >&2
# The plugin needs neither pip nor setuptools at run time.
"$plugin/venv/bin/python" -m pip uninstall --quiet --yes pip setuptools >&2 2>/dev/null || true
rm -f "$plugin/venv/bin/activate"* "$plugin/venv/bin/pip"*
cp "$root/tools/plugin/pulumi-resource-modelarts" "$plugin/pulumi-resource-modelarts"
chmod +x "$plugin/pulumi-resource-modelarts"
tar -czf "$tarball.tmp" -C "$plugin" .
mv "$tarball.tmp" "$tarball"
echo "$tarball"
