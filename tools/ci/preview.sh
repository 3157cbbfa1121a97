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
# The project's rule (provider/files.py): a file this step did not write is never replaced unasked.
if [ -e "$output" ] || [ -L "$output" ]; then
  if [ "${PREVIEW_FORCE:-}" != "1" ]; then
    echo "ci: $output already exists and was not written by this command: left as it is, nothing written" \
      "(set PREVIEW_FORCE=1 to replace it)" >&2
    exit 2
  fi
fi
pulumi preview --diff --non-interactive --color never "${policy_args[@]}" 2>&1 | tee "$output"
