"""Example stack: one notebook declared from stack configuration.

`running` comes from config so a pipeline can flip it:
`pulumi config set running false && pulumi up` stops the notebook.
"""

import pulumi

from provider import Notebook

config = pulumi.Config()

notebook = Notebook(
    "notebook",
    name=config.get("notebookName") or "quickstart-notebook",
    flavor=config.get("flavor") or "modelarts.vm.cpu.2u",
    image_id=config.get("imageId") or "e1a07296-22a8-4f05-8bc8-e936c8e54090",
    volume={
        "category": config.get("volumeCategory") or "EVS",
        "ownership": "MANAGED",
        "capacity": config.get_int("volumeCapacity") or 5,
    },
    running=config.get_bool("running") if config.get("running") is not None else True,
    description=config.get("description"),
)

pulumi.export("notebook_id", notebook.notebook_id)
pulumi.export("url", notebook.url)
pulumi.export("status", notebook.status)
pulumi.export("volume", notebook.volume)
