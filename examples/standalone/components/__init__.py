"""This team's own components (a folder name many Pulumi projects use): here, its naming rule."""


def notebook_name(team: str, analyst: str) -> str:
    return f"{team}-{analyst}"
