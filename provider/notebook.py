"""The `Notebook` dynamic resource and its provider.

`running` is the desired run state: flipping it is an in-place update that
stops or starts the notebook and waits until the service reports the new
steady status. Every other operation converges the same way: read the live
notebook, do only what differs, wait, re-read, and report what is really there.

The provider object is pickled into the program's state by the SDK, so it holds
no client and no configuration until `configure()` runs in the provider process.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence, Union

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, field_validator

from . import waiter
from .client import ModelArtsClient
from .config import ProviderSettings, load_settings, unknown_keys
from .errors import ApiError, ConfigurationError, ModelArtsError, NotFoundError
from .models import (
    CreateNotebookRequest,
    CustomHooks,
    EndpointRequest,
    Feature,
    Notebook as NotebookModel,
    NotebookStatus,
    TRANSIENT_STATUSES,
    UpdateNotebookRequest,
    VolumeRequest,
    check_description,
    check_name,
    upper_enum,
)

S = NotebookStatus
# The SDK's marker for a value not known until apply (preview of a new stack).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

# Seconds allowed for each long operation. Creation provisions storage, compute
# and network (four steps), so it gets the most.
TIMEOUTS = {"create": 1800.0, "start": 900.0, "stop": 900.0, "delete": 900.0, "update": 900.0}

# Inputs that cannot change on an existing notebook (not in the update API).
REPLACE_FIELDS = ("feature", "workspace_id", "pool_id")
# Update fields the service accepts only while STOPPED (contract §2.4, safe reading).
NEEDS_STOPPED = ("flavor", "image_id", "hooks")

# Start/stop answers that mean "already there, or on the way": re-read, don't fail.
ALREADY_RUNNING = {"ModelArts.6305", "ModelArts.6306"}
ALREADY_STOPPED = {"ModelArts.6307", "ModelArts.6308"}
BUSY = "ModelArts.6357"


# ---- inputs -------------------------------------------------------------------


class NotebookInputs(BaseModel):
    """Every input of the resource, validated as the service documents it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    flavor: str = Field(min_length=1)
    image_id: str = Field(min_length=1)
    volume: VolumeRequest
    running: StrictBool = True
    description: Optional[str] = None
    endpoints: Optional[list[EndpointRequest]] = None
    workspace_id: Optional[str] = None
    pool_id: Optional[str] = None
    feature: Optional[Feature] = None
    hooks: Optional[CustomHooks] = None

    _name = field_validator("name")(check_name)
    _upper = field_validator("feature", mode="before")(upper_enum)

    @field_validator("description")
    @classmethod
    def _description(cls, value: Optional[str]) -> Optional[str]:
        return None if value is None else check_description(value)

    def create_request(self) -> CreateNotebookRequest:
        return CreateNotebookRequest(
            **self.model_dump(exclude={"running"}, exclude_none=True, by_alias=True)
        )


INPUT_KEYS = tuple(NotebookInputs.model_fields)
OUTPUT_KEYS = (
    "notebook_id",
    "status",
    "url",
    "token",
    "image",
    "lease",
    "fail_reason",
    "action_progress",
    "create_at",
)


def _has_unknown(value: Any) -> bool:
    if value == UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_unknown(v) for v in value)
    return False


def validate_inputs(news: Mapping[str, Any]) -> tuple[Optional[NotebookInputs], list[CheckFailure]]:
    """Check the program's inputs; one failure per bad field, naming what is allowed.

    Fields whose value is not known yet (preview) are not judged.
    """
    inputs = {k: v for k, v in news.items() if k in INPUT_KEYS and v is not None}
    unknown_fields = {k for k, v in inputs.items() if _has_unknown(v)}
    failures = [
        CheckFailure(key, f"unknown input {key!r}; the Notebook resource takes: {', '.join(INPUT_KEYS)}")
        for key in news
        if key not in INPUT_KEYS and key not in OUTPUT_KEYS and key != "__provider" and news[key] is not None
    ]
    try:
        return NotebookInputs.model_validate(inputs), failures
    except ValidationError as error:
        for item in error.errors():
            field = ".".join(str(part) for part in item["loc"]) or "inputs"
            if item["loc"] and item["loc"][0] in unknown_fields:
                continue
            failures.append(CheckFailure(field, _reason(item)))
        return None, failures


