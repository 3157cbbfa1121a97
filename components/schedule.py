"""`RunSchedule`: when notebooks should run, as a weekly window in one time zone.

A schedule is plain data with one question to answer: should the notebooks run
at this instant? A program asks it with the time of the pipeline run and feeds
the answer to `running`:

    schedule = RunSchedule(timezone="Europe/Berlin", days=["mon-fri"], start="08:00", stop="19:00")
    Notebook("analysis", ..., running=schedule.running_at(datetime.now(timezone.utc)))

Windows are wall-clock times of the schedule's zone, so "08:00" is 08:00 in
Berlin in winter and in summer alike (06:00 or 07:00 UTC): the instant is
converted to the zone's local time and compared there. On the day clocks go
forward, a window that covers the skipped hour is one hour shorter; on the day
they go back, the repeated hour is judged by its wall-clock time both times.

The answer depends only on the instant given, never on the machine's clock or
zone, so a run with a fixed instant is reproducible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from typing import Any, Iterable, Mapping, Optional, Sequence, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["RunSchedule", "ScheduleError", "ScheduleException", "parse_instant", "DAY_NAMES"]

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SECONDS_PER_DAY = 24 * 3600
_TIME_PATTERN = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")

DateLike = Union[date, str]
DateTimeLike = Union[datetime, str]
TimeLike = Union[time, str]
_Date = date  # inside ScheduleException the field `date` hides the type


class ScheduleError(ValueError):
    """A schedule that cannot be built, or a question it cannot answer (a naive datetime)."""


# ---- parsing helpers -----------------------------------------------------------


def _day_index(text: str) -> int:
    word = text.strip().lower()
    if word in DAY_NAMES:
        return DAY_NAMES.index(word)
    if word in _FULL_DAY_NAMES:
        return _FULL_DAY_NAMES.index(word)
    raise ScheduleError(f"unknown day {text!r}; use one of {', '.join(DAY_NAMES)} (or a range such as 'mon-fri')")


def parse_days(days: Union[str, Iterable[str]]) -> frozenset[int]:
    """Weekday numbers (Monday = 0) from names, ranges ('mon-fri', 'fri-mon' wraps) or one comma list."""
    items: list[str] = days.split(",") if isinstance(days, str) else list(days)
    if not items:
        raise ScheduleError("days must name at least one day, e.g. ['mon-fri']")
    result: set[int] = set()
    for item in items:
        if not isinstance(item, str):
            raise ScheduleError(f"days must be day names such as 'mon', got {item!r}")
        if "-" in item:
            first, _, last = item.partition("-")
            start, end = _day_index(first), _day_index(last)
            index = start
            while True:
                result.add(index)
                if index == end:
                    break
                index = (index + 1) % 7
        else:
            result.add(_day_index(item))
    return frozenset(result)


def _seconds_of_day(value: TimeLike, what: str, *, allow_end_of_day: bool) -> int:
    """'HH:MM', 'HH:MM:SS' or a `time`, as seconds after local midnight. '24:00' is the day's end."""
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise ScheduleError(f"{what} is a wall-clock time of the schedule's zone; give it without a zone")
        return value.hour * 3600 + value.minute * 60 + value.second
    if not isinstance(value, str):
        raise ScheduleError(f"{what} must be a time such as '08:00', got {value!r}")
    match = _TIME_PATTERN.match(value.strip())
    if not match:
        raise ScheduleError(f"{what} must look like 'HH:MM' (24-hour clock), got {value!r}")
    hours, minutes, seconds = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    if (hours, minutes, seconds) == (24, 0, 0):
        if not allow_end_of_day:
            raise ScheduleError(f"{what} '24:00' is only allowed as the stop time (the end of the day)")
        return SECONDS_PER_DAY
    if hours > 23 or minutes > 59 or seconds > 59:
        raise ScheduleError(f"{what} {value!r} is not a time of day (00:00..23:59)")
    return hours * 3600 + minutes * 60 + seconds


def _zone(value: Union[str, tzinfo]) -> tzinfo:
    if isinstance(value, tzinfo):
        return value
    if not isinstance(value, str) or not value:
        raise ScheduleError(f"timezone must be an IANA zone name such as 'Europe/Berlin', got {value!r}")
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"unknown time zone {value!r}; use an IANA name such as 'Europe/Berlin' or 'UTC' "
            "(on systems without a zone database, install the tzdata package)"
        ) from None


def _is_aware(moment: datetime) -> bool:
    return moment.tzinfo is not None and moment.tzinfo.utcoffset(moment) is not None


