"""The vendored service models (tools/models/), for tests that compare with botocore.

The generator reads these files; tests that hand botocore a model use the
same one, so that they test our requests against the model we were built
from, not against whichever model the installed botocore ships.
"""

from __future__ import annotations

import atexit
import functools
import json
import pathlib
import shutil
import tempfile
from typing import Any

import botocore.session

__all__ = ["CURRENT_MODEL", "LEGACY_MODEL", "botocore_session", "load"]

MODELS = pathlib.Path(__file__).resolve().parent.parent / "tools" / "models"
CURRENT_MODEL = MODELS / "lambda-2015-03-31.json"
LEGACY_MODEL = MODELS / "lambda-2014-11-13.json"


def load(path: pathlib.Path) -> dict[str, Any]:
    """One vendored model, as parsed JSON."""
    model: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return model


@functools.cache
def _layout() -> pathlib.Path:
    # botocore's layout (SERVICE/API_VERSION/service-2.json), made once per run.
    directory = pathlib.Path(tempfile.mkdtemp(prefix="lambda-es-model-"))
    atexit.register(shutil.rmtree, directory, True)
    target = directory / "lambda" / "2015-03-31"
    target.mkdir(parents=True)
    shutil.copyfile(CURRENT_MODEL, target / "service-2.json")
    return directory


def botocore_session() -> botocore.session.Session:
    """A botocore session whose Lambda 2015-03-31 model is the vendored one.

    botocore's loader looks in its search paths in order, so the vendored
    ``service-2.json`` is found first; everything else (endpoint rules, the
    2014-11-11 model) still comes from the installed botocore.

    Returns:
        The session (wrap it in ``boto3.session.Session(botocore_session=...)``).
    """
    session = botocore.session.get_session()
    session.get_component("data_loader").search_paths.insert(0, str(_layout()))
    return session
