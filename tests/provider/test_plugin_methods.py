"""The plugin's methods called directly, against the emulator over loopback: names, import,
clean errors, the engine's log and room for many calls at once."""

from __future__ import annotations

import asyncio
import threading
from concurrent import futures
from typing import Any

import grpc
import pytest
from google.protobuf import struct_pb2
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import (
    CheckRequest, ConfigureRequest, DiffRequest, ReadRequest,
)
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2
from google.protobuf import empty_pb2

from provider.core.errors import ModelArtsError
from provider.core.importing import UnknownNotebook
from provider.plugin.provider import NotebookPlugin
from provider.plugin.server import CleanServicer, EngineLog, Worker
from provider.plugin.values import plain_map, property_map
from testkit.emulators import ACCESS_KEY, BIG_CPU_FLAVOR, CPU_FLAVOR, IMAGE_ID, PROJECT_ID, SECRET_KEY, Emulator
from testkit.plugins import seed_notebook

# The front end is the subject here; the service's readings are the dynamic resource's tests'.
READINGS = ("lenient",)
URN = "urn:pulumi:dev::proj::modelarts:index:Notebook::nb"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


class Recorder:
    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []

    def debug(self, message: str) -> None: ...

    def info(self, message: str) -> None:
        self.messages.append(("info", message))

    def warn(self, message: str) -> None:
        self.messages.append(("warn", message))


def settings(emulator: Emulator, **extra: str) -> dict[str, PropertyValue]:
    values = {"endpoint": emulator.url, "region": "eu-de", "projectId": PROJECT_ID, "accessKey": ACCESS_KEY,
              "version": "0.1.0", **extra}
    return {**property_map(values), "secretKey": PropertyValue(SECRET_KEY, is_secret=True)}


def configured(emulator: Emulator, reporter: Any = None, **extra: str) -> NotebookPlugin:
    plugin = NotebookPlugin("0.1.0", reporter or Recorder())
    asyncio.run(plugin.configure(ConfigureRequest({}, settings(emulator, **extra), True, False)))
    return plugin


def inputs(**overrides: Any) -> dict[str, PropertyValue]:
    values = {"flavor": CPU_FLAVOR, "imageId": IMAGE_ID, "volume": {"category": "EVS", "capacity": 5}, **overrides}
    return property_map(values)


def test_check_failures_name_properties_as_the_program_wrote_them(emulator: Emulator) -> None:
    plugin = configured(emulator)
    news = inputs(autoStop={"duration": 5}, obsMounts=[{"uri": "obs://bucket/x/", "mountPath": "/tmp/"}],
                  colour="red")
    checked = asyncio.run(plugin.check(CheckRequest(URN, {}, news, b"")))
    failures = {f.property: f.reason for f in checked.failures or []}
    assert set(failures) == {"autoStop.duration", "obsMounts[0].mountPath", "colour"}
    assert "the Notebook resource takes: name, flavor, imageId" in failures["colour"]
    [rule] = asyncio.run(plugin.check(CheckRequest(URN, {}, inputs(imageTag="v1"), b""))).failures or []
    assert (rule.property, rule.reason) == ("", "imageTag goes with imageName")  # the inputs as a whole
    assert emulator.mutating() == []


