"""tools/generate_sync.py: the committed file is current, and the generator's rules.

The rules are pinned on small synthetic sources written to tmp files, so they
hold whatever today's lambda_es/_client.py contains.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "generate_sync.py"
SYNC = ROOT / "lambda_es" / "_sync.py"


@pytest.fixture(scope="module")
def gen() -> Iterator[ModuleType]:
    """tools/generate_sync.py, imported from its path (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location("generate_sync", TOOL)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the class is built;
    # the generator imports tools/generated.py as a sibling, as it does when run.
    sys.modules["generate_sync"] = module
    sys.path.insert(0, str(TOOL.parent))
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules["generate_sync"]
        sys.path.remove(str(TOOL.parent))


def _ruff() -> list[str]:
    # ruff is a test dependency (pyproject's [test] extra): missing, the test fails.
    return [sys.executable, "-m", "ruff"]


SYNTHETIC = '''\
"""A synthetic AsyncClient for the generator's tests."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from types import TracebackType
from typing import TypedDict

if sys.version_info >= (3, 11):
    from typing import Unpack
else:
    from typing_extensions import Unpack

DEFAULT_SCALE = 2
EVENTS: list[str] = []


class Extra(TypedDict, total=False):
    """Typed extra keywords."""

    offset: int


class AsyncClient:
    """A synthetic client.

    Args:
        scale: what double() multiplies by.
    """

    def __init__(self, *, scale: int = DEFAULT_SCALE) -> None:
        self._scale = scale

    def __repr__(self) -> str:
        return "<AsyncClient>"

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close it."""
        EVENTS.append("closed")

    async def double(
        self, value: int, *, label: str = "x", **extra: Unpack[Extra]
    ) -> tuple[str, int]:
        """Multiply by the scale.

        Args:
            value: the number.
            label: returned as it is.
            **extra: ``offset`` is added.

        Returns:
            The label and the product.
        """
        return label, value * self._scale + extra.get("offset", 0)

    async def count(self, *, upto: int) -> AsyncIterator[int]:
        """Count from zero.

        Yields:
            0, 1, ... upto - 1.
        """
        for i in range(upto):
            yield i
            EVENTS.append(f"yielded {i}")
        EVENTS.append("exhausted")

    async def fail(self) -> None:
        """Raise KeyError."""
        raise KeyError("synthetic")

    async def _private(self) -> None:
        pass

    def _helper(self) -> int:
        return 1
'''


@pytest.fixture
def synthetic(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A package in tmp_path with the synthetic _client.py; yields (its dir, its name)."""
    name = f"synthetic_{uuid.uuid4().hex}"
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "_client.py").write_text(SYNTHETIC, encoding="utf-8")
    # The generated module imports Runner relatively, as lambda_es/_sync.py does.
    (package / "_runner.py").write_text(
        'from lambda_es._runner import Runner\n\n__all__ = ["Runner"]\n', encoding="utf-8"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        yield package, name
    finally:
        sys.path.remove(str(tmp_path))
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[module]


def test_committed_sync_module_is_current() -> None:
    """`generate_sync.py --check` passes on the repository: _sync.py matches _client.py."""
    result = subprocess.run(
        [sys.executable, str(TOOL), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_committed_sync_module_says_it_is_generated() -> None:
    """The first line names the source and the generator, and says not to edit."""
    first = SYNC.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# Generated from lambda_es/_client.py by tools/generate_sync.py.")
    assert "Do not edit" in first


def test_committed_sync_module_is_formatted_and_lint_clean() -> None:
    """The generated file passes `ruff format --check` and `ruff check` as written."""
    ruff = _ruff()
    for command in (["format", "--check"], ["check"]):
        result = subprocess.run(
            [*ruff, *command, str(SYNC)], capture_output=True, text=True, check=False, cwd=ROOT
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_synthetic_source_maps_every_construct(gen: Any, synthetic: tuple[Path, str]) -> None:
    """Signatures, docstrings, iterators, context management and imports carry over."""
    package, _ = synthetic
    text = gen.generate(package / "_client.py", source_name="synthetic/_client.py")
    assert text.splitlines()[0].startswith(
        "# Generated from synthetic/_client.py by tools/generate_sync.py."
    )
    expected_fragments = [
        "    def __init__(self, *, scale: int = DEFAULT_SCALE) -> None:\n",
        '    def double(self, value: int, *, label: str = "x", **extra: Unpack[Extra])'
        " -> tuple[str, int]:\n"
        '        """Multiply by the scale.\n',
        # A positional parameter is passed by position, keywords by keyword.
        "        return self._runner.run(AsyncClient.double, value, label=label, **extra)\n",
        "    def count(self, *, upto: int) -> Iterator[int]:\n",
        "        yield from self._runner.iterate(AsyncClient.count, upto=upto)\n",
        "    def __enter__(self) -> Client:\n        return self\n",
        "    def __exit__(\n",
        "        self.close()\n",
        '    def close(self) -> None:\n        """Close it."""\n        self._runner.close()\n',
        "        return self._runner.run(AsyncClient.fail)\n",
        "from ._client import DEFAULT_SCALE, AsyncClient, Extra\n",
        "if sys.version_info >= (3, 11):\n    from typing import Unpack\n",
    ]
    for fragment in expected_fragments:
        assert fragment in text, fragment
    # Private methods and __repr__ are implementation details of the async side.
    assert "_private" not in text
    assert "_helper" not in text


def test_synthetic_output_is_formatted_and_lint_clean(
    gen: Any, synthetic: tuple[Path, str]
) -> None:
    """Output for another source is also already `ruff format`-clean and `ruff check`-clean."""
    ruff = _ruff()
    package, _ = synthetic
    output = package / "_sync.py"
    output.write_text(gen.generate(package / "_client.py"), encoding="utf-8")
    config = ["--config", str(ROOT / "pyproject.toml")]
    for command in (["format", "--check"], ["check"]):
        result = subprocess.run(
            [*ruff, *command, *config, str(output)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_synthetic_client_runs(gen: Any, synthetic: tuple[Path, str]) -> None:
    """The generated class works: calls, keywords, iteration, errors, and close on exit."""
    package, name = synthetic
    (package / "_sync.py").write_text(gen.generate(package / "_client.py"), encoding="utf-8")
    sync = importlib.import_module(f"{name}._sync")
    client_module = importlib.import_module(f"{name}._client")
    with sync.Client(scale=3) as client:
        assert client.double(2) == ("x", 6)
        assert client.double(2, label="y", offset=1) == ("y", 7)
        assert list(client.count(upto=3)) == [0, 1, 2]
        with pytest.raises(KeyError, match="synthetic"):
            client.fail()
    assert client_module.EVENTS[-1] == "closed"


def test_iterator_abandoned_early_closes_the_async_generator(
    gen: Any, synthetic: tuple[Path, str]
) -> None:
    """Leaving a for loop early closes the async generator: it produces nothing more."""
    package, name = synthetic
    (package / "_sync.py").write_text(gen.generate(package / "_client.py"), encoding="utf-8")
    sync = importlib.import_module(f"{name}._sync")
    events = importlib.import_module(f"{name}._client").EVENTS
    with sync.Client() as client:
        for item in client.count(upto=10):
            assert item == 0
            break
        # Item 0 was handed out; the generator was closed at its yield, so it
        # never logged the yield's completion nor reached its end.
        assert events == []
    assert events == ["closed"]


MINIMAL = '''\
from __future__ import annotations

from collections.abc import AsyncIterator, AsyncGenerator
from typing import Any


class AsyncClient:
    """Minimal."""

    def __init__(self) -> None:
        pass

    async def aclose(self) -> None:
        """Close."""
'''


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param(
            "    def helper(self) -> int:\n        return 1\n",
            "AsyncClient.helper is a public synchronous method",
            id="public-sync-method",
        ),
        pytest.param(
            '    async def clone(self) -> "AsyncClient":\n        """Clone."""\n        return self\n',
            "an annotation names AsyncClient or Self",
            id="quoted-self-reference",
        ),
        pytest.param(
            '    async def clone(self) -> Self:\n        """Clone."""\n        return self\n',
            "an annotation names AsyncClient or Self",
            id="typing-self",
        ),
        pytest.param(
            '    async def close(self) -> None:\n        """Close again."""\n',
            "would become a second close()",
            id="clashes-with-close",
        ),
        pytest.param(
            '    async def items(self) -> AsyncGenerator[int, None]:\n        """Items."""\n'
            "        yield 1\n",
            "annotate it AsyncIterator[X]",
            id="generator-not-asynciterator",
        ),
        pytest.param(
            '    async def items(self) -> AsyncIterator[int]:\n        """Items."""\n'
            "        return self._iterator()\n",
            "write it as an async generator",
            id="coroutine-returning-iterator",
        ),
        pytest.param(
            '    async def get(self, uuid: str, /) -> int:\n        """Get."""\n        return 1\n',
            "positional-only parameters",
            id="positional-only",
        ),
        pytest.param(
            '    async def get(self, *uuids: str) -> int:\n        """Get."""\n        return 1\n',
            "takes *args",
            id="varargs",
        ),
        pytest.param(
            '    async def get(self, **kw: Any) -> int:\n        """Get."""\n        return 1\n',
            "takes **kw without Unpack[SomeTypedDict]",
            id="untyped-kwargs",
        ),
        pytest.param(
            '    async def get(self, uuid) -> int:\n        """Get."""\n        return 1\n',
            "parameter 'uuid' has no annotation",
            id="missing-annotation",
        ),
        pytest.param(
            '    async def get(self, uuid: str):\n        """Get."""\n        return 1\n',
            "AsyncClient.get has no return annotation",
            id="missing-return-annotation",
        ),
        pytest.param(
            "    async def get(self, uuid: str) -> int:\n        return 1\n",
            "AsyncClient.get has no docstring",
            id="missing-docstring",
        ),
        pytest.param(
            '    @staticmethod\n    async def get(uuid: str) -> int:\n        """Get."""\n'
            "        return 1\n",
            "AsyncClient.get is decorated",
            id="decorated",
        ),
        pytest.param(
            '    async def get(self, uuid: Mystery) -> int:\n        """Get."""\n        return 1\n',
            "cannot tell where 'Mystery' comes from",
            id="unknown-name",
        ),
        pytest.param(
            "    async def __aenter__(self) -> AsyncClient:\n        await self.aclose()\n"
            "        return self\n",
            "AsyncClient.__aenter__ does more than `return self`",
            id="aenter-with-work",
        ),
        pytest.param(
            '    async def __anext__(self) -> int:\n        """Next."""\n        return 1\n',
            "AsyncClient.__anext__: no blocking counterpart is known",
            id="unknown-dunder",
        ),
        pytest.param(
            "    retries = 3\n",
            "public class attribute",
            id="public-class-attribute",
        ),
        pytest.param(
            '    async def get(self, runner: AsyncClient) -> int:\n        """Get."""\n'
            "        return 1\n",
            "an annotation names AsyncClient",
            id="asyncclient-in-annotation",
        ),
    ],
)
def test_unmappable_construct_fails_loudly(
    gen: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: str,
    message: str,
) -> None:
    """A construct the generator cannot map stops it: exit 2, file:line and the reason."""
    source = tmp_path / "_client.py"
    source.write_text(MINIMAL + "\n" + extra, encoding="utf-8")
    output = tmp_path / "_sync.py"
    assert gen.main(["--source", str(source), "--output", str(output)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("generate_sync: error: _client.py:"), err
    assert message in err
    assert not output.exists()


@pytest.mark.parametrize(
    ("source_text", "message"),
    [
        pytest.param("X = 1\n", "no top-level class AsyncClient", id="no-class"),
        pytest.param(
            MINIMAL.replace('    async def aclose(self) -> None:\n        """Close."""\n', ""),
            "AsyncClient has no aclose()",
            id="no-aclose",
        ),
        pytest.param(
            MINIMAL.replace("class AsyncClient:", "class AsyncClient(Base):"),
            "AsyncClient has bases",
            id="inherits",
        ),
        pytest.param(
            MINIMAL.replace("from typing import Any", "if True:\n    from typing import Any, cast")
            + '\n    async def get(self, x: Any) -> int:\n        """Get."""\n        return 1\n',
            "also imports cast",
            id="conditional-block-with-unused-import",
        ),
    ],
)
def test_unmappable_module_fails_loudly(
    gen: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    source_text: str,
    message: str,
) -> None:
    """A source without the shapes the facade needs is refused with a clear message."""
    source = tmp_path / "_client.py"
    source.write_text(source_text, encoding="utf-8")
    assert gen.main(["--source", str(source), "--output", str(tmp_path / "_sync.py")]) == 2
    assert message in capsys.readouterr().err


def test_cli_exits_non_zero_on_unmappable_source(tmp_path: Path) -> None:
    """Run as a script, the generator exits non-zero and explains, writing nothing."""
    source = tmp_path / "_client.py"
    source.write_text(MINIMAL + "\n    def helper(self) -> int:\n        return 1\n", "utf-8")
    output = tmp_path / "_sync.py"
    result = subprocess.run(
        [sys.executable, str(TOOL), "--source", str(source), "--output", str(output)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "public synchronous method" in result.stderr
    assert not output.exists()


def test_check_reports_a_stale_file_with_a_diff(
    gen: Any, synthetic: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """--check exits 1 and prints a unified diff when the output differs; it writes nothing."""
    package, _ = synthetic
    source, output = package / "_client.py", package / "_sync.py"
    assert gen.main(["--source", str(source), "--output", str(output)]) == 0
    assert gen.main(["--source", str(source), "--output", str(output), "--check"]) == 0
    capsys.readouterr()

    stale = output.read_text(encoding="utf-8").replace("Count from zero.", "Count from one.")
    output.write_text(stale, encoding="utf-8")
    assert gen.main(["--source", str(source), "--output", str(output), "--check"]) == 1
    captured = capsys.readouterr()
    assert "(committed)" in captured.out
    assert "(generated)" in captured.out
    assert '-        """Count from one.' in captured.out
    assert '+        """Count from zero.' in captured.out
    assert "is stale" in captured.err
    assert output.read_text(encoding="utf-8") == stale


def test_check_fails_when_the_output_is_missing(
    gen: Any, synthetic: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """--check on a source whose output was never generated exits 1."""
    package, _ = synthetic
    args = ["--source", str(package / "_client.py"), "--output", str(package / "_sync.py")]
    assert gen.main([*args, "--check"]) == 1
    assert "+class Client:" in capsys.readouterr().out


def test_a_new_coroutine_gets_a_twin_on_regeneration(gen: Any, synthetic: tuple[Path, str]) -> None:
    """Adding an operation to the source is all it takes: regeneration adds its twin."""
    package, _ = synthetic
    source = package / "_client.py"
    before = gen.generate(source)
    source.write_text(
        SYNTHETIC
        + textwrap.indent(
            textwrap.dedent(
                '''
                async def triple(self, value: int) -> int:
                    """Multiply by three."""
                    return value * 3
                '''
            ),
            "    ",
        ),
        encoding="utf-8",
    )
    after = gen.generate(source)
    assert "def triple" not in before
    assert "    def triple(self, value: int) -> int:\n" in after
    assert '        """Multiply by three."""\n' in after
    assert "        return self._runner.run(AsyncClient.triple, value)\n" in after


def test_var_keyword_init_parameters_are_forwarded(gen: Any, tmp_path: Path) -> None:
    """A constructor's **kwargs (typed with Unpack) is passed on as **kwargs, not as one keyword."""
    package = tmp_path / "pkg"
    package.mkdir()
    source = package / "_client.py"
    source.write_text(
        MINIMAL.replace(
            "    def __init__(self) -> None:\n        pass\n",
            "    def __init__(self, **extra: Unpack[Options]) -> None:\n        pass\n",
        ).replace(
            "from typing import Any\n",
            "from typing import Any, TypedDict, Unpack\n\n\nclass Options(TypedDict, total=False):\n"
            "    size: int\n",
        ),
        encoding="utf-8",
    )
    output = package / "_sync.py"
    assert gen.main(["--source", str(source), "--output", str(output)]) == 0
    text = output.read_text(encoding="utf-8")
    assert "**extra," in text
    assert "extra=extra" not in text


def test_ruff_formats_and_sorts_generated_text(gen: Any) -> None:
    """Layout and import order come from ruff with the project's configuration."""
    from generated import format_source

    text = "import sys\nimport os\nfrom ._x import b, A\nx=( 1,\n)\n"
    formatted = format_source(text, ROOT / "lambda_es" / "_generated_example.py")
    assert formatted == "import os\nimport sys\n\nfrom ._x import A, b\n\nx = (1,)\n"


def test_ruff_refusing_the_text_is_a_clear_error(gen: Any) -> None:
    """Text ruff cannot parse raises RuffError naming the file, not a silent pass-through."""
    from generated import RuffError, format_source

    with pytest.raises(RuffError, match=r"_generated_example\.py"):
        format_source("def broken(:\n", ROOT / "lambda_es" / "_generated_example.py")
