"""How the credential sources reach the network (lambda_es._fetch): the request value and exchange()."""

from __future__ import annotations

import socket

import aiohttp
import pytest

from lambda_es._credentials import Absent, SourceError
from lambda_es._fetch import FetchError, FetchRequest, exchange

from ._faults import FaultServer, respond
from ._sessions import credential_fetch

SECRET = "fetch-secret-token-value"


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_a_request_repr_hides_its_headers_and_body() -> None:
    """A FetchRequest's repr names the method and URL only: headers and body carry tokens."""
    request = FetchRequest(
        "POST", "http://127.0.0.1:1/token", headers={"Authorization": SECRET}, body=b"s", timeout=1
    )
    assert request.body == b"s"
    assert "127.0.0.1:1/token" in repr(request)
    assert SECRET not in repr(request)
    assert "b's'" not in repr(request)


async def test_exchange_hands_back_any_answer() -> None:
    """exchange() returns the response whatever its status: judging it is the source's part."""
    async with FaultServer(respond(503, b"busy")) as server, credential_fetch() as http:
        response = await exchange(
            http,
            FetchRequest("GET", server.url + "/creds", headers={}, timeout=2.0),
            failure="test source: no answer",
        )
    assert (response.status, response.body) == (503, b"busy")


@pytest.mark.parametrize("error", [SourceError, Absent])
async def test_exchange_turns_no_answer_into_the_sources_error(error: type[SourceError]) -> None:
    """No answer on loopback raises the given error: the failure text, then the HTTP
    library's words; nothing chained, and no header of the request in it."""
    url = f"http://127.0.0.1:{_unused_port()}/creds"
    async with credential_fetch() as http:
        with pytest.raises(error) as info:
            await exchange(
                http,
                FetchRequest("GET", url, headers={"Authorization": SECRET}, timeout=2.0),
                failure=f"test source: no answer from {url}",
                error=error,
            )
    assert type(info.value) is error
    assert str(info.value).startswith(f"test source: no answer from {url}: ")
    assert info.value.__cause__ is None
    # Neither the FetchError nor aiohttp's error (which keeps the request's
    # headers) rides along. Python 3.10 may still attach the socket's own
    # OSError as the implicit context (a coroutine quirk fixed in 3.11): it
    # holds no header, so the property pinned is "no HTTP-layer error, no secret".
    chain: list[BaseException] = []
    link: BaseException | None = info.value
    while link is not None:
        chain.append(link)
        link = link.__cause__ or link.__context__
    assert not any(isinstance(e, (FetchError, aiohttp.ClientError)) for e in chain)
    assert all(type(e) is error or isinstance(e, OSError) for e in chain)
    assert SECRET not in "".join(f"{e!r}{e}" for e in chain)
