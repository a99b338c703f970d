"""Where STS, SSO and SSO OIDC are (lambda_es._service_endpoints), in the SDKs' order."""

from __future__ import annotations

from pathlib import Path

import pytest

import lambda_es


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_service_endpoints(tmp_path: Path) -> None:
    """STS is regional (China's suffix too); SSO and OIDC by region; overrides in the SDK order."""
    from lambda_es._service_endpoints import service_endpoint
    from lambda_es._shared_files import load

    config = _write(
        tmp_path / "config",
        "[profile p]\nservices = s\nendpoint_url = http://127.0.0.1:3\n"
        "[services s]\nsts =\n  endpoint_url = http://127.0.0.1:2\n",
    )
    files = load(
        {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "x")}
    )

    def resolve(
        service: str, region: str = "eu-west-1", profile: str | None = None, **env: str
    ) -> str:
        return service_endpoint(service, region=region, environ=env, files=files, profile=profile)

    assert resolve("sts") == "https://sts.eu-west-1.amazonaws.com"
    assert resolve("sts", "cn-north-1") == "https://sts.cn-north-1.amazonaws.com.cn"
    assert resolve("sso") == "https://portal.sso.eu-west-1.amazonaws.com"
    assert resolve("sso-oidc") == "https://oidc.eu-west-1.amazonaws.com"
    assert (
        resolve("sts", "us-east-1", AWS_STS_REGIONAL_ENDPOINTS="legacy")
        == "https://sts.amazonaws.com"
    )
    assert resolve("sts", profile="p") == "http://127.0.0.1:2"
    assert resolve("sso", profile="p") == "http://127.0.0.1:3"
    assert (
        resolve("sts", profile="p", AWS_ENDPOINT_URL="http://127.0.0.1:4") == "http://127.0.0.1:4"
    )
    assert (
        resolve("sts", profile="p", AWS_ENDPOINT_URL="http://127.0.0.1:4",
                AWS_ENDPOINT_URL_STS="http://127.0.0.1:5/")
        == "http://127.0.0.1:5"
    )  # fmt: skip
    assert (
        resolve("sso-oidc", AWS_ENDPOINT_URL_SSO_OIDC="http://127.0.0.1:6") == "http://127.0.0.1:6"
    )
    assert resolve("sts", profile="p", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="true") == (
        "https://sts.eu-west-1.amazonaws.com"
    )
    with pytest.raises(lambda_es.ConfigurationError, match="plain http"):
        resolve("sts", AWS_ENDPOINT_URL_STS="http://sts.example.com")
