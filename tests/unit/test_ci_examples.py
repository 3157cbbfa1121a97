"""The CI examples stay thin: their preview and deploy steps are the scripts the suite runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "ci"


def commands(node: object) -> list[str]:
    """Every shell line of a workflow: `run:` of GitHub steps, `script:` of GitLab jobs."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("run", "script", "before_script") and isinstance(value, (str, list)):
                found += [value] if isinstance(value, str) else [str(v) for v in value]
            else:
                found += commands(value)
    elif isinstance(node, list):
        for item in node:
            found += commands(item)
    return found


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_pipeline_steps_are_the_tested_scripts(name: str) -> None:
    lines = "\n".join(commands(yaml.safe_load((EXAMPLES / name).read_text())))
    assert "tools/ci/preview.sh" in lines and "tools/ci/deploy.sh" in lines
    assert not re.search(r"\bpulumi (preview|up|stack select)\b", lines), lines
