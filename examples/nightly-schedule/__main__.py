"""Notebooks that run during office hours only: every `pulumi up` applies the schedule.

Needs the repository root on PYTHONPATH (it imports `components` and `provider` from there).

Run `pulumi up` from a pipeline on a timer (see examples/ci/): each run asks the
schedule whether notebooks should run *now* and starts or stops them to match.
Pipeline timers are usually in UTC; the schedule works in its own time zone, so
daylight saving time needs no second timer.

Stack configuration (all optional):
  schedule   JSON {"timezone", "days", "start", "stop", "exceptions"}
             default Europe/Berlin, mon-fri, 08:00-19:00
  now        ISO 8601 instant with offset to decide for (default: the time of the run);
             set it to replay or test a run deterministically
  notebooks  JSON list of notebook names      default ["etl", "reporting"]
"""

from datetime import datetime, timezone

import pulumi

from components import RunSchedule, parse_instant
from provider import Notebook

config = pulumi.Config()

schedule = RunSchedule.from_dict(
    config.get_object("schedule")
    or {"timezone": "Europe/Berlin", "days": ["mon-fri"], "start": "08:00", "stop": "19:00"}
)
now = parse_instant(config.get("now")) if config.get("now") else datetime.now(timezone.utc)
running = schedule.running_at(now)
pulumi.log.info(f"schedule {schedule.describe()}: notebooks {'run' if running else 'stop'} at {now.isoformat()}")

notebooks = {
    name: Notebook(
        name,
        name=f"nightly-{name}",
        flavor=config.get("flavor") or "modelarts.vm.cpu.2u",
        image_id=config.get("imageId") or "e1a07296-22a8-4f05-8bc8-e936c8e54090",
        volume={"category": "EVS", "ownership": "MANAGED", "capacity": 5},
        running=running,
    )
    for name in config.get_object("notebooks") or ["etl", "reporting"]
}

pulumi.export("running", running)
pulumi.export("decided_at", now.isoformat())
pulumi.export("statuses", pulumi.Output.all(**{name: nb.status for name, nb in notebooks.items()}))
