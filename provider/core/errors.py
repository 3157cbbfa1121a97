"""The provider's exceptions: one root, and enough context to act on each.

API answers become exception classes through one table (`ERROR_CLASSES`), so a
handler reads `except (AlreadyStopped, TransitionInProgress)`, never a code
string. Messages name the notebook and what the service said; they never
contain a credential or a token.
"""

from __future__ import annotations

from typing import Optional

# "The token expired / is invalid": renew the IAM token once and repeat the call.
TOKEN_REJECTED_CODES = frozenset({"ModelArts.0202", "ModelArts.0203"})
# Busy or overloaded answers worth retrying after a pause (the request had no effect).
RETRYABLE_CODES = frozenset({"ModelArts.6100", "ModelArts.6101", "ModelArts.6333"})
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class ModelArtsError(Exception):
    """Root of every error this provider raises."""


class ConfigurationError(ModelArtsError):
    """Missing or contradictory provider configuration."""


class AuthenticationError(ModelArtsError):
    """IAM refused the credentials, or could not be reached."""


class TransportError(ModelArtsError):
    """The service could not be reached (after the retries that were safe)."""


class OutcomeUnknown(TransportError):
    """A mutating request may have reached the service, but its answer was lost.

    Never repeated blindly: the caller reads the live state back and decides
    from what it sees.
    """

    def __init__(self, message: str, *, method: str, path: str, notebook_id: Optional[str] = None) -> None:
        self.method = method
        self.path = path
        self.notebook_id = notebook_id
        super().__init__(message)


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
        super().__init__(f"{method} {path} failed{where}: HTTP {http_status} {error_code}: {error_msg}{self.advice}")

    advice = ""

    @property
    def is_retryable(self) -> bool:
        return self.http_status in RETRYABLE_STATUSES or self.error_code in RETRYABLE_CODES


# ---- "does not exist": only on evidence about that very object ---------------


class NotFoundError(ApiError):
    """The object named in the path does not exist (its own not-found code)."""


class NotebookNotFound(NotFoundError):
    """ModelArts.6309, answered with HTTP 400 (error table) or 404 (operation pages)."""


class ImageNotFound(NotFoundError):
    """ModelArts.6797."""


class StorageNotFound(NotFoundError):
    """ModelArts.6624: an OBS mount that does not exist."""


class UnexplainedNotFound(ApiError):
    """HTTP 404 with a code that names no object: the notebook may be gone, or the
    path may be wrong. Only a successful list with the same credentials tells."""


# ---- configuration errors the service reports ----------------------------------


class ServiceConfigurationError(ApiError, ConfigurationError):
    """The service refused the request for a reason a setting must fix; nothing about
    any notebook can be concluded from it."""

    setting = "the modelarts:* configuration"

    @property
    def advice(self) -> str:  # type: ignore[override]
        return f". Check {self.setting}; nothing in the stack's state was changed"


class UnknownProject(ServiceConfigurationError):
    """ModelArts.6650 (and the other project codes): the project id is wrong."""

    setting = "modelarts:projectId (or modelarts:projectName / modelarts:region)"


class UnknownRoute(ServiceConfigurationError):
    """APIGW.0101: the gateway knows no such route, so the endpoint is wrong."""

    setting = "modelarts:endpoint (it must be the ModelArts endpoint of the region, without a /v1 suffix)"


class AccessDenied(ServiceConfigurationError):
    """HTTP 401/403: the credentials are wrong, expired or lack permission."""

    setting = "the credentials (modelarts:accessKey/secretKey or username/password/domainName) and their permissions"


# ---- state conflicts: "already there", "busy", "not in this status" ----------


class StateConflict(ApiError):
    """The notebook's status does not allow the operation now."""


class AlreadyRunning(StateConflict):
    """ModelArts.6305."""


class AlreadyStopped(StateConflict):
    """ModelArts.6307."""


