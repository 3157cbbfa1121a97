"""Bad input on the real engine: every invalid program fails at `pulumi preview` with
a clean message naming the field and what is allowed, sends nothing that changes
anything, and leaves the stack's existing notebook as it was.

The engine stops a preview at the first resource whose `check` fails, but reports
every failure of that resource (a test below pins that). So the table's cases are
packed into a few bad notebooks, each breaking several *different* fields at once,
and each case's own message must appear on its own property of its own resource.
A stack with a good notebook is brought up first. Every bad program is previewed
beside it from a configuration file of its own (`pulumi preview --config-file`,
so the stack's configuration is never edited), several previews at a time since
previews only read; no mutating call may reach the emulator meanwhile, and after
all of them the emulator's inventory and the stack's state must be as they were.

Configuration mistakes get one preview each, and three rejections only the service
can make (quota, a sold-out flavor, the one free CodeLab) come back from `pulumi up`
as readable errors carrying the service's error_code and error_msg.
"""

from __future__ import annotations

import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest
import yaml

from testkit.emulators import DOMAIN, PASSWORD, PROJECT_ID, SECRET_KEY, USERNAME, Emulator
from testkit.projects import PulumiProject, Result, notebook_spec

pytestmark = pytest.mark.engine

DESCRIPTION_RULE = "must not contain any of & < > \" ' /"
NAME_RULE = "1-128 characters from A-Z a-z 0-9 _ -"
ENDPOINT_FIELDS = "service, key_pair_names, allowed_access_ips"
PUBLIC_RULE = "public IPv4/IPv6 address or CIDR block"


@dataclass(frozen=True)
class Case:
    """One invalid input: how it breaks a good notebook, and what the engine must print."""

    id: str
    slot: str  # the input it breaks; cases whose slots nest cannot share a notebook
    patch: dict[str, Any]  # deep-merged into a good notebook's inputs
    field: str  # the property the failure is reported on
    says: tuple[str, ...]  # every one must be in the reason
    kind: str = "schema"  # "catalogue" lookups only run once the schema is valid


def ip_case(case_id: str, ips: list[str], *says: str) -> Case:
    endpoint = {"service": "SSH", "key_pair_names": ["team-key"], "allowed_access_ips": ips}
    return Case(case_id, "endpoints", {"endpoints": [endpoint]}, "endpoints.0.allowed_access_ips", says)


def obs(path: str, uri: str = "obs://team-bucket/datasets/") -> dict[str, str]:
    return {"uri": uri, "mount_path": path}


