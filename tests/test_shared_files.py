"""The shared config and credentials files, read as the AWS SDKs read them."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambda_es import ConfigurationError
from lambda_es._shared_files import load, parse_nested, paths, profile_name

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


def _files(tmp_path: Path, config: str = "", credentials: str = "") -> dict[str, str]:
    (tmp_path / "config").write_text(config, encoding="utf-8")
    (tmp_path / "credentials").write_text(credentials, encoding="utf-8")
    return {
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
    }


def test_profile_name_order() -> None:
    """The argument wins, then AWS_PROFILE, then AWS_DEFAULT_PROFILE, then 'default'."""
    env = {"AWS_PROFILE": "a", "AWS_DEFAULT_PROFILE": "b"}
    assert profile_name("x", env) == "x"
    assert profile_name(None, env) == "a"
    assert profile_name(None, {"AWS_DEFAULT_PROFILE": "b"}) == "b"
    assert profile_name(None, {}) == "default"


def test_paths_default_to_home_and_follow_the_environment(tmp_path: Path) -> None:
    """Without variables the files are ~/.aws/config and ~/.aws/credentials."""
    config, credentials = paths({})
    assert config == Path("~/.aws/config").expanduser()
    assert credentials == Path("~/.aws/credentials").expanduser()
    env = _files(tmp_path)
    assert paths(env) == (tmp_path / "config", tmp_path / "credentials")


def test_credentials_file_wins_over_config_file(tmp_path: Path) -> None:
    """For the same profile, a key in the credentials file wins over the config file's."""
    env = _files(
        tmp_path,
        config="[profile dev]\nregion = eu-west-1\naws_access_key_id = FROMCONFIG\n",
        credentials="[dev]\naws_access_key_id = FROMCREDS\n",
    )
    profile = load(env).profile("dev")
    assert profile == {"region": "eu-west-1", "aws_access_key_id": "FROMCREDS"}


def test_default_profile_sections(tmp_path: Path) -> None:
    """[default] is the default profile; [profile default] is accepted, [default] winning."""
    env = _files(tmp_path, config="[profile default]\nregion = a\n")
    assert load(env).profile("default") == {"region": "a"}
    env = _files(tmp_path, config="[profile default]\nregion = a\n[default]\nregion = b\n")
    assert load(env).profile("default") == {"region": "b"}


def test_profile_named_default_is_not_a_plain_section(tmp_path: Path) -> None:
    """A config file's [dev] (without 'profile ') is not the profile 'dev'."""
    files = load(_files(tmp_path, config="[dev]\nregion = a\n"))
    assert not files.has_profile("dev")
    assert files.profile("dev") == {}


def test_missing_files_have_no_sections(tmp_path: Path) -> None:
    """Files that do not exist read as empty, not as an error."""
    files = load(
        {
            "AWS_CONFIG_FILE": str(tmp_path / "nope"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "nope2"),
        }
    )
    assert not files.has_profile("default")
    assert files.sso_session("x") is None
    assert files.services("x") is None


def test_sso_session_and_services_sections(tmp_path: Path) -> None:
    """sso-session sections and services sections with nested keys are read."""
    env = _files(
        tmp_path,
        config=(
            "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
            "sso_region = us-east-1\n"
            "[services local]\nlambda =\n  endpoint_url = http://127.0.0.1:4566\n"
            "sts =\n  endpoint_url = http://127.0.0.1:4567\n"
        ),
    )
    files = load(env)
    assert files.sso_session("corp") == {
        "sso_start_url": "https://corp.awsapps.com/start",
        "sso_region": "us-east-1",
    }
    assert files.services("local") == {
        "lambda": {"endpoint_url": "http://127.0.0.1:4566"},
        "sts": {"endpoint_url": "http://127.0.0.1:4567"},
    }


def test_parse_nested_ignores_lines_without_a_key() -> None:
    """Nested values are key = value lines; keys are lower-cased, blank lines skipped."""
    assert parse_nested("\n  Endpoint_URL = http://x\n  junk\n  = y\n") == {
        "endpoint_url": "http://x"
    }


def test_malformed_file_names_it_and_never_shows_a_line(tmp_path: Path) -> None:
    """A file that does not parse gives ConfigurationError naming the file, with no secret
    in the message, the cause or the context."""
    env = _files(tmp_path, credentials=f"aws_secret_access_key = {SECRET}\n[dev]\n")
    with pytest.raises(ConfigurationError) as info:
        load(env)
    assert str(tmp_path / "credentials") in str(info.value)
    assert SECRET not in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.__context__ is None


def test_undecodable_file_is_a_configuration_error(tmp_path: Path) -> None:
    """A file that is not UTF-8 gives ConfigurationError naming the file."""
    env = _files(tmp_path)
    (tmp_path / "config").write_bytes(b"[default]\nregion = \xff\xfe\n")
    with pytest.raises(ConfigurationError, match="UnicodeDecodeError"):
        load(env)
