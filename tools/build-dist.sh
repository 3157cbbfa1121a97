#!/usr/bin/env bash
# Build the sdist and wheel of modelarts-notebooks into OUTDIR (default dist/).
# The build runs on a copy of the tracked files, so it writes nothing into the
# checkout but OUTDIR (no build/, no *.egg-info beside the sources).
#   tools/build-dist.sh [OUTDIR] [PYTHON]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mkdir -p "${1:-$root/dist}" && cd "${1:-$root/dist}" && pwd)"
python="${2:-${PYTHON:-python3}}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git -C "$root" ls-files -z --cached --others --exclude-standard | \
  (cd "$root" && xargs -0 cp --parents -t "$work" 2>/dev/null || true)
"$python" -m build --outdir "$out" "$work" >&2
ls "$out"/modelarts_notebooks-* >&2