def parse_instant(value: DateTimeLike) -> datetime:
    """An aware datetime from ISO 8601 text ('2024-03-31T06:30:00Z', '...+02:00') or a datetime.

    A value without a UTC offset is rejected: the same wall-clock time is a
    different instant in every zone.
    """
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ScheduleError(
                f"{value!r} is not an ISO 8601 date and time, e.g. '2024-03-31T06:30:00Z' or '2024-03-31T08:30+02:00'"
            ) from None
    elif isinstance(value, datetime):
        moment = value
    else:
        raise ScheduleError(f"expected a datetime or ISO 8601 text, got {value!r}")
    if not _is_aware(moment):
        raise ScheduleError(
            f"{value!s} has no time zone: pass an aware datetime (e.g. datetime.now(timezone.utc)) "
            "or ISO text with an offset ('Z' or '+02:00')"
        )
    return moment


def _as_date(value: DateLike, what: str) -> date:
    if isinstance(value, datetime):
        raise ScheduleError(f"{what} must be a date without a time, got {value!r}; use start/end for a time range")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ScheduleError(f"{what} must be a date such as '2024-12-24', got {value!r}")


def _as_datetime(value: DateTimeLike, what: str) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ScheduleError(f"{what} must be a date and time such as '2024-12-20T18:00+01:00', got {value!r}")


# ---- exceptions to the weekly window ------------------------------------------------


@dataclass(frozen=True)
class ScheduleException:
    """A period in which the notebooks are forced on (`running=True`) or off (`running=False`).

    Either whole local dates, `date` (and optionally `until`, inclusive), or a
    time range `start` <= t < `end`. Range ends with a UTC offset are instants;
    ends without one are wall-clock times of the schedule's zone. Both ends of a
    range must be of the same kind.
    """

    running: bool
    date: Optional[date] = None
    until: Optional[_Date] = None
    start: Optional[datetime] = None
    end: Optional[datetime] = None
    note: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.running, bool):
            raise ScheduleError(f"an exception's running must be true or false, got {self.running!r}")
        has_date = self.date is not None
        has_range = self.start is not None or self.end is not None
        if has_date == has_range:
            raise ScheduleError(
                "an exception is either whole dates (date, until) or a time range (start, end), not both or neither"
            )
        if has_date:
            object.__setattr__(self, "date", _as_date(self.date, "date"))  # type: ignore[arg-type]
            if self.until is not None:
                until = _as_date(self.until, "until")
                if until < self.date:  # type: ignore[operator]
                    raise ScheduleError(f"until {until} is before date {self.date}")
                object.__setattr__(self, "until", until)
            return
        if self.until is not None:
            raise ScheduleError("until belongs to a date exception; a time range uses start and end")
        if self.start is None or self.end is None:
            raise ScheduleError("a time-range exception needs both start and end")
        start, end = _as_datetime(self.start, "start"), _as_datetime(self.end, "end")
        if _is_aware(start) != _is_aware(end):
            raise ScheduleError(
                "start and end must both have a UTC offset, or both be wall-clock times of the schedule's zone"
            )
        if end <= start:
            raise ScheduleError(f"end {end.isoformat()} must be after start {start.isoformat()}")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    @classmethod
    def from_value(cls, value: Union["ScheduleException", Mapping[str, Any]]) -> "ScheduleException":
        """An exception object, or a mapping such as `{"date": "2024-12-24", "running": False}`."""
        if isinstance(value, ScheduleException):
            return value
        if not isinstance(value, Mapping):
            raise ScheduleError(
                f"an exception must be a ScheduleException or a mapping like "
                f"{{'date': '2024-12-24', 'running': False}}, got {value!r}"
            )
        known = {"running", "date", "until", "start", "end", "note"}
        extra = sorted(set(value) - known)
        if extra:
            raise ScheduleError(f"unknown exception field(s) {', '.join(extra)}; known: {', '.join(sorted(known))}")
        if "running" not in value:
            raise ScheduleError(f"exception {dict(value)!r} must say running: true (forced on) or false (forced off)")
        return cls(**dict(value))

    @property
    def is_range(self) -> bool:
        return self.start is not None

    def covers(self, instant: datetime, local: datetime) -> bool:
        """Whether this exception applies at `instant` (aware) whose local time is `local`."""
        if self.date is not None:
            last = self.until or self.date
            return self.date <= local.date() <= last
        assert self.start is not None and self.end is not None
        if _is_aware(self.start):
            return self.start <= instant < self.end
        wall = local.replace(tzinfo=None, fold=0)
        return self.start <= wall < self.end


ExceptionLike = Union[ScheduleException, Mapping[str, Any]]


# ---- the schedule -----------------------------------------------------------------


