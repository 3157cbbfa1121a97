"""Each policy's configuration schema with the defaults a careful platform team starts from.

A stack overrides any of them with `--policy-pack-config FILE`, see docs/policy.md.
"""

from __future__ import annotations

AUTO_STOP: dict[str, dict] = {
    "accelerator_flavors": {
        "type": "array",
        "items": {"type": "string"},
        # GPU flavors, and the Ascend (NPU) bare-metal flavors.
        "default": ["*.gpu.*", "*.snt9*", "*npu*", "*ascend*"],
    },
    "max_hours": {"type": "number", "minimum": 1, "maximum": 24, "default": 8},
}

FLAVORS: dict[str, dict] = {
    "allowed_flavors": {
        "type": "array",
        "items": {"type": "string"},
        # CPU and single-accelerator flavors; the 8-NPU machines need an explicit opt-in.
        "default": ["modelarts.vm.cpu.*", "modelarts.vm.gpu.*", "modelarts.bm.snt9.xlarge.2"],
    },
}

VOLUME: dict[str, dict] = {
    "max_gb": {"type": "number", "minimum": 5, "default": 100},
}

SSH: dict[str, dict] = {
    "widest_prefix": {"type": "integer", "minimum": 1, "maximum": 32, "default": 24},
}

STACK: dict[str, dict] = {
    # The account's notebook quota.
    "max_notebooks": {"type": "integer", "minimum": 1, "default": 10},
}

DESCRIPTION: dict[str, dict] = {
    # Empty: the remediation changes nothing.
    "text": {"type": "string", "maxLength": 256, "default": ""},
}
