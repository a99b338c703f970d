"""The AWS shared configuration files, read as the AWS SDKs read them.

``~/.aws/config`` (``AWS_CONFIG_FILE``) holds ``[default]``, ``[profile NAME]``,
``[sso-session NAME]`` and ``[services NAME]`` sections; ``~/.aws/credentials``
(``AWS_SHARED_CREDENTIALS_FILE``) holds ``[NAME]`` sections whose keys win over
the config file's for the same profile. A value that starts on the next line,
indented, is a nested section (``lambda =`` then ``  endpoint_url = ...``).

Both files are read once per :func:`load`, which the configuration and the
credential chain call when they resolve, never in a constructor.
"""

from __future__ import annotations

import configparser
from collections.abc import Mapping
from pathlib import Path

import attrs

from ._errors import ConfigurationError

__all__ = ["SharedFiles", "load", "parse_nested", "profile_name"]

Section = Mapping[str, str]


def profile_name(profile: str | None, environ: Mapping[str, str]) -> str:
    """Name the profile in use: the argument, ``AWS_PROFILE``, ``AWS_DEFAULT_PROFILE``, ``default``.

    Args:
        profile: the ``profile=`` argument.
        environ: the environment.

    Returns:
        The profile's name.
    """
    return profile or environ.get("AWS_PROFILE") or environ.get("AWS_DEFAULT_PROFILE") or "default"


def paths(environ: Mapping[str, str]) -> tuple[Path, Path]:
    """Locate the two files.

    Args:
        environ: the environment.

    Returns:
        The config file's path and the credentials file's path, user-expanded.
    """
    config = environ.get("AWS_CONFIG_FILE") or "~/.aws/config"
    credentials = environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"
    return Path(config).expanduser(), Path(credentials).expanduser()


def parse_nested(value: str) -> dict[str, str]:
    """Read a nested section's ``key = value`` lines.

    Args:
        value: the raw value of a key whose value began on the next line.

    Returns:
        The nested keys (lower-cased) and values; lines without ``=`` are ignored.
    """
    nested: dict[str, str] = {}
    for line in value.splitlines():
        key, sep, item = line.partition("=")
        if sep and key.strip():
            nested[key.strip().lower()] = item.strip()
    return nested


def _read(path: Path) -> dict[str, dict[str, str]]:
    parser = configparser.RawConfigParser(default_section="\x00no-default-section")
    problem: str | None = None
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
    except FileNotFoundError:
        return {}
    except (configparser.Error, UnicodeDecodeError, OSError) as exc:
        # Only the error's type: configparser quotes the offending line, which
        # in the credentials file can be a secret key.
        problem = type(exc).__name__
    if problem is not None:
        # Raised outside the except block, so that no __context__ carries the
        # parser's error (and the line it quotes) along with ours.
        raise ConfigurationError(f"cannot parse {path}: {problem}")
    return {name: dict(parser.items(name)) for name in parser.sections()}


@attrs.frozen
class SharedFiles:
    """The sections of both files, as read by :func:`load`.

    Attributes:
        config_path: where the config file is (it may not exist).
        credentials_path: where the credentials file is (it may not exist).
    """

    config_path: Path
    credentials_path: Path
    _config: Mapping[str, Mapping[str, str]] = attrs.field(repr=False)
    _credentials: Mapping[str, Mapping[str, str]] = attrs.field(repr=False)

    def has_profile(self, name: str) -> bool:
        """Tell whether either file has the profile.

        Args:
            name: the profile's name.

        Returns:
            True when a ``[profile NAME]`` (``[default]``) or credentials ``[NAME]`` exists.
        """
        return self._config_section(name) is not None or name in self._credentials

    def profile(self, name: str) -> dict[str, str]:
        """One profile's keys, the credentials file's winning.

        Args:
            name: the profile's name.

        Returns:
            Its keys and values (empty when neither file has it).
        """
        merged = dict(self._config_section(name) or {})
        merged.update(self._credentials.get(name, {}))
        return merged

    def in_credentials_file(self, name: str, key: str) -> bool:
        """Tell whether a profile's key comes from the credentials file (which wins).

        Args:
            name: the profile's name.
            key: the key.

        Returns:
            True when the credentials file's ``[name]`` section has the key.
        """
        return key in self._credentials.get(name, {})

    def sso_session(self, name: str) -> dict[str, str] | None:
        """An ``[sso-session NAME]`` section of the config file.

        Args:
            name: the session's name.

        Returns:
            Its keys, or None when there is no such section.
        """
        section = self._config.get(f"sso-session {name}")
        return None if section is None else dict(section)

    def services(self, name: str) -> dict[str, dict[str, str]] | None:
        """A ``[services NAME]`` section, each service's nested keys.

        Args:
            name: the section's name (a profile's ``services`` key).

        Returns:
            ``{service: {key: value}}``, or None when there is no such section.
        """
        section = self._config.get(f"services {name}")
        if section is None:
            return None
        return {service.lower(): parse_nested(value) for service, value in section.items()}

    def _config_section(self, name: str) -> Mapping[str, str] | None:
        if name == "default":
            # The CLI accepts [profile default] too; [default] wins when both exist.
            return self._config.get("default", self._config.get("profile default"))
        return self._config.get(f"profile {name}")


def load(environ: Mapping[str, str]) -> SharedFiles:
    """Read both shared files.

    Args:
        environ: the environment, for the files' locations.

    Returns:
        Their sections; a missing file has none.

    Raises:
        ConfigurationError: a file exists but cannot be read or parsed; the
            message names the file and the error's type, never a line of it.
    """
    config_path, credentials_path = paths(environ)
    return SharedFiles(config_path, credentials_path, _read(config_path), _read(credentials_path))
