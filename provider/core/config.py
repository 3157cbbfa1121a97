"""Provider settings: stack configuration (namespace `modelarts`) first, then the
environment variables OTC users already have, never resource inputs.

Every problem is collected and reported at once, so a pipeline author fixes the
configuration in one round instead of one error per `pulumi preview`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional
from urllib.parse import urlsplit

from pydantic import SecretStr

from .errors import ConfigurationError
from .fields import SETTINGS

if TYPE_CHECKING:  # the client and its auth, and `requests` with them, are imported when a client is made
    import requests

    from .client import ModelArtsClient

NAMESPACE = "modelarts"
# config key -> environment fallback (the settings table in fields.py)
KEYS: dict[str, Optional[str]] = {setting.name: setting.env for setting in SETTINGS}
SECRET_KEYS = frozenset(setting.name for setting in SETTINGS if setting.secret)
# The region becomes part of host names, so it must be a plain label (eu-de, eu-nl, eu-ch2).
REGION_PATTERN = re.compile(r"^[a-z]{2}(-[a-z0-9]+)+$")
# Project ids are 32 characters (hex on OTC); anything else is usually a project name.
PROJECT_ID_PATTERN = re.compile(r"^[0-9A-Za-z]{32}$")
# `modelarts:endpoint` and `modelarts:authUrl` may hold this, replaced by each notebook's region.
REGION_PLACEHOLDER = "{region}"
# The documented endpoint form {service}.{region_id}.{external_domain}, on the OTC public cloud.
ENDPOINT_TEMPLATE = "https://modelarts.{region}.otc.t-systems.com"
AUTH_URL_TEMPLATE = "https://iam.{region}.otc.t-systems.com/v3"
AKSK_KEYS = ("accessKey", "secretKey")
PASSWORD_KEYS = ("username", "password", "domainName")


@dataclass(frozen=True)
class ProviderSettings:
    endpoint: str
    project_id: Optional[str]
    project_name: Optional[str]
    auth_url: Optional[str]
    access_key: Optional[str] = None
    secret_key: Optional[SecretStr] = None
    username: Optional[str] = None
    password: Optional[SecretStr] = None
    domain_name: Optional[str] = None
    region: Optional[str] = None
    # The endpoints with REGION_PLACEHOLDER left in (without it, one address serves every region).
    endpoint_template: Optional[str] = None
    auth_url_template: Optional[str] = None

    @property
    def uses_aksk(self) -> bool:
        return self.access_key is not None

    def make_auth(self) -> requests.auth.AuthBase:
        from .auth import AkSkAuth, IamTokenAuth

        if self.uses_aksk:
            assert self.secret_key is not None
            return AkSkAuth(self.access_key or "", self.secret_key, self.project_id)
        assert self.auth_url and self.username and self.password and self.domain_name
        return IamTokenAuth(
            self.auth_url,
            self.username,
            self.password,
            self.domain_name,
            project_name=self.project_name,
            project_id=self.project_id,
        )

    def make_client(self, **options: Any) -> ModelArtsClient:
        """A client with this configuration's auth. Without a project id (password
        login scoped by project name) the id comes from the first token."""
        from .auth import IamTokenAuth
        from .client import ModelArtsClient

        auth = self.make_auth()
        project_id = self.project_id
        if not project_id:
            assert isinstance(auth, IamTokenAuth)
            auth.token()
            project_id = auth.resolved_project_id
            if not project_id:
                raise ConfigurationError("could not learn the project id from the IAM token; set modelarts:projectId")
        return ModelArtsClient(self.endpoint, project_id, auth, **options)

    def placed(self, project_id: Optional[str], region: Optional[str]) -> "ProviderSettings":
        """The same credentials aimed at another project and region: the token is then scoped
        by the project's id and the endpoints are the region's."""
        if project_id in (None, self.project_id) and region in (None, self.region):
            return self
        where = region or self.region or ""
        return replace(
            self,
            project_id=project_id or self.project_id,
            project_name=None if project_id else self.project_name,
            region=where,
            endpoint=_in_region(self.endpoint_template, where) or self.endpoint,
            auth_url=_in_region(self.auth_url_template, where) or self.auth_url,
        )

    def __repr__(self) -> str:  # never print credentials
        method = "AK/SK" if self.uses_aksk else "IAM password"
        return f"ProviderSettings(endpoint={self.endpoint!r}, project_id={self.project_id!r}, auth={method})"


def load_settings(config_get: Callable[[str], Optional[str]], environ: Mapping[str, str]) -> ProviderSettings:
    """Read `modelarts:*` config (falling back to OS_* variables) and check it; every problem at once."""
    source = _Source(config_get, environ)
    problems: list[str] = []
    credentials = _read_credentials(source, problems)
    region = source.value("region")
    if region and not REGION_PATTERN.match(region):
        problems.append(
            f"modelarts:region (or OS_REGION_NAME) must be a region name such as eu-de or eu-nl, got {region!r}"
        )
    endpoint_template, auth_url_template = _read_endpoints(source, region, problems)
    project_id = source.value("projectId")
    if project_id and not PROJECT_ID_PATTERN.match(project_id):
        problems.append(
            f"modelarts:projectId must be the project's 32-character id (IAM console, My Credentials), "
            f"got {project_id!r}; a project name goes in modelarts:projectName"
        )
    project_name = source.value("projectName") or region
    auth_url = _in_region(auth_url_template, region or "eu-de")
    uses_aksk = "accessKey" in credentials
    if uses_aksk and not project_id:
        problems.append("AK/SK calls need the project id in the URL: set modelarts:projectId (or OS_PROJECT_ID)")
    if credentials and not uses_aksk:
        if not auth_url:
            problems.append("password login needs modelarts:authUrl (or OS_AUTH_URL, or modelarts:region)")
        if not (project_id or project_name):
            problems.append("password login needs modelarts:projectId or modelarts:projectName / modelarts:region")
    if problems:
        raise ConfigurationError("invalid ModelArts provider configuration: " + "; ".join(problems))
    secret, password = credentials.get("secretKey"), credentials.get("password")
    return ProviderSettings(
        endpoint=(_in_region(endpoint_template, region or "") or "").rstrip("/"),
        project_id=project_id,
        project_name=project_name,
        auth_url=auth_url,
        access_key=credentials.get("accessKey"),
        secret_key=SecretStr(secret) if secret else None,
        username=credentials.get("username"),
        password=SecretStr(password) if password else None,
        domain_name=credentials.get("domainName"),
        region=region,
        endpoint_template=endpoint_template.rstrip("/"),
        auth_url_template=auth_url_template,
    )


class _Source:
    """Stack config first, then the OS_* environment."""

    def __init__(self, config_get: Callable[[str], Optional[str]], environ: Mapping[str, str]) -> None:
        self._config_get = config_get
        self._environ = environ

    def from_config(self, key: str) -> Optional[str]:
        value = self._config_get(f"{NAMESPACE}:{key}")
        return None if value in (None, "") else str(value)

    def from_env(self, key: str) -> Optional[str]:
        variable = KEYS[key]
        return (self._environ.get(variable) if variable else None) or None

    def value(self, key: str) -> Optional[str]:
        return self.from_config(key) or self.from_env(key)


def _read_credentials(source: _Source, problems: list[str]) -> dict[str, str]:
    """One complete set of credentials from one source: stack config wins over the environment
    as a whole, so a stray OS_* variable never mixes with config."""
    credentials = _credential_set(source.from_config, "stack config", problems)
    if not credentials:
        credentials = _credential_set(source.from_env, "environment", problems)
    if not credentials and not problems:
        problems.append(
            "no credentials: set `pulumi config set modelarts:accessKey ...` and "
            "`pulumi config set --secret modelarts:secretKey ...` (or OS_ACCESS_KEY/OS_SECRET_KEY), or "
            "modelarts:username / modelarts:password / modelarts:domainName (or OS_USERNAME/OS_PASSWORD/OS_DOMAIN_NAME)"
        )
    return credentials


def _credential_set(get: Callable[[str], Optional[str]], source: str, problems: list[str]) -> dict[str, str]:
    found = {k: v for k in (*AKSK_KEYS, *PASSWORD_KEYS) if (v := get(k))}
    has_aksk = any(k in found for k in AKSK_KEYS)
    has_password = any(k in found for k in ("username", "password"))
    if has_aksk and has_password:
        problems.append(
            f"{source} has both AK/SK ({_names(AKSK_KEYS, source)}) and password credentials "
            f"({_names(PASSWORD_KEYS, source)}): keep exactly one of the two"
        )
    elif has_aksk and not all(k in found for k in AKSK_KEYS):
        problems.append(f"{source}: AK/SK needs both {_names(AKSK_KEYS, source)}")
    elif has_password and not all(k in found for k in PASSWORD_KEYS):
        missing = [k for k in PASSWORD_KEYS if k not in found]
        problems.append(f"{source}: password login also needs {_names(tuple(missing), source)}")
    return found


def _read_endpoints(source: _Source, region: Optional[str], problems: list[str]) -> tuple[str, Optional[str]]:
    """The ModelArts endpoint and IAM URL templates (`{region}` filled per notebook)."""
    endpoint_template = source.value("endpoint")
    if endpoint_template:
        problems.extend(_url_problems("modelarts:endpoint", _in_region(endpoint_template, region or "eu-de") or ""))
    elif not region:
        problems.append(
            "no endpoint: set modelarts:region (or OS_REGION_NAME), or modelarts:endpoint (or MODELARTS_ENDPOINT)")
    auth_url_template = source.value("authUrl") or (AUTH_URL_TEMPLATE if region else None)
    if source.value("authUrl"):
        problems.extend(_url_problems("modelarts:authUrl", _in_region(auth_url_template, region or "eu-de") or ""))
    for key, template in (("endpoint", endpoint_template), ("authUrl", source.value("authUrl"))):
        if REGION_PLACEHOLDER in (template or "") and not region:
            problems.append(f"modelarts:{key} holds {REGION_PLACEHOLDER}: set modelarts:region too")
    return endpoint_template or ENDPOINT_TEMPLATE, auth_url_template


def unknown_keys(config_keys: list[str]) -> list[str]:
    """`modelarts:*` keys this provider does not know (a typo would otherwise be ignored)."""
    prefix = f"{NAMESPACE}:"
    return sorted(k for k in config_keys if k.startswith(prefix) and k[len(prefix):] not in KEYS)


def _url_problems(key: str, url: str) -> list[str]:
    """An endpoint must be a plain http(s) address: no user:password@ (never echoed), query or fragment."""
    example = "https://iam.eu-de.otc.t-systems.com/v3" if key.endswith("authUrl") else (
        "https://modelarts.eu-de.otc.t-systems.com")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        parts = urlsplit("")
    if "@" in parts.netloc:
        return [f"{key} must not carry credentials (user:password@); give them as modelarts keys instead"]
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
        return [f"{key} must be an https:// address such as {example}, got {url!r}"]
    return []


def _in_region(template: Optional[str], region: str) -> Optional[str]:
    return template.replace(REGION_PLACEHOLDER, region) if template else None


def _names(keys: tuple[str, ...], source: str) -> str:
    if source == "environment":
        return " and ".join(str(KEYS[k]) for k in keys)
    return " and ".join(f"{NAMESPACE}:{k}" for k in keys)
