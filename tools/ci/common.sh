# Sourced by preview.sh and deploy.sh: what both pipeline steps share.
#   PULUMI_STACK         the stack (required)
#   PROJECT_DIR          the Pulumi project directory (default: the current directory)
#   POLICY_PACK          the policy pack directory (default: this checkout's policy/; "none" for no pack)
#   POLICY_PACK_CONFIG   optional JSON file for --policy-pack-config (limits, enforcement levels)
#   CI_SKIP_SETUP=1      skip `make venv policy-venv` (when the job has set the venvs up already)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${PULUMI_STACK:?set PULUMI_STACK to the stack to preview or deploy}"
project_dir="${PROJECT_DIR:-.}"
policy_pack="${POLICY_PACK:-$repo/policy}"

if [ "${CI_SKIP_SETUP:-}" != "1" ]; then
  make -C "$repo" --no-print-directory -s venv policy-venv
fi
export PYTHONPATH="$repo${PYTHONPATH:+:$PYTHONPATH}"

# The credentials for this step, as the provider reads them (never stack config).
use_credentials() {  # use_credentials ACCESS_KEY_VARIABLE SECRET_KEY_VARIABLE
  local ak="${!1:-}" sk="${!2:-}"
  if [ -z "$ak" ] || [ -z "$sk" ]; then
    echo "ci: $1 and $2 must be set for this step" >&2
    exit 2
  fi
  export OS_ACCESS_KEY="$ak" OS_SECRET_KEY="$sk"
}

policy_args=()
if [ "$policy_pack" != "none" ]; then
  policy_args=(--policy-pack "$policy_pack")
  if [ -n "${POLICY_PACK_CONFIG:-}" ]; then
    policy_args+=(--policy-pack-config "$POLICY_PACK_CONFIG")
  fi
fi

cd "$project_dir"
pulumi stack select "$PULUMI_STACK" --non-interactive
