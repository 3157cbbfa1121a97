"""What the Notebook provider does: check, diff, create, read, update, delete.

`running` is the desired run state: flipping it is an in-place update that
stops or starts the notebook and waits until the service reports the new
steady status. Every operation converges the same way: read the live notebook,
do only what differs (as `plan()` says, the same plan preview announced), wait,
re-read, and record what is really there.

Only the dynamic-provider process loads this module (and pydantic and requests
with it); a program that declares notebooks does not.
"""

from __future__ import annotations

import os
import random
import threading
import time
from typing import Any, Callable, Mapping, Optional

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from . import waiter
from .client import ModelArtsClient
from .config import ProviderSettings, load_settings, unknown_keys
from .lookups import find_image
from .errors import (
    ApiError,
    ConfigurationError,
    ModelArtsError,
    NotebookFailedError,
    NotFoundError,
    TransportError,
)
from .inputs import (
    UNKNOWN,
    NotebookInputs,
    Timeouts,
    parse_inputs,
    split_identity,
    validate_inputs,
    with_identity,
)
from .models import (
    EVS_MAX_GB,
    MountRequest,
    Notebook as NotebookModel,
    NotebookStatus,
    TRANSIENT_STATUSES,
    UpdateNotebookRequest,
)
from .plan import NEEDS_STOPPED, Plan, outputs, plan
from .schema import OUTPUT_KEYS

S = NotebookStatus

# Start/stop answers that mean "already there, or on the way": re-read, don't fail.
ALREADY_RUNNING = frozenset({"ModelArts.6305", "ModelArts.6306"})
ALREADY_STOPPED = frozenset({"ModelArts.6307", "ModelArts.6308"})
BUSY = "ModelArts.6357"
# The UMN: a running notebook's EVS grows by at most 100 GB per step.
RUNNING_RESIZE_STEP_GB = 100
PROGRESS_EVERY_SECONDS = 10.0
# A create is sent again only after a lookup showed the previous try created nothing.
CREATE_ATTEMPTS = 4

