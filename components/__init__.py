"""Building blocks on top of the `Notebook` resource.

- `TeamWorkspace`: one notebook per team member, one run-state switch for all.
- `RunSchedule`: a weekly run window in a time zone; `running_at(instant)` answers
  whether notebooks should run then.
"""

from .schedule import DAY_NAMES, RunSchedule, ScheduleError, ScheduleException, parse_instant
from .team_workspace import TeamWorkspace, TeamWorkspaceArgs, TeamWorkspaceError, notebook_name

__all__ = [
    "DAY_NAMES",
    "RunSchedule",
    "ScheduleError",
    "ScheduleException",
    "TeamWorkspace",
    "TeamWorkspaceArgs",
    "TeamWorkspaceError",
    "notebook_name",
    "parse_instant",
]