CASES: list[Case] = [
    # wrong types
    Case("capacity-string", "volume.capacity", {"volume": {"capacity": "10"}}, "volume.capacity",
         ("whole number of GB", "'10'")),
    Case("capacity-fraction", "volume.capacity", {"volume": {"capacity": 5.5}}, "volume.capacity",
         ("whole number of GB", "5.5")),
    Case("running-string", "running", {"running": "yes"}, "running", ("true or false", "'yes'")),
    Case("volume-string", "volume", {"volume": "EVS-50GB"}, "volume",
         ("must be an object", "category, ownership, capacity, uri, id", "'EVS-50GB'")),
    Case("endpoints-dict", "endpoints", {"endpoints": {"service": "SSH"}}, "endpoints",
         ("must be a list", ENDPOINT_FIELDS)),
    Case("name-number", "name", {"name": 42}, "name", ("must be a string", "42")),
    Case("allow-restart-string", "allow_restart", {"allow_restart": "no"}, "allow_restart", ("true or false",)),
    # names
    Case("name-space", "name", {"name": "team notebook"}, "name", (NAME_RULE, "'team notebook'")),
    Case("name-punctuation", "name", {"name": "nb;rm-rf"}, "name", (NAME_RULE,)),
    Case("name-empty", "name", {"name": ""}, "name", (NAME_RULE, "got ''")),
    Case("name-129-chars", "name", {"name": "n" * 129}, "name", (NAME_RULE,)),
    Case("name-non-ascii", "name", {"name": "notebook-für-anna"}, "name", (NAME_RULE,)),
    # descriptions
    *[
        Case(f"description-{label}", "description", {"description": f"a {char} b"}, "description",
             (DESCRIPTION_RULE, f"found {char}"))
        for label, char in [("ampersand", "&"), ("less-than", "<"), ("greater-than", ">"), ("double-quote", '"'),
                            ("single-quote", "'"), ("slash", "/")]
    ],
    Case("description-483-chars", "description", {"description": "d" * 483}, "description",
         ("at most 482 characters", "got 483")),
    # storage
    Case("capacity-0", "volume", {"volume": {"capacity": 0}}, "volume", ("5..4096 GB", "got 0")),
    Case("capacity-4", "volume", {"volume": {"capacity": 4}}, "volume", ("5..4096 GB", "got 4")),
    Case("capacity-4097", "volume", {"volume": {"capacity": 4097}}, "volume", ("5..4096 GB", "got 4097")),
    Case("volume-category", "volume.category", {"volume": {"category": "TAPE"}}, "volume.category",
         ("'EVS', 'EFS' or 'SFS'", "'TAPE'")),
    Case("volume-ownership", "volume.ownership", {"volume": {"ownership": "SHARED"}}, "volume.ownership",
         ("'MANAGED' or 'DEDICATED'", "'SHARED'")),
    Case("dedicated-evs", "volume", {"volume": {"ownership": "DEDICATED"}}, "volume",
         ("DEDICATED is only allowed with category EFS",)),
    Case("dedicated-efs-without-share", "volume", {"volume": {"category": "EFS", "ownership": "DEDICATED"}}, "volume",
         ("DEDICATED needs", "uri and id")),
    Case("volume-unknown-field", "volume.size", {"volume": {"size": 50}}, "volume.size",
         ("unknown field 'size'", "category, ownership, capacity, uri, id")),
    # endpoints
    ip_case("six-allowed-ips", [f"80.158.1.{i}" for i in range(1, 7)], "at most 5 entries", "got 6"),
    ip_case("ip-malformed", ["300.1.2.3"], "'300.1.2.3' is not an IP address or CIDR block", PUBLIC_RULE),
    ip_case("ip-private-10", ["10.1.2.3"], "'10.1.2.3' is not a public address", PUBLIC_RULE),
    ip_case("ip-private-192-168", ["192.168.0.10"], "'192.168.0.10' is not a public address", PUBLIC_RULE),
    ip_case("ip-loopback", ["127.0.0.1"], "'127.0.0.1' is not a public address", PUBLIC_RULE),
    ip_case("ip-everyone", ["0.0.0.0/0"], "'0.0.0.0/0' is not a public address", PUBLIC_RULE),
    Case("endpoint-service", "endpoints", {"endpoints": [{"service": "RDP"}]}, "endpoints.0.service",
         ("'NOTEBOOK' or 'SSH'", "'RDP'")),
    Case("endpoint-unknown-field", "endpoints", {"endpoints": [{"service": "SSH", "port": 22}]}, "endpoints.0.port",
         ("unknown field 'port'", ENDPOINT_FIELDS)),
    # auto-stop
    Case("auto-stop-under-1h", "auto_stop.duration", {"auto_stop": {"duration": 60_000}}, "auto_stop.duration",
         ("3600000..86400000 milliseconds", "got 60000")),
    Case("auto-stop-over-24h", "auto_stop.duration", {"auto_stop": {"duration": 90_000_000}}, "auto_stop.duration",
         ("3600000..86400000 milliseconds", "got 90000000")),
    Case("auto-stop-fraction", "auto_stop.duration", {"auto_stop": {"duration": 3_600_000.5}}, "auto_stop.duration",
         ("whole number of milliseconds", "3600000.5")),
    Case("auto-stop-type", "auto_stop.type", {"auto_stop": {"type": "weekly"}}, "auto_stop.type",
         ("'timing' or 'idle'", "'weekly'")),
    Case("auto-stop-enabled-string", "auto_stop.enabled", {"auto_stop": {"enabled": "off"}}, "auto_stop.enabled",
         ("true or false", "'off'")),
    # OBS mounts
    Case("obs-not-obs", "obs_mounts", {"obs_mounts": [obs("/data/in/", uri="s3://team-bucket/datasets/")]},
         "obs_mounts.0.uri", ("obs://<bucket>/<path>", "'s3://team-bucket/datasets/'")),
    Case("obs-outside-data", "obs_mounts", {"obs_mounts": [obs("/home/ma-user/in/")]}, "obs_mounts.0.mount_path",
         ("under /data/ ending with '/'", "'/home/ma-user/in/'")),
    Case("obs-no-trailing-slash", "obs_mounts", {"obs_mounts": [obs("/data/in")]}, "obs_mounts.0.mount_path",
         ("under /data/ ending with '/'", "'/data/in'")),
    Case("obs-duplicate-path", "obs_mounts",
         {"obs_mounts": [obs("/data/in/"), obs("/data/in/", uri="obs://team-bucket/other/")]}, "obs_mounts",
         ("each mount_path may be used once", "/data/in/")),
    # provider controls
    Case("run-state-drift", "run_state_drift", {"run_state_drift": "sometimes"}, "run_state_drift",
         ("'enforce' or 'ignore'", "'sometimes'")),
    Case("timeout-negative", "timeouts.create", {"timeouts": {"create": -60}}, "timeouts.create",
         ("positive number of seconds", "-60")),
    Case("timeout-string", "timeouts.stop", {"timeouts": {"stop": "10m"}}, "timeouts.stop",
         ("number of seconds", "'10m'")),
    Case("timeout-unknown-field", "timeouts.craete", {"timeouts": {"craete": 600}}, "timeouts.craete",
         ("unknown field 'craete'", "create, start, stop, update, delete")),
    # enums elsewhere
    Case("feature", "feature", {"feature": "GPU"}, "feature", ("'NOTEBOOK' or 'DEFAULT'", "'GPU'")),
    Case("hook-type", "hooks", {"hooks": {"container_hooks": {"pre_start": {"script": "setup.sh", "type": "BASH"}}}},
         "hooks.container_hooks.pre_start.type", ("'COMMAND' or 'SCRIPT'", "'BASH'")),
    # the catalogue (read-only lookups at preview)
    Case("flavor-unknown", "flavor", {"flavor": "modelarts.vm.cpu.999u"}, "flavor",
         ("unknown flavor 'modelarts.vm.cpu.999u'", "available:", "modelarts.vm.cpu.2u"), kind="catalogue"),
    Case("image-unknown", "image_id", {"image_id": "00000000-0000-4000-8000-000000000000"}, "image_id",
         ("no image with id '00000000-0000-4000-8000-000000000000'",), kind="catalogue"),
]


