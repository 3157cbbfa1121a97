"""The provider's exceptions: one root, and enough context to act on each.

Messages name the notebook and what the service said; they never contain a
credential or a token.
"""

from __future__ import annotations

from typing import Optional

from pulumi.errors import RunError

# Codes the docs attach to "does not exist": the notebook (6309, contract trap 11)
# and the image (6797), both answered with HTTP 400.
NOT_FOUND_CODES = frozenset({"ModelArts.6309", "ModelArts.6797"})
# "The token expired / is invalid": renew the IAM token once and repeat the call.
TOKEN_REJECTED_CODES = frozenset({"ModelArts.0202", "ModelArts.0203"})
# Busy or overloaded answers worth retrying after a pause (the request had no effect).
RETRYABLE_CODES = frozenset({"ModelArts.6100", "ModelArts.6101", "ModelArts.6333"})
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class ModelArtsError(Exception):
    """Root of every error this provider raises."""


class ConfigurationError(ModelArtsError):
    """Missing or contradictory provider configuration."""


class ProgramError(ModelArtsError, RunError):
    """A program declared a resource wrongly (an unknown or missing argument).

    Also a `RunError`, which Pulumi's language hosts report as its message alone:
    the fix is in the program, and a traceback of the SDK would hide it.
    """


class AuthenticationError(ModelArtsError):
    """IAM refused the credentials, or could not be reached."""


class TransportError(ModelArtsError):
    """The service could not be reached (after the retries that were safe)."""


class ApiError(ModelArtsError):
    """The service answered with an error body `{"error_code", "error_msg"}`."""

    def __init__(
        self,
        http_status: int,
        error_code: str,
        error_msg: str,
        *,
        method: str = "",
        path: str = "",
        notebook_id: Optional[str] = None,
        retry_after: Optional[float] = None,
    ) -> None:
        self.http_status = http_status
        self.error_code = error_code
        self.error_msg = error_msg
        self.method = method
        self.path = path
        self.notebook_id = notebook_id
        self.retry_after = retry_after
        where = f" for notebook {notebook_id}" if notebook_id else ""
        super().__init__(f"{method} {path} failed{where}: HTTP {http_status} {error_code}: {error_msg}")

    @property
    def is_not_found(self) -> bool:
        return self.http_status == 404 or self.error_code in NOT_FOUND_CODES

    @property
    def is_retryable(self) -> bool:
        return self.http_status in RETRYABLE_STATUSES or self.error_code in RETRYABLE_CODES


class NotFoundError(ApiError):
    """The notebook (or other object) does not exist: HTTP 404, or 400 + ModelArts.6309."""


# What a user can do about each failure status.
REMEDIES = {
    "CREATE_FAILED": "fix the cause (quota, a sold-out flavor, the image) and run `pulumi up` again",
    "START_FAILED": "run `pulumi up` again to retry the start (ModelArts.6360 means capacity is short for now)",
    "ERROR": "look at it in the ModelArts console; `pulumi up` retries the start, `pulumi up --replace <urn>` recreates it",
    "FROZEN": "the account is frozen for arrears (ModelArts.6326): top it up, then run `pulumi up`",
    "DELETE_FAILED": "run `pulumi destroy` (or `pulumi up`) again to retry the deletion",
}


class NotebookFailedError(ModelArtsError):
    """The notebook reached a failure status (CREATE_FAILED, START_FAILED, ERROR...)."""

    def __init__(
        self, notebook_id: str, name: str, status: str, fail_reason: Optional[str], doing: str, note: str = ""
    ) -> None:
        self.notebook_id = notebook_id
        self.status = status
        self.fail_reason = fail_reason
        reason = f": {fail_reason}" if fail_reason else " (the service gave no fail_reason)"
        remedy = REMEDIES.get(status, "run `pulumi refresh` to see its state, then `pulumi up`")
        super().__init__(f"notebook {name!r} ({notebook_id}) ended in {status} while {doing}{reason}.{note} What to do: {remedy}")


class WaitTimeoutError(ModelArtsError):
    """A notebook did not reach the wanted status within the deadline."""

    def __init__(self, notebook_id: str, name: str, doing: str, last_status: Optional[str], waited: float) -> None:
        self.notebook_id = notebook_id
        self.last_status = last_status
        super().__init__(
            f"notebook {name!r} ({notebook_id}) was still {last_status or 'unknown'} after {waited:.0f}s while "
            f"{doing}; nothing was rolled back: run `pulumi refresh` then `pulumi up` to continue"
        )


class NotebookGoneError(ModelArtsError):
    """The notebook disappeared while the provider was waiting for it."""

    def __init__(self, notebook_id: str, name: str, doing: str) -> None:
        self.notebook_id = notebook_id
        super().__init__(f"notebook {name!r} ({notebook_id}) was deleted outside this program while {doing}")