def _reason(item: Any) -> str:
    message = str(item["msg"]).removeprefix("Value error, ")
    if item["type"] == "missing":
        return "is required"
    if item["type"] == "extra_forbidden":
        return "is not an input of this field"
    return message


# ---- outputs ------------------------------------------------------------------


def outputs(inputs: Mapping[str, Any], notebook: NotebookModel) -> dict[str, Any]:
    """State = the inputs as declared, overlaid with what the service reports."""
    live = notebook.model_dump(mode="json", exclude_none=True)
    out: dict[str, Any] = {k: inputs.get(k) for k in INPUT_KEYS}
    out.update(
        notebook_id=notebook.id,
        status=notebook.status,
        url=notebook.url,
        token=notebook.token,
        fail_reason=notebook.fail_reason,
        image=live.get("image"),
        lease=live.get("lease"),
        volume=live.get("volume") or inputs.get("volume"),
        endpoints=live.get("endpoints") if notebook.endpoints is not None else inputs.get("endpoints"),
        action_progress=live.get("action_progress"),
        create_at=notebook.create_at,
    )
    # Live values of updatable fields, so a change made outside the program shows as drift.
    for key in ("name", "flavor"):
        if getattr(notebook, key):
            out[key] = getattr(notebook, key)
    if inputs.get("description") is not None and notebook.description is not None:
        out["description"] = notebook.description
    if notebook.image is not None and notebook.image.id:
        out["image_id"] = notebook.image.id
    if notebook.status == S.RUNNING:
        out["running"] = True
    elif notebook.status == S.STOPPED:
        out["running"] = False
    return out


# ---- diff -------------------------------------------------------------------


def _volume_key(volume: Any) -> dict[str, Any]:
    volume = volume or {}
    return {
        "category": str(volume.get("category") or "").upper(),
        "ownership": str(volume.get("ownership") or "MANAGED").upper(),
        "capacity": volume.get("capacity"),
        "uri": volume.get("uri"),
        "id": volume.get("id"),
    }


def _endpoints_key(endpoints: Any) -> Optional[list[tuple[str, tuple[str, ...], tuple[str, ...]]]]:
    if endpoints is None:
        return None
    keyed = []
    for endpoint in endpoints:
        service = str(endpoint.get("service") or endpoint.get("dev_service") or "").upper()
        keys = endpoint.get("key_pair_names") or endpoint.get("ssh_keys") or []
        ips = endpoint.get("allowed_access_ips") or []
        keyed.append((service, tuple(sorted(keys)), tuple(sorted(ips))))
    return sorted(keyed)


@dataclass(frozen=True)
class Plan:
    """What an update has to do, worked out once and used by diff and update alike."""

    replaces: tuple[str, ...]
    update: dict[str, Any]
    run_state: bool  # the run state differs from the declared one

    @property
    def changes(self) -> bool:
        return bool(self.replaces or self.update or self.run_state)


def plan(olds: Mapping[str, Any], news: Mapping[str, Any]) -> Plan:
    replaces: list[str] = []
    update: dict[str, Any] = {}

    for key in REPLACE_FIELDS:
        if news.get(key) is not None and news.get(key) != olds.get(key):
            replaces.append(key)

    if news.get("volume") is not None:
        old_volume, new_volume = _volume_key(olds.get("volume")), _volume_key(news.get("volume"))
        if _has_unknown(news["volume"]):
            replaces.append("volume")
        else:
            for part in ("category", "ownership", "uri", "id"):
                if new_volume[part] != old_volume[part] and (part in ("category", "ownership") or new_volume[part]):
                    replaces.append("volume")
                    break
            else:
                new_capacity, old_capacity = new_volume["capacity"], old_volume["capacity"]
                if new_capacity is not None and new_capacity != old_capacity:
                    if old_capacity is not None and new_capacity < old_capacity:
                        replaces.append("volume")  # EVS can only grow
                    else:
                        update["storage_new_size"] = new_capacity

    for key in ("name", "flavor", "image_id", "description"):
        if news.get(key) is not None and news.get(key) != olds.get(key):
            update[key] = news[key]
    if news.get("endpoints") is not None and _endpoints_key(news["endpoints"]) != _endpoints_key(olds.get("endpoints")):
        update["endpoints"] = news["endpoints"]
    if news.get("hooks") is not None and news.get("hooks") != olds.get("hooks"):
        update["hooks"] = news["hooks"]

    desired = news.get("running", True)
    run_state = desired != olds.get("running") or olds.get("status") != (S.RUNNING if desired else S.STOPPED)
    return Plan(tuple(dict.fromkeys(replaces)), update, bool(run_state))


