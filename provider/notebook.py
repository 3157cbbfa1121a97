"""The dynamic-resource front end: the `Notebook` resource and its provider.

A program imports this module to declare notebooks, so it stays light: the
provider object here is what the SDK pickles into state (the class only, no
client, no configuration; its module path is a promise to recorded state) and
it hands every call to the core's `NotebookService`, which `configure()` loads
in the dynamic-provider process, translating the core's answers into the
dynamic-provider SDK's results.
"""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence, Union

import pulumi
from pulumi import Input
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
from pulumi.errors import RunError

from .core import trace
from .core.errors import ConfigurationError, ModelArtsError
from .core.fields import OUTPUT_KEYS, STABLE_OUTPUTS
from .core.identity import resource_identity
from .sdk_server_patch import adapt_server

if TYPE_CHECKING:
    from .core.service import NotebookService


class ProgramError(ModelArtsError, RunError):
    """A program declared a resource wrongly (an unknown or missing argument).

    Also a `RunError`, which Pulumi's language hosts report as its message alone:
    the fix is in the program, and a traceback of the SDK would hide it.
    """


class EngineLog:
    """The core's messages, to the engine's log (shown by the CLI)."""

    def debug(self, message: str) -> None:
        pulumi.log.debug(message)

    def info(self, message: str) -> None:
        pulumi.log.info(message)

    def warn(self, message: str) -> None:
        pulumi.log.warn(message)


# The SDK's results allow `outs=None` (a provider that keeps no outputs); these
# say that this provider always answers its outputs, so callers may index them.
class Created(CreateResult):
    outs: dict[str, Any]


class Read(ReadResult):
    outs: dict[str, Any]


class Updated(UpdateResult):
    outs: dict[str, Any]


class NotebookProvider(ResourceProvider):
    """The engine's entry points; one instance serves every Notebook of a program."""

    serialize_as_secret_always = False

    def __init__(self) -> None:
        super().__init__()
        self._service: Optional[NotebookService] = None

    # The provider is pickled into state: ship only the class, never a client.
    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]

    def configure(self, req: ConfigureRequest) -> None:
        with trace.span("configure"):
            adapt_server()
            # What loads here (the SDK, the core, pydantic, requests) lives as long as this process: the
            # collector need not walk it while it loads, nor on each collection while notebooks are waited for.
            gc.disable()
            try:
                with trace.span("import", module="provider.core.service"):
                    from .core.service import NotebookService  # pydantic and requests: the provider process only

                keys = list(getattr(req.config, "_props", {}) or {})
                options: dict[str, Any] = {"clock": trace.TracedClock()} if trace.enabled() else {}
                self._service = NotebookService.from_config(req.config.get, keys, os.environ, reporter=EngineLog(),
                                                            **options)
            finally:
                gc.freeze()
                gc.enable()

    def use(self, service: Any) -> "NotebookProvider":
        """Serve with a service built elsewhere (a test that drives its clock, an embedding host)."""
        self._service = service
        return self

    @property
    def service(self) -> NotebookService:
        if self._service is None:
            raise ConfigurationError("the ModelArts provider was not configured")
        return self._service

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        with trace.span("verb", name="check"):
            checked = self.service.check(olds, news)
        return CheckResult(checked.inputs, [CheckFailure(p.field, p.reason) for p in checked.problems])

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        with trace.span("verb", name="diff"):
            diffed = self.service.diff(olds, news)
        return DiffResult(
            changes=diffed.changes,
            replaces=list(diffed.plan.replaces),
            stables=list(STABLE_OUTPUTS),
            # Side by side would need twice the quota (10 per account) and the old
            # work directory is destroyed either way.
            delete_before_replace=True,
        )

    def create(self, props: dict[str, Any]) -> Created:
        with trace.span("verb", name="create"):
            created = self.service.create(props)
        return Created(created.id, created.state)

    def read(self, id_: str, props: dict[str, Any]) -> Read:
        with trace.span("verb", name="read"):
            found = self.service.read(id_, props)
        if found is None:
            return Read(id_="", outs={})  # gone: the engine drops it from state
        return Read(found.id, found.state)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> Updated:
        with trace.span("verb", name="update"):
            return Updated(self.service.update(id_, olds, news))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        with trace.span("verb", name="delete"):
            self.service.delete(id_, props)


# ---- the resource ----------------------------------------------------------------

_PROVIDER = NotebookProvider()

MappingInput = Union[Mapping[str, Any], "pulumi.Input[Mapping[str, Any]]"]


@dataclass
class NotebookArgs:
    """Typed inputs of a Notebook (the keyword arguments of `Notebook`, as one object)."""

    flavor: Input[str]
    volume: MappingInput
    image_id: Optional[Input[str]] = None
    image_name: Optional[Input[str]] = None
    image_tag: Optional[Input[str]] = None
    name: Optional[Input[str]] = None
    running: Input[bool] = True
    description: Optional[Input[str]] = None
    endpoints: Optional[Input[Sequence[Mapping[str, Any]]]] = None
    workspace_id: Optional[Input[str]] = None
    pool_id: Optional[Input[str]] = None
    feature: Optional[Input[str]] = None
    hooks: Optional[MappingInput] = None
    auto_stop: Optional[MappingInput] = None
    obs_mounts: Optional[Input[Sequence[Mapping[str, Any]]]] = None
    allow_restart: Input[bool] = True
    run_state_drift: Input[str] = "enforce"
    adopt_id: Optional[Input[str]] = None
    timeouts: Optional[MappingInput] = None
    project_id: Optional[Input[str]] = None  # default: the stack's modelarts:projectId
    region: Optional[Input[str]] = None  # default: the stack's modelarts:region


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
    auto_stop_at: pulumi.Output[Optional[str]]
    ssh_address: pulumi.Output[Optional[str]]
    endpoints: pulumi.Output[Optional[list]]
    fail_reason: pulumi.Output[Optional[str]]
    running: pulumi.Output[bool]

    def __init__(
        self,
        resource_name: str,
        args: Optional[NotebookArgs] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        **kwargs: Any,
    ) -> None:
        if args is not None and kwargs:
            raise ProgramError(
                f"Notebook {resource_name!r} takes either a NotebookArgs object or keyword arguments, not both"
            )
        if args is None:
            missing = [k for k in ("flavor", "volume") if kwargs.get(k) is None]
            if kwargs.get("image_id") is None and kwargs.get("image_name") is None:
                missing.append("image_id or image_name")
            if missing:
                raise ProgramError(f"Notebook {resource_name!r} needs {', '.join(missing)}")
            unknown = sorted(set(kwargs) - set(NotebookArgs.__dataclass_fields__))
            if unknown:
                raise ProgramError(
                    f"Notebook {resource_name!r} got unknown arguments {', '.join(unknown)}; "
                    f"it takes: {', '.join(NotebookArgs.__dataclass_fields__)}"
                )
            args = NotebookArgs(**kwargs)
        props: dict[str, Any] = {key: getattr(args, key) for key in NotebookArgs.__dataclass_fields__}
        if props["name"] is None:
            props["name"] = resource_name
        props["identity"] = resource_identity(pulumi.get_project(), pulumi.get_stack(), resource_name)
        props.update({key: None for key in OUTPUT_KEYS})
        secret = pulumi.ResourceOptions(additional_secret_outputs=["token"])
        super().__init__(_PROVIDER, resource_name, props, pulumi.ResourceOptions.merge(opts, secret))
