"""How the command line reads its arguments: the parser, ``file://``, JSON, words and settings.

Every usage error is one line on stderr and exit status 2, before anything is
sent. Any argument that takes JSON or a string may be given as
``file://PATH``, as the AWS CLI allows: the file's text is used instead (a
plain string loses one trailing line break, which editors and ``echo`` add).
Settings flags are made from the settings table the client checks with
(``_service_model.SETTINGS``): lists of strings as words (``--topics a b``), with a
JSON array still accepted; lists of structures as JSON, one word per item or
one array.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from ._codec import parse_timestamp
from ._settings import CREATE_ONLY, SETTINGS, Setting

__all__ = [
    "CliParser",
    "add_setting_flags",
    "json_argument",
    "query_argument",
    "read_file_argument",
    "settings_from",
    "string_argument",
]

FILE_PREFIX = "file://"


class CliParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, and which never takes abbreviations."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # An abbreviation that works today breaks when a longer option is
        # added: scripts must spell options out.
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """Print the error on one line and exit 2 (argparse prints the whole usage)."""
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def read_file_argument(text: str) -> str:
    """The text of ``file://PATH``, or ``text`` itself.

    Raises:
        argparse.ArgumentTypeError: the file cannot be read as UTF-8 text.
    """
    if not text.startswith(FILE_PREFIX):
        return text
    path = os.path.expanduser(text[len(FILE_PREFIX) :])
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot read {text}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise argparse.ArgumentTypeError(f"cannot read {text}: not UTF-8 text") from None


def string_argument(text: str) -> str:
    """A string, or the text of ``file://PATH`` without its final line break."""
    if not text.startswith(FILE_PREFIX):
        return text
    value = read_file_argument(text)
    return value[:-2] if value.endswith("\r\n") else value.removesuffix("\n")


def json_argument(text: str) -> Any:
    """JSON given inline or as ``file://PATH``.

    Raises:
        argparse.ArgumentTypeError: unreadable file or invalid JSON (argparse names the option).
    """
    source = read_file_argument(text)
    try:
        return json.loads(source)
    except ValueError as exc:
        where = f" in {text}" if text.startswith(FILE_PREFIX) else ""
        raise argparse.ArgumentTypeError(f"not valid JSON{where}: {exc}") from None


def _timestamp_argument(text: str) -> dt.datetime:
    try:
        return parse_timestamp(string_argument(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def query_argument(text: str) -> Any:
    """A compiled JMESPath expression.

    jmespath is imported here, so only a command given ``--query`` loads it.

    Raises:
        argparse.ArgumentTypeError: the expression does not parse.
    """
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        return jmespath.compile(text)
    except JMESPathError as exc:
        # jmespath's message spans lines (it draws a caret under the expression).
        detail = " ".join(str(exc).split())
        raise argparse.ArgumentTypeError(f"not a valid JMESPath expression: {detail}") from None


class _ListAction(argparse.Action):
    """A list setting: words, or one JSON array (inline or ``file://``)."""

    def __init__(self, *args: Any, structures: bool, **kwargs: Any) -> None:
        self.structures = structures
        super().__init__(*args, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        words = [values] if isinstance(values, str) else list(values or ())
        try:
            texts = [read_file_argument(word) for word in words]
            if len(texts) == 1 and texts[0].lstrip().startswith("["):
                items = json_argument(texts[0])
            elif self.structures:
                items = [json_argument(text) for text in texts]
            else:
                items = [string_argument(word) for word in words]
        except argparse.ArgumentTypeError as exc:
            raise argparse.ArgumentError(self, str(exc)) from None
        if self.structures and not all(isinstance(item, dict) for item in items):
            raise argparse.ArgumentError(self, "each item must be a JSON object")
        setattr(namespace, self.dest, items)


def add_setting_flags(parser: argparse.ArgumentParser, *, create: bool) -> None:
    """Add a flag per setting of the settings table (create-only ones when ``create``).

    Args:
        parser: the subcommand's parser.
        create: whether the subcommand creates (create and ensure) or updates.
    """
    for name, setting in SETTINGS.items():
        if name in CREATE_ONLY and not create:
            continue
        flag = "--" + name.replace("_", "-")
        options: dict[str, Any] = {"dest": name, "default": None}
        if setting.kind == "bool":
            options["action"] = argparse.BooleanOptionalAction
        elif setting.kind == "int":
            options.update(type=int, metavar="N")
        elif setting.kind == "str":
            options.update(type=string_argument, metavar=_choices_metavar(setting) or "TEXT")
        elif setting.kind == "timestamp":
            options.update(type=_timestamp_argument, metavar="ISO-8601")
        elif setting.kind in ("strings", "models"):
            structures = setting.kind == "models"
            options.update(
                action=_ListAction,
                structures=structures,
                nargs="+",
                metavar="JSON" if structures else _choices_metavar(setting) or "WORD",
            )
        else:
            options.update(type=json_argument, metavar="JSON")
        parser.add_argument(flag, help=setting_help(setting), **options)


def _choices_metavar(setting: Setting) -> str | None:
    enum = setting.rules.get("enum") or setting.rules.get("items", {}).get("enum")
    return "{" + ",".join(enum) + "}" if enum else None


def _bounds(rules: Mapping[str, Any], unit: str) -> list[str]:
    found = []
    if "range" in rules:
        found.append("{} to {}".format(*rules["range"]))
    if "length" in rules:
        low, high = rules["length"]
        found.append(f"{low} to {high} {unit}")
    return found


def setting_help(setting: Setting) -> str:
    """A setting's help: the model's meaning, its AWS name, what it allows, how to write it.

    Args:
        setting: the row of the settings table.

    Returns:
        The help text, ``%`` escaped for argparse.
    """
    rules = setting.rules
    kind = setting.kind
    allowed = [setting.wire]
    if kind in ("strings", "models"):
        allowed += _bounds(rules, "items")
        items = rules.get("items", {})
        allowed += _bounds(items, "characters each") if kind == "strings" else []
        if items.get("enum"):
            allowed.append("one of " + ", ".join(items["enum"]))
        if kind == "strings":
            allowed.append("words, or a JSON array")
        else:
            allowed.append("JSON objects with AWS member names, or one JSON array")
    else:
        allowed += _bounds(rules, "characters")
        if rules.get("enum"):
            allowed.append("one of " + ", ".join(rules["enum"]))
        if kind in ("model", "map"):
            allowed.append("JSON with AWS member names")
    if kind in ("str", "strings", "model", "models", "map"):
        allowed.append("or file://PATH")
    # argparse formats help with %: a literal one must be doubled.
    return f"{setting.doc} [{'; '.join(allowed)}]".replace("%", "%%")


def settings_from(args: argparse.Namespace, *, create: bool) -> dict[str, Any]:
    """The settings flags given on the command line, as ``**settings`` keywords.

    Args:
        args: the parsed arguments.
        create: whether create-only settings belong to the subcommand.

    Returns:
        Each setting given, by keyword.
    """
    return {
        name: getattr(args, name)
        for name in SETTINGS
        if (create or name not in CREATE_ONLY) and getattr(args, name, None) is not None
    }
