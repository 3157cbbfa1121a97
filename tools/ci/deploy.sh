#!/usr/bin/env bash
# The main-branch (and scheduled) step: `pulumi up` with the policy pack, then the
# stack's outputs. --refresh first reads every notebook back, so a notebook stopped
# in the console or by auto-stop is seen and put back to its declared state.
#   OTC_ACCESS_KEY, OTC_SECRET_KEY   the deploying IAM user (ModelArts read and write)
# Other settings: see common.sh.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
use_credentials OTC_ACCESS_KEY OTC_SECRET_KEY
pulumi up --yes --non-interactive --refresh --diff --color never "${policy_args[@]}"
pulumi stack output --json