def _nested(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def pack(cases: list[Case]) -> list[list[Case]]:
    """First fit: a case joins the first bad notebook of its kind whose slots it does not touch."""
    groups: list[list[Case]] = []
    for case in cases:
        for group in groups:
            if group[0].kind == case.kind and not any(_nested(case.slot, other.slot) for other in group):
                group.append(case)
                break
        else:
            groups.append([case])
    return groups


def merge(base: Any, patch: Any) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        return {**base, **{k: merge(base.get(k), v) for k, v in patch.items()}}
    return patch


GROUPS = pack(CASES)


def group_name(index: int) -> str:
    return f"bad-{index + 1}"


def group_spec(index: int, group: list[Case]) -> dict[str, Any]:
    spec = notebook_spec(name=group_name(index))
    for case in group:
        spec = merge(spec, case.patch)
    return spec


@dataclass(frozen=True)
class ConfigCase:
    id: str
    set: dict[str, str]
    remove: tuple[str, ...]
    says: tuple[str, ...]


CONFIG_CASES = [
    ConfigCase("aksk-and-password", {"modelarts:username": USERNAME, "modelarts:password": PASSWORD,
                                     "modelarts:domainName": DOMAIN}, (),
               ("both AK/SK", "password credentials", "keep exactly one of the two")),
    ConfigCase("ak-without-sk", {}, ("modelarts:secretKey",),
               ("AK/SK needs both modelarts:accessKey and modelarts:secretKey",)),
    ConfigCase("unknown-key", {"modelarts:projectID": PROJECT_ID}, (),
               ("unknown configuration keys modelarts:projectID", "known modelarts keys", "projectId")),
    ConfigCase("no-credentials", {}, ("modelarts:accessKey", "modelarts:secretKey"),
               ("no credentials", "modelarts:accessKey", "modelarts:username")),
]
# Each further configuration problem (no endpoint, a region or project id of the wrong form, an endpoint
# without a scheme) is one message of the same check: tests/unit/test_config.py proves each message.

# The three rejections only the service can make, from `pulumi up`.
SERVER_CASES = ("quota", "sold-out-flavor", "second-codelab")
TYPO_CASES = ("unknown-top-level-input",)
BAD_INPUTS_TRIED = len(CASES) + len(CONFIG_CASES) + len(TYPO_CASES) + len(SERVER_CASES)


# ---- the stack with one good notebook, and the previews run against it -----------------------------


@dataclass
class Stack:
    project: PulumiProject
    emulator: Emulator
    good: dict[str, Any]
    inventory: list[dict]
    state: list[dict]
    results: dict[str, Result] = field(default_factory=dict)
    calls: dict[str, list[dict]] = field(default_factory=dict)  # batch -> emulator requests made meanwhile

    def snapshot(self) -> tuple[list[dict], list[dict]]:
        return self.emulator.notebooks(), self.project.resources()


def config_file(project: PulumiProject, key: str, notebooks: dict[str, Any],
                set_: Optional[dict[str, str]] = None, remove: tuple[str, ...] = ()) -> Path:
    """The stack's configuration with other notebooks and some keys changed, as a file of its own:
    `pulumi preview --config-file` runs each preview on it without touching the stack's own."""
    stack_config = yaml.safe_load((project.dir / f"Pulumi.{project.stack}.yaml").read_text())
    values = stack_config["config"]
    values["nbtest:notebooks"] = json.dumps(notebooks)
    for name in remove:
        del values[name]
    values.update(set_ or {})
    path = project.dir / "previews" / f"{key}.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(stack_config))
    return path


def run_previews(project: PulumiProject, files: dict[str, Path]) -> dict[str, Result]:
    """Previews only read the state, so independent ones run side by side."""
    def preview(path: Path) -> Result:
        return project.pulumi("preview", "--diff", "--config-file", str(path), check=False)

    with ThreadPoolExecutor(max(2, min(4, os.cpu_count() or 2))) as pool:
        return dict(zip(files, pool.map(preview, files.values()), strict=True))


TWO_BAD = "two-bad-notebooks"
TYPO = "typo"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, pulumi_bin: str, emulator_process: Emulator) -> Iterator[Stack]:
    emulator = emulator_process
    emulator.reset()
    project = PulumiProject(tmp_path_factory.mktemp("bad-input") / "project", pulumi_bin, emulator)
    good = notebook_spec(name="good")
    project.declare(good=good)
    project.up()
    [live] = emulator.notebooks()
    assert live["status"] == "RUNNING"
    stack = Stack(project, emulator, good, emulator.notebooks(), project.resources())

    # Bad programs: every bad notebook beside the good one.
    programs = {group_name(i): {group_name(i): group_spec(i, group)} for i, group in enumerate(GROUPS)}
    programs[TWO_BAD] = {"first": notebook_spec(name="first", running="yes"),
                         "second": notebook_spec(name="second", feature="GPU")}
    programs[TYPO] = {"typo": {**notebook_spec(name="typo"), "flavour": "modelarts.vm.cpu.8u"}}
    files = {key: config_file(project, key, {"good": good, **bad}) for key, bad in programs.items()}
    before = len(emulator.requests())
    stack.results.update(run_previews(project, files))
    stack.calls["programs"] = emulator.requests()[before:]

    # Bad configuration: the good program on its own.
    files = {f"config:{case.id}": config_file(project, f"config-{case.id}", {"good": good}, case.set, case.remove)
             for case in CONFIG_CASES}
    before = len(emulator.requests())
    stack.results.update(run_previews(project, files))
    stack.calls["config"] = emulator.requests()[before:]
    yield stack