# ---- the provider -------------------------------------------------------------


class NotebookProvider(ResourceProvider):
    """CRUD of one ModelArts notebook; shared by every Notebook of a program."""

    serialize_as_secret_always = False

    def __init__(self) -> None:
        super().__init__()
        self._settings: Optional[ProviderSettings] = None
        self._config_error: Optional[str] = None
        self._client_instance: Optional[ModelArtsClient] = None
        self._lookups: dict[str, Any] = {}

    # The provider is pickled into state: ship only the class, never a client.
    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]

    # ---- configuration ----

    def configure(self, req: ConfigureRequest) -> None:
        raw = getattr(req.config, "_props", {}) or {}
        try:
            self._settings = load_settings(req.config.get, os.environ)
            typos = unknown_keys(list(raw))
            if typos:
                raise ConfigurationError(
                    f"unknown configuration keys {', '.join(typos)}; known modelarts keys: "
                    "region, projectId, projectName, endpoint, authUrl, accessKey, secretKey, username, password, domainName"
                )
        except ConfigurationError as error:
            self._settings, self._config_error = None, str(error)

    _lock = threading.Lock()

    def _client(self) -> ModelArtsClient:
        if self._settings is None:
            raise ConfigurationError(self._config_error or "the ModelArts provider was not configured")
        with NotebookProvider._lock:
            if self._client_instance is None:
                settings = self._settings
                auth = settings.make_auth()
                project_id = settings.project_id or _project_id_from_token(auth)
                self._client_instance = ModelArtsClient(settings.endpoint, project_id, auth)
            return self._client_instance

    # ---- check ----

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        if self._config_error:
            return CheckResult(news, [CheckFailure("", self._config_error)])
        validated, failures = validate_inputs(news)
        if validated is not None and not failures:
            failures.extend(self._check_catalogue(validated))
        inputs = dict(news)
        if validated is not None:
            inputs.update(validated.model_dump(mode="json", include=set(news) | {"running"}, exclude_none=True))
        inputs.setdefault("running", True)
        return CheckResult(inputs, failures)

    def _check_catalogue(self, inputs: NotebookInputs) -> list[CheckFailure]:
        """Flavor and image must exist: a read-only lookup, cached per process."""
        failures: list[CheckFailure] = []
        try:
            client = self._client()
            flavors = self._cached("flavors", lambda: sorted(f.id for f in client.list_flavors() if f.id))
            if flavors and inputs.flavor != UNKNOWN and inputs.flavor not in flavors:
                failures.append(CheckFailure("flavor", f"unknown flavor {inputs.flavor!r}; available: {', '.join(flavors)}"))
            try:
                if inputs.image_id != UNKNOWN:
                    self._cached(f"image:{inputs.image_id}", lambda: client.get_image(inputs.image_id))
            except NotFoundError:
                failures.append(
                    CheckFailure("image_id", f"no image with id {inputs.image_id!r} (list them with GET /v1/{{project_id}}/images)")
                )
        except ModelArtsError as error:
            failures.append(CheckFailure("", f"could not check flavor and image against the service: {error}"))
        return failures

    def _cached(self, key: str, load: Any) -> Any:
        if key not in self._lookups:
            self._lookups[key] = load()
        return self._lookups[key]

    # ---- diff ----

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changes = plan(olds, news)
        return DiffResult(
            changes=changes.changes,
            replaces=list(changes.replaces),
            stables=["notebook_id"],
            # Side by side would need twice the quota (10 per account) and the old
            # work directory is destroyed either way.
            delete_before_replace=True,
        )

    # ---- create ----

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = NotebookInputs.model_validate({k: props[k] for k in INPUT_KEYS if props.get(k) is not None})
        client = self._client()
        created = client.create_notebook(inputs.create_request())
        if not created.id:
            raise ModelArtsError(f"the service accepted notebook {inputs.name!r} but returned no id")
        notebook_id = created.id
        notebook = self._wait(client, notebook_id, inputs.name, waiter.NOTEBOOK_CREATED, "create", first=created)
        if not inputs.running:
            notebook = self._stop(client, notebook_id, inputs.name)
        return CreateResult(notebook_id, outputs(props, notebook))

    # ---- read ----

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        notebook = self._client().find_notebook(id_)
        if notebook is None:
            return ReadResult(id_="", outs={})  # gone: the engine drops it from state
        return ReadResult(id_, outputs(props, notebook))

    # ---- update ----

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = NotebookInputs.model_validate({k: news[k] for k in INPUT_KEYS if news.get(k) is not None})
        client = self._client()
        notebook = self._settled(client, id_, inputs.name)
        current = outputs(olds, notebook)
        changes = plan(current, news)

        if changes.update:
            request = UpdateNotebookRequest.model_validate(changes.update)
            if any(key in changes.update for key in NEEDS_STOPPED) and notebook.status != S.STOPPED:
                if "flavor" in changes.update:
                    self._check_switchable(client, id_, inputs.name, inputs.flavor)
                notebook = self._stop(client, id_, inputs.name)
            client.update_notebook(id_, request)
            notebook = self._settled(client, id_, inputs.name)

        if inputs.running and notebook.status != S.RUNNING:
            notebook = self._start(client, id_, inputs.name)
        elif not inputs.running and notebook.status != S.STOPPED:
            notebook = self._stop(client, id_, inputs.name)
        return UpdateResult(outputs(news, notebook))

    def _check_switchable(self, client: ModelArtsClient, notebook_id: str, name: str, flavor: str) -> None:
        """Fail before stopping anything if the service will refuse the flavor (6792)."""
        allowed = sorted(f.id for f in client.list_switchable_flavors(notebook_id) if f.id)
        if allowed and flavor not in allowed:
            raise ConfigurationError(
                f"notebook {name!r} ({notebook_id}) cannot switch to flavor {flavor!r}; "
                f"it can switch to: {', '.join(allowed)}. Nothing was changed."
            )

    # ---- delete ----

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        client = self._client()
        name = str(props.get("name") or id_)
        notebook = client.find_notebook(id_)
        if notebook is None:
            return
        if notebook.status in TRANSIENT_STATUSES and notebook.status != S.DELETING:
            notebook = self._settled(client, id_, name, allow_gone=True)  # type: ignore[assignment]
            if notebook is None:
                return
        if notebook.status == S.RUNNING:
            self._stop(client, id_, name)
        first: Optional[NotebookModel] = None
        if notebook.status != S.DELETING:
            try:
                first = client.delete_notebook(id_)
            except NotFoundError:
                return
            except ApiError as error:
                if error.error_code != "ModelArts.6304":  # "stop the instance before deleting"
                    raise
                self._stop(client, id_, name)
                first = client.delete_notebook(id_)
        self._wait(client, id_, name, waiter.NOTEBOOK_DELETED, "delete", first=first if first and first.status else None)

    # ---- run state ----

    def _start(self, client: ModelArtsClient, notebook_id: str, name: str) -> NotebookModel:
        try:
            first = client.start_notebook(notebook_id)
        except ApiError as error:
            if error.error_code not in ALREADY_RUNNING | {BUSY}:
                raise
            first = None
        return self._wait(client, notebook_id, name, waiter.NOTEBOOK_RUNNING, "start", first=_if_status(first))

    def _stop(self, client: ModelArtsClient, notebook_id: str, name: str) -> NotebookModel:
        try:
            first = client.stop_notebook(notebook_id)
        except ApiError as error:
            if error.error_code not in ALREADY_STOPPED | {BUSY}:
                raise
            first = None
        return self._wait(client, notebook_id, name, waiter.NOTEBOOK_STOPPED, "stop", first=_if_status(first))

    def _settled(self, client: ModelArtsClient, notebook_id: str, name: str, allow_gone: bool = False) -> Optional[NotebookModel]:
        notebook = waiter.wait_for(
            lambda: client.find_notebook(notebook_id),
            waiter.NOTEBOOK_SETTLED,
            notebook_id=notebook_id,
            name=name,
            timeout=TIMEOUTS["update"],
        )
        if notebook is None and not allow_gone:
            raise NotFoundError(
                404, "ModelArts.6309", "the notebook was deleted outside this program; run `pulumi refresh`",
                method="GET", path=f"/notebooks/{notebook_id}", notebook_id=notebook_id,
            )
        return notebook

    def _wait(
        self,
        client: ModelArtsClient,
        notebook_id: str,
        name: str,
        rule: waiter.WaitRule,
        operation: str,
        first: Optional[NotebookModel] = None,
    ) -> NotebookModel:
        notebook = waiter.wait_for(
            lambda: client.find_notebook(notebook_id),
            rule,
            notebook_id=notebook_id,
            name=name,
            timeout=TIMEOUTS[operation],
            first=first,
        )
        if notebook is None:
            return NotebookModel(id=notebook_id, status=S.DELETED)
        # Transition answers and waits may lack fields (the create answer has no url).
        if notebook is first:
            notebook = client.get_notebook(notebook_id)
        return notebook


