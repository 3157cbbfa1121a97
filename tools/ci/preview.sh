#!/usr/bin/env bash
# The pull-request step: `pulumi preview --diff` with the policy pack, on read-only
# credentials (a preview only reads). The output also goes to PREVIEW_OUTPUT
# (default preview.txt in the project directory) for the pull-request comment;
# a file already there is left alone (the step fails) unless PREVIEW_FORCE=1.
#   OTC_READONLY_ACCESS_KEY, OTC_READONLY_SECRET_KEY   IAM user allowed only ModelArts get/list
# Other settings: see common.sh.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
use_credentials OTC_READONLY_ACCESS_KEY OTC_READONLY_SECRET_KEY
output="${PREVIEW_OUTPUT:-preview.txt}"
force=()
if [ "${PREVIEW_FORCE:-}" = "1" ]; then force=(--force); fi
"$python" -m provider.files check "$output" --flag PREVIEW_FORCE=1 --prog ci "${force[@]}"
pulumi preview --diff --non-interactive --color never "${policy_args[@]}" 2>&1 | tee "$output"