def caught_at_preview(stack: Stack, index: int, case: Case) -> bool:
    """Whether the preview of the program holding `case` blamed its field, saying what the case expects."""
    reasons = reasons_on(stack.results[group_name(index)], group_name(index), case.field)
    return any(all(s in reason for s in case.says) for reason in reasons)


def error_lines(result: Result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("error:")]


def assert_clean_failure(result: Result) -> None:
    assert result.returncode != 0, result.output
    assert "Traceback" not in result.output, result.output
    assert "Resource monitor has terminated" not in result.output, result.output


def reasons_on(result: Result, resource: str, field: str) -> list[str]:
    """Every reason the engine printed for `property <field>` of `resource`."""
    marker = f"resource '{resource}': property {field} value "
    return [line.split(" has a problem: ", 1)[1] for line in result.output.splitlines()
            if marker in line and " has a problem: " in line]


# ---- the table -------------------------------------------------------------------------------------


def test_the_engine_stops_a_preview_at_the_first_notebook_that_fails_check(stack: Stack) -> None:
    """Why the cases are packed by field: two bad notebooks in one program, one reported."""
    result = stack.results[TWO_BAD]
    assert_clean_failure(result)
    blamed = set(re.findall(r"resource '([^']+)'", "\n".join(error_lines(result))))
    assert blamed in ({"first"}, {"second"}), error_lines(result)


