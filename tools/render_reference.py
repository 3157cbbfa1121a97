"""Render the input and output reference from the field table into docs/reference.md.

    venv/bin/python tools/render_reference.py           # rewrite the generated block of docs/reference.md
    venv/bin/python tools/render_reference.py --print   # print the block, change nothing

The table (`provider/core/fields.py`) is the one source: a change to an input or
output is made there and rendered here. Only the text between the two markers is
replaced; the prose around it is the page's own. A file without both markers is
left as it is and the command fails, so nothing else is ever overwritten.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from provider.core.fields import reference_section  # noqa: E402

REFERENCE = ROOT / "docs" / "reference.md"
BEGIN = "<!-- generated from provider/core/fields.py by tools/render_reference.py: edit the table, not this block -->"
END = "<!-- end of the generated reference -->"


class MarkersMissing(ValueError):
    """The page has no generated block to replace."""


def generated_block(text: str) -> str:
    """The text between the markers, without the newlines that frame it."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise MarkersMissing(f"the page needs the lines {BEGIN!r} and, after it, {END!r}")
    return text[start + len(BEGIN):end].strip("\n")


def spliced(text: str, block: str) -> str:
    """The page with its generated block replaced by `block`, everything else as it was."""
    generated_block(text)  # fails on a page without the markers
    head, rest = text.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n\n{block}\n\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--print", action="store_true", help="print the generated block; write nothing")
    parser.add_argument("--page", type=Path, default=REFERENCE, help="the page holding the markers")
    args = parser.parse_args(argv)
    block = reference_section()
    if args.print:
        print(block)
        return 0
    try:
        text = spliced(args.page.read_text(), block)
    except MarkersMissing as problem:
        print(f"{args.page}: {problem}; nothing written", file=sys.stderr)
        return 1
    args.page.write_text(text)
    print(f"rendered the reference into {args.page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
