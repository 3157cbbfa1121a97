# Sourced by the launchers: sets $python to the interpreter of the Pulumi
# project the engine started us for (the engine starts plugins with the project
# directory as working directory). No path is baked in: one cached copy of the
# launchers serves every checkout. Bash builtins only: every process the engine
# starts runs this, so a fork here is paid on every command.
#   1. PULUMI_RUNTIME_VIRTUALENV (the engine passes Pulumi.yaml's `virtualenv`
#      option to resource plugins; it may be relative to the project directory);
#   2. the `virtualenv` option of ./Pulumi.yaml (the language host gets no
#      variables from the engine, so it reads the file itself);
#   3. PULUMI_PYTHON_CMD, then python3.
venv="${PULUMI_RUNTIME_VIRTUALENV:-}"
if [ -z "$venv" ] && [ -f Pulumi.yaml ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    if [[ $line =~ ^[[:space:]]*virtualenv:[[:space:]]*(.*)$ ]]; then
      venv="${BASH_REMATCH[1]}"
      venv="${venv//[\"\'$'\r']/}"                # quotes and carriage returns
      venv="${venv%%#*}"                           # a trailing comment
      venv="${venv%"${venv##*[![:space:]]}"}"      # trailing blanks
      break
    fi
  done < Pulumi.yaml
fi
python=""
if [ -n "$venv" ]; then
  case "$venv" in /*) ;; *) venv="$PWD/$venv" ;; esac
  if [ -x "$venv/bin/python" ]; then
    python="$venv/bin/python"
  else
    echo "the project's virtualenv '$venv' has no bin/python; create it (make up does) or fix Pulumi.yaml" >&2
    exit 1
  fi
fi
[ -n "$python" ] || python="${PULUMI_PYTHON_CMD:-python3}"
