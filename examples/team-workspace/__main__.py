"""A notebook per team member, looked up by image name and flavor size instead of ids.

Needs the repository root on PYTHONPATH (it imports `components` and `provider` from there).

Stack configuration (all optional):
  members      JSON list of member keys        default ["anna", "ben", "chris"]
  overrides    JSON map member -> inputs       e.g. {"ben": {"flavor": "modelarts.vm.cpu.8u", "running": true}}
  running      true | false                    the whole team's run state, default true
  imageName    image name (exact)              default conda3-ubuntu18.04
  imageTag     image tag, when the name has several
  flavor       flavor id; default: the smallest x86 CPU flavor with at least 2 vCPUs
  capacity     EVS size in GB                  default 10
"""

import pulumi

from components import TeamWorkspace
from provider.lookups import flavor_id, image_id

config = pulumi.Config()

# Read-only lookups against the catalogue, done once per run before anything is declared.
image = config.get("imageId") or image_id(
    config.get("imageName") or "conda3-ubuntu18.04", tag=config.get("imageTag"), image_type="BUILD_IN"
)
flavor = config.get("flavor") or flavor_id(category="CPU", min_vcpus=2, arch="x86_64", smallest=True)

team = TeamWorkspace(
    "team",
    members=config.get_object("members") or ["anna", "ben", "chris"],
    notebook={
        "flavor": flavor,
        "image_id": image,
        "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": config.get_int("capacity") or 10},
        "description": "team workspace notebook",
    },
    overrides=config.get_object("overrides") or {},
    running=config.get_bool("running") is not False,
)

pulumi.export("urls", team.urls)
pulumi.export("statuses", team.statuses)
pulumi.export("notebook_ids", team.notebook_ids)
pulumi.export("volumes", team.volumes)
