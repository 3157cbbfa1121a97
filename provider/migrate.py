"""A way in from Terraform: turn `huaweicloud_modelarts_notebook` state into a Pulumi program.

`python -m provider.migrate terraform.tfstate` reads Terraform state (format
version 4, or the output of `terraform show -json` / `tofu show -json`) and
prints a program that declares the same notebooks with `adopt_id`, so the first
`pulumi up` takes them over in place: no stop, start, restart or replacement.
Every attribute that has no counterpart in the Notebook resource, or whose
meaning differs, is listed in a report instead of being dropped silently.

The program goes to standard output, the report and every message to standard
error. `--out PATH` and `--report PATH` create files, never replace one (a
user's `__main__.py` is their program) unless `--force` says so.

This module reads files and writes text only; it needs no Pulumi at all.
"""

from __future__ import annotations

import argparse
import json
import keyword
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

from .files import FileRefused, check_writable, write_file

# The name this package is imported by: `provider` in a checkout, `modelarts_notebooks` installed.
PACKAGE = (__package__ or "provider").split(".")[0]

NOTEBOOK_TYPE = "huaweicloud_modelarts_notebook"
MOUNT_TYPE = "huaweicloud_modelarts_notebook_mount_storage"
DEFAULT_MOUNT_PATH = "/home/ma-user/work/"
DEFAULT_WORKSPACE = "0"
# Terraform attributes that are read back from the service and need no declaration.
COMPUTED = frozenset({
    "id", "created_at", "updated_at", "url", "status", "image_name", "image_swr_path", "image_type",
    "ssh_uri", "pool_name", "mount_storages", "region",
})
CARRIED = frozenset({
    "name", "description", "flavor_id", "image_id", "volume", "key_pair", "allowed_access_ips",
    "pool_id", "workspace_id",
})


class MigrationError(Exception):
    """The input is not Terraform state this command understands."""


@dataclass
class Migrated:
    """One notebook: the resource name, its Notebook arguments and what could not be carried."""

    address: str
    resource_name: str
    args: dict[str, Any]
    notes: list[str] = field(default_factory=list)


@dataclass
class TfResource:
    """One resource instance from either state layout."""

    address: str
    type: str
    name: str
    index: Any
    attributes: dict[str, Any]


# ---- reading state -------------------------------------------------------------


def read_resources(document: dict[str, Any]) -> list[TfResource]:
    """Resource instances of a state file (v4) or of `show -json` output."""
    if document.get("version") == 4 and "resources" in document:
        return list(_from_state_v4(document))
    if "format_version" in document:
        root = (document.get("values") or {}).get("root_module") or {}
        return list(_from_show_module(root))
    version = document.get("version")
    raise MigrationError(
        f"not Terraform state format version 4 nor `show -json` output (version: {version!r}); "
        "run `terraform state pull` or `terraform show -json` with Terraform >= 0.12"
    )


def _from_state_v4(document: dict[str, Any]) -> Iterator[TfResource]:
    for resource in document["resources"]:
        if resource.get("mode") != "managed":
            continue
        module = resource.get("module")
        base = f"{module + '.' if module else ''}{resource['type']}.{resource['name']}"
        for instance in resource.get("instances", []):
            index = instance.get("index_key")
            address = base if index is None else f"{base}[{json.dumps(index)}]"
            yield TfResource(address, resource["type"], resource["name"], index, instance.get("attributes") or {})


def _from_show_module(module: dict[str, Any]) -> Iterator[TfResource]:
    for resource in module.get("resources", []):
        if resource.get("mode") != "managed":
            continue
        yield TfResource(resource["address"], resource["type"], resource["name"], resource.get("index"),
                         resource.get("values") or {})
    for child in module.get("child_modules", []):
        yield from _from_show_module(child)


# ---- mapping -------------------------------------------------------------------


