"""The ModelArts error table the emulator answers with.

Codes are not unique per HTTP status in the published table (0203, 0206 and
0210 appear under several statuses), so every raise names both the status and
the code; the table only supplies the default message template.
"""

from __future__ import annotations

from typing import Any, ClassVar

# code -> (default HTTP status, message template from the published table)
ERROR_TABLE: dict[str, tuple[int, str]] = {
    "ModelArts.0101": (400, "Invalid Argument."),
    "ModelArts.0108": (403, "You are not authorized to perform the ({0}) operation."),
    "ModelArts.0201": (401, "Token doesn't exist."),
    "ModelArts.0202": (401, "Invalid token header because the token has expired."),
    "ModelArts.0203": (401, "Invalid token."),
    "ModelArts.0205": (401, "No authorization request header."),
    "ModelArts.0206": (401, "Incorrect authorization request header format."),
    "ModelArts.0208": (401, "Failed to check the authorization request header."),
    "ModelArts.0210": (403, "The project id in the request URL does not match the token."),
    "ModelArts.0212": (401, "Invalid token header because the token does not contain a project."),
    "ModelArts.6100": (408, "The request timed out. Please try again."),
    "ModelArts.6101": (429, "The system is busy now. Please try again later."),
    "ModelArts.6102": (
        500,
        "The server has encountered an error and fails to process the request. "
        "Please try again later or submit a service ticket.",
    ),
    "ModelArts.6302": (400, "The instance count already reaches the maximum value."),
    "ModelArts.6303": (400, "The field does not support sorting."),
    "ModelArts.6304": (400, "Please stop the instance before deleting."),
    "ModelArts.6305": (400, "The instance is already running."),
    "ModelArts.6306": (400, "The instance is starting."),
    "ModelArts.6307": (400, "The instance has already been stopped."),
    "ModelArts.6308": (400, "The instance is stopping."),
    "ModelArts.6309": (400, "The instance does not exist."),
    "ModelArts.6318": (400, "The param 'path' needs to end with /."),
    "ModelArts.6323": (400, "The flavor is not supported, please check it."),
    "ModelArts.6324": (400, "This location type is not supported. Please check it."),
    "ModelArts.6326": (
        400,
        "The instance is frozen. Check whether your account is in arrears in Billing Center.",
    ),
    "ModelArts.6327": (400, "The instance is not in running. Please refresh the page and start it."),
    "ModelArts.6329": (400, "Sorry, this flavor specification is sold out. Please try others."),
    "ModelArts.6330": (400, "The flavor type of profile does not match the type of flavor. Please check it."),
    "ModelArts.6331": (400, "The evs volume size ranges from {} GB to {} GB."),
    "ModelArts.6332": (400, "Incorrect parameter type. The '{}' parameter must be of the '{}' type."),
    "ModelArts.6334": (400, "Invalid value for name or description. The character `{}` is not allowed."),
    "ModelArts.6335": (400, "'{}' is a required property."),
    "ModelArts.6336": (400, "'{}' property value is incorrect."),
    "ModelArts.6347": (400, "When the instance is in the '{}' status, the '{}' parameter cannot be modified."),
    "ModelArts.6348": (400, "The 'duration' parameter is mandatory for enabling auto stop."),
    "ModelArts.6349": (400, "The 'duration' parameter is incorrect. The value ranges from {} to {}."),
    "ModelArts.6357": (
        400,
        "The operation is not allowed because another operation is being performed on the "
        "instance or the instance is in the target state.",
    ),
    "ModelArts.6358": (
        400,
        "The path parameter is incorrect. It cannot be the root directory of an OBS bucket, "
        "but must be a specific directory in the OBS bucket.",
    ),
    "ModelArts.6400": (400, "Invalid request payload {0}, please check."),
    "ModelArts.6624": (404, "Ensure that the storage path already exists."),
    "ModelArts.6650": (404, "Ensure that the project already exists."),
    "ModelArts.6737": (400, "Conflict tag {0} for image {1}, tag cannot be duplicated."),
    "ModelArts.6768": (400, "SSH configuration is missing, target image {0} only support SSH dev service."),
    "ModelArts.6792": (400, "Instance {0} does not support to update flavor to {1}, please try another flavor."),
    "ModelArts.6797": (400, "Specified image {0} cannot be found."),
    "ModelArts.6870": (400, "Specified flavor {0} does not support current instance feature {1}."),
}


def render(template: str, *args: Any) -> str:
    """Fill `{}`, `{0}` style placeholders the way the table writes them."""
    return template.format(*args)


class ApiError(Exception):
    """An error answered with the ModelArts body `{"error_code", "error_msg"}`."""

    def __init__(
        self,
        code: str,
        *args: Any,
        status: int | None = None,
        message: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        default_status, template = ERROR_TABLE.get(code, (400, "{}"))
        self.code = code
        self.status = status if status is not None else default_status
        self.message = message if message is not None else render(template, *args)
        self.headers = headers or {}
        super().__init__(f"{self.status} {code}: {self.message}")

    def body(self) -> dict[str, str]:
        return {"error_code": self.code, "error_msg": self.message}


class IamError(Exception):
    """An error answered with the Keystone/IAM body `{"error": {code, message, title}}`."""

    TITLES: ClassVar[dict[int, str]] = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(f"{status}: {message}")

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "code": self.status,
                "message": self.message,
                "title": self.TITLES.get(self.status, "Error"),
            }
        }


def required(field: str) -> ApiError:
    return ApiError("ModelArts.6335", field)


def wrong_type(field: str, type_name: str) -> ApiError:
    return ApiError("ModelArts.6332", field, type_name)


def wrong_value(field: str, detail: str = "") -> ApiError:
    _, template = ERROR_TABLE["ModelArts.6336"]
    message = render(template, field) + (f" {detail}" if detail else "")
    return ApiError("ModelArts.6336", message=message)
