"""What each process imports: every provider process pays for its imports on every command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def loaded_after(statement: str) -> set[str]:
    """The modules a fresh interpreter holds after `statement`."""
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return set(json.loads(out))


def test_a_program_importing_the_package_loads_neither_pydantic_nor_requests() -> None:
    loaded = loaded_after("import provider")
    assert not {"pydantic", "requests"} & loaded


def test_the_service_loads_requests_only_when_a_client_is_made() -> None:
    loaded = loaded_after("import provider.core.service")
    assert "requests" not in loaded and "provider.core.client" not in loaded
    made = loaded_after(
        "from provider.core.config import load_settings\n"
        "settings = load_settings({'modelarts:region': 'eu-de', 'modelarts:projectId': '0' * 32,"
        " 'modelarts:accessKey': 'ak', 'modelarts:secretKey': 'sk'}.get, {})\n"
        "settings.make_client()")
    assert "requests" in made


def test_model_schemas_are_built_on_first_use_not_at_import() -> None:
    code = ("import provider.core.models as m\n"
            "print(json.dumps([m.NotebookInfo.__pydantic_complete__, "
            "m.NotebookInfo.model_validate({'id': 'x'}).id, m.NotebookInfo.__pydantic_complete__]))")
    out = subprocess.run([sys.executable, "-c", "import json\n" + code], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    assert json.loads(out) == [False, "x", True]