class NotebookLifecycle:
    """CRUD of ModelArts notebooks for one provider process, shared by every Notebook of a stack."""

    _client_lock = threading.Lock()

    def __init__(self, settings: Optional[ProviderSettings], config_error: Optional[str] = None) -> None:
        self._settings = settings
        self._config_error = config_error
        self._client_instance: Optional[ModelArtsClient] = None
        self._lookups: dict[str, Any] = {}
        self._learned = LearnedTimings()
        self._call = _CallTimings()

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

    def _client(self) -> ModelArtsClient:
        if self._settings is None:
            raise ConfigurationError(self._config_error or "the ModelArts provider was not configured")
        with NotebookLifecycle._client_lock:
            if self._client_instance is None:
                self._client_instance = self._settings.make_client(on_retry=pulumi.log.debug)
            return self._client_instance

    # ---- check ---------------------------------------------------------------

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        if self._config_error:
            return CheckResult(news, [CheckFailure("", self._config_error)])
        validated, failures = validate_inputs(news, OUTPUT_KEYS)
        if news.get("image_id") is not None and news.get("image_name") is not None:
            failures.append(CheckFailure("image_name", "give image_id or image_name (with image_tag), not both"))
        resolved: dict[str, Any] = {}
        if validated is not None and not failures:
            if validated.image_name is not None and validated.image_name != UNKNOWN:
                image_id, failure = self._resolve_image(validated.image_name, validated.image_tag)
                resolved = {"image_id": image_id} if image_id else {}
                failures.extend([failure] if failure else [])
                validated = validated.model_copy(update=resolved)
            failures.extend(self._check_catalogue(validated))
            failures.extend(_check_restart_allowed(olds, {**news, **resolved}, validated))
        inputs = dict(news)
        if validated is not None:
            inputs.update(validated.model_dump(mode="json", include=set(news) | {"running"}, exclude_none=True))
        inputs.update(resolved)
        inputs.setdefault("running", True)
        return CheckResult(inputs, failures)

    def _resolve_image(self, name: str, tag: Optional[str]) -> tuple[Optional[str], Optional[CheckFailure]]:
        """`image_name` (and `image_tag`) to an image id, at preview; ambiguity lists the candidates."""
        try:
            image = self._cached(f"image-name:{name}:{tag}", lambda: find_image(self._client(), name, tag=tag))
        except ModelArtsError as error:
            return None, CheckFailure("image_name", str(error))
        return str(image.id), None

    def _check_catalogue(self, inputs: NotebookInputs) -> list[CheckFailure]:
        """Flavor and image must exist: read-only lookups, cached per process."""
        failures: list[CheckFailure] = []
        try:
            client = self._client()
            if inputs.flavor != UNKNOWN:
                flavors = self._cached("flavors", lambda: sorted(f.id for f in client.list_flavors() if f.id))
                if flavors and inputs.flavor not in flavors:
                    failures.append(
                        CheckFailure("flavor", f"unknown flavor {inputs.flavor!r}; available: {', '.join(flavors)}")
                    )
            if inputs.image_id is not None and inputs.image_id != UNKNOWN:
                try:
                    self._cached(f"image:{inputs.image_id}", lambda: client.get_image(str(inputs.image_id)))
                except NotFoundError:
                    failures.append(CheckFailure(
                        "image_id", f"no image with id {inputs.image_id!r} (list them with GET /v1/{{project_id}}/images)"
                    ))
        except ModelArtsError as error:
            failures.append(CheckFailure("", f"could not check flavor and image against the service: {error}"))
        return failures

    def _cached(self, key: str, load: Callable[[], Any]) -> Any:
        if key not in self._lookups:
            self._lookups[key] = load()
        return self._lookups[key]

    # ---- diff ----------------------------------------------------------------

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changes = plan(olds, news)
        name = news.get("name") or olds.get("name")
        for note in changes.notes:
            pulumi.log.warn(f"notebook {name!r} ({olds.get('notebook_id')}): {note}")
        return DiffResult(
            changes=changes.changes,
            replaces=list(changes.replaces),
            stables=["notebook_id", "identity"],
            # Side by side would need twice the quota (10 per account) and the old
            # work directory is destroyed either way.
            delete_before_replace=True,
        )

    # ---- create --------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = parse_inputs(props)
        client = self._client()
        self._call.begin({})
        notebook = self._adopt(client, inputs) if inputs.adopt_id else self._find_own(client, inputs)
        if notebook is None:
            notebook = self._create_new(client, inputs)
        assert notebook.id
        notebook = self._converge(client, notebook, inputs, outputs(props, notebook))
        return CreateResult(notebook.id, outputs(props, notebook, self._call.timings()))

    def _create_new(self, client: ModelArtsClient, inputs: NotebookInputs) -> NotebookModel:
        created, is_new = self._post_create(client, inputs)
        if not is_new:
            return created  # an earlier attempt's notebook, found and settled
        assert created.id
        try:
            return self._wait(client, created.id, inputs, waiter.NOTEBOOK_CREATED, "create", first=created)
        except NotebookFailedError as failure:
            if failure.status != S.CREATE_FAILED:
                raise
            # A notebook that failed to be created is never usable: remove it so
            # nothing is left behind and the next `up` starts clean.
            self._delete(client, created.id, inputs.name, inputs)
            raise NotebookFailedError(
                created.id, inputs.name, failure.status, failure.fail_reason, "creating",
                note=" The failed notebook was deleted.",
            ) from None

    def _post_create(self, client: ModelArtsClient, inputs: NotebookInputs) -> tuple[NotebookModel, bool]:
        """POST the create, repeating it only once a lookup has shown the last try created nothing.

        A create that failed in a way that may have reached the service (a 5xx,
        a dropped connection) is never repeated blindly: after a pause the
        provider looks for the notebook by name and identity marker. Found, it is
        adopted; not found, the request had no effect and is sent again. Without
        an identity marker (no way to recognise it) the failure is reported.
        Returns the notebook and whether this call created it.
        """
        rng = random.Random()
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                created = client.create_notebook(inputs.create_request())
            except (TransportError, ApiError) as error:
                if isinstance(error, ApiError) and error.http_status < 500 and error.http_status != 429:
                    raise  # refused: nothing was created
                time.sleep(rng.uniform(0.5, 1.0) * attempt)  # let a create that did happen show in the list
                found = self._find_own(client, inputs)
                if found is not None:
                    return found, False
                if not inputs.identity or attempt == CREATE_ATTEMPTS:
                    raise ModelArtsError(
                        f"creating notebook {inputs.name!r} failed ({error}); no notebook of this resource exists now. "
                        "Run `pulumi up` again: it creates it, or adopts it if the service carried it out after all."
                    ) from None
                continue
            if not created.id:
                raise ModelArtsError(f"the service accepted notebook {inputs.name!r} but returned no id")
            return created, True
        raise AssertionError("unreachable")

    def _find_own(self, client: ModelArtsClient, inputs: NotebookInputs) -> Optional[NotebookModel]:
        """The notebook an interrupted earlier `create` of this resource left behind.

        Names may repeat and the list filter is fuzzy, so the match is exact on
        the name and on the identity marker the provider put in the description.
        """
        if not inputs.identity:
            return None
        feature = inputs.feature or "NOTEBOOK"
        for candidate in client.iter_notebooks(name=inputs.name, feature=feature):
            if candidate.name != inputs.name or split_identity(candidate.description)[1] != inputs.identity:
                continue
            if candidate.status in (S.DELETING, S.DELETED) or not candidate.id:
                continue
            pulumi.log.warn(
                f"notebook {inputs.name!r}: found {candidate.id} ({candidate.status}) left by an interrupted earlier "
                "run of this resource; adopting it instead of creating another"
            )
            if candidate.status == S.CREATE_FAILED:
                self._delete(client, candidate.id, inputs.name, inputs)
                return None
            return self._settled(client, candidate.id, inputs)
        return None

    def _adopt(self, client: ModelArtsClient, inputs: NotebookInputs) -> NotebookModel:
        """Bring an existing notebook under management (`pulumi import` cannot serve dynamic resources)."""
        notebook_id = str(inputs.adopt_id)
        notebook = client.find_notebook(notebook_id)
        if notebook is None:
            raise ConfigurationError(f"adopt_id: no notebook with id {notebook_id!r} exists in this project")
        mismatches = _fixed_field_mismatches(inputs, notebook)
        if mismatches:
            raise ConfigurationError(
                f"adopt_id: notebook {notebook_id} cannot be adopted as declared, these fields cannot change on an "
                f"existing notebook: {'; '.join(mismatches)}. Declare them as they are, or drop adopt_id to create a new one."
            )
        return self._settled(client, notebook_id, inputs)

    # ---- read ----------------------------------------------------------------

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        notebook = self._client().find_notebook(id_)
        if notebook is None:
            return ReadResult(id_="", outs={})  # gone: the engine drops it from state
        return ReadResult(id_, outputs(props, notebook))

    # ---- update --------------------------------------------------------------

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = parse_inputs(news)
        client = self._client()
        self._call.begin(olds.get("timings") or {})
        notebook = self._settled(client, id_, inputs)
        notebook = self._converge(client, notebook, inputs, outputs(olds, notebook))
        return UpdateResult(outputs(news, notebook, self._call.timings()))

    def _converge(
        self, client: ModelArtsClient, notebook: NotebookModel, inputs: NotebookInputs, current: Mapping[str, Any]
    ) -> NotebookModel:
        """Make the live notebook match the inputs: update, run state, lease, mounts."""
        notebook_id = str(notebook.id)
        news = inputs.model_dump(mode="json", exclude_none=True)
        todo = plan(current, news)
        if notebook.status == S.FROZEN:
            raise NotebookFailedError(notebook_id, inputs.name, S.FROZEN, notebook.fail_reason, "updating")

        if todo.update:
            notebook = self._apply_update(client, notebook, inputs, todo)

        if inputs.running and notebook.status != S.RUNNING:
            notebook = self._start(client, notebook_id, inputs)
        elif not inputs.running and notebook.status != S.STOPPED:
            notebook = self._stop(client, notebook_id, inputs)
        elif inputs.running and todo.renew_lease and inputs.auto_stop is not None:
            client.renew_lease(notebook_id, inputs.auto_stop.lease_request())
            notebook = client.get_notebook(notebook_id)

        if inputs.running and inputs.obs_mounts is not None:
            self._sync_mounts(client, notebook_id, inputs)
        return notebook

    def _apply_update(
        self, client: ModelArtsClient, notebook: NotebookModel, inputs: NotebookInputs, todo: Plan
    ) -> NotebookModel:
        notebook_id = str(notebook.id)
        fields = dict(todo.update)
        if "description" in fields or inputs.identity:
            # The identity marker rides along in the description: keep it there.
            live_user_description, _ = split_identity(notebook.description)
            fields["description"] = with_identity(fields.get("description", live_user_description), inputs.identity)
            if fields["description"] == notebook.description:
                del fields["description"]
        new_size = fields.pop("storage_new_size", None)
        needs_stop = [key for key in NEEDS_STOPPED if key in fields]

        if needs_stop and notebook.status != S.STOPPED:
            if "flavor" in fields:
                self._check_switchable(client, notebook_id, inputs.name, str(fields["flavor"]))
            if notebook.status == S.RUNNING and inputs.running and not inputs.allow_restart:
                raise ConfigurationError(
                    f"notebook {inputs.name!r} ({notebook_id}): changing {', '.join(needs_stop)} needs a restart and "
                    "allow_restart is false; nothing was changed"
                )
            notebook = self._stop(client, notebook_id, inputs)

        if fields:
            client.update_notebook(notebook_id, UpdateNotebookRequest.model_validate(fields))
        if new_size is not None:
            self._grow_storage(client, notebook, inputs, int(new_size))
        return self._settled(client, notebook_id, inputs)

    def _grow_storage(self, client: ModelArtsClient, notebook: NotebookModel, inputs: NotebookInputs, size: int) -> None:
        """EVS grows in place; a running notebook takes at most 100 GB per step."""
        notebook_id = str(notebook.id)
        current = notebook.volume.capacity if notebook.volume and notebook.volume.capacity else size
        if size > EVS_MAX_GB:
            raise ConfigurationError(f"volume.capacity: at most {EVS_MAX_GB} GB, got {size}")
        while current < size:
            live = client.get_notebook(notebook_id)
            step = RUNNING_RESIZE_STEP_GB if live.status == S.RUNNING else size - current
            current = min(size, current + step)
            client.update_notebook(notebook_id, UpdateNotebookRequest(storage_new_size=current))
            self._wait(client, notebook_id, inputs, waiter.VOLUME_RESIZED, "update")

    def _check_switchable(self, client: ModelArtsClient, notebook_id: str, name: str, flavor: str) -> None:
        """Fail before stopping anything if the service would refuse the flavor (6792)."""
        allowed = sorted(f.id for f in client.list_switchable_flavors(notebook_id) if f.id)
        if allowed and flavor not in allowed:
            raise ConfigurationError(
                f"notebook {name!r} ({notebook_id}) cannot switch to flavor {flavor!r}; "
                f"it can switch to: {', '.join(allowed)}. Nothing was changed."
            )

    def _sync_mounts(self, client: ModelArtsClient, notebook_id: str, inputs: NotebookInputs) -> None:
        """Mount what is declared and missing, unmount what is mounted and no longer declared."""
        wanted = {(m.uri, m.mount_path) for m in inputs.obs_mounts or []}
        live = {
            (str(v.uri), str(v.mount_path)): v
            for v in client.list_storage(notebook_id)
            if v.status not in ("UNMOUNTED", "UNMOUNTING", "MOUNT_FAILED")
        }
        for key, volume in live.items():
            if key not in wanted and volume.id:
                client.unmount_storage(notebook_id, volume.id)
                self._wait_mount(client, notebook_id, volume.id, inputs, gone=True)
        for uri, path in sorted(wanted - set(live)):
            mounted = client.mount_storage(notebook_id, MountRequest(uri=uri, mount_path=path))
            if mounted.id:
                self._wait_mount(client, notebook_id, mounted.id, inputs, gone=False)

    def _wait_mount(self, client: ModelArtsClient, notebook_id: str, storage_id: str, inputs: NotebookInputs,
                    gone: bool) -> None:
        started = time.monotonic()
        deadline = started + inputs.limits.update
        while True:
            try:
                status = client.get_storage(notebook_id, storage_id).status
            except NotFoundError:
                status = None
            if gone and status in (None, "UNMOUNTED"):
                return
            if not gone and status == "MOUNTED":
                return
            if status in ("MOUNT_FAILED", "UNMOUNT_FAILED") or (status is None and not gone):
                raise ModelArtsError(
                    f"notebook {inputs.name!r} ({notebook_id}): OBS mount {storage_id} ended in {status or 'nothing'}"
                )
            if time.monotonic() > deadline:
                raise ModelArtsError(f"notebook {inputs.name!r} ({notebook_id}): OBS mount {storage_id} still {status}")
            time.sleep(waiter.DelayPolicy().next_delay(time.monotonic() - started))

    # ---- delete --------------------------------------------------------------

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        try:
            inputs: Optional[NotebookInputs] = parse_inputs(props)
        except ValueError:
            inputs = None  # state written by an older version: delete all the same
        self._delete(self._client(), id_, str(props.get("name") or id_), inputs)

    def _delete(self, client: ModelArtsClient, notebook_id: str, name: str, inputs: Optional[NotebookInputs]) -> None:
        notebook = client.find_notebook(notebook_id)
        if notebook is None:
            return
        if notebook.status in TRANSIENT_STATUSES and notebook.status != S.DELETING:
            notebook = self._settled(client, notebook_id, inputs, name=name, allow_gone=True)
            if notebook is None:
                return
        if notebook.status == S.RUNNING:
            self._stop(client, notebook_id, inputs, name=name)
        first: Optional[NotebookModel] = None
        if notebook.status != S.DELETING:
            try:
                first = client.delete_notebook(notebook_id)
            except NotFoundError:
                return
            except ApiError as error:
                if error.error_code != "ModelArts.6304":  # "stop the instance before deleting"
                    raise
                self._stop(client, notebook_id, inputs, name=name)
                first = client.delete_notebook(notebook_id)
        self._wait(client, notebook_id, inputs, waiter.NOTEBOOK_DELETED, "delete", first=_if_status(first), name=name)

    # ---- run state -----------------------------------------------------------

    def _start(self, client: ModelArtsClient, notebook_id: str, inputs: NotebookInputs) -> NotebookModel:
        lease = inputs.auto_stop
        try:
            first: Optional[NotebookModel] = client.start_notebook(
                notebook_id,
                duration_ms=lease.effective_duration if lease else None,
                lease_type=lease.type if lease else None,
            )
        except ApiError as error:
            if error.error_code not in ALREADY_RUNNING | {BUSY}:
                raise
            first = None
        return self._wait(client, notebook_id, inputs, waiter.NOTEBOOK_RUNNING, "start", first=_if_status(first))

    def _stop(self, client: ModelArtsClient, notebook_id: str, inputs: Optional[NotebookInputs],
              name: Optional[str] = None) -> NotebookModel:
        try:
            first: Optional[NotebookModel] = client.stop_notebook(notebook_id)
        except ApiError as error:
            if error.error_code not in ALREADY_STOPPED | {BUSY}:
                raise
            first = None
        return self._wait(client, notebook_id, inputs, waiter.NOTEBOOK_STOPPED, "stop", first=_if_status(first),
                          name=name)

    def _settled(self, client: ModelArtsClient, notebook_id: str, inputs: Optional[NotebookInputs],
                 name: Optional[str] = None, allow_gone: bool = False) -> Any:
        notebook = self._wait(client, notebook_id, inputs, waiter.NOTEBOOK_SETTLED, "update", name=name,
                              allow_gone=True)
        if notebook.is_gone and not allow_gone:
            raise NotFoundError(
                404, "ModelArts.6309", "the notebook was deleted outside this program; run `pulumi refresh`",
                method="GET", path=f"/notebooks/{notebook_id}", notebook_id=notebook_id,
            )
        return None if notebook.is_gone else notebook

    def _wait(
        self,
        client: ModelArtsClient,
        notebook_id: str,
        inputs: Optional[NotebookInputs],
        rule: waiter.WaitRule,
        operation: str,
        first: Optional[NotebookModel] = None,
        name: Optional[str] = None,
        allow_gone: bool = False,
    ) -> NotebookModel:
        label = name or (inputs.name if inputs else notebook_id)
        timeout = getattr(inputs.limits if inputs else Timeouts(), operation)
        kind = operation if rule.subject is waiter.notebook_status and rule is not waiter.NOTEBOOK_SETTLED else None
        started = time.monotonic()
        notebook = waiter.wait_for(
            lambda: client.find_notebook(notebook_id),
            rule,
            notebook_id=notebook_id,
            name=label,
            timeout=timeout,
            first=first,
            on_poll=_progress_reporter(label, rule.doing),
            expected=(self._call.hint(kind) or self._learned.expected(kind)) if kind else None,
        )
        if kind and first is not None:  # a transition this call started and saw through
            took = time.monotonic() - started
            self._learned.record(kind, took)
            self._call.record(kind, took)
        if notebook is None:
            return NotebookModel(id=notebook_id, status=S.DELETED)
        if notebook is first:
            # Transition answers may lack fields (the create answer has no url).
            notebook = client.get_notebook(notebook_id)
        return notebook


