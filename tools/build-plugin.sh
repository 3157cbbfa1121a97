#!/usr/bin/env bash
# Build the provider plugin tarball pulumi-resource-modelarts-v<version>-<os>-<arch>.tar.gz
# into OUTDIR (default dist/): the launcher `pulumi-resource-modelarts` and a venv
# beside it with the wheel (tools/build-dist.sh) and its dependencies, pinned as
# requirements.txt pins them. Install it with
#   pulumi plugin install resource modelarts <version> --file <tarball>
# Prints the tarball's path (the only line on stdout).
#   tools/build-plugin.sh [OUTDIR] [PYTHON]
#
# What survives extraction to another folder: the launcher finds the venv beside
# itself; the venv's interpreter is a copy (the engine refuses to unpack links
# that point outside the plugin folder) that loads the base interpreter's library
# and standard library from where PYTHON's base install lives (`home` in
# pyvenv.cfg); the venv's own scripts, whose first lines name the build folder,
# are left out. On a machine without that interpreter the launcher falls back to
# a pythonX.Y of the same version on PATH (see tools/plugin/pulumi-resource-modelarts).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mkdir -p "${1:-$root/dist}" && cd "${1:-$root/dist}" && pwd)"
python="${2:-${PYTHON:-python3}}"
log() { printf 'build-plugin: %s\n' "$*" >&2; }
version="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$root/provider/__init__.py")"
case "$(uname -m)" in x86_64|amd64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;; *) arch="$(uname -m)" ;; esac
os="$(uname -s | tr '[:upper:]' '[:lower:]')"
tarball="$out/pulumi-resource-modelarts-v$version-$os-$arch.tar.gz"
pip() { "$python" -m pip --disable-pip-version-check --python "$1" "${@:2}"; }
# Byte code checked against a hash of its source, not its time stamp: unpacking gives every file
# a new time, and a plugin that compiled its packages on every start would start twice as slowly.
compile_checked() { "$1/bin/python" -m compileall -q -f --invalidation-mode checked-hash "${@:2}" >/dev/null; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$root/tools/build-dist.sh" "$work/wheel" "$python" >/dev/null 2>"$work/dist.log" || { cat "$work/dist.log" >&2; exit 1; }
wheel="$work/wheel/modelarts_notebooks-$version-py3-none-any.whl"

# The dependencies, installed once per set of pins and interpreter into the per-user cache
# (a venv of the base interpreter: made from a venv's python, it still names the base one).
key="$(cat "$root/requirements.txt" "$root/pyproject.toml" | sha256sum | cut -c1-12)"
key="$key-$("$python" -c 'import sys; print("py%d.%d.%d" % sys.version_info[:3])')"
deps="${XDG_CACHE_HOME:-$HOME/.cache}/modelarts-notebooks/plugin-deps-$key"
if [ ! -f "$deps/.installed" ]; then
  mkdir -p "$deps"
  exec 9>"$deps/.lock"
  flock 9
  if [ ! -f "$deps/.installed" ]; then
    log "installing the plugin's dependencies into $deps (once per set of pins)"
    rm -rf "$deps/venv"
    "$python" -m venv --copies --without-pip "$deps/venv" >&2
    pip "$deps/venv/bin/python" install --quiet -c "$root/requirements.txt" "$wheel" >&2
    pip "$deps/venv/bin/python" uninstall --quiet --yes modelarts-notebooks >&2
    find "$deps/venv/bin" -mindepth 1 ! -name 'python*' -delete
    compile_checked "$deps/venv" "$deps/venv/lib"
    touch "$deps/.installed"
  fi
  flock -u 9
fi

plugin="$work/plugin"
mkdir -p "$plugin"
cp -a "$deps/venv" "$plugin/venv"
pip "$plugin/venv/bin/python" install --quiet --no-deps "$wheel" >&2
site="$("$plugin/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
compile_checked "$plugin/venv" "$site/modelarts_notebooks" "$site/modelarts_emulator"
cp "$root/tools/plugin/pulumi-resource-modelarts" "$plugin/pulumi-resource-modelarts"
chmod +x "$plugin/pulumi-resource-modelarts"
tar -czf "$tarball.tmp" -C "$plugin" .
mv "$tarball.tmp" "$tarball"
echo "$tarball"