def test_check_defaults_the_name_and_records_no_identity_input(emulator: Emulator) -> None:
    checked = asyncio.run(configured(emulator).check(CheckRequest(URN, {}, inputs(), b"")))
    assert checked.failures is not None and list(checked.failures) == []
    assert plain_map(checked.inputs or {}) == {
        "name": "nb", "flavor": CPU_FLAVOR, "imageId": IMAGE_ID, "running": True,
        "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 5.0}}


def test_a_typo_in_the_configuration_fails_the_check_naming_the_known_keys(emulator: Emulator) -> None:
    plugin = configured(emulator, regoin="eu-de")
    [failure] = asyncio.run(plugin.check(CheckRequest(URN, {}, inputs(), b""))).failures or []
    assert "unknown configuration keys modelarts:regoin" in failure.reason
    assert "version" not in failure.reason  # the engine's own provider input is not a setting


def test_import_reads_a_notebook_made_elsewhere_as_inputs_that_declare_it(emulator: Emulator) -> None:
    seed_notebook(emulator, "5e1f0c2a-9d7b-4c3e-8a61-0b2d4f6e8a10", "made-elsewhere", "STOPPED",
                  description="from the console")
    read = asyncio.run(configured(emulator).read(ReadRequest(URN, "5e1f0c2a-9d7b-4c3e-8a61-0b2d4f6e8a10", {}, {})))
    assert plain_map(read.inputs) == {
        "name": "made-elsewhere", "flavor": CPU_FLAVOR, "imageId": IMAGE_ID, "running": False,
        "description": "from the console", "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 5.0}}
    assert read.properties["status"] == PropertyValue("STOPPED") and read.properties["token"].is_secret
    assert emulator.mutating() == []


def test_import_of_an_unknown_id_fails_clearly(emulator: Emulator) -> None:
    with pytest.raises(UnknownNotebook, match=r"no notebook with id .* nothing to import"):
        asyncio.run(configured(emulator).read(ReadRequest(URN, UNKNOWN_ID, {}, {})))


class Aborted(Exception):
    pass


class Context:
    """A gRPC call's context, as the server hands it to the servicer."""

    def __init__(self) -> None:
        self.aborted: tuple[Any, str] = (None, "")

    async def abort(self, code: Any, details: str) -> None:
        self.aborted = (code, details)
        raise Aborted(details)


def test_the_engine_gets_the_core_s_message_without_a_traceback(emulator: Emulator) -> None:
    servicer = CleanServicer([], "0.1.0", configured(emulator), engine_address="")
    request = provider_pb2.ReadRequest(id=UNKNOWN_ID, urn=URN, properties=struct_pb2.Struct())
    context = Context()
    with pytest.raises(Aborted):
        asyncio.run(servicer.Read(request, context))
    code, details = context.aborted
    assert code == grpc.StatusCode.UNKNOWN
    assert details.startswith(f"no notebook with id '{UNKNOWN_ID}'") and "File " not in details and "\n" not in details


class Engine(engine_pb2_grpc.EngineServicer):
    def __init__(self) -> None:
        self.logs: list[engine_pb2.LogRequest] = []

    def Log(self, request: engine_pb2.LogRequest, context: Any) -> empty_pb2.Empty:
        self.logs.append(request)
        return empty_pb2.Empty()


def test_preview_notes_reach_the_engine_s_log_on_the_notebook_they_concern(emulator: Emulator) -> None:
    engine, server = Engine(), grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    engine_pb2_grpc.add_EngineServicer_to_server(engine, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        plugin = configured(emulator, EngineLog(f"127.0.0.1:{port}"))
        olds = property_map({"name": "nb", "flavor": CPU_FLAVOR, "imageId": IMAGE_ID, "running": True,
                             "status": "RUNNING", "notebookId": "id-1",
                             "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 5}})
        news = inputs(name="nb", flavor=BIG_CPU_FLAVOR, running=True)
        diffed = asyncio.run(plugin.diff(DiffRequest(URN, "id-1", olds, news, [])))
    finally:
        server.stop(None)
    assert set(diffed.detailed_diff) == {"flavor"}
    warnings = [log for log in engine.logs if log.severity == engine_pb2.WARNING]
    assert [log.urn for log in warnings] == [URN]
    assert "changing flavor needs a stopped notebook: it will be stopped and started again" in warnings[0].message


def test_many_calls_wait_at_once() -> None:
    """40 calls that each wait for all the others finish: the worker pool is no ceiling."""
    barrier = threading.Barrier(40, timeout=10)
    work = Worker()

    async def all_at_once() -> list[int]:
        return list(await asyncio.gather(*(work(URN, barrier.wait) for _ in range(40))))

    assert sorted(asyncio.run(all_at_once())) == list(range(40))


def test_the_core_s_words_use_the_program_s_names_the_service_s_stay_its_own() -> None:
    from provider.core.errors import ApiError, ConfigurationError
    from provider.plugin.server import _clean

    for failure, expected in (
        (ConfigurationError("adopt_id: no notebook"), "adoptId: no notebook"),
        (ApiError(400, "ModelArts.0001", "image_id is invalid", method="PUT", path="/v1/p/notebooks/x"),
         "PUT /v1/p/notebooks/x failed: HTTP 400 ModelArts.0001: image_id is invalid"),
    ):
        async def failing(_self: Any, _request: Any, _context: Any, cause: Exception = failure) -> None:
            raise Exception("wrapped with a traceback") from cause

        context = Context()
        with pytest.raises(Aborted):
            asyncio.run(_clean(failing)(None, None, context))
        assert context.aborted[1] == expected


def test_import_of_a_notebook_being_deleted_fails_clearly(emulator: Emulator) -> None:
    seed_notebook(emulator, UNKNOWN_ID, "going-away", "RUNNING")
    emulator.force_status(UNKNOWN_ID, "DELETING")
    with pytest.raises(ModelArtsError, match=r"'going-away'.* is being deleted by the service: nothing to import"):
        asyncio.run(configured(emulator).read(ReadRequest(URN, UNKNOWN_ID, {}, {})))
