"""The house rule on size, kept by a test: no class over about 200 lines, no function over about 60,
in the code the project ships and runs (tests themselves are exempt)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKED = ("provider", "components", "emulator", "testkit", "tools", "bench", "policy")
MAX_CLASS_LINES = 205
MAX_FUNCTION_LINES = 65


def sources() -> list[Path]:
    return sorted(p for folder in CHECKED for p in (ROOT / folder).rglob("*.py")
                  if not any(part in ("venv", "__pycache__") or part.startswith(".") for part in p.parts))


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_classes_and_functions_stay_small(path: Path) -> None:
    too_long = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        limit = MAX_CLASS_LINES if isinstance(node, ast.ClassDef) else MAX_FUNCTION_LINES
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > limit:
                too_long.append(f"{node.name}: {length} lines (at most {limit})")
    assert not too_long, too_long
