#!/usr/bin/env bash
# Make sure `pulumi-sdkgen` (tools/sdkgen) is built and print its path (the only line on stdout).
#
# It runs the SDK generators of the Pulumi CLI's Go module at the CLI's pinned
# version: `pulumi package gen-sdk` hands that work to each language's host
# plugin, and where those hosts cannot be built from the Go module proxy
# (Python, Node.js, Go) this is how the SDKs are generated. Built once per
# version of tools/sdkgen/main.go into the per-user cache, like the CLI.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf 'ensure-sdkgen: %s\n' "$*" >&2; }
version="$(sed -n 's/^PULUMI_CLI_VERSION="\(.*\)"$/\1/p' "$here/ensure-pulumi.sh")"
key="$(sha256sum "$here/sdkgen/main.go" | cut -c1-12)"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/modelarts-notebooks"
dir="$cache_root/sdkgen-$version-$key"
bin="$dir/pulumi-sdkgen"
if [ ! -x "$bin" ]; then
  command -v go >/dev/null 2>&1 || { log "no 'go' toolchain on PATH: cannot build pulumi-sdkgen"; exit 1; }
  mkdir -p "$dir"
  exec 9>"$dir/.build.lock"
  flock 9
  if [ ! -x "$bin" ]; then
    start=$(date +%s)
    work="$dir/build"
    rm -rf "$work"; mkdir -p "$work"; cd "$work"
    log "building pulumi-sdkgen with the codegen of pkg v$version (first time only)"
    export GOFLAGS="-mod=mod" GOTOOLCHAIN=local
    go mod init modelarts-notebooks/sdkgen >/dev/null 2>&1
    # The same non-local replace the CLI build repeats from pkg/v3's go.mod.
    go mod edit -replace github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e
    cp "$here/sdkgen/main.go" .
    go get "github.com/pulumi/pulumi/pkg/v3@v$version" "github.com/pulumi/pulumi/sdk/v3@v$version" >&2
    CGO_ENABLED=0 go build -trimpath -tags osusergo,grpcnotrace -ldflags "-s -w" -o "$bin.tmp" . >&2
    mv "$bin.tmp" "$bin"
    cd "$here"; rm -rf "$work"
    log "built pulumi-sdkgen in $(( $(date +%s) - start ))s"
  fi
  flock -u 9
fi
echo "$bin"