class TransitionInProgress(StateConflict):
    """6306 (starting), 6308 (stopping), 6357 (another operation runs, or already in target)."""


class MustStopFirst(StateConflict):
    """ModelArts.6304: this service deletes only stopped notebooks."""


class NotModifiableInStatus(StateConflict):
    """ModelArts.6347: the field cannot change in the current status (the API
    reference: update only while STOPPED)."""


class NotRunning(StateConflict):
    """ModelArts.6327: the operation needs a RUNNING notebook."""


class Frozen(StateConflict):
    """ModelArts.6326: the account is frozen for arrears."""


class LeaseRefused(ApiError):
    """6346/6348/6349: the auto-stop request is out of the service's range."""


class Throttled(ApiError):
    """HTTP 429."""


ERROR_CLASSES: dict[str, type[ApiError]] = {
    "ModelArts.6309": NotebookNotFound,
    "ModelArts.6797": ImageNotFound,
    "ModelArts.6624": StorageNotFound,
    "ModelArts.6650": UnknownProject,
    "ModelArts.6651": UnknownProject,
    "ModelArts.6652": UnknownProject,
    "ModelArts.6653": UnknownProject,
    "ModelArts.6654": UnknownProject,
    "APIGW.0101": UnknownRoute,
    "ModelArts.6305": AlreadyRunning,
    "ModelArts.6307": AlreadyStopped,
    "ModelArts.6306": TransitionInProgress,
    "ModelArts.6308": TransitionInProgress,
    "ModelArts.6357": TransitionInProgress,
    "ModelArts.6304": MustStopFirst,
    "ModelArts.6347": NotModifiableInStatus,
    "ModelArts.6327": NotRunning,
    "ModelArts.6326": Frozen,
    "ModelArts.6346": LeaseRefused,
    "ModelArts.6348": LeaseRefused,
    "ModelArts.6349": LeaseRefused,
}


def error_class(http_status: int, error_code: str) -> type[ApiError]:
    """The exception class for one error answer: by code first, then by HTTP status."""
    if error_code in ERROR_CLASSES:
        return ERROR_CLASSES[error_code]
    if http_status in (401, 403) and error_code not in TOKEN_REJECTED_CODES:
        return AccessDenied
    if http_status == 404:
        return UnexplainedNotFound
    if http_status == 429:
        return Throttled
    return ApiError


# What a user can do about each failure status.
REMEDIES = {
    "CREATE_FAILED": "fix the cause (quota, a sold-out flavor, the image) and run `pulumi up` again",
    "START_FAILED": "run `pulumi up` again to retry the start (ModelArts.6360 means capacity is short for now)",
    "ERROR": "`pulumi up` tries to start it again; if the service refuses, recreate it with "
             "`pulumi up --replace <urn>` (its work directory is lost) or open a support ticket with the fail_reason",
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
        super().__init__(
            f"notebook {name!r} ({notebook_id}) ended in {status} while {doing}{reason}.{note} What to do: {remedy}"
        )


class StartRefusedError(NotebookFailedError):
    """A notebook in a failure status (ERROR, START_FAILED) that the service refuses to start."""

    def __init__(self, notebook_id: str, name: str, status: str, fail_reason: Optional[str], refusal: ApiError) -> None:
        self.refusal = refusal
        reason = f" (fail_reason: {fail_reason})" if fail_reason else " (the service gave no fail_reason)"
        ModelArtsError.__init__(
            self,
            f"notebook {name!r} ({notebook_id}) is {status}{reason} and the service refused to start it: "
            f"HTTP {refusal.http_status} {refusal.error_code}: {refusal.error_msg}. Nothing was changed. What to do: "
            "recreate it with `pulumi up --replace <urn>` (its work directory is lost), or open a support ticket "
            "quoting the notebook id and fail_reason",
        )
        self.notebook_id = notebook_id
        self.status = status
        self.fail_reason = fail_reason


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