def test_no_bad_program_made_a_mutating_call(stack: Stack) -> None:
    assert [(r["method"], r["path"]) for r in stack.calls["programs"] if r["mutating"]] == []
    # The reads there are the catalogue lookups (flavors, images) and the good notebook's.
    assert {r["method"] for r in stack.calls["programs"]} <= {"GET", "POST"}
    assert all(r["method"] == "GET" or r["path"] == "/v3/auth/tokens" for r in stack.calls["programs"])


@pytest.mark.parametrize("index", range(len(GROUPS)), ids=[group_name(i) for i in range(len(GROUPS))])
def test_bad_inputs_fail_at_preview_each_on_its_own_field(stack: Stack, index: int) -> None:
    group = GROUPS[index]
    resource = group_name(index)
    result = stack.results[resource]
    assert_clean_failure(result)

    missed = [f"{case.id}: wanted property {case.field} saying {case.says}, "
              f"got {reasons_on(result, resource, case.field)}"
              for case in group if not caught_at_preview(stack, index, case)]
    assert not missed, "\n".join(missed) + "\n\n" + result.output
    # Only the bad notebook is blamed, once per broken field.
    errors = error_lines(result)
    assert all(f"resource '{resource}'" in line for line in errors), errors
    assert len(errors) == len(group), errors


def test_every_case_was_packed_and_the_previews_are_few() -> None:
    assert sorted(c.id for g in GROUPS for c in g) == sorted(c.id for c in CASES)
    assert len({c.id for c in CASES}) == len(CASES)
    assert len(GROUPS) <= 10, [len(g) for g in GROUPS]


def test_a_typo_in_an_input_name_fails_at_preview_naming_the_allowed_inputs(stack: Stack) -> None:
    result = stack.results[TYPO]
    assert result.returncode != 0
    assert "unknown arguments flavour" in result.output
    assert "it takes: flavor, volume, image_id, image_name" in result.output


def test_a_typo_in_an_input_name_fails_without_a_traceback(stack: Stack) -> None:
    assert_clean_failure(stack.results[TYPO])


def test_no_bad_configuration_reached_the_service(stack: Stack) -> None:
    assert stack.calls["config"] == []


@pytest.mark.parametrize("case", CONFIG_CASES, ids=[c.id for c in CONFIG_CASES])
def test_bad_configuration_fails_at_preview_with_one_message(stack: Stack, case: ConfigCase) -> None:
    result = stack.results[f"config:{case.id}"]
    assert_clean_failure(result)
    errors = error_lines(result)
    assert len(errors) == 1, errors
    assert "resource 'good' has a problem: " in errors[0]
    missing = [s for s in case.says if s not in errors[0]]
    assert not missing, f"{missing} not in {errors[0]}"
    for secret in (SECRET_KEY, PASSWORD):
        assert secret not in result.output


def test_the_existing_notebook_and_the_state_are_untouched(stack: Stack) -> None:
    inventory, state = stack.snapshot()
    assert inventory == stack.inventory
    assert state == stack.state
    # The stack's own configuration was never changed: the good program still converges to nothing.
    before = len(stack.emulator.requests())
    result = stack.project.preview()
    assert not any(f"to {step}" in result.output for step in ("create", "update", "delete", "replace")), result.output
    assert stack.emulator.mutating(before) == []