def migrate(resources: Sequence[TfResource]) -> list[Migrated]:
    """Every notebook of the state, with its mounts, as Notebook arguments."""
    mounts: dict[str, list[dict[str, str]]] = {}
    for res in resources:
        if res.type == MOUNT_TYPE:
            attrs = res.attributes
            mounts.setdefault(str(attrs.get("notebook_id")), []).append(
                {"uri": str(attrs.get("storage_path")), "mount_path": str(attrs.get("local_mount_directory"))}
            )
    migrated: list[Migrated] = []
    taken: set[str] = set()
    for res in resources:
        if res.type != NOTEBOOK_TYPE:
            continue
        item = notebook_args(res, mounts.pop(str(res.attributes.get("id")), []))
        item.resource_name = _unique(item.resource_name, taken)
        migrated.append(item)
    for notebook_id, orphans in mounts.items():
        for mount in orphans:
            migrated.append(Migrated(f"{MOUNT_TYPE} of {notebook_id}", "", {}, [
                f"mount {mount['uri']} -> {mount['mount_path']} belongs to notebook {notebook_id}, "
                "which is not in this state: not carried"]))
    return migrated


def notebook_args(res: TfResource, mounts: list[dict[str, str]]) -> Migrated:
    """The Notebook arguments of one Terraform notebook, and notes on what did not map."""
    attrs = res.attributes
    args: dict[str, Any] = {"name": attrs["name"], "flavor": attrs["flavor_id"], "image_id": attrs["image_id"]}
    notes: list[str] = []
    if attrs.get("description"):
        args["description"] = attrs["description"]
    args["volume"] = _volume(attrs.get("volume") or [], notes)
    endpoint = _ssh_endpoint(attrs)
    if endpoint:
        args["endpoints"] = [endpoint]
    if attrs.get("pool_id"):
        args["pool_id"] = attrs["pool_id"]
    if attrs.get("workspace_id") not in (None, "", DEFAULT_WORKSPACE):
        args["workspace_id"] = attrs["workspace_id"]
    if mounts:
        args["obs_mounts"] = mounts
    args["running"] = _running(attrs.get("status"), notes)
    args["adopt_id"] = attrs["id"]
    notes.extend(_uncarried(attrs))
    return Migrated(res.address, _resource_name(res), args, notes)


def _volume(blocks: list[dict[str, Any]], notes: list[str]) -> dict[str, Any]:
    block = blocks[0] if blocks else {}
    volume: dict[str, Any] = {"category": block.get("type") or "EVS", "ownership": block.get("ownership") or "MANAGED"}
    if block.get("size"):
        volume["capacity"] = int(block["size"])
    for key in ("uri", "id"):
        if block.get(key):
            volume[key] = block[key]
    if block.get("mount_path") not in (None, "", DEFAULT_MOUNT_PATH):
        notes.append(f"volume.mount_path {block['mount_path']!r}: set by the service, not declarable")
    return volume


def _ssh_endpoint(attrs: dict[str, Any]) -> Optional[dict[str, Any]]:
    key_pair, ips = attrs.get("key_pair"), attrs.get("allowed_access_ips")
    if not key_pair and not ips:
        return None
    endpoint: dict[str, Any] = {"service": "SSH"}
    if key_pair:
        endpoint["key_pair_names"] = [key_pair]
    if ips:
        endpoint["allowed_access_ips"] = list(ips)
    return endpoint


def _running(status: Any, notes: list[str]) -> bool:
    if status == "RUNNING":
        return True
    if status == "STOPPED":
        return False
    notes.append(f"status {status!r} is neither RUNNING nor STOPPED: declared running=True; check before `up`")
    return True


def _uncarried(attrs: dict[str, Any]) -> Iterator[str]:
    """Attributes that are set but have no counterpart in the Notebook resource."""
    if attrs.get("auto_stop_enabled") is False:
        yield ("auto_stop_enabled=false: Terraform starts notebooks with auto-stop off; the Notebook resource "
               "always has a lease (at most 24 h, `auto_stop={'enabled': False}`): not declared, so the notebook "
               "keeps its lease until its next start by Pulumi")
    if attrs.get("tags"):
        yield f"tags {json.dumps(attrs['tags'], sort_keys=True)}: the Notebook resource has no tags"
    for key in sorted(set(attrs) - CARRIED - COMPUTED - {"auto_stop_enabled", "tags"}):
        if attrs[key] not in (None, "", [], {}, False):
            yield f"{key}={json.dumps(attrs[key])}: no counterpart in the Notebook resource"