class RunSchedule:
    """A weekly run window in one time zone, with explicit exceptions.

    Args:
        timezone: IANA zone name ('Europe/Berlin') or a `tzinfo`; the window is wall-clock time there.
        days: days on which a window *starts*: names ('mon'), full names ('monday'), ranges
            ('mon-fri'; 'fri-mon' wraps); default every day.
        start: local start time 'HH:MM' (inclusive).
        stop: local stop time 'HH:MM' (exclusive); '24:00' is the end of the day. A stop at
            or before the start makes the window run past midnight into the next day
            ('22:00'-'06:00' on 'fri' runs from Friday 22:00 to Saturday 06:00).
        exceptions: periods forced on or off (`ScheduleException` or mappings with the same
            fields). A time range wins over whole dates; among equals the later one in the
            list wins.
    """

    def __init__(
        self,
        *,
        timezone: Union[str, tzinfo],
        start: TimeLike,
        stop: TimeLike,
        days: Union[str, Sequence[str]] = DAY_NAMES,
        exceptions: Iterable[ExceptionLike] = (),
    ) -> None:
        self.zone: tzinfo = _zone(timezone)
        self.timezone: str = getattr(self.zone, "key", None) or str(self.zone)
        self.days: frozenset[int] = parse_days(days)
        self.start_seconds: int = _seconds_of_day(start, "start", allow_end_of_day=False)
        self.stop_seconds: int = _seconds_of_day(stop, "stop", allow_end_of_day=True)
        if self.start_seconds == self.stop_seconds:
            raise ScheduleError(
                "start and stop are equal, which makes an empty window; "
                "for a whole day use start '00:00' and stop '24:00'"
            )
        self.exceptions: tuple[ScheduleException, ...] = tuple(ScheduleException.from_value(e) for e in exceptions)

    @classmethod
    def from_dict(cls, value: Mapping[str, Any]) -> "RunSchedule":
        """Build from plain data, e.g. `pulumi.Config().require_object("schedule")`:
        `{"timezone": ..., "days": [...], "start": "08:00", "stop": "19:00", "exceptions": [...]}`."""
        if not isinstance(value, Mapping):
            raise ScheduleError(f"a schedule must be a mapping with timezone, days, start and stop; got {value!r}")
        known = {"timezone", "days", "start", "stop", "exceptions"}
        extra = sorted(set(value) - known)
        if extra:
            raise ScheduleError(f"unknown schedule field(s) {', '.join(extra)}; known: {', '.join(sorted(known))}")
        missing = [k for k in ("timezone", "start", "stop") if k not in value]
        if missing:
            raise ScheduleError(f"a schedule needs {', '.join(missing)}")
        return cls(**dict(value))

    @property
    def crosses_midnight(self) -> bool:
        return self.stop_seconds <= self.start_seconds

    def in_window(self, local: datetime) -> bool:
        """The weekly rule alone (no exceptions), for a local wall-clock datetime."""
        seconds = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
        weekday = local.weekday()
        if not self.crosses_midnight:
            return weekday in self.days and self.start_seconds <= seconds < self.stop_seconds
        started_today = weekday in self.days and seconds >= self.start_seconds
        started_yesterday = (weekday - 1) % 7 in self.days and seconds < self.stop_seconds
        return started_today or started_yesterday

    def exception_at(self, when: datetime) -> Optional[ScheduleException]:
        """The exception that decides `when`, if any."""
        instant = parse_instant(when)
        local = instant.astimezone(self.zone)
        matching = [e for e in self.exceptions if e.covers(instant, local)]
        if not matching:
            return None
        ranges = [e for e in matching if e.is_range]
        return (ranges or matching)[-1]

    def running_at(self, when: datetime) -> bool:
        """Whether notebooks should run at the instant `when` (an aware datetime).

        Raises ScheduleError for a naive datetime: its meaning would depend on the
        machine that runs the program.
        """
        if not isinstance(when, datetime):
            raise ScheduleError(f"running_at needs a datetime, got {type(when).__name__} {when!r}")
        instant = parse_instant(when)
        forced = self.exception_at(instant)
        if forced is not None:
            return forced.running
        return self.in_window(instant.astimezone(self.zone))

    def describe(self) -> str:
        """One line for logs: 'mon-fri 08:00-19:00 Europe/Berlin (+2 exceptions)'."""
        days = ",".join(DAY_NAMES[d] for d in sorted(self.days))
        extra = f" (+{len(self.exceptions)} exceptions)" if self.exceptions else ""
        return f"{days} {_clock(self.start_seconds)}-{_clock(self.stop_seconds)} {self.timezone}{extra}"

    def __repr__(self) -> str:
        return f"RunSchedule({self.describe()})"


def _clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")

