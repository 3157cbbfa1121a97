"""State in an S3-compatible bucket: the notebook's life and the secrets scan, with
`PULUMI_BACKEND_URL=s3://...` against a versitygw server on loopback that checks
SigV4 signatures and the region as the object store of the cloud does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.engine.test_secrets import (RecordedProject, Secrets, assert_token_is_a_secret_output, everything_written,
                                       live_token)
from testkit.emulators import PASSWORD, SECRET_KEY, Emulator
from testkit.projects import notebook_spec
from testkit.s3 import S3_ACCESS_KEY, S3_SECRET_KEY, S3Backed, S3Project, S3Server

pytestmark = pytest.mark.engine

# The state backend / policy pack / pipeline scripts are the subject here, not the service's readings.
READINGS = ("lenient",)



def only_notebook(emulator: Emulator) -> dict:
    [notebook] = emulator.notebooks()
    return notebook


def test_up_flip_refresh_destroy_with_state_in_the_bucket(
    s3_project: S3Project, s3_server: S3Server, emulator: Emulator
) -> None:
    s3_project.declare(nb=notebook_spec())
    s3_project.up()
    notebook_id = only_notebook(emulator)["id"]
    keys = s3_server.objects(s3_project.prefix)
    stack_key = f"{s3_project.prefix}/.pulumi/stacks/nbtest/test.json"
    assert stack_key in keys and notebook_id.encode() in keys[stack_key]
    assert not (s3_project.dir / "state").exists() or not any((s3_project.dir / "state").iterdir())
    assert s3_project.lock_keys() == []  # released after the update

    before = len(emulator.requests())
    assert "unchanged" in s3_project.up().output
    assert emulator.mutating(before) == []

    s3_project.declare(nb=notebook_spec(running=False))
    before = len(emulator.requests())
    s3_project.up()
    assert emulator.calls(before) == ["stop"]
    assert s3_project.outputs()["nb"]["status"] == "STOPPED"

    emulator.force_status(notebook_id, "RUNNING")  # started from the console
    s3_project.refresh()
    [recorded] = s3_project.resources()
    assert recorded["outputs"]["status"] == "RUNNING"
    before = len(emulator.requests())
    s3_project.up()
    assert emulator.calls(before) == ["stop"]

    s3_project.destroy()
    assert emulator.notebooks() == []
    assert s3_project.resources() == []


class RecordedS3Project(S3Backed, RecordedProject):
    """State in the bucket, and the output of every command kept."""


def test_secrets_scan_walks_every_object_in_the_bucket(
    tmp_path: Path, pulumi_bin: str, emulator: Emulator, s3_server: S3Server, s3_prefix: str
) -> None:
    project = RecordedS3Project(tmp_path / "p", pulumi_bin, emulator, auth="password", s3=s3_server, prefix=s3_prefix)
    secrets = Secrets(emulator, password=PASSWORD, secret_key=SECRET_KEY, state_secret_key=S3_SECRET_KEY)

    project.declare(nb=notebook_spec(name="nb-s3-secret"))
    project.up()
    secrets.collect()
    project.declare(nb=notebook_spec(name="nb-s3-secret", running=False))
    project.up()
    project.declare(nb=notebook_spec(name="nb-s3-secret", running=True))
    project.up()
    project.refresh()
    secrets.collect()
    assert_token_is_a_secret_output(project, live_token(emulator))
    project.destroy()
    secrets.collect()

    places = everything_written(project, emulator)
    objects = s3_server.objects(s3_prefix)
    places.update({f"bucket object {key}": body.decode("utf-8", "replace") for key, body in objects.items()})
    assert any("/.pulumi/history/" in key for key in objects) and any("/.pulumi/backups/" in key for key in objects)
    leaks = [leak for where, text in places.items() for leak in secrets.leaks(where, text)]
    assert leaks == [], leaks
    # The state's own access key is not a secret, but it never belongs in the state either.
    assert not [key for key, body in objects.items() if S3_ACCESS_KEY.encode() in body]
    assert all("AWS_" not in json.dumps(body.decode("utf-8", "replace")) for body in objects.values())
