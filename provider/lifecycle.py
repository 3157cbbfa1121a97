"""The Notebook provider's verbs: check, diff, create, read, update, delete.

`running` is the desired run state. `diff` computes the plan (`plan.py`) and
announces its steps at preview; `create` and `update` execute that same plan
(`executor.py`), so `up` does exactly what preview showed. The work on a live
notebook (start, stop, delete, waits) is in `operations.py`.

Only the dynamic-provider process loads this module (and pydantic and requests
with it); a program that declares notebooks does not.
"""

from __future__ import annotations

import os
from typing import Any, Mapping, Optional

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from .catalogue import Catalogue
from .client import ModelArtsClient
from .config import ProviderSettings, load_settings, unknown_keys
from .creation import Creation
from .errors import ConfigurationError
from .executor import PlanExecutor
from .inputs import UNKNOWN, NotebookInputs, Timeouts, parse_inputs, validate_inputs
from .operations import LiveNotebook, Target
from .placement import ClientPool, Placement, placement_problems, with_placement
from .plan import NEEDS_STOPPED, Start, Stop, plan
from .schema import OUTPUT_KEYS
from .state import record_state
from .timings import CallTimings, LearnedTimings


class NotebookLifecycle:
    """CRUD of ModelArts notebooks for one provider process, shared by every Notebook of a stack."""

    def __init__(self, settings: Optional[ProviderSettings], config_error: Optional[str] = None) -> None:
        self._settings = settings
        self._config_error = config_error
        self._clients = ClientPool(settings, _make_client) if settings is not None else None
        self._learned = LearnedTimings()
        self._catalogue = Catalogue(self._client_at)

    @classmethod
    def from_config(cls, config: Any) -> "NotebookLifecycle":
        """Settings from the stack configuration (every namespace, secrets decrypted)."""
        try:
            settings = load_settings(config.get, os.environ)
            typos = unknown_keys(list(getattr(config, "_props", {}) or {}))
            if typos:
                raise ConfigurationError(
                    f"unknown configuration keys {', '.join(typos)}; known modelarts keys: "
                    "region, projectId, projectName, endpoint, authUrl, accessKey, secretKey, username, password, domainName"
                )
        except ConfigurationError as error:
            return cls(None, str(error))
        return cls(settings)

    def _place(self, props: Mapping[str, Any]) -> Placement:
        """The notebook's project and region (the stack's unless its inputs say otherwise)."""
        if self._clients is None:
            raise ConfigurationError(self._config_error or "the ModelArts provider was not configured")
        return self._clients.place(props.get("project_id"), props.get("region"))

    def _client_at(self, where: Placement) -> ModelArtsClient:
        assert self._clients is not None  # _place raised otherwise
        return self._clients.client(where)

    def _client(self, props: Optional[Mapping[str, Any]] = None) -> ModelArtsClient:
        return self._client_at(self._place(props or {}))

    def _target(self, notebook_id: str, label: str, inputs: Optional[NotebookInputs],
                state: Optional[Mapping[str, Any]] = None, props: Optional[Mapping[str, Any]] = None) -> Target:
        previous = (state or {}).get("timings") or {}
        timeouts = inputs.limits if inputs is not None else Timeouts()
        where = inputs.model_dump(include={"project_id", "region"}) if inputs is not None else (props or {})
        return Target(self._client(where), notebook_id, label, timeouts, self._learned, CallTimings(previous))

    # ---- check ---------------------------------------------------------------

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        if self._config_error:
            return CheckResult(news, [CheckFailure("", self._config_error)])
        validated, failures = validate_inputs(news, OUTPUT_KEYS)
        if news.get("image_id") is not None and news.get("image_name") is not None:
            failures.append(CheckFailure("image_name", "give image_id or image_name (with image_tag), not both"))
        resolved: dict[str, Any] = {}
        if validated is not None:
            failures.extend(self._placement_failures(validated))
        placed = validated is not None and UNKNOWN not in (validated.project_id, validated.region)
        if validated is not None and not failures and placed:
            where = self._place(validated.model_dump())
            if validated.image_name is not None and validated.image_name != UNKNOWN:
                image_id, failure = self._catalogue.resolve_image(where, validated.image_name, validated.image_tag)
                resolved = {"image_id": image_id} if image_id else {}
                failures.extend([failure] if failure else [])
                validated = validated.model_copy(update=resolved)
            failures.extend(self._catalogue.check(where, validated))
        inputs = dict(news)
        if validated is not None:
            inputs.update(validated.model_dump(mode="json", include=set(news) | {"running"}, exclude_none=True))
        inputs.update(resolved)
        inputs.setdefault("running", True)
        if validated is not None and not failures:
            failures.extend(_restart_refused(olds, inputs, validated))
        return CheckResult(inputs, failures)

    def _placement_failures(self, inputs: NotebookInputs) -> list[CheckFailure]:
        """A project id or region the notebook cannot be placed in (not judged while unknown)."""
        assert self._settings is not None  # a configuration error returned before
        problems = placement_problems(self._settings, inputs.project_id, inputs.region)
        return [CheckFailure(key, reason) for key, reason in problems]

    # ---- diff ----------------------------------------------------------------

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        planned = plan(with_placement(self._settings, olds), with_placement(self._settings, news))
        label = f"notebook {news.get('name') or olds.get('name')!r} ({olds.get('notebook_id')})"
        for note in planned.notes:
            pulumi.log.warn(f"{label}: {note}")
        if planned.steps or planned.replaces:
            pulumi.log.info(f"{label}: {planned.describe()}")
        return DiffResult(
            changes=planned.changes,
            replaces=list(planned.replaces),
            stables=["notebook_id", "identity"],
            # Side by side would need twice the quota (10 per account) and the old
            # work directory is destroyed either way.
            delete_before_replace=True,
        )

    # ---- create --------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = parse_inputs(props)
        creation = Creation(self._target("", inputs.name, inputs), inputs)
        notebook, adopted = creation.obtain()
        # The state it starts from: what is live now, with nothing mounted by this resource yet.
        start = {**record_state(props, notebook.read()), "running": True, "obs_mounts": None}
        if adopted:
            start["running"] = start["status"] != "STOPPED"
        live = PlanExecutor(notebook, inputs).execute(plan(start, props))
        return CreateResult(str(live.id), record_state(props, live, notebook.target.call.timings()))

    # ---- read ----------------------------------------------------------------

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh. Gone only on evidence about this notebook; any other failure raises and keeps the state."""
        notebook = self._client(props).find_notebook(id_)
        if notebook is None:
            return ReadResult(id_="", outs={})  # gone: the engine drops it from state
        return ReadResult(id_, record_state(props, notebook))

    # ---- update --------------------------------------------------------------

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Execute the plan that `diff` announced for these same olds and news."""
        inputs = parse_inputs(news)
        notebook = LiveNotebook(self._target(id_, inputs.name, inputs, olds))
        live = PlanExecutor(notebook, inputs).execute(plan(olds, news))
        carried = {**news, "declared": olds.get("declared")}
        return UpdateResult(record_state(carried, live, notebook.target.call.timings()))

    # ---- delete --------------------------------------------------------------

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        try:
            inputs: Optional[NotebookInputs] = parse_inputs(props)
        except ValueError:
            inputs = None  # state written by an older version: delete all the same
        LiveNotebook(self._target(id_, str(props.get("name") or id_), inputs, props=props)).delete()


def _make_client(settings: ProviderSettings) -> ModelArtsClient:
    return settings.make_client(on_retry=pulumi.log.debug)



def _restart_refused(olds: Mapping[str, Any], news: Mapping[str, Any], inputs: NotebookInputs) -> list[CheckFailure]:
    """With allow_restart=false, a plan that stops and starts a running notebook fails at preview.

    `olds` are the previous inputs (no live status): a notebook declared running is taken as running.
    """
    if inputs.allow_restart or not olds:
        return []
    assumed = {**olds, "status": "RUNNING" if olds.get("running", True) is not False else "STOPPED"}
    steps = plan(assumed, news).steps
    restarts = any(isinstance(s, Stop) for s in steps) and any(isinstance(s, Start) for s in steps)
    if not restarts:
        return []
    return [
        CheckFailure(key, f"changing {key} restarts the running notebook {inputs.name!r} and allow_restart is false; "
                          "stop it first (running: false), or set allow_restart: true")
        for key in NEEDS_STOPPED
        if news.get(key) is not None and news.get(key) != olds.get(key)
    ] or [CheckFailure("allow_restart", f"this change restarts the running notebook {inputs.name!r} and "
                                        "allow_restart is false")]
