#!/usr/bin/env bash
# Make sure the versitygw S3-compatible server is available and print the path
# of its binary (the only line on stdout; progress goes to stderr).
#
# The suite starts it on 127.0.0.1 to test Pulumi state in a bucket. It is built
# once from its Go module into the per-user cache
# ${XDG_CACHE_HOME:-$HOME/.cache}/modelarts-notebooks/versitygw-<v>/ and reused
# by every checkout; concurrent callers wait on a lock.
set -euo pipefail

# The one place the server version is pinned.
VERSITYGW_VERSION="1.8.0"

log() { printf 'ensure-versitygw: %s\n' "$*" >&2; }

prefix="${XDG_CACHE_HOME:-$HOME/.cache}/modelarts-notebooks/versitygw-$VERSITYGW_VERSION"
bin="$prefix/versitygw"
mkdir -p "$prefix"

cached_ok() { [ -x "$bin" ] && [ -f "$prefix/.built-ok" ]; }

if ! cached_ok; then
  command -v go >/dev/null 2>&1 || { log "no 'go' toolchain on PATH: cannot build versitygw"; exit 1; }
  exec 9>"$prefix/.build.lock"
  log "waiting for the build lock ..."
  flock 9
  if ! cached_ok; then
    start=$(date +%s)
    log "building versitygw v$VERSITYGW_VERSION into $prefix (first time only; about 80 s)"
    ( while sleep 20; do log "  still building ... $(( $(date +%s) - start ))s"; done ) &
    ticker=$!
    trap 'kill $ticker 2>/dev/null || true' EXIT
    GOBIN="$prefix" GOFLAGS="-mod=mod" GOTOOLCHAIN=local CGO_ENABLED=0 \
      go install -trimpath -ldflags "-s -w" \
      "github.com/versity/versitygw/cmd/versitygw@v$VERSITYGW_VERSION" >&2
    kill $ticker 2>/dev/null || true
    touch "$prefix/.built-ok"
    log "built versitygw v$VERSITYGW_VERSION in $(( $(date +%s) - start ))s"
  fi
  flock -u 9
fi
echo "$bin"
