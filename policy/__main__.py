"""The notebook guardrails as a Pulumi policy pack.

Run by the engine with `pulumi preview --policy-pack policy` (and `up`). Each
policy wraps one rule of `rules.py`; limits and enforcement levels come from
`--policy-pack-config`. Only notebooks are inspected: the default provider's
inputs hold the whole stack configuration with secrets decrypted, so no policy
reads, logs or echoes them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

import defaults
import rules
from plain import plain

Check = Callable[[rules.Notebook, Mapping[str, Any]], list[str]]


def notebook_policy(name: str, description: str, check: Check, properties: dict[str, dict]) -> ResourceValidationPolicy:
    """A policy that runs `check` on every notebook with the policy's configuration."""

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        props = plain(args.props)
        if not rules.is_notebook(args.resource_type, props):
            return
        notebook = rules.Notebook(args.name, props)
        for message in check(notebook, args.get_config()):
            report(message, args.urn)

    return ResourceValidationPolicy(
        name=name,
        description=description,
        enforcement_level=EnforcementLevel.MANDATORY,
        validate=validate,
        config_schema=PolicyConfigSchema(properties=properties),
    )


def stack_policy() -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        resources = [(r.name, r.resource_type, plain(r.props)) for r in args.resources]
        notebooks = [rules.Notebook(name, props) for name, kind, props in resources if rules.is_notebook(kind, props)]
        for message in rules.check_stack(notebooks, int(args.get_config()["max_notebooks"])):
            report(message, None)  # a stack-wide violation names no resource

    return StackValidationPolicy(
        name="notebook-stack-limits",
        description="At most N notebooks per stack (the account quota) and no two with the same name.",
        enforcement_level=EnforcementLevel.MANDATORY,
        validate=validate,
        config_schema=PolicyConfigSchema(properties=defaults.STACK),
    )


def description_remediation() -> ResourceValidationPolicy:
    def remediate(args: ResourceValidationArgs) -> Optional[Mapping[str, Any]]:
        props = plain(args.props)
        if not rules.is_notebook(args.resource_type, props):
            return None
        return rules.remediated_description(props, str(args.get_config()["text"]))

    return ResourceValidationPolicy(
        name="notebook-default-description",
        description="Fills an empty notebook description with the team's text (off while the text is empty).",
        enforcement_level=EnforcementLevel.REMEDIATE,
        # pulumi-policy's type names only an awaitable, yet it takes the new properties as plain values too.
        remediate=remediate,  # type: ignore[arg-type]
        config_schema=PolicyConfigSchema(properties=defaults.DESCRIPTION),
    )


def policies() -> list[Any]:
    return [
        notebook_policy(
            "notebook-accelerator-auto-stop",
            "GPU and NPU notebooks must stop on their own: auto_stop with a bounded duration.",
            lambda nb, c: rules.check_accelerator_auto_stop(nb, list(c["accelerator_flavors"]), float(c["max_hours"])),
            defaults.AUTO_STOP,
        ),
        notebook_policy(
            "notebook-flavor-allowed",
            "Notebook flavors must be in the team's allow-list.",
            lambda nb, c: rules.check_flavor_allowed(nb, list(c["allowed_flavors"])),
            defaults.FLAVORS,
        ),
        notebook_policy(
            "notebook-volume-capacity",
            "A notebook's EVS volume may not exceed a maximum size.",
            lambda nb, c: rules.check_volume_capacity(nb, float(c["max_gb"])),
            defaults.VOLUME,
        ),
        notebook_policy(
            "notebook-ssh-restricted",
            "SSH endpoints need allowed_access_ips no wider than a configured prefix, and a key pair.",
            lambda nb, c: rules.check_ssh_endpoints(nb, int(c["widest_prefix"])),
            defaults.SSH,
        ),
        stack_policy(),
        description_remediation(),
    ]


if __name__ == "__main__":
    PolicyPack(name="modelarts-notebooks", enforcement_level=EnforcementLevel.MANDATORY, policies=policies())
