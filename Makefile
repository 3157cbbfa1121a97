# make up    - the quickstart: example stack up against the local emulator
#              (make up RUNNING=false stops the notebook, RUNNING=true starts it)
# make test  - the whole test suite (unit, emulator, provider, real engine)
# make test-fast - everything but the real engine and the packaging (the inner loop)
# make test-matrix - every engine scenario under every reading of the service
# make check - lint (ruff) and type checks (mypy), configured in pyproject.toml
# make down  - destroy the example stack and stop the emulator
# make soak  - the on-demand fault-injection soak test
# make chaos - the on-demand chaos soak: runners killed at random moments (ROUNDS=30, SEED=n replays a run)
# make bench - each command's overhead beyond its transitions and where it goes, beside the engine floor
#              (docs/benchmarks.md, bench/results/<commit>.json; BENCH_RELEASE=x.y.z records a release);
#              make bench-quick - the same, one run at N=1, printed only; make bench-fleet - fleets of 1-30
#              notebooks (docs/bench-fleet.md); make bench-policy - the policy pack's cost alone;
#              make bench-plugin - the provider plugin against the dynamic resource, and its 30-notebook flip
# make dist  - sdist and wheel of modelarts-notebooks into dist/
# make acceptance - the lifecycle on a real account (OS_* variables; skipped without); make sweep - its leftovers
# make plugin - the provider plugin tarball dist/pulumi-resource-modelarts-v<version>-linux-amd64.tar.gz
# make sdks  - the plugin's Python, TypeScript and Go SDKs, generated from its schema and built, into dist/sdk/

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := up

PYTHON ?= python3
VENV := venv
PY := $(VENV)/bin/python
STACK ?= dev
ROUNDS ?= 30
EMULATOR_PORT ?= 8443
EMULATOR_URL := http://127.0.0.1:$(EMULATOR_PORT)

# Local engine settings: state in a file backend under the checkout, a private
# PULUMI_HOME, no update checks or plugin downloads (there is no network).
export PULUMI_HOME := $(CURDIR)/.pulumi-home
export PULUMI_BACKEND_URL := file://$(CURDIR)/.pulumi-state
export PULUMI_CONFIG_PASSPHRASE ?= modelarts-notebooks-local
export PULUMI_SKIP_UPDATE_CHECK := true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION := true

# Puts the Pulumi CLI (an official install, or the cached build) first on PATH.
WITH_PULUMI = export PATH="$$(tools/ensure-pulumi.sh):$$PATH";

.PHONY: up down test test-fast test-matrix check soak chaos bench bench-quick bench-fleet bench-policy bench-backends bench-plugin dist plugin sdks venv pulumi emulator-start emulator-stop policy-venv stack-file acceptance sweep

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

# The policy pack's own venv: pulumi-policy pins protobuf 5.x, the project runs 6.x.
policy/venv/.installed: policy/requirements.txt
	$(PYTHON) -m venv policy/venv
	policy/venv/bin/python -m pip install --quiet --disable-pip-version-check -r policy/requirements.txt
	touch $@

policy-venv: policy/venv/.installed

pulumi:
	@tools/ensure-pulumi.sh >/dev/null

emulator-start: venv
	$(PY) tools/emulator_ctl.py start --port $(EMULATOR_PORT)

emulator-stop:
	@if [ -x $(PY) ]; then $(PY) tools/emulator_ctl.py stop; fi

# `make up` writes Pulumi.$(STACK).yaml: never into one it did not make (FORCE=1 to do it anyway).
stack-file: venv
	@$(PY) -m provider.files check Pulumi.$(STACK).yaml --owned-if-contains 'modelarts:endpoint: http://127.0.0.1:' \
	  --flag FORCE=1 --prog make $(if $(FORCE),--force)