# ---- rejections only the service can make ---------------------------------------------------------


def failures_of(result: Result, resource: str) -> set[tuple[str, str]]:
    """(error_code, error_msg) the engine printed for one resource's failed step."""
    found = set()
    for line in result.output.splitlines():
        if f"Notebook {resource} " in line and "failed" in line:
            match = re.search(r"HTTP \d{3} (ModelArts\.\d{4}): (.+)$", line)
            if match:
                found.add((match.group(1), match.group(2).strip()))
    return found


CODELAB = {"flavor": "modelarts.vm.cpu.free", "feature": "DEFAULT"}  # the free notebook, one per account
QUOTA = ("ModelArts.6302", "The instance count already reaches the maximum value.")
SOLD_OUT = ("ModelArts.6329", "Sorry, this flavor specification is sold out. Please try others.")


@pytest.fixture
def other_stack(tmp_path: Path, pulumi_bin: str, stack: Stack) -> Iterator[PulumiProject]:
    """A second stack on the same account (the good notebook stays), destroyed at the end of the test."""
    project = PulumiProject(tmp_path / "service-rejects", pulumi_bin, stack.emulator, stack="other")
    try:
        yield project
    finally:
        stack.emulator.configure(max_notebooks=10)
        project.destroy()


def test_a_sold_out_flavor_and_a_second_free_codelab_come_back_from_up_as_readable_errors(
    stack: Stack, other_stack: PulumiProject
) -> None:
    gpu_image = "278e88d1-5b71-4766-8502-b3ba72e824d9"  # pytorch1.8-cuda10.2, CPU and GPU
    other_stack.declare(gpu=notebook_spec(name="sold-out", flavor="modelarts.vm.gpu.t4", image_id=gpu_image),
                        lab1=notebook_spec(name="codelab-1", **CODELAB),
                        lab2=notebook_spec(name="codelab-2", **CODELAB))
    # The flavor exists and each notebook alone is fine: only the service knows the rest.
    assert other_stack.preview().returncode == 0
    result = other_stack.up("--continue-on-error", check=False)
    assert_clean_failure(result)
    assert failures_of(result, "gpu") == {SOLD_OUT}, result.output
    labs = {name: failures_of(result, name) for name in ("lab1", "lab2")}
    assert sorted(labs.values(), key=len) == [set(), {QUOTA}], result.output  # the account's one CodeLab
    names = sorted(nb["name"] for nb in stack.emulator.notebooks())
    assert names in (["codelab-1", "good"], ["codelab-2", "good"]), names


def test_the_account_quota_comes_back_from_up_as_a_readable_error(stack: Stack, other_stack: PulumiProject) -> None:
    live = stack.emulator.notebooks()
    stack.emulator.configure(max_notebooks=len(live) + 1)
    other_stack.declare(q1=notebook_spec(name="quota-1"), q2=notebook_spec(name="quota-2"))
    result = other_stack.up("--continue-on-error", check=False)
    assert_clean_failure(result)
    failed = {name: failures_of(result, name) for name in ("q1", "q2")}
    assert sorted(failed.values(), key=len) == [set(), {QUOTA}], result.output
    assert len(stack.emulator.notebooks()) == len(live) + 1


def test_summary_of_bad_inputs(stack: Stack) -> None:
    """Printed with `pytest -s`: every input and configuration case of the table, judged from the
    previews the module's stack ran (the service's rejections are the `up` tests above)."""
    missed = [case.id for index, group in enumerate(GROUPS) for case in group
              if not caught_at_preview(stack, index, case)]
    print(f"\nbad inputs: {BAD_INPUTS_TRIED} in the table: {len(CASES) - len(missed)} of {len(CASES)} input cases "
          f"failed at preview in {len(GROUPS)} previews, plus {len(CONFIG_CASES)} configuration cases and "
          f"{len(TYPO_CASES)} program typo; {len(SERVER_CASES)} only the service can reject (at up); "
          f"missed: {missed}")
    assert BAD_INPUTS_TRIED >= 40 and missed == []
    assert not missed
