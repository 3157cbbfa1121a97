"""The team's notebooks: one per analyst, stopped or running together.

Stack configuration:
  analysts   JSON list of names      default ["ada", "grace"]
  running    true | false            default true
  capacity   EVS size in GB          default 10
"""

import pulumi

from components import notebook_name  # this project's own package, beside the product's
from modelarts_notebooks import Notebook
from provider import OWNER  # also this project's own: the product installs no `provider`

config = pulumi.Config()
analysts = config.get_object("analysts") or ["ada", "grace"]
running = config.get_bool("running") is not False

for analyst in analysts:
    notebook = Notebook(
        analyst,
        name=notebook_name("ds", analyst),
        flavor="modelarts.vm.cpu.2u",
        image_name="conda3-ubuntu18.04",
        volume={"category": "EVS", "ownership": "MANAGED", "capacity": config.get_int("capacity") or 10},
        running=running,
        description=f"notebook of {analyst} ({OWNER})",
    )
    pulumi.export(analyst, {"notebook_id": notebook.notebook_id, "status": notebook.status, "url": notebook.url})
