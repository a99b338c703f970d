"""The public face of lambda_es: __all__ against the names API.md documents.

Modelled on httpx's exported-members test: every documented name is exported,
every exported name is importable, and nothing private leaks out.
"""

from __future__ import annotations

import importlib
import inspect
import pickle
import traceback
import types
import typing

import lambda_es

#: The names /work/shared/API.md documents on the package itself.
DOCUMENTED = frozenset(
    {
        "AsyncClient",
        "Client",
        "Credentials",
        "Retry",
        "Timeout",
        "EventSourceConfiguration",
        "EventSourcePage",
        "EventSourceMapping",
        "EventSourceMappingPage",
        "LambdaESError",
        "PaginationError",
        "ParamTypeError",
        "ParamValidationError",
        "ConfigurationError",
        "TransportError",
        "ConnectError",
        "TimeoutError",
        "DecodeError",
        "APIError",
        "ServiceError",
        "InvalidParameterValueError",
        "ResourceNotFoundError",
        "ResourceConflictError",
        "ResourceInUseError",
        "TooManyRequestsError",
    }
)

#: Public submodules, documented under "Embedding", that are not in __all__.
PUBLIC_SUBMODULES = frozenset({"aiohttp", "testing", "cli"})


def test_documented_names_are_exported() -> None:
    """Every name API.md documents on lambda_es is in __all__."""
    assert sorted(DOCUMENTED - set(lambda_es.__all__)) == []


def test_every_exported_name_is_importable() -> None:
    """Each name in __all__ exists on the package, and __all__ has no duplicates."""
    assert len(lambda_es.__all__) == len(set(lambda_es.__all__))
    for name in lambda_es.__all__:
        assert hasattr(lambda_es, name), name


def test_star_import_gives_exactly_all() -> None:
    """`from lambda_es import *` binds the names of __all__ and nothing else."""
    namespace: dict[str, object] = {}
    exec("from lambda_es import *", namespace)
    namespace.pop("__builtins__")
    assert set(namespace) == set(lambda_es.__all__)


def test_no_private_name_leaks() -> None:
    """__all__ holds no private module or helper, and no public attribute escapes __all__."""
    for name in lambda_es.__all__:
        assert not name.startswith("_") or name == "__version__", name
        assert not isinstance(getattr(lambda_es, name), types.ModuleType), name
    # pytest's assertion rewriting (lambda_es is a pytest plugin) adds '@py_*' names.
    public = {name for name in dir(lambda_es) if name.isidentifier() and not name.startswith("_")}
    assert sorted(public - set(lambda_es.__all__) - PUBLIC_SUBMODULES) == []


def test_exported_objects_are_public_api() -> None:
    """Exported classes come from the package's own modules and carry a docstring."""
    for name in lambda_es.__all__:
        value = getattr(lambda_es, name)
        if inspect.isclass(value):
            assert value.__module__.startswith("lambda_es"), name
            assert inspect.getdoc(value), name


def test_version_is_a_string() -> None:
    """__version__ is exported as a PEP 440-looking string."""
    assert isinstance(lambda_es.__version__, str)
    assert lambda_es.__version__[0].isdigit()


def test_testing_module_exports() -> None:
    """lambda_es.testing exports FakeLambda, importable by that path."""
    testing = importlib.import_module("lambda_es.testing")
    assert "FakeLambda" in testing.__all__
    for name in testing.__all__:
        assert hasattr(testing, name), name


def test_testing_names_load_on_first_use_and_read_as_lambda_es_testing() -> None:
    """Importing lambda_es.testing (as the pytest plugin does) loads no aiohttp server;
    each name loads on first use, reads as lambda_es.testing.X, and still pickles and
    resolves its type hints."""
    import subprocess
    import sys

    probe = (
        "import sys, lambda_es.testing as t; print('aiohttp.web' in sys.modules); "
        "t.FakeLambda; print('aiohttp.web' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "True"]
    testing = importlib.import_module("lambda_es.testing")
    # pytest's assertion rewriting (the plugin lives here) adds '@py_*' names.
    public = {name for name in dir(testing) if name.isidentifier() and not name.startswith("_")}
    assert public - {"pytest_plugin"} == set(testing.__all__)
    for name in testing.__all__:
        assert getattr(testing, name).__module__ == "lambda_es.testing", name
        typing.get_type_hints(getattr(testing, name))
    error = testing.StateFileError("not a state file")
    assert type(pickle.loads(pickle.dumps(error))) is testing.StateFileError
    with __import__("pytest").raises(AttributeError, match="no attribute 'Nothing'"):
        testing.Nothing  # noqa: B018


def test_aiohttp_module_exports() -> None:
    """lambda_es.aiohttp exports setup, CLIENT and client_from."""
    module = importlib.import_module("lambda_es.aiohttp")
    for name in ("setup", "CLIENT", "client_from"):
        assert name in module.__all__, name
        assert hasattr(module, name), name


def test_version_is_the_installed_distributions() -> None:
    """__version__ is pyproject's version, read from the installed metadata, and not loaded
    at import."""
    import subprocess
    import sys
    from importlib import metadata

    assert lambda_es.__version__ == metadata.version("lambda-es")
    probe = "import sys, lambda_es; print('importlib.metadata' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


def test_public_names_read_as_lambda_es() -> None:
    """Every exported class and function says it is lambda_es.X, as tracebacks print it."""
    for name in lambda_es.__all__:
        if name == "__version__":
            continue
        assert getattr(lambda_es, name).__module__ == "lambda_es", name
    error = lambda_es.ResourceConflictError("ResourceConflictException", "exists", 409)
    text = "".join(traceback.format_exception_only(type(error), error))
    assert text.startswith("lambda_es.ResourceConflictError: ")


def test_type_hints_of_public_names_still_resolve() -> None:
    """Moving __module__ breaks no annotation: get_type_hints works on every exported class
    and function, and exceptions and models still pickle."""
    for name in lambda_es.__all__:
        value = getattr(lambda_es, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            typing.get_type_hints(value)
    mapping = lambda_es.EventSourceMapping(uuid="u", batch_size=10)
    assert pickle.loads(pickle.dumps(mapping)) == mapping
    error = lambda_es.ResourceNotFoundError("ResourceNotFoundException", "gone", 404)
    assert type(pickle.loads(pickle.dumps(error))) is lambda_es.ResourceNotFoundError