def _if_status(notebook: Optional[NotebookModel]) -> Optional[NotebookModel]:
    return notebook if notebook is not None and notebook.status else None


def _project_id_from_token(auth: Any) -> str:
    auth.token()
    project_id = getattr(auth, "resolved_project_id", None)
    if not project_id:
        raise ConfigurationError("could not learn the project id from the IAM token; set modelarts:projectId")
    return str(project_id)


# ---- the resource -------------------------------------------------------------

_PROVIDER = NotebookProvider()

VolumeInput = Union[Mapping[str, Any], "pulumi.Input[Mapping[str, Any]]"]


@dataclass
class NotebookArgs:
    """Typed inputs of a Notebook (the keyword arguments of `Notebook`, as one object)."""

    name: pulumi.Input[str]
    flavor: pulumi.Input[str]
    image_id: pulumi.Input[str]
    volume: VolumeInput
    running: pulumi.Input[bool] = True
    description: Optional[pulumi.Input[str]] = None
    endpoints: Optional[pulumi.Input[Sequence[Mapping[str, Any]]]] = None
    workspace_id: Optional[pulumi.Input[str]] = None
    pool_id: Optional[pulumi.Input[str]] = None
    feature: Optional[pulumi.Input[str]] = None
    hooks: Optional[pulumi.Input[Mapping[str, Any]]] = None


