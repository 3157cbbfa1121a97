"""The engine's entry points for `modelarts:index:Notebook`, each handed to the core's `NotebookService`.

Each method translates the request (camelCase `PropertyValue` maps) into the
core's plain snake_case dicts, runs the core's blocking verb in a worker thread
and translates the answer back. What the dynamic resource does in the program
(the default `name`, the identity marker from project, stack and resource
name) is done here from the resource's URN, the same way.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Mapping, Optional

from pulumi.provider.experimental.provider import (
    CheckFailure,
    CheckRequest,
    CheckResponse,
    ConfigureRequest,
    ConfigureResponse,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    GetSchemaRequest,
    GetSchemaResponse,
    Provider,
    ReadRequest,
    ReadResponse,
    UpdateRequest,
    UpdateResponse,
)

from ..core import trace
from ..core.errors import ConfigurationError
from ..core.fields import OUTPUTS, pulumi_name
from ..core.identity import resource_identity
from ..core.report import Reporter
from .names import in_pulumi_words, property_path, to_core, to_pulumi
from .server import Worker
from .values import plain, plain_map, property_map, secret_keys

if TYPE_CHECKING:
    from ..core.service import NotebookService

NAMESPACE = "modelarts"
# Provider inputs the engine adds itself (a default provider records the plugin version it runs).
ENGINE_KEYS = frozenset({"version", "pluginDownloadURL"})
SECRET_OUTPUTS = frozenset(o.name for o in OUTPUTS if o.secret)


def urn_parts(urn: str) -> tuple[str, str, str]:
    """(stack, project, resource name) of `urn:pulumi:<stack>::<project>::<type>::<name>`."""
    parts = urn.split("::")
    stack = parts[0].split(":", 2)[-1] if parts else ""
    return stack, parts[1] if len(parts) > 1 else "", "::".join(parts[3:])


def identity_of(urn: str) -> str:
    stack, project, name = urn_parts(urn)
    return resource_identity(project, stack, name)


class NotebookPlugin(Provider):
    """One instance serves every Notebook of a stack, many calls at once."""

    def __init__(self, version: str, reporter: Reporter, worker: Optional[Worker] = None) -> None:
        self._version = version
        self._reporter = reporter
        self._work = worker or Worker()
        self._service: Optional["NotebookService"] = None

    @property
    def service(self) -> "NotebookService":
        if self._service is None:
            raise ConfigurationError("the ModelArts provider was not configured")
        return self._service

    async def get_schema(self, request: GetSchemaRequest) -> GetSchemaResponse:
        from .schema import schema_json

        return GetSchemaResponse(schema=schema_json(self._version))

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        """The stack's `modelarts:*` settings (secrets arrive decrypted) and the `OS_*` variables."""
        settings = {f"{NAMESPACE}:{key}": plain(value)
                    for key, value in request.args.items() if key not in ENGINE_KEYS}
        for key, value in request.variables.items():  # `modelarts:config:region` in older engines' form
            if key.rsplit(":", 1)[-1] not in ENGINE_KEYS:
                settings.setdefault(key.replace(":config:", ":", 1), value)
        self._service = await self._work("", _make_service, settings, self._reporter)
        # No preview of create/update: the engine shows the inputs, and outputs stay unknown until `up`.
        return ConfigureResponse(accept_secrets=True, supports_preview=False)

    def _inputs(self, props: Mapping[str, Any], urn: str) -> dict[str, Any]:
        """Inputs as the core takes them, with the identity marker the dynamic resource sets in the program."""
        return {**to_core(plain_map(props)), "identity": identity_of(urn)} if props else {}

    async def check(self, request: CheckRequest) -> CheckResponse:
        news = self._inputs(request.new_inputs, request.urn)
        news.setdefault("name", urn_parts(request.urn)[2])
        olds = self._inputs(request.old_inputs, request.urn)
        checked = await self._work(request.urn, self.service.check, olds, news)
        inputs = {key: value for key, value in checked.inputs.items() if key != "identity"}
        return CheckResponse(
            inputs=property_map(to_pulumi(inputs), secret_keys(request.new_inputs)),
            failures=[CheckFailure(property_path(p.field), in_pulumi_words(p.reason)) for p in checked.problems],
        )

    async def diff(self, request: DiffRequest) -> DiffResponse:
        from .diff import diff_response

        olds = to_core(plain_map(request.old_state))
        news = self._inputs(request.new_inputs, request.urn)
        diffed = await self._work(request.urn, self.service.diff, olds, news)
        return diff_response(diffed, olds, news)

    async def create(self, request: CreateRequest) -> CreateResponse:
        props = self._inputs(request.properties, request.urn)
        created = await self._work(request.urn, self.service.create, props)
        return CreateResponse(created.id, self._outputs(created.state, request.properties))

    async def read(self, request: ReadRequest) -> ReadResponse:
        """Refresh (prior state given) or `pulumi import` (none: the live notebook declares the inputs)."""
        if not request.properties:
            imported = await self._work(request.urn, self.service.import_, request.resource_id,
                                        identity_of(request.urn))
            inputs = property_map(to_pulumi(imported.inputs))
            return ReadResponse(imported.id, self._outputs(imported.state, {}), inputs)
        props = to_core(plain_map(request.properties))
        found = await self._work(request.urn, self.service.read, request.resource_id, props)
        if found is None:
            return ReadResponse(resource_id="")  # gone: the engine drops it from state
        return ReadResponse(found.id, self._outputs(found.state, request.properties), request.inputs)

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        olds = to_core(plain_map(request.olds))
        news = self._inputs(request.news, request.urn)
        state = await self._work(request.urn, self.service.update, request.resource_id, olds, news)
        return UpdateResponse(self._outputs(state, request.news))

    async def delete(self, request: DeleteRequest) -> None:
        props = to_core(plain_map(request.properties))
        await self._work(request.urn, self.service.delete, request.resource_id, props)

    def _outputs(self, state: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
        """The state in Pulumi's names; the token, and whatever came in secret, stay secret."""
        secrets = secret_keys(given) | {pulumi_name(key) for key in SECRET_OUTPUTS}
        return property_map(to_pulumi(dict(state)), secrets)


def _make_service(settings: Mapping[str, Any], reporter: Reporter) -> "NotebookService":
    with trace.span("configure"):
        with trace.span("import", module="provider.core.service"):
            from ..core.service import NotebookService  # pydantic: loaded by the first call that needs it

        def get(key: str) -> Optional[str]:
            value = settings.get(key)
            return None if value is None else str(value)

        options: dict[str, Any] = {"clock": trace.TracedClock()} if trace.enabled() else {}
        return NotebookService.from_config(get, list(settings), os.environ, reporter=reporter, **options)
