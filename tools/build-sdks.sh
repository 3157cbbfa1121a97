#!/usr/bin/env bash
# Generate and build the modelarts package's SDKs into OUTDIR (default dist/sdk/):
#   schema.json                            the schema the plugin serves (GetSchema)
#   python/, pulumi_modelarts-<v>-py3-none-any.whl   the Python SDK and its wheel
#   nodejs/ (compiled to nodejs/bin/, the package as npm gets it, with tsc against @pulumi/pulumi from npm)
#   go/ (a module of its own, `go build` against the CLI's pinned sdk/v3)
# Each SDK comes from `pulumi package gen-sdk` where the language's host plugin can
# generate it (an official Pulumi install), else from `pulumi-sdkgen`, which runs the
# same generators of the CLI's Go module (tools/ensure-sdkgen.sh).
#   tools/build-sdks.sh [OUTDIR] [PYTHON]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mkdir -p "${1:-$root/dist/sdk}" && cd "${1:-$root/dist/sdk}" && pwd)"
python="${2:-${PYTHON:-python3}}"
log() { printf 'build-sdks: %s\n' "$*" >&2; }
# The newest @pulumi/pulumi npm serves; the Go SDK builds against the CLI's own sdk/v3.
NPM_PULUMI_VERSION="3.270.0"
TYPESCRIPT_VERSION="4.9.5"
cli_version="$(sed -n 's/^PULUMI_CLI_VERSION="\(.*\)"$/\1/p' "$root/tools/ensure-pulumi.sh")"
export PATH="$("$root/tools/ensure-pulumi.sh"):$PATH"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/modelarts-notebooks"

PYTHONPATH="$root" "$python" -c 'import sys
from provider import __version__
from provider.plugin.schema import schema_json
sys.stdout.write(schema_json(__version__))' > "$out/schema.json"
version="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$root/provider/__init__.py")"

sdkgen=""
for language in python nodejs go; do
  if ! pulumi package gen-sdk "$out/schema.json" --language "$language" --out "$out" >/dev/null 2>&1; then
    [ -n "$sdkgen" ] || sdkgen="$("$root/tools/ensure-sdkgen.sh")"
    log "$language: no language host with GeneratePackage here; generating with pulumi-sdkgen"
    "$sdkgen" -schema "$out/schema.json" -out "$out" -language "$language"
  fi
done

log "python: wheel"
rm -f "$out"/pulumi_modelarts-*.whl
"$python" -m pip wheel --quiet --disable-pip-version-check --no-deps "$out/python" -w "$out" >&2

# Node modules for compiling (@pulumi/pulumi, typescript), installed once per version into the cache.
node_deps="$cache_root/npm-pulumi-$NPM_PULUMI_VERSION-ts-$TYPESCRIPT_VERSION"
if [ ! -f "$node_deps/.installed" ]; then
  mkdir -p "$node_deps"
  exec 9>"$node_deps/.lock"
  flock 9
  if [ ! -f "$node_deps/.installed" ]; then
    log "nodejs: installing @pulumi/pulumi@$NPM_PULUMI_VERSION and typescript@$TYPESCRIPT_VERSION from npm (first time only)"
    npm install --prefix "$node_deps" --no-audit --no-fund --loglevel=error \
      "@pulumi/pulumi@$NPM_PULUMI_VERSION" "typescript@$TYPESCRIPT_VERSION" "@types/node@20" >&2
    touch "$node_deps/.installed"
  fi
  flock -u 9
fi
log "nodejs: tsc"
rm -rf "$out/nodejs/node_modules" "$out/nodejs/bin"
ln -s "$node_deps/node_modules" "$out/nodejs/node_modules"
(cd "$out/nodejs" && node node_modules/typescript/bin/tsc -p tsconfig.json >&2)
# bin/ is the package as npm gets it: the SDK reads its version from its own package.json.
cp "$out/nodejs/package.json" "$out/nodejs/README.md" "$out/nodejs/bin/"

log "go: go build"
cat > "$out/go/go.mod" <<GOMOD
module modelarts-notebooks/sdk/go

go 1.22

require github.com/pulumi/pulumi/sdk/v3 v$cli_version
GOMOD
# -mod=mod adds what the imports need from sdk/v3's module graph (no test dependencies, unlike tidy).
(cd "$out/go" && GOFLAGS="-mod=mod" GOTOOLCHAIN=local go build ./... >&2)
log "SDKs of modelarts $version in $out"