class Notebook(Resource, module="modelarts", name="Notebook"):
    """A ModelArts notebook instance whose run state is declared by `running`."""

    notebook_id: pulumi.Output[str]
    status: pulumi.Output[str]
    url: pulumi.Output[Optional[str]]
    token: pulumi.Output[Optional[str]]
    name: pulumi.Output[str]
    flavor: pulumi.Output[str]
    image_id: pulumi.Output[str]
    image: pulumi.Output[dict]
    volume: pulumi.Output[dict]
    lease: pulumi.Output[Optional[dict]]
    endpoints: pulumi.Output[Optional[list]]
    fail_reason: pulumi.Output[Optional[str]]
    running: pulumi.Output[bool]

    def __init__(
        self,
        resource_name: str,
        args: Optional[NotebookArgs] = None,
        *,
        name: Optional[pulumi.Input[str]] = None,
        flavor: Optional[pulumi.Input[str]] = None,
        image_id: Optional[pulumi.Input[str]] = None,
        volume: Optional[VolumeInput] = None,
        running: pulumi.Input[bool] = True,
        description: Optional[pulumi.Input[str]] = None,
        endpoints: Optional[pulumi.Input[Sequence[Mapping[str, Any]]]] = None,
        workspace_id: Optional[pulumi.Input[str]] = None,
        pool_id: Optional[pulumi.Input[str]] = None,
        feature: Optional[pulumi.Input[str]] = None,
        hooks: Optional[pulumi.Input[Mapping[str, Any]]] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        if args is None:
            args = NotebookArgs(
                name=name if name is not None else resource_name,
                flavor=flavor,  # type: ignore[arg-type]
                image_id=image_id,  # type: ignore[arg-type]
                volume=volume,  # type: ignore[arg-type]
                running=running,
                description=description,
                endpoints=endpoints,
                workspace_id=workspace_id,
                pool_id=pool_id,
                feature=feature,
                hooks=hooks,
            )
        props: dict[str, Any] = {key: getattr(args, key) for key in INPUT_KEYS}
        props.update({key: None for key in OUTPUT_KEYS})
        secret = pulumi.ResourceOptions(additional_secret_outputs=["token"])
        super().__init__(_PROVIDER, resource_name, props, pulumi.ResourceOptions.merge(opts, secret))
