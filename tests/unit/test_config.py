"""Provider configuration: stack config first, OTC environment names as fallback, all problems at once."""

from __future__ import annotations

from typing import Optional

import pytest

from provider.core.config import load_settings, unknown_keys
from provider.core.errors import ConfigurationError

AKSK = {"modelarts:region": "eu-de", "modelarts:projectId": "p" * 32, "modelarts:accessKey": "AK",
        "modelarts:secretKey": "SK-very-secret"}


def getter(values: dict[str, str]):
    def get(key: str) -> Optional[str]:
        return values.get(key)
    return get


def test_region_gives_the_public_endpoints() -> None:
    settings = load_settings(getter(AKSK), {})
    assert settings.endpoint == "https://modelarts.eu-de.otc.t-systems.com"
    assert settings.auth_url == "https://iam.eu-de.otc.t-systems.com/v3"
    assert settings.uses_aksk
    assert "SK-very-secret" not in repr(settings)


def test_endpoint_overrides_region() -> None:
    settings = load_settings(getter({**AKSK, "modelarts:endpoint": "http://127.0.0.1:8443/"}), {})
    assert settings.endpoint == "http://127.0.0.1:8443"


def test_environment_fallback_with_otc_names() -> None:
    env = {"OS_REGION_NAME": "eu-nl", "OS_USERNAME": "u", "OS_PASSWORD": "pw", "OS_DOMAIN_NAME": "d",
           "OS_PROJECT_NAME": "eu-nl"}
    settings = load_settings(getter({}), env)
    assert not settings.uses_aksk and settings.username == "u" and settings.project_name == "eu-nl"
    assert settings.endpoint == "https://modelarts.eu-nl.otc.t-systems.com"


def test_modelarts_endpoint_variable_is_the_endpoints_fallback() -> None:
    env = {"OS_ACCESS_KEY": "AK", "OS_SECRET_KEY": "SK", "OS_PROJECT_ID": "p" * 32,
           "MODELARTS_ENDPOINT": "http://127.0.0.1:8443/"}
    settings = load_settings(getter({}), env)
    assert settings.endpoint == "http://127.0.0.1:8443"  # no region needed with an endpoint
    configured = load_settings(getter({"modelarts:endpoint": "https://modelarts.example.test"}), env)
    assert configured.endpoint == "https://modelarts.example.test"  # stack config first
    with pytest.raises(ConfigurationError, match="modelarts:endpoint must be an https:// address"):
        load_settings(getter({}), {**env, "MODELARTS_ENDPOINT": "modelarts.example.test"})


def test_config_credentials_win_over_the_environment_as_a_whole() -> None:
    settings = load_settings(getter(AKSK), {"OS_USERNAME": "u", "OS_PASSWORD": "pw"})
    assert settings.uses_aksk and settings.username is None


@pytest.mark.parametrize(
    "values, says",
    [
        ({}, "no credentials"),
        ({"modelarts:accessKey": "AK"}, "AK/SK needs both modelarts:accessKey and modelarts:secretKey"),
        ({**AKSK, "modelarts:username": "u", "modelarts:password": "p"}, "both AK/SK"),
        ({"modelarts:username": "u", "modelarts:password": "p", "modelarts:region": "eu-de"},
         "password login also needs modelarts:domainName"),
        ({k: v for k, v in AKSK.items() if k != "modelarts:projectId"}, "modelarts:projectId"),
        ({k: v for k, v in AKSK.items() if k != "modelarts:region"}, "no endpoint"),
    ],
)
def test_missing_or_contradictory_configuration(values: dict, says: str) -> None:
    with pytest.raises(ConfigurationError, match=says):
        load_settings(getter(values), {})


def test_secret_values_never_appear_in_errors() -> None:
    values = {**AKSK, "modelarts:username": "u", "modelarts:password": "pw-secret"}
    with pytest.raises(ConfigurationError) as error:
        load_settings(getter(values), {})
    assert "SK-very-secret" not in str(error.value) and "pw-secret" not in str(error.value)


def test_unknown_keys_are_reported() -> None:
    assert unknown_keys(["modelarts:regoin", "modelarts:region", "other:x"]) == ["modelarts:regoin"]


@pytest.mark.parametrize(
    "values, says",
    [
        ({**AKSK, "modelarts:region": "eu-de.example.com/"}, "region name such as eu-de"),
        ({**AKSK, "modelarts:projectId": "eu-de_analytics"}, "32-character id"),
        ({**AKSK, "modelarts:endpoint": "modelarts.eu-de.otc.t-systems.com"}, "must be an https:// address"),
        ({**AKSK, "modelarts:authUrl": "ftp://iam.example.com"}, "must be an https:// address"),
    ],
)
def test_malformed_region_project_id_and_addresses_are_refused(values: dict, says: str) -> None:
    with pytest.raises(ConfigurationError, match=says):
        load_settings(getter(values), {})


def test_credentials_in_an_endpoint_are_refused_without_being_echoed() -> None:
    with pytest.raises(ConfigurationError, match="must not carry credentials") as error:
        load_settings(getter({**AKSK, "modelarts:endpoint": "https://user:hunter2@modelarts.example.com"}), {})
    assert "hunter2" not in str(error.value)
