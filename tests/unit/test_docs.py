"""The docs a newcomer reads name only what exists: every `make` target in the Makefile,
every relative link (and its #anchor, on a markdown page) in the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted([ROOT / "README.md", ROOT / "CONTRIBUTING.md", *(ROOT / "docs").glob("*.md")])

FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]+`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
TARGET_LINE = re.compile(r"^([A-Za-z0-9_./ -]+?)\s*::?(?!=)", re.MULTILINE)
TARGET_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


def code_of(text: str) -> list[str]:
    """The shell a page shows: fenced blocks without their comments, and inline code spans."""
    fenced = [re.sub(r"(^|\s)#.*$", "", line) for block in FENCE.findall(text) for line in block.splitlines()]
    return fenced + [span.strip("`") for span in CODE_SPAN.findall(FENCE.sub("", text))]


def make_targets_named(text: str) -> set[str]:
    """The targets after each `make` word in code: `make venv policy-venv`, `make up RUNNING=false`."""
    named: set[str] = set()
    for code in code_of(text):
        words = re.split(r"[\s;&|()]+", code)
        for i, word in enumerate(words):
            if word != "make":
                continue
            for arg in words[i + 1:]:
                if arg.startswith("-") or "=" in arg:
                    continue  # an option or a variable
                if not TARGET_NAME.match(arg):
                    break
                named.add(arg)
    return named


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return {name for names in TARGET_LINE.findall(text) for name in names.split() if not name.startswith(".")}


def slug(heading: str) -> str:
    """The anchor a markdown heading gets: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for heading in HEADING.findall(FENCE.sub("", page.read_text())):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def broken_links(page: Path) -> list[str]:
    broken = []
    for target in LINK.findall(CODE_SPAN.sub("", FENCE.sub("", page.read_text()))):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):
            continue  # http:, https:, mailto:
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target}: no heading with that anchor in {dest.name}")
    return broken


@pytest.mark.parametrize("page", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_make_target_the_docs_name_exists(page: Path) -> None:
    missing = make_targets_named(page.read_text()) - makefile_targets()
    assert not missing, f"{page.relative_to(ROOT)} names make targets the Makefile lacks: {sorted(missing)}"


@pytest.mark.parametrize("page", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_at_something_that_exists(page: Path) -> None:
    assert broken_links(page) == []


def test_the_readme_is_short_and_starts_with_the_two_commands() -> None:
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= 150, "details belong in docs/"
    commands = [line.split("#")[0].strip() for line in lines[:6] if line.startswith("make ")]
    assert commands == ["make up", "make test"]


def test_the_checks_see_what_they_are_meant_to_see(tmp_path: Path) -> None:
    # The scanners themselves: prose is not a command, comments are not targets, anchors follow headings.
    text = ("To make sure, `make up RUNNING=false` and:\n\n```sh\nmake -s venv policy-venv  # make test too\n```\n"
            "## Lookups (`provider/lookups.py`)\n[a](#lookups-providerlookupspy) [b](missing.md) [c](#nowhere)\n")
    assert make_targets_named(text) == {"up", "venv", "policy-venv"}
    assert {"up", "test", "dist", "bench-backends"} <= makefile_targets()
    page = tmp_path / "page.md"
    page.write_text(text)
    assert broken_links(page) == ["missing.md: no such file", "#nowhere: no heading with that anchor in page.md"]
