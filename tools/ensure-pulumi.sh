#!/usr/bin/env bash
# Make sure a Pulumi CLI with a Python language host is available and print the
# directory that holds it (the only line on stdout; progress goes to stderr).
#
# Order of preference:
#   1. an official install: `pulumi` on PATH, version >= the pinned one, with
#      `pulumi-language-python` beside it or on PATH;
#   2. the per-user cache ${XDG_CACHE_HOME:-$HOME/.cache}/modelarts-notebooks/pulumi-<v>/bin,
#      built once from the CLI's Go modules and reused by every checkout, with the
#      YAML language host `pulumi-language-yaml` built from its own Go module beside it.
# For the cache, the two launchers the engine needs for a Python program with
# dynamic resources are (re)written beside the binary on every run, so a
# checkout's newer language host reaches the cache without a rebuild.
set -euo pipefail

# The one place the CLI version is pinned (the SDK is pinned in requirements.txt).
PULUMI_CLI_VERSION="3.274.1"
# The YAML language host (programs written in Pulumi YAML, served by the provider plugin).
PULUMI_YAML_VERSION="1.25.0"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf 'ensure-pulumi: %s\n' "$*" >&2; }

version_at_least() {  # version_at_least HAVE WANT  (both without a leading v)
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

official_install() {
  local cli dir have
  cli="$(command -v pulumi 2>/dev/null)" || return 1
  dir="$(dirname "$(readlink -f "$cli")")"
  case "$dir" in "$cache_root"/*) return 1 ;; esac   # our own cache is handled below
  have="$(pulumi version 2>/dev/null | sed 's/^v//')" || return 1
  version_at_least "$have" "$PULUMI_CLI_VERSION" || { log "ignoring pulumi $have on PATH (older than $PULUMI_CLI_VERSION)"; return 1; }
  if [ -x "$dir/pulumi-language-python" ] || command -v pulumi-language-python >/dev/null 2>&1; then
    echo "$dir"; return 0
  fi
  log "ignoring pulumi $have on PATH: no pulumi-language-python beside it"
  return 1
}

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/modelarts-notebooks"
if [ "${MODELARTS_NOTEBOOKS_USE_CACHE_ONLY:-}" != "1" ] && official_install; then
  exit 0   # an official install ships its own pulumi-language-yaml
fi

prefix="$cache_root/pulumi-$PULUMI_CLI_VERSION"
bin="$prefix/bin"
mkdir -p "$bin"

cached_ok() {
  [ -x "$bin/pulumi" ] && [ -f "$bin/.built-ok" ] && \
    [ "$("$bin/pulumi" version 2>/dev/null)" = "v$PULUMI_CLI_VERSION" ]
}

if ! cached_ok; then
  command -v go >/dev/null 2>&1 || { log "no 'go' toolchain on PATH: cannot build the Pulumi CLI"; exit 1; }
  # One builder at a time (parallel test runs, make up and make test together).
  exec 9>"$prefix/.build.lock"
  log "waiting for the build lock ..."
  flock 9
  if ! cached_ok; then
    start=$(date +%s)
    work="$prefix/build"
    rm -rf "$work"; mkdir -p "$work"; cd "$work"
    log "building Pulumi CLI v$PULUMI_CLI_VERSION from its Go modules into $bin (first time only; several minutes)"
    export GOFLAGS="-mod=mod" GOTOOLCHAIN=local
    go mod init modelarts-notebooks/pulumi-cli-build >/dev/null 2>&1
    # pkg/v3's go.mod has one replace that is not a local path; a wrapper module must repeat it.
    go mod edit -replace github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e
    printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"\n' > tools.go
    log "[1/2] downloading modules ..."
    go get "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_CLI_VERSION" "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_CLI_VERSION" >&2
    log "[2/2] compiling (about 5 minutes on 2 cores) ..."
    ( while sleep 30; do log "  still compiling ... $(( $(date +%s) - start ))s"; done ) &
    ticker=$!
    trap 'kill $ticker 2>/dev/null || true' EXIT
    CGO_ENABLED=0 go build -trimpath -tags osusergo,grpcnotrace \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_CLI_VERSION" \
      -o "$bin/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2
    kill $ticker 2>/dev/null || true
    mv "$bin/pulumi.tmp" "$bin/pulumi"
    touch "$bin/.built-ok"
    cd "$here"; rm -rf "$work"
    log "built $("$bin/pulumi" version) in $(( $(date +%s) - start ))s"
  fi
  flock -u 9
fi

# The YAML language host, a real file beside the CLI (a symlink makes the CLI warn on
# every run). `go install` builds it with its own go.mod (it pins its own pkg version).
yaml_ok() {
  [ -x "$bin/pulumi-language-yaml" ] && [ "$(cat "$bin/.yaml-built-ok" 2>/dev/null)" = "$PULUMI_YAML_VERSION" ]
}
if ! yaml_ok; then
  command -v go >/dev/null 2>&1 || { log "no 'go' toolchain on PATH: cannot build pulumi-language-yaml"; exit 1; }
  exec 9>"$prefix/.build.lock"
  log "waiting for the build lock ..."
  flock 9
  if ! yaml_ok; then
    start=$(date +%s)
    gobin="$prefix/yaml-build"
    rm -rf "$gobin"; mkdir -p "$gobin"
    log "building pulumi-language-yaml v$PULUMI_YAML_VERSION from its Go module into $bin (first time only; about 2 minutes)"
    GOBIN="$gobin" GOFLAGS="-mod=mod" GOTOOLCHAIN=local CGO_ENABLED=0 \
      go install -trimpath -ldflags "-s -w" "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@v$PULUMI_YAML_VERSION" >&2
    mv "$gobin/pulumi-language-yaml" "$bin/pulumi-language-yaml"
    rm -rf "$gobin"
    echo "$PULUMI_YAML_VERSION" > "$bin/.yaml-built-ok"
    log "built pulumi-language-yaml in $(( $(date +%s) - start ))s"
  fi
  flock -u 9
fi

# Launchers: they resolve the project's interpreter at start, never a baked-in path.
install_if_changed() {  # install_if_changed SRC DEST
  if ! cmp -s "$1" "$2" 2>/dev/null; then cp "$1" "$2.tmp.$$" && chmod +x "$2.tmp.$$" && mv "$2.tmp.$$" "$2"; fi
}
install_if_changed "$here/launchers/pulumi-resource-pulumi-python" "$bin/pulumi-resource-pulumi-python"
install_if_changed "$here/launchers/pulumi-language-python" "$bin/pulumi-language-python"
install_if_changed "$here/launchers/find_python.sh" "$bin/find_python.sh"
install_if_changed "$here/language_host.py" "$bin/language_host.py"
install_if_changed "$here/language_runtime.py" "$bin/language_runtime.py"
install_if_changed "$here/plugin_runner.py" "$bin/plugin_runner.py"
# The trace module the language host records its timings with (off unless MODELARTS_NOTEBOOKS_TRACE is set).
install_if_changed "$here/../provider/core/trace.py" "$bin/modelarts_trace.py"
echo "$bin"