def _resource_name(res: TfResource) -> str:
    prefix = res.address.rsplit(f"{res.type}.", 1)[0].replace("module.", "").replace(".", "-")
    suffix = "" if res.index is None else f"-{res.index}"
    return re.sub(r"[^A-Za-z0-9_-]", "-", f"{prefix}{res.name}{suffix}")


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}-{n}", n + 1
    taken.add(candidate)
    return candidate


# ---- writing -------------------------------------------------------------------


def render_program(items: Sequence[Migrated], source: str) -> str:
    """The Pulumi program text: one Notebook per Terraform notebook, adopted by id."""
    lines = [
        f'"""Notebooks taken over from Terraform state ({source}) with adopt_id."""',
        "",
        "import pulumi",
        "",
        f"from {PACKAGE} import Notebook",
        "",
    ]
    for item in items:
        if not item.resource_name:
            continue
        var = _identifier(item.resource_name)
        lines.append(f"# from {item.address}")
        lines.append(f"{var} = Notebook(")
        lines.append(f"    {item.resource_name!r},")
        lines.extend(f"    {key}={_literal(value)}," for key, value in item.args.items())
        lines.append(")")
        lines.append(f"pulumi.export({item.resource_name!r}, {var}.notebook_id)")
        lines.append("")
    return "\n".join(lines)


def render_report(items: Sequence[Migrated]) -> str:
    """What was carried and, per notebook, every attribute that was not."""
    lines = []
    for item in items:
        head = f"{item.address} -> Notebook {item.resource_name!r}" if item.resource_name else item.address
        lines.append(head)
        lines.extend(f"  not carried: {note}" for note in item.notes)
        if not item.notes:
            lines.append("  everything carried")
    return "\n".join(lines) + "\n"


def _literal(value: Any) -> str:
    return repr(value)


def _identifier(name: str) -> str:
    ident = re.sub(r"\W", "_", name)
    if not ident or ident[0].isdigit() or keyword.iskeyword(ident):
        ident = f"nb_{ident}"
    return ident


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m provider.migrate", description=__doc__.splitlines()[0])
    parser.add_argument("state", type=Path, help="terraform.tfstate, or the output of `terraform show -json`")
    parser.add_argument("--out", type=Path,
                        help="write the program to this file, only where none exists (default: standard output)")
    parser.add_argument("--report", type=Path, help="also write the report to this file, only where none exists")
    parser.add_argument("--force", action="store_true", help="replace --out and --report files that exist")
    args = parser.parse_args(argv)
    try:
        document = json.loads(args.state.read_text())
        items = migrate(read_resources(document))
    except (OSError, ValueError, KeyError, MigrationError) as error:
        print(f"migrate: {args.state}: {error}", file=sys.stderr)
        return 2
    if not any(item.resource_name for item in items):
        print(f"migrate: {args.state}: no {NOTEBOOK_TYPE} in this state", file=sys.stderr)
        return 1
    return _write(args, render_program(items, args.state.name), render_report(items),
                  sum(1 for i in items if i.resource_name))


def _write(args: argparse.Namespace, program: str, report: str, count: int) -> int:
    """The program to --out or standard output, the report to --report or standard error.

    Nothing a user wrote is replaced: every target is checked before anything is written.
    """
    targets = [path for path in (args.out, args.report) if path is not None]
    try:
        for path in targets:
            check_writable(path, force=args.force)
        if args.out is not None:
            print(f"migrate: {write_file(args.out, program, force=args.force)}: {count} notebooks", file=sys.stderr)
        else:
            sys.stdout.write(program)
            print(f"migrate: wrote the program to standard output: {count} notebooks", file=sys.stderr)
        if args.report is not None:
            print(f"migrate: {write_file(args.report, report, force=args.force)}: the report", file=sys.stderr)
    except (FileRefused, OSError) as error:
        print(f"migrate: {error}", file=sys.stderr)
        return 2
    print(report, end="", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