up: venv stack-file pulumi emulator-start
	@$(WITH_PULUMI) mkdir -p .pulumi-state; \
	pulumi stack select $(STACK) --create --non-interactive >/dev/null; \
	pulumi config set modelarts:endpoint $(EMULATOR_URL); \
	pulumi config set modelarts:authUrl $(EMULATOR_URL)/v3; \
	pulumi config set modelarts:region eu-de; \
	pulumi config set modelarts:projectId 0123456789abcdef0123456789abcdef; \
	pulumi config set modelarts:accessKey emulator-ak; \
	pulumi config set --secret modelarts:secretKey emulator-sk; \
	if [ -n "$(RUNNING)" ]; then pulumi config set running $(RUNNING); fi; \
	pulumi up --yes --non-interactive --refresh; \
	echo; echo "Stack outputs:"; pulumi stack output --json

down:
	@if [ -d .pulumi-state ]; then $(WITH_PULUMI) \
	  pulumi stack select $(STACK) --non-interactive >/dev/null 2>&1 && \
	  pulumi destroy --yes --non-interactive --skip-preview || true; fi
	@$(MAKE) --no-print-directory emulator-stop

# One worker more than there are cores, since engine scenarios spend part of their time waiting on
# processes (TEST_WORKERS=0 runs in this process); a test file's tests stay on one worker, so its module
# fixtures are made once.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
test: venv policy-venv pulumi
	@$(WITH_PULUMI) $(PY) -m pytest tests -q -p no:cacheprovider --durations=25 -n $(TEST_WORKERS) --dist loadfile

test-fast: venv
	@$(PY) -m pytest tests -q -p no:cacheprovider -m "not engine and not packaging and not soak" --durations=10

# Engine scenarios run under one reading in `make test` (provider-method tests prove each reading);
# here every engine scenario runs under every reading.
test-matrix: venv policy-venv pulumi
	@$(WITH_PULUMI) MODELARTS_TEST_READINGS=all $(PY) -m pytest tests/engine -q -p no:cacheprovider --durations=25

# The policy pack is type-checked against its own venv, where pulumi-policy is installed.
check: venv policy-venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy --python-executable policy/venv/bin/python policy

# 30 notebooks through up, flips and destroy under 20% transient faults, 3 rounds.
soak: venv pulumi
	@$(WITH_PULUMI) $(PY) -m pytest tests/engine/test_soak.py -m soak -q -s -p no:cacheprovider

# A 10-notebook stack on the strict reading with lost answers: each round kills a random operation
# at a random moment, recovers as a user would and checks service, state and output (docs/chaos.md).
chaos: venv pulumi
	@$(WITH_PULUMI) $(PY) tools/chaos.py --rounds $(ROUNDS) $(if $(SEED),--seed $(SEED))

bench: venv pulumi
	@$(WITH_PULUMI) $(PY) bench/overhead.py

bench-quick: venv pulumi
	@$(WITH_PULUMI) $(PY) bench/overhead.py --sizes 1 --runs 1 --no-write

bench-fleet: venv policy-venv pulumi
	@$(WITH_PULUMI) $(PY) bench/run.py

bench-policy: venv policy-venv pulumi
	@$(WITH_PULUMI) $(PY) bench/policy.py

bench-backends: venv pulumi
	@$(WITH_PULUMI) $(PY) bench/backends.py

# On the account in the OS_* variables (docs/acceptance.md); no Pulumi CLI needed.
acceptance: venv
	@$(PY) tools/acceptance.py

sweep: venv
	@$(PY) tools/sweep.py

bench-plugin: venv pulumi
	@$(WITH_PULUMI) $(PY) bench/plugin.py

# The sdist and wheel, built from a copy of the tracked files.
dist: venv
	@tools/build-dist.sh dist $(PY)

# The provider plugin for every Pulumi language: a launcher and a venv of its own, in one tarball
# (`pulumi plugin install resource modelarts <version> --file <tarball>`; see docs/plugin.md).
plugin: venv
	@tools/build-plugin.sh dist $(PY)

sdks: venv pulumi
	@tools/build-sdks.sh dist/sdk $(PY)
