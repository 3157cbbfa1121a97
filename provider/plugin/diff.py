"""The core's `Diffed` as the engine's detailed diff: one entry per property, update or replace.

Nothing is decided here: the entries are read off the plan the core made. An
input is listed when its value changed and the plan acts on it (an update, a
growth, a start or stop, a renewed lease, mounts, a provider setting); a
replacement names the properties that force it; a start or stop that sets back
a status changed outside the program is listed under `status`, not an input.
"""

from __future__ import annotations

from typing import Any, Mapping

from pulumi.provider.experimental.provider import DiffResponse, PropertyDiff, PropertyDiffKind

from ..core.fields import FIELDS, STABLE_OUTPUTS, pulumi_name
from ..core.plan import SETTING_FIELDS, Grow, Plan, RenewLease, Start, Stop, SyncMounts
from ..core.service import Diffed

K = PropertyDiffKind
PUBLIC_INPUTS = frozenset(f.name for f in FIELDS if not f.internal)
# The live status: not an input, but what a start or stop against drift changes.
STATUS = "status"


def acted_on(plan: Plan) -> set[str]:
    """The inputs whose change the plan carries out (or records, for settings)."""
    keys = set(plan.replaces) | {key for key in plan.update if key != "storage_new_size"}
    for step in plan.steps:
        if isinstance(step, Grow):
            keys.add("volume")
        elif isinstance(step, (Start, Stop)):
            keys.add("running")
        elif isinstance(step, RenewLease):
            keys.add("auto_stop")
        elif isinstance(step, SyncMounts):
            keys.add("obs_mounts")
    if plan.settings:
        keys |= set(SETTING_FIELDS)
    return keys


def _kind(old: Any, new: Any, replace: bool) -> PropertyDiffKind:
    if new is None:
        return K.DELETE_REPLACE if replace else K.DELETE
    if old is None:
        return K.ADD_REPLACE if replace else K.ADD
    return K.UPDATE_REPLACE if replace else K.UPDATE


def property_diffs(diffed: Diffed, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, PropertyDiff]:
    """camelCase property path -> kind, for every property the plan changes."""
    plan = diffed.plan
    if not diffed.changes:
        return {}
    replaces, acting = set(plan.replaces), acted_on(plan)
    changed = set(diffed.changed_inputs) | {
        key for key in SETTING_FIELDS if news.get(key) is None and olds.get(key) is not None}
    listed = sorted(changed & acting & PUBLIC_INPUTS)
    listed += sorted((replaces & PUBLIC_INPUTS) - set(listed))  # e.g. a volume not known until apply
    diffs = {pulumi_name(key): PropertyDiff(_kind(olds.get(key), news.get(key), key in replaces), input_diff=True)
             for key in listed}
    for key in sorted(replaces - PUBLIC_INPUTS):  # the status of a notebook that cannot be repaired
        diffs[pulumi_name(key)] = PropertyDiff(K.UPDATE_REPLACE, input_diff=False)
    if "running" in acting and "running" not in changed and _drifted(olds, news):
        diffs[STATUS] = PropertyDiff(K.UPDATE, input_diff=False)
    return diffs


def _drifted(olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
    """The live status is not the declared run state (a restart starts and stops without drift)."""
    desired = "STOPPED" if news.get("running") is False else "RUNNING"
    return olds.get(STATUS) not in (None, desired)


def diff_response(diffed: Diffed, olds: Mapping[str, Any], news: Mapping[str, Any]) -> DiffResponse:
    diffs = property_diffs(diffed, olds, news)
    return DiffResponse(
        changes=diffed.changes,
        replaces=[pulumi_name(key) for key in diffed.plan.replaces],
        stables=[pulumi_name(key) for key in STABLE_OUTPUTS],
        # Side by side would need twice the quota (10 per account) and the old work directory is destroyed either way.
        delete_before_replace=True,
        diffs=sorted(diffs),
        detailed_diff=diffs,
    )
