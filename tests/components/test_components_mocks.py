"""TeamWorkspace under Pulumi's mocks (structure, names, outputs, overrides, the
running switch) and RunSchedule answers for fixed instants.

Europe/Berlin changes clocks on the last Sunday of March (02:00 CET -> 03:00 CEST,
at 01:00 UTC) and of October (03:00 CEST -> 02:00 CET, at 01:00 UTC): in 2024 on
31 March and 27 October.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable, Optional

import pulumi
import pytest

from components import (
    RunSchedule,
    ScheduleError,
    ScheduleException,
    TeamWorkspace,
    TeamWorkspaceArgs,
    TeamWorkspaceError,
    notebook_name,
    parse_instant,
)
from components.team_workspace import plan_members
from provider.core.fields import NAME_PATTERN

CPU = "modelarts.vm.cpu.2u"
BIG_CPU = "modelarts.vm.cpu.8u"
IMAGE = "e1a07296-22a8-4f05-8bc8-e936c8e54090"
SHARED = {
    "flavor": CPU,
    "image_id": IMAGE,
    "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 5},
    "description": "team notebook",
}
WORKSPACE_TYPE = "modelarts:components:TeamWorkspace"
NOTEBOOK_TYPE = "pulumi-python:dynamic/modelarts:Notebook"
UTC = timezone.utc


# ---- mocks ---------------------------------------------------------------------------


class NotebookMocks(pulumi.runtime.Mocks):
    """Records every registration; a Notebook comes back RUNNING or STOPPED as declared."""

    def __init__(self) -> None:
        self.registered: dict[str, pulumi.runtime.MockResourceArgs] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        self.registered[args.name] = args
        if not args.typ.endswith("modelarts:Notebook"):
            return f"{args.name}-id", dict(args.inputs)
        notebook_id = f"nb-{args.name}"
        running = args.inputs.get("running", True)
        outputs = {
            **args.inputs,
            "notebook_id": notebook_id,
            "status": "RUNNING" if running else "STOPPED",
            "url": f"https://notebooks.example/{notebook_id}/lab",
            "volume": {**args.inputs["volume"], "mount_path": "/home/ma-user/work"},
            "running": running,
        }
        return notebook_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, Optional[list[tuple[str, str]]]]:
        return {}, []  # no failures (the SDK iterates them, so not None)

    def notebooks(self) -> dict[str, dict[str, Any]]:
        return {name: a.inputs for name, a in self.registered.items() if a.typ == NOTEBOOK_TYPE}


@pytest.fixture
def mocks() -> NotebookMocks:
    recorder = NotebookMocks()
    pulumi.runtime.set_mocks(recorder, project="components", stack="test", preview=False)
    return recorder


def resolved(outputs: dict[str, pulumi.Output], check: Callable[[dict[str, Any]], None]) -> pulumi.Output:
    """Run `check` on the values of `outputs` once every one is known."""
    return pulumi.Output.all(**outputs).apply(check)


# ---- TeamWorkspace structure ------------------------------------------------------------


@pulumi.runtime.test
def test_one_child_notebook_per_member_under_the_component(mocks: NotebookMocks) -> pulumi.Output:
    workspace = TeamWorkspace("team", members=["anna", "ben", "chris"], notebook=SHARED)
    assert set(workspace.notebooks) == {"anna", "ben", "chris"}

    def check(values: dict[str, Any]) -> None:
        assert mocks.registered["team"].typ == WORKSPACE_TYPE
        notebooks = mocks.notebooks()
        assert set(notebooks) == {"team-anna", "team-ben", "team-chris"}
        for member in ("anna", "ben", "chris"):
            inputs = notebooks[f"team-{member}"]
            assert inputs["name"] == f"team-{member}"
            assert inputs["flavor"] == CPU and inputs["image_id"] == IMAGE
            assert inputs["volume"] == SHARED["volume"] and inputs["running"] is True
        # The notebooks are children of the component: its type is in their URNs.
        assert values["anna_urn"].endswith(f"::{WORKSPACE_TYPE}${NOTEBOOK_TYPE}::team-anna")
        assert values["urls"] == {m: f"https://notebooks.example/nb-team-{m}/lab" for m in ("anna", "ben", "chris")}
        assert values["statuses"] == {"anna": "RUNNING", "ben": "RUNNING", "chris": "RUNNING"}
        assert values["notebook_ids"] == {m: f"nb-team-{m}" for m in ("anna", "ben", "chris")}
        assert values["volumes"]["ben"]["mount_path"] == "/home/ma-user/work"

    return resolved(
        {"anna_urn": workspace.notebooks["anna"].urn, "urls": workspace.urls, "statuses": workspace.statuses,
         "notebook_ids": workspace.notebook_ids, "volumes": workspace.volumes},
        check,
    )


@pulumi.runtime.test
def test_one_running_switch_stops_every_notebook(mocks: NotebookMocks) -> pulumi.Output:
    workspace = TeamWorkspace("team", members=["anna", "ben"], notebook=SHARED, running=False)

    def check(values: dict[str, Any]) -> None:
        assert {n: i["running"] for n, i in mocks.notebooks().items()} == {"team-anna": False, "team-ben": False}
        assert values["statuses"] == {"anna": "STOPPED", "ben": "STOPPED"}

    return resolved({"statuses": workspace.statuses}, check)


@pulumi.runtime.test
def test_the_switch_may_be_an_output(mocks: NotebookMocks) -> pulumi.Output:
    workspace = TeamWorkspace("team", members=["anna"], notebook=SHARED, running=pulumi.Output.from_input(False))
    return resolved({"statuses": workspace.statuses}, lambda v: _equal(v["statuses"], {"anna": "STOPPED"}))


def _equal(actual: Any, expected: Any) -> None:
    assert actual == expected


@pulumi.runtime.test
def test_overrides_change_one_member_and_its_running_wins(mocks: NotebookMocks) -> pulumi.Output:
    workspace = TeamWorkspace(
        "team",
        members=["anna", "ben", "chris"],
        notebook=SHARED,
        running=False,
        overrides={
            "ben": {"running": True, "flavor": BIG_CPU, "volume": {"capacity": 50}},
            "chris": {"description": None, "name": "chris-gpu-box", "running": None},
        },
    )

    def check(values: dict[str, Any]) -> None:
        notebooks = mocks.notebooks()
        anna, ben, chris = notebooks["team-anna"], notebooks["team-ben"], notebooks["team-chris"]
        assert anna["running"] is False and anna["flavor"] == CPU and anna["volume"]["capacity"] == 5
        # Nested mappings merge: only the capacity changes, the category stays.
        assert ben["running"] is True and ben["flavor"] == BIG_CPU
        assert ben["volume"] == {"category": "EVS", "ownership": "MANAGED", "capacity": 50}
        # None removes a shared input; an explicit name replaces the derived one.
        assert "description" not in chris and chris["name"] == "chris-gpu-box"
        assert anna["description"] == "team notebook"
        assert values["statuses"] == {"anna": "STOPPED", "ben": "RUNNING", "chris": "STOPPED"}

    return resolved({"statuses": workspace.statuses}, check)


@pulumi.runtime.test
def test_typed_args_give_the_same_notebooks(mocks: NotebookMocks) -> pulumi.Output:
    args = TeamWorkspaceArgs(members=["anna", "ben"], notebook=SHARED, overrides={"ben": {"running": False}},
                             running=True, name_prefix="ml-team")
    workspace = TeamWorkspace("team", args)

    def check(values: dict[str, Any]) -> None:
        notebooks = mocks.notebooks()
        # The Pulumi names follow the resource name; the API names follow the prefix.
        assert set(notebooks) == {"team-anna", "team-ben"}
        assert notebooks["team-anna"]["name"] == "ml-team-anna"
        assert values["statuses"] == {"anna": "RUNNING", "ben": "STOPPED"}

    return resolved({"statuses": workspace.statuses}, check)


@pulumi.runtime.test
def test_a_schedule_drives_the_switch(mocks: NotebookMocks) -> pulumi.Output:
    schedule = RunSchedule(timezone="Europe/Berlin", days=["mon-fri"], start="08:00", stop="19:00")
    saturday = datetime(2024, 6, 8, 10, 0, tzinfo=UTC)
    workspace = TeamWorkspace("team", members=["anna"], notebook=SHARED, running=schedule.running_at(saturday))
    return resolved({"statuses": workspace.statuses}, lambda v: _equal(v["statuses"], {"anna": "STOPPED"}))


def test_children_do_not_depend_on_member_order_or_neighbours() -> None:
    before = plan_members("team", TeamWorkspaceArgs(members=["anna", "ben", "chris"], notebook=SHARED))
    after = plan_members("team", TeamWorkspaceArgs(members=["chris", "anna"], notebook=SHARED))
    # Removing ben and reordering leaves anna's and chris's inputs exactly as they were.
    assert after == {"chris": before["chris"], "anna": before["anna"]}


def test_notebook_names_are_sanitised_and_valid_for_the_api() -> None:
    assert notebook_name("team", "anna.schmidt@example.com") == "team-anna-schmidt-example-com"
    assert notebook_name("Data Team", "Bo Li") == "Data-Team-Bo-Li"
    long = notebook_name("x" * 100, "y" * 100)
    assert len(long) == 128 and NAME_PATTERN.match(long)
    assert long == notebook_name("x" * 100, "y" * 100)  # stable from run to run
    assert long != notebook_name("x" * 100, "y" * 99 + "z")  # distinct names stay distinct
    assert re.fullmatch(r"x{100}-y{18}-[0-9a-f]{8}", long)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"members": []}, "members is empty"),
        ({"members": "anna"}, "members must be a list"),
        ({"members": ["anna", "  "]}, "member '  ' is not a non-empty string"),
        ({"members": ["anna", "..."]}, "member '...' has no letter or digit"),
        ({"members": ["anna.b", "anna/b"]}, "members 'anna.b', 'anna/b' are the same after sanitising"),
        ({"overrides": {"bob": {"running": True}}}, "overrides name unknown member(s) bob; members are: anna, ben"),
        ({"notebook": {**SHARED, "name": "x"}}, "notebook['name'] is not allowed"),
        ({"notebook": {**SHARED, "running": False}}, "notebook['running'] is not allowed"),
        ({"notebook": {**SHARED, "flavour": CPU}}, "notebook has unknown input(s) flavour; Notebook takes:"),
        ({"overrides": {"ben": {"name": "has space"}}}, "overrides['ben']['name'] must be 1-128 characters"),
        ({"overrides": {"ben": {"name": "same"}, "anna": {"name": "same"}}},
         "notebook name(s) same would be used twice"),
    ],
)
def test_bad_declarations_fail_with_a_clear_error(kwargs: dict[str, Any], message: str) -> None:
    arguments = {"members": ["anna", "ben"], "notebook": SHARED, **kwargs}
    with pytest.raises(TeamWorkspaceError) as error:
        TeamWorkspace("team", **arguments)
    assert message in str(error.value)
    assert str(error.value).startswith("TeamWorkspace 'team': ")


def test_args_object_and_keywords_do_not_mix() -> None:
    with pytest.raises(TeamWorkspaceError, match="either a TeamWorkspaceArgs object or keyword arguments"):
        TeamWorkspace("team", TeamWorkspaceArgs(members=["a"], notebook=SHARED), members=["b"])
    with pytest.raises(TeamWorkspaceError, match="needs members"):
        TeamWorkspace("team", notebook=SHARED)


# ---- RunSchedule -------------------------------------------------------------------------


def at(text: str) -> datetime:
    return parse_instant(text)


OFFICE = RunSchedule(timezone="Europe/Berlin", days=["mon", "tue", "wed", "thu", "fri"], start="08:00", stop="19:00")
DAILY = RunSchedule(timezone="Europe/Berlin", start="08:00", stop="19:00")


@pytest.mark.parametrize(
    "instant, running",
    [
        ("2024-06-03T05:59:59Z", False),  # Monday 07:59:59 CEST
        ("2024-06-03T06:00:00Z", True),  # 08:00 CEST: the start is inclusive
        ("2024-06-03T16:59:59Z", True),
        ("2024-06-03T17:00:00Z", False),  # 19:00 CEST: the stop is exclusive
        ("2024-06-07T12:00:00Z", True),  # Friday
        ("2024-06-08T10:00:00Z", False),  # Saturday
        ("2024-06-09T10:00:00Z", False),  # Sunday
        ("2024-01-15T06:30:00Z", False),  # Monday in winter: 07:30 CET
        ("2024-01-15T07:00:00Z", True),  # 08:00 CET
        ("2024-06-03T08:00:00+02:00", True),  # the same instant in any notation
    ],
)
def test_office_hours(instant: str, running: bool) -> None:
    assert OFFICE.running_at(at(instant)) is running


def test_the_same_instant_gives_the_same_answer_in_any_offset() -> None:
    instant = datetime(2024, 6, 3, 6, 0, tzinfo=UTC)
    for hours in (-8, 0, 2, 9):
        assert OFFICE.running_at(instant.astimezone(timezone(timedelta(hours=hours)))) is True


def test_spring_forward_keeps_the_wall_clock_window() -> None:
    # Saturday 30 March 2024 is still CET (UTC+1); Sunday 31 March is CEST (UTC+2) from 01:00 UTC.
    assert DAILY.running_at(at("2024-03-30T06:30:00Z")) is False  # 07:30 CET
    assert DAILY.running_at(at("2024-03-30T07:00:00Z")) is True  # 08:00 CET
    assert DAILY.running_at(at("2024-03-31T06:00:00Z")) is True  # 08:00 CEST
    assert DAILY.running_at(at("2024-03-31T05:59:00Z")) is False
    assert DAILY.running_at(at("2024-03-31T17:00:00Z")) is False  # 19:00 CEST
    assert DAILY.running_at(at("2024-03-30T17:59:00Z")) is True  # 18:59 CET


def test_spring_forward_shortens_a_night_window_by_the_skipped_hour() -> None:
    night = RunSchedule(timezone="Europe/Berlin", days=["sat"], start="22:00", stop="06:00")
    assert night.running_at(at("2024-03-30T20:59:00Z")) is False  # 21:59 CET
    assert night.running_at(at("2024-03-30T21:00:00Z")) is True  # 22:00 CET
    assert night.running_at(at("2024-03-31T00:59:00Z")) is True  # 01:59 CET
    assert night.running_at(at("2024-03-31T01:00:00Z")) is True  # 03:00 CEST
    assert night.running_at(at("2024-03-31T03:59:00Z")) is True  # 05:59 CEST
    assert night.running_at(at("2024-03-31T04:00:00Z")) is False  # 06:00 CEST
    assert _running_minutes(night, "2024-03-30T12:00:00Z", hours=24) == 7 * 60


def test_a_window_inside_the_skipped_hour_does_not_happen_that_day() -> None:
    skipped = RunSchedule(timezone="Europe/Berlin", days=["sun"], start="02:15", stop="02:45")
    assert _running_minutes(skipped, "2024-03-30T23:00:00Z", hours=4) == 0
    assert skipped.running_at(at("2024-03-24T01:30:00Z")) is True  # a week earlier: 02:30 CET


def test_fall_back_keeps_the_wall_clock_window() -> None:
    # Saturday 26 October 2024 is CEST (UTC+2); Sunday 27 October is CET (UTC+1) from 01:00 UTC.
    assert DAILY.running_at(at("2024-10-26T06:30:00Z")) is True  # 08:30 CEST
    assert DAILY.running_at(at("2024-10-27T06:30:00Z")) is False  # 07:30 CET
    assert DAILY.running_at(at("2024-10-27T07:00:00Z")) is True  # 08:00 CET
    assert DAILY.running_at(at("2024-10-27T17:59:00Z")) is True  # 18:59 CET
    assert DAILY.running_at(at("2024-10-27T18:00:00Z")) is False  # 19:00 CET


def test_fall_back_lengthens_a_night_window_and_judges_the_repeated_hour_twice() -> None:
    night = RunSchedule(timezone="Europe/Berlin", days=["sat"], start="22:00", stop="06:00")
    assert night.running_at(at("2024-10-26T19:59:00Z")) is False  # 21:59 CEST
    assert night.running_at(at("2024-10-26T20:00:00Z")) is True  # 22:00 CEST
    assert night.running_at(at("2024-10-27T04:59:00Z")) is True  # 05:59 CET
    assert night.running_at(at("2024-10-27T05:00:00Z")) is False  # 06:00 CET
    assert _running_minutes(night, "2024-10-26T12:00:00Z", hours=24) == 9 * 60

    repeated = RunSchedule(timezone="Europe/Berlin", days=["sun"], start="02:00", stop="02:30")
    assert repeated.running_at(at("2024-10-27T00:15:00Z")) is True  # 02:15 CEST, the first time
    assert repeated.running_at(at("2024-10-27T00:45:00Z")) is False  # 02:45 CEST
    assert repeated.running_at(at("2024-10-27T01:15:00Z")) is True  # 02:15 CET, the second time
    assert repeated.running_at(at("2024-10-27T01:45:00Z")) is False  # 02:45 CET


def _running_minutes(schedule: RunSchedule, start: str, hours: int) -> int:
    first = at(start)
    return sum(schedule.running_at(first + timedelta(minutes=m)) for m in range(hours * 60))


@pytest.mark.parametrize(
    "local, running",
    [
        ("2024-06-07T21:59", False),  # Friday, before the start
        ("2024-06-07T22:00", True),  # Friday 22:00
        ("2024-06-08T03:00", True),  # Saturday night: the window started on Friday
        ("2024-06-08T05:59", True),
        ("2024-06-08T06:00", False),  # the stop is exclusive
        ("2024-06-08T23:00", False),  # Saturday is not a start day
        ("2024-06-09T03:00", False),
        ("2024-06-10T03:00", False),  # Monday night: Sunday is not a start day
        ("2024-06-10T22:30", True),  # Monday 22:30
    ],
)
def test_a_window_across_midnight_belongs_to_the_day_it_starts(local: str, running: bool) -> None:
    nights = RunSchedule(timezone="Europe/Berlin", days="mon-fri", start="22:00", stop="06:00")
    assert nights.crosses_midnight
    assert nights.running_at(at(f"{local}:00+02:00")) is running


def test_day_ranges_wrap_and_end_of_day_is_24_00() -> None:
    weekend = RunSchedule(timezone="UTC", days=["fri-mon"], start="00:00", stop="24:00")
    assert weekend.days == frozenset({4, 5, 6, 0})
    assert weekend.running_at(at("2024-06-09T23:59:59Z")) is True  # Sunday
    assert weekend.running_at(at("2024-06-11T12:00:00Z")) is False  # Tuesday
    assert weekend.describe() == "mon,fri,sat,sun 00:00-24:00 UTC"


HOLIDAY_SCHEDULE = RunSchedule(
    timezone="Europe/Berlin",
    days=["mon-fri"],
    start="08:00",
    stop="19:00",
    exceptions=[
        ScheduleException(date=date(2024, 12, 24), until=date(2024, 12, 26), running=False, note="Christmas"),
        # A release on Christmas Eve morning: a time range wins over whole dates.
        ScheduleException(start=datetime(2024, 12, 24, 9, 0), end=datetime(2024, 12, 24, 12, 0), running=True),
        # A Saturday in the office, given as instants.
        {"start": "2024-06-08T06:00:00Z", "end": "2024-06-08T16:00:00Z", "running": True},
        # Config-style: a works outing on a Wednesday.
        {"date": "2024-06-12", "running": False},
    ],
)


@pytest.mark.parametrize(
    "instant, running",
    [
        ("2024-12-23T10:00:00+01:00", True),  # Monday, a normal day
        ("2024-12-24T08:30:00+01:00", False),  # Christmas Eve: forced off
        ("2024-12-24T10:00:00+01:00", True),  # but the release range forces it on
        ("2024-12-24T12:00:00+01:00", False),  # the range end is exclusive
        ("2024-12-26T10:00:00+01:00", False),  # until is inclusive
        ("2024-12-27T10:00:00+01:00", True),
        ("2024-06-08T05:59:00Z", False),  # Saturday, before the forced range
        ("2024-06-08T06:00:00Z", True),  # Saturday inside the range
        ("2024-06-08T16:00:00Z", False),
        ("2024-06-12T10:00:00+02:00", False),  # the outing
        ("2024-06-13T10:00:00+02:00", True),
    ],
)
def test_exceptions_force_on_and_off(instant: str, running: bool) -> None:
    assert HOLIDAY_SCHEDULE.running_at(at(instant)) is running


def test_exception_at_names_the_deciding_exception_and_the_later_of_equals_wins() -> None:
    assert HOLIDAY_SCHEDULE.exception_at(at("2024-12-25T10:00:00+01:00")).note == "Christmas"  # type: ignore[union-attr]
    assert HOLIDAY_SCHEDULE.exception_at(at("2024-06-13T10:00:00+02:00")) is None
    layered = RunSchedule(timezone="UTC", start="08:00", stop="19:00", exceptions=[
        {"date": "2024-06-12", "until": "2024-06-14", "running": False},
        {"date": "2024-06-13", "running": True},
    ])
    assert layered.running_at(at("2024-06-12T10:00:00Z")) is False
    assert layered.running_at(at("2024-06-13T10:00:00Z")) is True
    assert layered.running_at(at("2024-06-13T20:00:00Z")) is True  # forced on all that day


def test_a_naive_datetime_is_rejected() -> None:
    with pytest.raises(ScheduleError, match="has no time zone: pass an aware datetime"):
        OFFICE.running_at(datetime(2024, 6, 3, 10, 0))
    with pytest.raises(ScheduleError, match="has no time zone"):
        parse_instant("2024-06-03T10:00:00")
    with pytest.raises(ScheduleError, match="running_at needs a datetime"):
        OFFICE.running_at("2024-06-03T10:00:00Z")  # type: ignore[arg-type]


def test_from_dict_reads_configuration() -> None:
    schedule = RunSchedule.from_dict({
        "timezone": "America/New_York", "days": ["Monday", "tue"], "start": "09:30", "stop": "17:00",
        "exceptions": [{"date": "2024-07-01", "running": False}],
    })
    assert schedule.running_at(at("2024-07-02T13:30:00Z")) is True  # 09:30 EDT Tuesday
    assert schedule.running_at(at("2024-07-01T15:00:00Z")) is False  # the exception
    assert schedule.describe() == "mon,tue 09:30-17:00 America/New_York (+1 exceptions)"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"days": ["mon", "funday"]}, "unknown day 'funday'"),
        ({"days": []}, "at least one day"),
        ({"start": "8am"}, "start must look like 'HH:MM'"),
        ({"stop": "25:00"}, "not a time of day"),
        ({"start": "24:00"}, "'24:00' is only allowed as the stop time"),
        ({"start": "08:00", "stop": "08:00"}, "start and stop are equal"),
        ({"start": time(8, 0, tzinfo=UTC)}, "without a zone"),
        ({"exceptions": [{"date": "2024-12-24"}]}, "must say running: true"),
        ({"exceptions": [{"date": "24.12.2024", "running": False}]}, "date must be a date such as '2024-12-24'"),
        ({"exceptions": [{"start": "2024-12-24T10:00Z", "end": "2024-12-24T09:00Z", "running": True}]},
         "must be after start"),
        ({"exceptions": [{"start": "2024-12-24T10:00Z", "end": "2024-12-24T12:00", "running": True}]},
         "both have a UTC offset"),
        ({"exceptions": [{"date": "2024-12-24", "start": "2024-12-24T10:00Z", "running": True}]}, "either whole dates"),
        ({"exceptions": [{"day": "2024-12-24", "running": True}]}, "unknown exception field(s) day"),
    ],
)
def test_bad_schedules_fail_with_a_clear_error(kwargs: dict[str, Any], message: str) -> None:
    arguments = {"timezone": "Europe/Berlin", "days": ["mon-fri"], "start": "08:00", "stop": "19:00", **kwargs}
    with pytest.raises(ScheduleError) as error:
        RunSchedule(**arguments)
    assert message in str(error.value)
    with pytest.raises(ScheduleError, match="unknown schedule field"):
        RunSchedule.from_dict({**arguments, "tz": "UTC"})
