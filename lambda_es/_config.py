"""Every client setting, resolved once, as the AWS tools read them.

Each setting is taken from the first of: the constructor argument, the
environment, the profile in the shared config file, the default (the AWS SDKs
and Tools shared configuration). :func:`resolve_config` reads the environment
and the shared files once, on the client's first use, into one frozen
:class:`Config` that records where every value came from, which
``lambda-es configure list`` prints. The transport only reads it.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from typing import Generic, Literal, TypeVar, Union
from urllib.parse import unquote, urlsplit

import attrs

from ._credentials import Credentials, CredentialsProvider
from ._endpoints import (
    Endpoint,
    check_region,
    lambda_endpoint,
    parse_endpoint_url,
)
from ._errors import ConfigurationError, redact_url
from ._retry import Retry
from ._shared_files import SharedFiles, load, profile_name

__all__ = [
    "ClientSettings",
    "Config",
    "Proxy",
    "Sourced",
    "Source",
    "mask",
    "resolve_config",
    "resolve_service_endpoint",
]

T = TypeVar("T")
#: ``verify=``: True (the default trust store), False (no verification) or a CA bundle path.
Verify = Union[bool, str, "os.PathLike[str]"]
SourceKind = Literal["argument", "env", "config-file", "shared-credentials-file", "default"]

_TRUE = ("true", "1")
_FALSE = ("false", "0")
_RETRY_MODES: dict[str, Literal["standard", "adaptive"]] = {
    "standard": "standard",
    "adaptive": "adaptive",
    # botocore's old default; the other SDKs never had it. Its back-off is
    # close enough to standard's that reading it as standard surprises nobody.
    "legacy": "standard",
}


@attrs.frozen
class Source:
    """Where a value came from, as ``aws configure list`` shows it.

    Attributes:
        kind: ``argument``, ``env``, ``config-file``, ``shared-credentials-file`` or ``default``.
        location: the variable, the file and key, or a note (may be empty).
    """

    kind: SourceKind
    location: str = ""

    def __str__(self) -> str:
        return f"{self.kind} ({self.location})" if self.location else self.kind


@attrs.frozen
class Sourced(Generic[T]):
    """A resolved value and its source.

    Attributes:
        value: the value.
        source: where it came from.
    """

    value: T
    source: Source


@attrs.frozen
class Proxy:
    """A forward proxy, its credentials kept apart from its URL.

    The repr and :attr:`url` never show the password.

    Attributes:
        url: ``scheme://host:port`` without user info.
        username: the user name, if the URL had one.
        password: the password, if the URL had one.
    """

    url: str
    username: str | None = attrs.field(default=None, repr=False)
    password: str | None = attrs.field(default=None, repr=False)

    @property
    def display(self) -> str:
        """The URL for people: the user name shown, the password as ``***``."""
        if self.username is None:
            return self.url
        scheme, _, rest = self.url.partition("://")
        return f"{scheme}://{self.username}:***@{rest}"

    @classmethod
    def parse(cls, text: str, where: str) -> Proxy:
        """Read a proxy URL (``http://[user:password@]host[:port]``; the scheme may be left out).

        Args:
            text: the URL.
            where: where it came from, for messages.

        Returns:
            The proxy.

        Raises:
            ConfigurationError: it is not a usable proxy URL; the message hides user info.
        """
        url = text.strip() if "://" in text else f"http://{text.strip()}"
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            parts, port = None, None
        if (
            parts is None
            or parts.scheme.lower() not in ("http", "https")
            or not parts.hostname
            or parts.path not in ("", "/")
            or parts.query
        ):
            raise ConfigurationError(
                f"proxy {redact_url(text)!r} (from {where}) must be "
                "http://[user:password@]host[:port]"
            )
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        netloc = host if port is None else f"{host}:{port}"
        username = unquote(parts.username) if parts.username is not None else None
        password = unquote(parts.password) if parts.password is not None else None
        if username is not None and password is None:
            password = ""
        return cls(f"{parts.scheme.lower()}://{netloc}", username, password)


@attrs.frozen(kw_only=True)
class ClientSettings:
    """The constructor's arguments that configuration reads (``None``: not given).

    Attributes:
        region: ``region=``.
        endpoint_url: ``endpoint_url=``.
        credentials: ``credentials=``.
        profile: ``profile=``.
        retry: ``retry=``.
        verify: ``verify=``.
        proxy: ``proxy=`` (a URL, or False for no proxy whatever the environment says).
        allow_http: ``allow_http=``.
        use_fips_endpoint: ``use_fips_endpoint=``.
        use_dualstack_endpoint: ``use_dualstack_endpoint=``.
    """

    region: str | None = None
    endpoint_url: str | None = None
    credentials: Credentials | CredentialsProvider | None = None
    profile: str | None = None
    retry: Retry | None = None
    verify: Verify | None = None
    proxy: str | Literal[False] | None = attrs.field(default=None, repr=False)
    allow_http: bool | None = None
    use_fips_endpoint: bool | None = None
    use_dualstack_endpoint: bool | None = None


@attrs.frozen(kw_only=True)
class Config:
    """Every setting of one client, resolved, each with its source.

    Attributes:
        profile: the profile's name.
        region: the region, or None when none was found (see :meth:`check`).
        endpoint: where requests go, or None without a region.
        ignore_configured_endpoint_urls: whether configured endpoint URLs were ignored.
        use_fips_endpoint: the FIPS setting.
        use_dualstack_endpoint: the dual-stack setting.
        retry: the retry policy (``retry=`` whole, else built from the two rows below).
        retry_mode: the retry mode as configured (``legacy`` reads as ``standard``).
        max_attempts: the attempts per call.
        verify: True (default trust), False, or a CA bundle path.
        proxy: the forward proxy for the endpoint, or None.
        allow_http: whether plain http off loopback is allowed.
        files: the shared files as read, for the credential chain.
        environ: the environment read, for the credential chain.
        problems: what is missing, raised by :meth:`check` on the first call.
    """

    profile: Sourced[str]
    region: Sourced[str] | None
    endpoint: Sourced[Endpoint] | None
    ignore_configured_endpoint_urls: Sourced[bool]
    use_fips_endpoint: Sourced[bool]
    use_dualstack_endpoint: Sourced[bool]
    retry: Retry
    retry_mode: Sourced[str]
    max_attempts: Sourced[int]
    verify: Sourced[bool | str]
    proxy: Sourced[Proxy | None]
    allow_http: Sourced[bool]
    files: SharedFiles = attrs.field(repr=False)
    environ: Mapping[str, str] = attrs.field(repr=False)
    problems: tuple[str, ...] = ()

    def check(self) -> None:
        """Raise what keeps a call from being made.

        Raises:
            ConfigurationError: no region (credentials are the chain's: see ``_chain``).
        """
        if self.problems:
            raise ConfigurationError(self.problems[0])


def mask(value: str | None) -> str:
    """Hide a secret but its last 4 characters, as ``aws configure list`` does.

    Args:
        value: the secret.

    Returns:
        ``****************`` and the last 4 characters (no characters at all when
        the value is 8 or shorter: 4 would be half of it), or ``<not set>``.
    """
    if not value:
        return "<not set>"
    return "*" * 16 + (value[-4:] if len(value) > 8 else "")


class _Lookup:
    """The environment and one profile, each read with its source."""

    def __init__(self, environ: Mapping[str, str], files: SharedFiles, profile: str) -> None:
        self.environ = environ
        self.files = files
        self.profile = profile
        self.values = files.profile(profile)
        # Which file a profile key came from: the credentials file's win.
        self._from_credentials_file = attrs.evolve(files, config={}).profile(profile)

    def env(self, *names: str) -> Sourced[str] | None:
        for name in names:
            value = self.environ.get(name)
            if value:
                return Sourced(value, Source("env", name))
        return None

    def where(self, key: str) -> Source:
        if key in self._from_credentials_file:
            path = self.files.credentials_path
            return Source("shared-credentials-file", f"{path} [{self.profile}] {key}")
        section = "default" if self.profile == "default" else f"profile {self.profile}"
        return Source("config-file", f"{self.files.config_path} [{section}] {key}")

    def key(self, key: str) -> Sourced[str] | None:
        value = self.values.get(key)
        if value is None or not value.strip():
            return None
        return Sourced(value.strip(), self.where(key))

    def first(self, env: tuple[str, ...], key: str | None) -> Sourced[str] | None:
        return self.env(*env) or (self.key(key) if key else None)


def describe_source(source: Source) -> str:
    # For messages: a variable by its name, anything else with its kind.
    return source.location if source.kind == "env" else str(source)


def _boolean(text: Sourced[str]) -> Sourced[bool]:
    word = text.value.strip().lower()
    if word in _TRUE or word in _FALSE:
        return Sourced(word in _TRUE, text.source)
    raise ConfigurationError(
        f"{describe_source(text.source)} must be true or false; got {text.value!r}"
    )


def _bool_setting(
    lookup: _Lookup, argument: bool | None, env: tuple[str, ...], key: str | None
) -> Sourced[bool]:
    if argument is not None:
        return Sourced(argument, Source("argument"))
    found = lookup.first(env, key)
    return _boolean(found) if found is not None else Sourced(False, Source("default"))


def _service_names(service_id: str) -> tuple[str, str]:
    # The shared-config spec: the service id with spaces and dashes as
    # underscores, upper-cased for the variable, lower-cased for the key.
    snake = re.sub(r"[\s-]+", "_", service_id.strip())
    return f"AWS_ENDPOINT_URL_{snake.upper()}", snake.lower()


def resolve_service_endpoint(
    service_id: str,
    *,
    endpoint_url: str | None,
    environ: Mapping[str, str],
    files: SharedFiles,
    profile: str,
    ignore_configured: bool | None = None,
) -> Sourced[str] | None:
    """Find a service's configured endpoint URL, as the AWS SDKs do.

    The order is the argument, ``AWS_ENDPOINT_URL_<SERVICE>``,
    ``AWS_ENDPOINT_URL``, the profile's ``services`` section's entry for the
    service, then the profile's ``endpoint_url``. Ignoring configured
    endpoints skips all but the argument.

    Args:
        service_id: the service (``"lambda"``, ``"sts"``, ``"sso"``, ``"sso-oidc"``, ...).
        endpoint_url: the caller's explicit URL, if any.
        environ: the environment.
        files: the shared files, already read.
        profile: the profile's name.
        ignore_configured: whether to ignore the environment and the profile;
            None reads ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`` and the profile's
            ``ignore_configured_endpoint_urls``.

    Returns:
        The URL (unchecked) and its source, or None: use the service's default endpoint.

    Raises:
        ConfigurationError: an invalid ignore flag, or a ``services`` key naming
            a section that does not exist.
    """
    if endpoint_url is not None:
        return Sourced(endpoint_url, Source("argument"))
    lookup = _Lookup(environ, files, profile)
    if ignore_configured is None:
        ignore_configured = _bool_setting(
            lookup,
            None,
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",),
            "ignore_configured_endpoint_urls",
        ).value
    if ignore_configured:
        return None
    variable, key = _service_names(service_id)
    found = lookup.env(variable, "AWS_ENDPOINT_URL")
    if found is not None:
        return found
    services = lookup.key("services")
    if services is not None:
        section = files.services(services.value)
        if section is None:
            raise ConfigurationError(
                f"{describe_source(services.source)} names [services {services.value}], which "
                f"{files.config_path} does not have"
            )
        url = section.get(key, {}).get("endpoint_url")
        if url:
            return Sourced(
                url,
                Source(
                    "config-file",
                    f"{files.config_path} [services {services.value}] {key}.endpoint_url",
                ),
            )
    return lookup.key("endpoint_url")


def _profile(settings: ClientSettings, environ: Mapping[str, str]) -> Sourced[str]:
    if settings.profile is not None:
        return Sourced(settings.profile, Source("argument"))
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        if environ.get(name):
            return Sourced(profile_name(None, environ), Source("env", name))
    return Sourced("default", Source("default"))


def _region(settings: ClientSettings, lookup: _Lookup) -> Sourced[str] | None:
    found = (
        Sourced(settings.region, Source("argument"))
        if settings.region is not None
        else lookup.first(("AWS_REGION", "AWS_DEFAULT_REGION"), "region")
    )
    if found is not None:
        where = "region=" if found.source.kind == "argument" else describe_source(found.source)
        check_region(found.value, where)
    return found


def _retry(settings: ClientSettings, lookup: _Lookup) -> tuple[Retry, Sourced[str], Sourced[int]]:
    if settings.retry is not None:
        given = settings.retry
        return (
            given,
            Sourced(given.mode, Source("argument", "retry=")),
            Sourced(given.max_attempts, Source("argument", "retry=")),
        )
    mode = lookup.first(("AWS_RETRY_MODE",), "retry_mode")
    mode_setting: Sourced[Literal["standard", "adaptive"]]
    if mode is None:
        mode_setting = Sourced("standard", Source("default"))
    else:
        word = mode.value.lower()
        if word not in _RETRY_MODES:
            raise ConfigurationError(
                f"{describe_source(mode.source)} must be standard, adaptive or legacy; got {mode.value!r}"
            )
        mode_setting = Sourced(_RETRY_MODES[word], mode.source)
    attempts = lookup.first(("AWS_MAX_ATTEMPTS",), "max_attempts")
    if attempts is None:
        attempts_setting = Sourced(Retry().max_attempts, Source("default"))
    else:
        try:
            count = int(attempts.value)
        except ValueError:
            count = 0
        if count < 1:
            raise ConfigurationError(
                f"{describe_source(attempts.source)} must be a whole number >= 1; got {attempts.value!r}"
            )
        attempts_setting = Sourced(count, attempts.source)
    retry = Retry(mode=mode_setting.value, max_attempts=attempts_setting.value)
    return retry, Sourced[str](mode_setting.value, mode_setting.source), attempts_setting


def _verify(settings: ClientSettings, lookup: _Lookup) -> Sourced[bool | str]:
    if settings.verify is not None:
        if isinstance(settings.verify, bool):
            return Sourced(settings.verify, Source("argument"))
        found: Sourced[str] | None = Sourced(os.fspath(settings.verify), Source("argument"))
    else:
        found = lookup.first(("AWS_CA_BUNDLE",), "ca_bundle")
    if found is None:
        return Sourced(True, Source("default"))
    path = os.path.expanduser(found.value)
    if not os.path.isfile(path):
        where = "verify=" if found.source.kind == "argument" else describe_source(found.source)
        raise ConfigurationError(f"the CA bundle {path} (from {where}) is not a readable file")
    return Sourced(path, found.source)


def _no_proxy_matches(rules: str, host: str, port: int) -> bool:
    # The curl/requests reading: comma- or space-separated host names (a
    # leading dot or none: the name and its subdomains), IP addresses or
    # CIDR networks, each optionally with :port; "*" matches every host.
    host = host.lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for raw in re.split(r"[,\s]+", rules.strip()):
        rule = raw.strip().lower()
        if not rule:
            continue
        if rule == "*":
            return True
        rule_port: int | None = None
        if rule.startswith("["):
            inside, _, rest = rule[1:].partition("]")
            rule = inside
            if rest.startswith(":") and rest[1:].isdigit():
                rule_port = int(rest[1:])
        elif rule.count(":") == 1:
            name, _, digits = rule.partition(":")
            if digits.isdigit():
                rule, rule_port = name, int(digits)
        if rule_port is not None and rule_port != port:
            continue
        if address is not None:
            try:
                if address in ipaddress.ip_network(rule, strict=False):
                    return True
            except ValueError:
                pass
            continue
        rule = rule.lstrip(".").rstrip(".")
        if rule and (host == rule or host.endswith("." + rule)):
            return True
    return False


def _proxy(
    settings: ClientSettings, lookup: _Lookup, endpoint: Endpoint | None
) -> Sourced[Proxy | None]:
    if settings.proxy is False:
        return Sourced(None, Source("argument", "proxy=False"))
    if settings.proxy is not None:
        return Sourced(Proxy.parse(settings.proxy, "proxy="), Source("argument"))
    scheme = endpoint.scheme if endpoint is not None else "https"
    # Lower case first, as curl, requests and urllib read them.
    found = lookup.env(f"{scheme}_proxy", f"{scheme.upper()}_PROXY")
    if found is None:
        return Sourced(None, Source("default"))
    proxy = Proxy.parse(found.value, found.source.location)
    bypass = lookup.env("no_proxy", "NO_PROXY")
    if (
        bypass is not None
        and endpoint is not None
        and _no_proxy_matches(bypass.value, endpoint.host, endpoint.port)
    ):
        return Sourced(
            None,
            Source("env", f"{bypass.source.location} bypasses {found.source.location}"),
        )
    return Sourced(proxy, found.source)


def resolve_config(settings: ClientSettings, environ: Mapping[str, str] | None = None) -> Config:
    """Resolve every setting of a client, reading the shared files once.

    Args:
        settings: the constructor's arguments.
        environ: the environment (``os.environ`` by default).

    Returns:
        The configuration. A missing region is kept as
        :attr:`Config.problems` (``configure list`` shows them as not set);
        :meth:`Config.check` raises them.

    Raises:
        ConfigurationError: a value cannot be used; the message names its
            argument, variable, or file and key. A named profile that exists
            in neither file.
    """
    env = os.environ if environ is None else environ
    profile = _profile(settings, env)
    files = load(env)
    if profile.source.kind != "default" and not files.has_profile(profile.value):
        raise ConfigurationError(
            f"profile {profile.value!r} (from {profile.source}) was not found in "
            f"{files.credentials_path} or {files.config_path}"
        )
    lookup = _Lookup(env, files, profile.value)
    problems: list[str] = []

    region = _region(settings, lookup)
    if region is None:
        problems.append(
            "no AWS region: pass region=, or set AWS_REGION or AWS_DEFAULT_REGION, "
            "or give the profile a region"
        )
    ignore = _bool_setting(
        lookup, None, ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",), "ignore_configured_endpoint_urls"
    )
    fips = _bool_setting(
        lookup, settings.use_fips_endpoint, ("AWS_USE_FIPS_ENDPOINT",), "use_fips_endpoint"
    )
    dualstack = _bool_setting(
        lookup,
        settings.use_dualstack_endpoint,
        ("AWS_USE_DUALSTACK_ENDPOINT",),
        "use_dualstack_endpoint",
    )
    allow_http = _bool_setting(lookup, settings.allow_http, ("LAMBDA_ES_ALLOW_HTTP",), None)

    endpoint: Sourced[Endpoint] | None = None
    url = resolve_service_endpoint(
        "lambda",
        endpoint_url=settings.endpoint_url,
        environ=env,
        files=files,
        profile=profile.value,
        ignore_configured=ignore.value,
    )
    if url is not None:
        for flag, name in ((fips, "use_fips_endpoint"), (dualstack, "use_dualstack_endpoint")):
            if flag.value:
                raise ConfigurationError(
                    f"{name} (from {flag.source}) cannot be combined with a configured "
                    f"endpoint URL (from {url.source}): the URL says where to go; "
                    f"turn {name} off or remove the URL"
                )
        where = "endpoint_url=" if url.source.kind == "argument" else describe_source(url.source)
        endpoint = Sourced(
            parse_endpoint_url(url.value, where=where, allow_http=allow_http.value), url.source
        )
    elif region is not None:
        variant = " ".join(
            name for flag, name in ((fips, "FIPS"), (dualstack, "dual-stack")) if flag.value
        )
        endpoint = Sourced(
            lambda_endpoint(region.value, fips=fips.value, dualstack=dualstack.value),
            Source("default", f"{variant + ' ' if variant else ''}endpoint of {region.value}"),
        )

    retry, retry_mode, max_attempts = _retry(settings, lookup)
    verify = _verify(settings, lookup)
    proxy = _proxy(settings, lookup, endpoint.value if endpoint is not None else None)
    return Config(
        profile=profile,
        region=region,
        endpoint=endpoint,
        ignore_configured_endpoint_urls=ignore,
        use_fips_endpoint=fips,
        use_dualstack_endpoint=dualstack,
        retry=retry,
        retry_mode=retry_mode,
        max_attempts=max_attempts,
        verify=verify,
        proxy=proxy,
        allow_http=allow_http,
        files=files,
        environ=env,
        problems=tuple(problems),
    )