class LearnedTimings:
    """How long each kind of transition took in this process: shared by every
    notebook of the stack, so the first notebooks of a fleet teach the rest."""

    def __init__(self, keep: int = 9) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, list[float]] = {}
        self._keep = keep

    def record(self, kind: str, seconds: float) -> None:
        with self._lock:
            self._seen.setdefault(kind, []).append(seconds)
            del self._seen[kind][: -self._keep]

    def expected(self, kind: Optional[str]) -> Optional[float]:
        with self._lock:
            seen = sorted(self._seen.get(kind or "", []))
        return seen[len(seen) // 2] if seen else None


class _CallTimings(threading.local):
    """Timings of the notebook one provider call is working on (each call has its thread)."""

    def begin(self, previous: Mapping[str, Any]) -> None:
        self.previous = {k: float(v) for k, v in previous.items() if isinstance(v, (int, float))}
        self.observed: dict[str, float] = {}

    def hint(self, kind: Optional[str]) -> Optional[float]:
        return getattr(self, "previous", {}).get(kind or "")

    def record(self, kind: str, seconds: float) -> None:
        if hasattr(self, "observed"):
            self.observed[kind] = round(seconds, 3)

    def timings(self) -> dict[str, float]:
        return {**getattr(self, "previous", {}), **getattr(self, "observed", {})}


def _if_status(notebook: Optional[NotebookModel]) -> Optional[NotebookModel]:
    return notebook if notebook is not None and notebook.status else None


def _progress_reporter(name: str, doing: str) -> Callable[[NotebookModel, float], None]:
    """Long waits say what is happening, so a pipeline log shows progress instead of silence."""
    last = [0.0]

    def report(notebook: NotebookModel, elapsed: float) -> None:
        if elapsed - last[0] < PROGRESS_EVERY_SECONDS:
            return
        last[0] = elapsed
        step = ""
        for progress in notebook.action_progress or []:
            if progress.status == "PROCESSING":
                step = f", step {progress.step}: {progress.step_description or progress.description or ''}".rstrip(": ")
        pulumi.log.info(f"notebook {name!r} {doing}: {notebook.status}{step} ({elapsed:.0f}s)")

    return report


def _check_restart_allowed(olds: Mapping[str, Any], news: Mapping[str, Any], inputs: NotebookInputs) -> list[CheckFailure]:
    """With allow_restart=false, a change that would restart a running notebook fails at preview."""
    if inputs.allow_restart or not olds or not inputs.running or olds.get("running") is False:
        return []
    return [
        CheckFailure(key, f"changing {key} restarts the running notebook {inputs.name!r} and allow_restart is false; "
                          "stop it first (running: false), or set allow_restart: true")
        for key in NEEDS_STOPPED
        if news.get(key) is not None and olds.get(key) is not None and news.get(key) != olds.get(key)
    ]


def _fixed_field_mismatches(inputs: NotebookInputs, notebook: NotebookModel) -> list[str]:
    mismatches = []
    live_volume = notebook.volume
    if live_volume is not None:
        if live_volume.category and live_volume.category.upper() != inputs.volume.category:
            mismatches.append(f"volume.category is {live_volume.category}, declared {inputs.volume.category}")
        if live_volume.ownership and live_volume.ownership.upper() != inputs.volume.ownership:
            mismatches.append(f"volume.ownership is {live_volume.ownership}, declared {inputs.volume.ownership}")
        if live_volume.capacity and inputs.volume.capacity and inputs.volume.capacity < live_volume.capacity:
            mismatches.append(f"volume.capacity is {live_volume.capacity} GB and cannot shrink to {inputs.volume.capacity}")
    if inputs.workspace_id and notebook.workspace_id and inputs.workspace_id != notebook.workspace_id:
        mismatches.append(f"workspace_id is {notebook.workspace_id}, declared {inputs.workspace_id}")
    if inputs.feature and notebook.feature and inputs.feature != notebook.feature.upper():
        mismatches.append(f"feature is {notebook.feature}, declared {inputs.feature}")
    if inputs.pool_id and notebook.pool and notebook.pool.id and inputs.pool_id != notebook.pool.id:
        mismatches.append(f"pool_id is {notebook.pool.id}, declared {inputs.pool_id}")
    return mismatches


# ---- the resource ----------------------------------------------------------------
