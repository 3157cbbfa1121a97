#!/usr/bin/env bash
# Prints the path of a venv for Python X.Y with this checkout's pinned packages,
# creating it on first use under a cache shared by every checkout of the project
# (keyed by the requirement files, so a change of pins makes a new one).
#   tools/ensure-pyvenv.sh 3.10
# The interpreter is a pyenv install or pythonX.Y on PATH; exit 3 when neither exists.
set -euo pipefail
version="$1"
root="$(cd "$(dirname "$0")/.." && pwd)"
# A pyenv install first: pyenv's shims are on PATH but fail for a version not selected.
python="$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin/python"$version" 2>/dev/null | sort -V | tail -n1 || true)"
if [ -z "$python" ]; then
  python="$(command -v "python$version" || true)"
fi
if [ -z "$python" ] || ! "$python" -c "" 2>/dev/null; then
  echo "no Python $version interpreter (pythonX.Y on PATH or pyenv)" >&2
  exit 3
fi
key="$(cat "$root/requirements.txt" "$root/requirements-dev.txt" | sha256sum | cut -c1-12)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/modelarts-notebooks/pyvenvs"
venv="$cache/py$version-$key"
mkdir -p "$cache"
exec 9>"$cache/.lock-$version"
flock 9
if [ ! -f "$venv/.installed" ]; then
  rm -rf "$venv"
  "$python" -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$root/requirements.txt" -r "$root/requirements-dev.txt" >&2
  touch "$venv/.installed"
fi
echo "$venv"
