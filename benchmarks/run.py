"""lambda_es side by side with raw aiohttp, aiobotocore and boto3, on loopback.

Usage (from the repository root)::

    nox -s bench                      # or: python benchmarks/run.py
    python benchmarks/run.py --server raw --loops asyncio --soak-calls 20000

What is measured, in one run (``benchmarks/README.md`` has the method):

1. Throughput, latency (p50, p99) and client CPU per call of the same call
   made by each client, against two servers, each in a process of its own:
   ``raw`` (``_raw_server.py``: raw asyncio HTTP/1.1 on uvloop with fixed
   responses, so cheap that the clients are what is measured; its CPU share
   is reported for every cell) and ``fake`` (``lambda_es.testing.FakeLambda``:
   a realistic server that is itself often the bottleneck). Async clients run
   on asyncio's default loop and on uvloop; blocking clients call
   sequentially (1 in flight) or from that many threads sharing one client.
   Each cell runs ``--rounds`` times, interleaved with the other clients, and
   keeps its best round. A "targets" section compares the ratios the project
   aims for (issue 13) with the measured ones; a missed target is reported,
   never an error.
2. One-off costs: import time of each library (a fresh interpreter each),
   the first call's one-off costs in lambda_es (the signer's import, the
   session, the first connection) measured apart, and the time from process
   start to first response for each client against the raw server.
3. Python memory per open client after one call (tracemalloc).
4. The soak: ``--soak-calls`` calls from lambda_es.AsyncClient in a fresh
   process, RSS sampled every ``--soak-every`` calls.
5. A chart of calls/s per client and calls in flight (``results.png``, when
   matplotlib is installed).

Every request goes to 127.0.0.1; every loop is bounded in count and time; the
server processes end when this script does.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import http.client
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
import select
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Coroutine, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any, Literal, TypeVar

import attrs
from _clients import (
    ASYNC_CLIENTS,
    OPERATIONS,
    QUEUE_ARN,
    SYNC_CLIENTS,
    Operation,
    placeholder_headers,
    unavailable,
)
from _measure import Sample, drive_async, drive_threads, percentile

HERE = Path(__file__).resolve().parent
OPERATION_TITLES: dict[Operation, str] = {
    "get": "GetEventSourceMapping (2015-03-31): a read",
    "create": "CreateEventSourceMapping (2015-03-31): a write",
    "add": "AddEventSource (legacy 2014-11-13; boto3 api_version 2014-11-11): a write",
}
ServerKind = Literal["raw", "fake"]
SERVER_KINDS: tuple[ServerKind, ...] = ("raw", "fake")
SERVER_SCRIPTS: dict[ServerKind, str] = {"raw": "_raw_server.py", "fake": "_server.py"}
SERVER_TITLES: dict[ServerKind, str] = {
    "raw": "raw asyncio HTTP/1.1 server (fixed responses)",
    "fake": "lambda_es.testing.FakeLambda (a realistic server)",
}
LOOPS = ("asyncio", "uvloop")
#: The loop column of a blocking client: it runs no loop of the benchmark's.
NO_LOOP = "—"
#: Who each lambda_es client is compared with.
PEERS = {"lambda_es.AsyncClient": "aiobotocore", "lambda_es.Client": "boto3"}
RAW = "aiohttp (raw)"
#: What the import-time benchmark imports, by label.
IMPORTS = {
    "aiohttp (baseline)": "import aiohttp",
    "lambda_es": "import lambda_es",
    "lambda_es + its lazily imported signer (requests)": (
        "import lambda_es, aws_requests_auth.aws_auth"
    ),
    "boto3": "import boto3",
    "aiobotocore.session": "import aiobotocore.session",
}
IMPORT_REQUIRES = {"boto3": "boto3", "aiobotocore.session": "aiobotocore"}
SERVER_START_TIMEOUT = 30.0
CHILD_TIMEOUT = 120.0
#: The soak's RSS may grow at most this much after its first sample window.
SOAK_TOLERANCE = 5_000_000
SOAK_CLIENT = "lambda_es.AsyncClient"
SOAK_IN_FLIGHT = 10
T = TypeVar("T")


def _uvloop() -> Any | None:
    # Imported by name: uvloop is installed by `nox -s bench` only, and the
    # type-checking environment does not have it.
    try:
        return importlib.import_module("uvloop")
    except ImportError:
        return None


def run_on(loop: str, coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on a fresh loop of the given kind.

    Args:
        loop: ``asyncio`` (the default loop) or ``uvloop``.
        coroutine: what to run.

    Returns:
        Its result.
    """
    if loop == "uvloop":
        uvloop = _uvloop()
        assert uvloop is not None, "uvloop rows are dropped when uvloop is missing"
        result: T = uvloop.run(coroutine)
        return result
    return asyncio.run(coroutine)


# -- the servers ----------------------------------------------------------------------


class Server:
    """A server process (``_raw_server.py`` or ``_server.py``) and the commands it obeys.

    Args:
        kind: ``raw`` or ``fake``.
        process: the running server, its stdin and stdout pipes open in text mode.
        port: the port it listens on, on 127.0.0.1.
        loop: the event loop it serves on.
    """

    def __init__(
        self, kind: ServerKind, process: subprocess.Popen[str], port: int, loop: str
    ) -> None:
        self.kind = kind
        self.process = process
        self.port = port
        self.loop = loop

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    def _ask(self, command: str) -> str:
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(f"{command}\n")
        stdin.flush()
        return _read_line(self.process, SERVER_START_TIMEOUT)

    def reset(self) -> None:
        """Empty the server's state (FakeLambda's mappings and recorded requests).

        Raises:
            RuntimeError: the server did not acknowledge.
        """
        answer = self._ask("reset")
        if answer != "ok":
            raise RuntimeError(f"the server did not acknowledge a reset: {answer!r}")

    def cpu(self) -> float:
        """The CPU seconds (user + system) the server's process has used so far.

        Returns:
            Seconds.
        """
        return float(self._ask("cpu"))

    def seed(self) -> str:
        """Create one mapping and read it once, so that it is settled (state Enabled).

        Returns:
            The mapping's UUID.

        Raises:
            RuntimeError: the server refused.
        """
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            body = json.dumps({"FunctionName": "bench-read", "EventSourceArn": QUEUE_ARN})
            connection.request(
                "POST", "/2015-03-31/event-source-mappings/", body, placeholder_headers()
            )
            response = connection.getresponse()
            payload = response.read()
            if response.status != 202:
                raise RuntimeError(f"seeding a mapping failed: HTTP {response.status}")
            uuid = str(json.loads(payload)["UUID"])
            connection.request(
                "GET", f"/2015-03-31/event-source-mappings/{uuid}", headers=placeholder_headers()
            )
            response = connection.getresponse()
            state = json.loads(response.read()).get("State")
            if state != "Enabled":
                raise RuntimeError(f"the seeded mapping did not settle: {state!r}")
            return uuid
        finally:
            connection.close()


def _read_line(process: subprocess.Popen[str], timeout: float) -> str:
    stdout = process.stdout
    assert stdout is not None
    # select() bounds the wait: a server that hangs must not hang the run.
    ready, _, _ = select.select([stdout], [], [], timeout)
    if not ready:
        raise RuntimeError("the benchmark server did not answer in time")
    return stdout.readline().strip()


@contextmanager
def running_server(kind: ServerKind) -> Iterator[Server]:
    """Start a server process and stop it on exit, whatever happens.

    Args:
        kind: ``raw`` or ``fake``.

    Yields:
        The running server.

    Raises:
        RuntimeError: it did not start.
    """
    process = subprocess.Popen(
        [sys.executable, str(HERE / SERVER_SCRIPTS[kind])],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = _read_line(process, SERVER_START_TIMEOUT)
        if not line.startswith("READY "):
            raise RuntimeError(f"the benchmark server did not start: {line!r}")
        _, port, loop = line.split()
        yield Server(kind, process, int(port), loop)
    finally:
        _close_pipe(process.stdin)  # end of input is the server's signal to stop
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        _close_pipe(process.stdout)


def _close_pipe(pipe: IO[str] | None) -> None:
    if pipe is not None:
        with suppress(BrokenPipeError):
            pipe.close()


# -- throughput and latency ---------------------------------------------------------------


@attrs.frozen
class Cell:
    """One measured batch: a server, a call, a client on a loop, and calls in flight.

    Attributes:
        server: ``raw`` or ``fake``.
        operation: the call.
        client: the client's label.
        loop: the event loop an async client ran on (``NO_LOOP`` for a blocking one).
        mode: ``async``, ``sequential`` or ``threads``.
        in_flight: calls in flight at once.
        sample: the measurement, or None if the client is unavailable.
        note: why there is no figure (unavailable, or the first failure).
    """

    server: ServerKind
    operation: Operation
    client: str
    loop: str
    mode: str
    in_flight: int
    sample: Sample | None
    note: str | None = None

    @property
    def throughput(self) -> float | None:
        """Calls per second, when measured without failure."""
        if self.sample is None or self.sample.error is not None or not self.sample.calls:
            return None
        return self.sample.throughput

    @property
    def cpu_per_call(self) -> float | None:
        """Client CPU seconds per call, when measured without failure."""
        if self.throughput is None or self.sample is None:
            return None
        return self.sample.cpu_per_call


@attrs.frozen
class Settings:
    """The run's parameters (from the command line)."""

    calls: int
    warmup: int
    max_seconds: float
    rounds: int
    concurrency: tuple[int, ...]
    operations: tuple[Operation, ...]
    clients: tuple[str, ...]
    servers: tuple[ServerKind, ...]
    loops: tuple[str, ...]
    import_runs: int
    start_runs: int
    memory_clients: int
    soak_calls: int
    soak_every: int
    chart: bool


async def _async_cell(
    name: str, server: Server, operation: Operation, uuid: str, in_flight: int, s: Settings
) -> Sample:
    warmup = max(s.warmup, 2 * in_flight)
    async with ASYNC_CLIENTS[name](server.endpoint_url, operation, uuid, in_flight) as call:
        warm = await drive_async(
            call, concurrency=in_flight, calls=warmup, first_index=0, max_seconds=s.max_seconds
        )
        if warm.error is not None:
            return warm
        return await drive_async(
            call,
            concurrency=in_flight,
            calls=s.calls,
            first_index=warmup,
            max_seconds=s.max_seconds,
            server_cpu=server.cpu,
        )


def _sync_cell(
    name: str, server: Server, operation: Operation, uuid: str, in_flight: int, s: Settings
) -> Sample:
    warmup = max(s.warmup, 2 * in_flight)
    with SYNC_CLIENTS[name](server.endpoint_url, operation, uuid, in_flight) as call:
        warm = drive_threads(
            call, threads=in_flight, calls=warmup, first_index=0, max_seconds=s.max_seconds
        )
        if warm.error is not None:
            return warm
        return drive_threads(
            call,
            threads=in_flight,
            calls=s.calls,
            first_index=warmup,
            max_seconds=s.max_seconds,
            server_cpu=server.cpu,
        )


def _variants(s: Settings) -> list[tuple[str, str]]:
    # Each async client once per loop; each blocking client once.
    variants: list[tuple[str, str]] = []
    for name in s.clients:
        if name in ASYNC_CLIENTS:
            variants += [(name, loop) for loop in s.loops]
        else:
            variants.append((name, NO_LOOP))
    return variants


def measure_calls(server: Server, s: Settings, missing: dict[str, str]) -> list[Cell]:
    """Measure every (operation, calls in flight, client, loop) cell, ``s.rounds`` times each.

    The rounds of one cell are interleaved with the other clients' rounds, so
    that a burst of load from elsewhere on the machine hits every client
    rather than one; each cell keeps its best round, as timeit keeps its best
    repeat (the least disturbed estimate of what the client costs).

    Args:
        server: the running server.
        s: the run's settings.
        missing: clients that cannot run, with the reason.

    Returns:
        The cells, in the order they ran.
    """
    cells: list[Cell] = []
    variants = _variants(s)
    for operation in s.operations:
        for in_flight in s.concurrency:
            rounds: dict[tuple[str, str], list[Sample]] = {v: [] for v in variants}
            for _ in range(s.rounds):
                for name, loop in variants:
                    if name in missing or any(r.error for r in rounds[name, loop]):
                        continue
                    sample = _measure_cell(server, name, loop, operation, in_flight, s)
                    rounds[name, loop].append(sample)
                    line = _progress(server.kind, operation, name, loop, in_flight, sample)
                    print(f"  {line}", file=sys.stderr)
            for name, loop in variants:
                is_async = name in ASYNC_CLIENTS
                mode = "async" if is_async else ("sequential" if in_flight == 1 else "threads")
                key = (server.kind, operation, name, loop, mode, in_flight)
                if name in missing:
                    cells.append(Cell(*key, None, missing[name]))
                    continue
                failed = [r for r in rounds[name, loop] if r.error is not None]
                best = failed[0] if failed else max(rounds[name, loop], key=lambda r: r.throughput)
                cells.append(Cell(*key, best, best.error))
    return cells


def _measure_cell(
    server: Server, name: str, loop: str, operation: Operation, in_flight: int, s: Settings
) -> Sample:
    server.reset()
    uuid = server.seed() if operation == "get" else ""
    # Garbage from the previous cell is collected here, not inside this one.
    gc.collect()
    if name in ASYNC_CLIENTS:
        return run_on(loop, _async_cell(name, server, operation, uuid, in_flight, s))
    return _sync_cell(name, server, operation, uuid, in_flight, s)


def _progress(
    server: ServerKind, operation: Operation, name: str, loop: str, in_flight: int, sample: Sample
) -> str:
    head = f"{server:4} {operation:6} {name:22} {loop:7} {in_flight:>3} in flight:"
    if sample.error is not None:
        return f"{head} FAILED {sample.error}"
    p50 = percentile(sample.latencies, 0.5) * 1e3
    share = sample.server_share
    server_text = f", server {share:.0%} of a core" if share is not None else ""
    return (
        f"{head} {sample.throughput:8.0f} calls/s, p50 {p50:.2f} ms, "
        f"{sample.cpu_per_call * 1e6:.0f} us CPU/call{server_text}"
    )


# -- import time and memory ---------------------------------------------------------------


def measure_imports(runs: int) -> dict[str, list[float]]:
    """Time each import in fresh interpreters, round-robin so noise spreads evenly.

    Args:
        runs: timed runs per import (after one untimed run that warms the
            bytecode cache).

    Returns:
        Seconds per run, by label (imports whose package is missing are left out).
    """
    labels = [
        label
        for label in IMPORTS
        if label not in IMPORT_REQUIRES or importlib.util.find_spec(IMPORT_REQUIRES[label])
    ]
    timings: dict[str, list[float]] = {label: [] for label in labels}
    for run in range(runs + 1):
        for label in labels:
            code = (
                "import time; t = time.perf_counter(); "
                f"{IMPORTS[label]}; print(time.perf_counter() - t)"
            )
            result = subprocess.run(
                [sys.executable, "-c", code],
                capture_output=True,
                text=True,
                check=True,
                timeout=CHILD_TIMEOUT,
            )
            if run:
                timings[label].append(float(result.stdout))
    return timings


def measure_memory_per_client(
    server: Server, s: Settings, missing: dict[str, str]
) -> dict[str, tuple[float, float]]:
    """Python memory per open client, each client measured in a fresh process (``_memory.py``).

    Args:
        server: the running server.
        s: the run's settings.
        missing: clients that cannot run.

    Returns:
        (bytes held by the first client, mean bytes of each further one), by client.
    """
    results: dict[str, tuple[float, float]] = {}
    for name in s.clients:
        if name in missing:
            continue
        server.reset()
        uuid = server.seed()
        completed = subprocess.run(
            [
                sys.executable,
                str(HERE / "_memory.py"),
                name,
                server.endpoint_url,
                uuid,
                str(s.memory_clients),
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=CHILD_TIMEOUT,
        )
        figures = json.loads(completed.stdout)
        results[name] = (float(figures["first"]), float(figures["each"]))
    return results


def measure_start(server: Server, s: Settings, missing: dict[str, str]) -> dict[str, list[float]]:
    """Time from process start to first response, a fresh interpreter per run (``_first.py``).

    The clock runs from just before the interpreter is started to the moment
    it reports its first AddEventSource response: the interpreter's start,
    the imports, the client, the signer, the connection and the call. One
    untimed round warms the bytecode cache; the rounds go round-robin so that
    noise spreads evenly.

    Args:
        server: the running server (the raw one, so that it adds least).
        s: the run's settings (the clients, and ``start_runs`` timed runs per client).
        missing: clients that cannot run.

    Returns:
        Seconds per run, by client.
    """
    names = [name for name in s.clients if name not in missing]
    timings: dict[str, list[float]] = {name: [] for name in names}
    for run in range(s.start_runs + 1):
        for name in names:
            began = time.perf_counter()
            process = subprocess.Popen(
                [sys.executable, str(HERE / "_first.py"), "start", name, server.endpoint_url],
                stdout=subprocess.PIPE,
                text=True,
            )
            try:
                line = _read_line(process, CHILD_TIMEOUT)
                elapsed = time.perf_counter() - began
            finally:
                process.wait(timeout=CHILD_TIMEOUT)
                _close_pipe(process.stdout)
            if line != "first":
                raise RuntimeError(f"{name} did not get its first response: {line!r}")
            if run:
                timings[name].append(elapsed)
    return timings


def measure_first_call(server: Server, runs: int) -> dict[str, float]:
    """lambda_es's first-call one-off costs, measured apart (``_first.py breakdown``).

    Args:
        server: the running server.
        runs: fresh interpreters; the median of each figure is kept.

    Returns:
        Seconds by figure (see ``_first.py``).
    """
    figures: dict[str, list[float]] = {}
    for _ in range(max(1, runs)):
        completed = subprocess.run(
            [sys.executable, str(HERE / "_first.py"), "breakdown", server.endpoint_url],
            capture_output=True,
            text=True,
            check=True,
            timeout=CHILD_TIMEOUT,
        )
        for key, value in json.loads(completed.stdout).items():
            figures.setdefault(key, []).append(float(value))
    return {key: statistics.median(values) for key, values in figures.items()}


@attrs.frozen
class Soak:
    """What the soak gave.

    Attributes:
        client: the client soaked.
        calls: calls asked for.
        samples: (calls made, RSS bytes) pairs, the first before any call.
        elapsed: seconds.
        source: where RSS was read.
        error: the first failure, or None.
    """

    client: str
    calls: int
    samples: list[tuple[int, int]]
    elapsed: float
    source: str
    error: str | None

    @property
    def growth(self) -> int | None:
        """The most RSS grew after the first sample window (None: too few samples)."""
        after = self.samples[1:]
        if len(after) < 2:
            return None
        return max(size for _, size in after) - after[0][1]

    @property
    def flat(self) -> bool | None:
        """Whether RSS stayed within ``SOAK_TOLERANCE`` of its size after the first window."""
        growth = self.growth
        if growth is None or self.error is not None:
            return None
        return growth <= SOAK_TOLERANCE


def measure_soak(server: Server, s: Settings) -> Soak:
    """Run ``_soak.py`` against the server in a fresh process.

    Args:
        server: the running server.
        s: the run's settings.

    Returns:
        The soak.
    """
    # Generous: 1,000 calls a second would be far below any client here.
    timeout = CHILD_TIMEOUT + s.soak_calls / 1000
    completed = subprocess.run(
        [
            sys.executable,
            str(HERE / "_soak.py"),
            SOAK_CLIENT,
            server.endpoint_url,
            str(s.soak_calls),
            str(s.soak_every),
            str(SOAK_IN_FLIGHT),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=timeout,
    )
    result = json.loads(completed.stdout)
    return Soak(
        client=SOAK_CLIENT,
        calls=s.soak_calls,
        samples=[(int(n), int(size)) for n, size in result["samples"]],
        elapsed=float(result["elapsed"]),
        source=str(result["source"]),
        error=result["error"],
    )


# -- the chart -------------------------------------------------------------------------


def _short(name: str, loop: str) -> str:
    label = name.replace("lambda_es.", "").replace(" (raw)", " raw")
    return label if loop == NO_LOOP else f"{label}\n{loop}"


def render_chart(cells: Sequence[Cell], s: Settings, path: Path) -> str | None:
    """Draw calls/s per client and calls in flight, one panel per server, as a PNG.

    Only the first operation of the run is drawn (AddEventSource by default).

    Args:
        cells: the measured cells.
        s: the run's settings.
        path: where to write the PNG.

    Returns:
        None when written, else why not.
    """
    try:
        matplotlib: Any = importlib.import_module("matplotlib")
    except ImportError:
        return "matplotlib is not installed (`nox -s bench` installs it)"
    matplotlib.use("Agg")  # no display: write a file only
    pyplot: Any = importlib.import_module("matplotlib.pyplot")
    operation = s.operations[0]
    variants = _variants(s)
    servers = [k for k in s.servers if any(c.server == k for c in cells)]
    figure, axes = pyplot.subplots(len(servers), 1, figsize=(11, 4.2 * len(servers)), squeeze=False)
    width = 0.8 / len(s.concurrency)
    by_key = {(c.server, c.operation, c.client, c.loop, c.in_flight): c for c in cells}
    for row, kind in enumerate(servers):
        axis = axes[row][0]
        for index, in_flight in enumerate(s.concurrency):
            heights = []
            for name, loop in variants:
                cell = by_key.get((kind, operation, name, loop, in_flight))
                value = cell.throughput if cell is not None else None
                heights.append(value or 0.0)
            positions = [
                x + (index - (len(s.concurrency) - 1) / 2) * width for x in range(len(variants))
            ]
            bars = axis.bar(positions, heights, width, label=f"{in_flight} in flight")
            axis.bar_label(bars, labels=[f"{h:,.0f}" if h else "" for h in heights], fontsize=6)
        axis.set_xticks(range(len(variants)))
        axis.set_xticklabels([_short(n, loop) for n, loop in variants], fontsize=8)
        axis.set_ylabel("calls/s")
        axis.set_title(f"{OPERATION_TITLES[operation].split(' (')[0]}, {SERVER_TITLES[kind]}")
        axis.legend(fontsize=8)
        axis.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
    return None


# -- the report -----------------------------------------------------------------------------


def _versions() -> str:
    names = ["lambda-es", "aiohttp", "attrs", "cattrs", "boto3", "botocore", "aiobotocore"]
    found = []
    for name in names:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


def _ratio(value: float | None, reference: float | None) -> str:
    if value is None or not reference:
        return "—"
    return f"{value / reference:.2f}x"


def _ms(value: float) -> str:
    return f"{value * 1e3:.2f}"


@attrs.frozen
class Results:
    """Everything one run measured (the parts skipped are empty or None)."""

    cells: list[Cell]
    server_loops: dict[str, str]
    imports: dict[str, list[float]]
    start: dict[str, list[float]]
    first_call: dict[str, float]
    memory: dict[str, tuple[float, float]]
    soak: Soak | None
    chart: str | None


@attrs.frozen
class Target:
    """One of issue 13's targets, checked against this run.

    Attributes:
        goal: the target, in words.
        measured: the measured figures and ratio.
        met: whether it is met (None: not measured in this run).
    """

    goal: str
    measured: str
    met: bool | None


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def targets(r: Results, s: Settings) -> tuple[str, list[Target]]:
    """Check issue 13's targets against this run's figures.

    The throughput targets use AddEventSource against the raw server (or
    FakeLambda when the raw server was not run), async clients on asyncio's
    default loop, at 1 and at 64 calls in flight (or the most this run had).

    Args:
        r: the results.
        s: the run's settings.

    Returns:
        Where the throughput figures come from, and the targets.
    """
    server: ServerKind = "raw" if "raw" in s.servers else s.servers[0]
    high = 64 if 64 in s.concurrency else max(s.concurrency)
    # The targets "at 64" need calls in flight; a run of one at a time has none.
    if high == 1:
        high = 64
    by_key = {(c.server, c.operation, c.client, c.loop, c.in_flight): c for c in r.cells}

    def cell(name: str, in_flight: int) -> Cell | None:
        loop = NO_LOOP if name in SYNC_CLIENTS else "asyncio"
        return by_key.get((server, "add", name, loop, in_flight))

    def rate(name: str, in_flight: int) -> float | None:
        found = cell(name, in_flight)
        return found.throughput if found is not None else None

    def cpu(name: str, in_flight: int) -> float | None:
        found = cell(name, in_flight)
        return found.cpu_per_call if found is not None else None

    def at_least(goal: str, value: float | None, reference: float | None, factor: float) -> Target:
        if value is None or not reference:
            return Target(goal, "not measured", None)
        ratio = value / reference
        return Target(
            goal, f"{value:,.0f} vs {reference:,.0f} calls/s: {ratio:.2f}x", ratio >= factor
        )

    found: list[Target] = []
    asynchronous, blocking = "lambda_es.AsyncClient", "lambda_es.Client"
    found.append(
        at_least(
            f"AsyncClient at {high} in flight >= 0.75x the floor's calls/s",
            rate(asynchronous, high),
            rate(RAW, high),
            0.75,
        )
    )
    mine, floor = cpu(asynchronous, high), cpu(RAW, high)
    goal = f"AsyncClient at {high} in flight: CPU per call <= 1.4x the floor's"
    if mine is None or not floor:
        found.append(Target(goal, "not measured", None))
    else:
        found.append(
            Target(
                goal,
                f"{mine * 1e6:.0f} vs {floor * 1e6:.0f} µs/call: {mine / floor:.2f}x",
                mine / floor <= 1.4,
            )
        )
    found += [
        at_least(
            f"AsyncClient at {high} in flight >= 4x aiobotocore",
            rate(asynchronous, high),
            rate("aiobotocore", high),
            4.0,
        ),
        at_least(
            "AsyncClient one call at a time >= 0.8x the floor",
            rate(asynchronous, 1),
            rate(RAW, 1),
            0.8,
        ),
        at_least(
            "Client one call at a time >= 0.85x AsyncClient one at a time",
            rate(blocking, 1),
            rate(asynchronous, 1),
            0.85,
        ),
        at_least("Client one call at a time >= 2x boto3", rate(blocking, 1), rate("boto3", 1), 2.0),
        at_least(
            f"Client from {high} threads >= 0.7x AsyncClient at {high}",
            rate(blocking, high),
            rate(asynchronous, high),
            0.7,
        ),
    ]
    mine_import = _median(r.imports.get("lambda_es", []))
    base_import = _median(r.imports.get("aiohttp (baseline)", []))
    goal = "import lambda_es <= import aiohttp + 30 ms"
    if mine_import is None or base_import is None:
        found.append(Target(goal, "not measured", None))
    else:
        extra = mine_import - base_import
        found.append(
            Target(
                goal,
                f"{_ms(mine_import)} vs {_ms(base_import)} ms: +{_ms(extra)} ms",
                extra <= 0.030,
            )
        )
    mine_start = _median(r.start.get(asynchronous, []))
    peer_start = _median(r.start.get("aiobotocore", []))
    goal = "process start to first response (AsyncClient) <= 0.7x aiobotocore's"
    if mine_start is None or not peer_start:
        found.append(Target(goal, "not measured", None))
    else:
        found.append(
            Target(
                goal,
                f"{_ms(mine_start)} vs {_ms(peer_start)} ms: {mine_start / peer_start:.2f}x",
                mine_start / peer_start <= 0.7,
            )
        )
    goal = (
        f"{s.soak_calls or 200_000:,} calls: RSS flat within 5 MB after the first {s.soak_every:,}"
    )
    soak = r.soak
    if soak is None or soak.flat is None or soak.growth is None:
        why = soak.error if soak is not None and soak.error else "not measured"
        found.append(Target(goal, why or "not measured", None))
    else:
        found.append(Target(goal, f"grew {soak.growth / 1e6:+.2f} MB", soak.flat))
    shares = [
        c.sample.server_share
        for c in r.cells
        if c.server == server and c.sample is not None and c.sample.server_share is not None
    ]
    goal = "(a condition of the figures above) the server under 20% of one core in every cell"
    if shares:
        found.append(
            Target(goal, f"at most {max(shares):.0%} ({server} server)", max(shares) <= 0.2)
        )
    else:
        found.append(Target(goal, "not measured", None))
    where = (
        f"AddEventSource against the {SERVER_TITLES[server]}, async clients on asyncio's "
        f"default loop, at 1 and {high} in flight"
    )
    return where, found


def _us(value: float | None) -> str:
    return "—" if value is None or math.isnan(value) else f"{value * 1e6:,.0f}"


def render(r: Results, s: Settings, started: dt.datetime, load_at_start: str) -> str:
    """The results as markdown.

    Args:
        r: the results.
        s: the run's settings.
        started: when the run began.
        load_at_start: the load average when the run began.

    Returns:
        The markdown document.
    """
    cells = r.cells
    by_key = {(c.server, c.operation, c.client, c.loop, c.in_flight): c for c in cells}

    def throughput(
        kind: ServerKind, operation: Operation, client: str, loop: str, in_flight: int
    ) -> float | None:
        if client in SYNC_CLIENTS:
            loop = NO_LOOP
        elif loop == NO_LOOP:
            loop = "asyncio"  # blocking clients are compared with the default loop
        cell = by_key.get((kind, operation, client, loop, in_flight))
        return cell.throughput if cell is not None else None

    servers = ", ".join(
        f"{kind}: {SERVER_TITLES[kind]} on {r.server_loops.get(kind, '?')}" for kind in s.servers
    )
    lines = [
        "# lambda_es benchmarks",
        "",
        f"- date: {started:%Y-%m-%d %H:%M} UTC; command: "
        f"`{shlex.join(['python', 'benchmarks/run.py', *sys.argv[1:]])}`",
        f"- machine: {os.cpu_count()} cores ({_cpu_model()}), {platform.platform()}; "
        "client and server processes share them",
        f"- load average (1 min) at the start: {load_at_start}; at the end, including this "
        f"run's own client and server: {_load()}. Other work on the machine is in every figure",
        f"- Python {platform.python_version()} ({platform.python_implementation()})",
        f"- packages: {_versions()}",
        f"- servers, each in its own process on 127.0.0.1: {servers}",
        f"- each cell: the best of {s.rounds} rounds (interleaved with the other clients) of "
        f"{s.calls} calls after a warm-up of max({s.warmup}, 2 x in flight), "
        f"at most {s.max_seconds:g} s each",
        "- CPU µs/call: the client process's CPU time (every thread) over the batch, divided "
        "by its calls; server CPU: the server process's CPU time over the batch's wall time "
        "(100% is one core busy throughout)",
        "- x raw: throughput relative to raw aiohttp on the same server, loop and calls in "
        "flight (the floor: HTTP and JSON, no signing, validation or models; blocking clients "
        "against raw aiohttp on asyncio's loop); x peer: lambda_es.AsyncClient relative to "
        "aiobotocore on the same loop, lambda_es.Client relative to boto3",
        "",
    ]
    if r.chart is None and s.chart:
        lines += ["![calls/s per client and calls in flight](results.png)", ""]
    elif r.chart is not None:
        lines += [f"(no chart: {r.chart})", ""]

    where, checked = targets(r, s)
    lines += [
        "## Targets (issue 13)",
        "",
        f"Throughput figures: {where}. A missed target is reported here, not an error.",
        "",
        "| target | measured | met |",
        "|---|---|---|",
    ]
    for target in checked:
        verdict = {True: "met", False: "**not met**", None: "not measured"}[target.met]
        lines.append(f"| {target.goal} | {target.measured} | {verdict} |")
    lines.append("")

    for kind in s.servers:
        shares = [
            c.sample.server_share
            for c in cells
            if c.server == kind and c.sample is not None and c.sample.server_share is not None
        ]
        for operation in s.operations:
            lines += [f"## {OPERATION_TITLES[operation]}; server: {kind}", ""]
            if shares:
                lines += [
                    f"The server process used at most {max(shares):.0%} of one core during any "
                    f"cell of this run (median {statistics.median(shares):.0%}).",
                    "",
                ]
            lines += [
                "| client | loop | mode | in flight | calls | calls/s | p50 ms | p99 ms "
                "| CPU µs/call | server CPU | x raw | x peer |",
                "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
            ]
            for in_flight in s.concurrency:
                for name, loop in _variants(s):
                    cell = by_key.get((kind, operation, name, loop, in_flight))
                    if cell is None:
                        continue
                    if cell.throughput is None or cell.sample is None:
                        why = "skipped" if cell.sample is None else "failed"
                        lines.append(
                            f"| {name} | {loop} | {cell.mode} | {in_flight} | {why}: {cell.note} "
                            "| — | — | — | — | — | — | — |"
                        )
                        continue
                    sample = cell.sample
                    raw = throughput(kind, operation, RAW, loop, in_flight)
                    peer_name = PEERS.get(name)
                    peer = (
                        throughput(kind, operation, peer_name, loop, in_flight)
                        if peer_name
                        else None
                    )
                    share = sample.server_share
                    lines.append(
                        f"| {name} | {loop} | {cell.mode} | {in_flight} | {sample.calls} "
                        f"| {sample.throughput:,.0f} | {_ms(percentile(sample.latencies, 0.5))} "
                        f"| {_ms(percentile(sample.latencies, 0.99))} "
                        f"| {_us(sample.cpu_per_call)} "
                        f"| {'—' if share is None else f'{share:.0%}'} "
                        f"| {'—' if name == RAW else _ratio(cell.throughput, raw)} "
                        f"| {_ratio(cell.throughput, peer) if peer_name else '—'} |"
                    )
            lines.append("")

    if r.imports:
        lines += [
            f"## Import time (fresh interpreter each, median of {s.import_runs})",
            "",
            "| import | median ms | min ms | max ms |",
            "|---|--:|--:|--:|",
        ]
        for label, times in r.imports.items():
            lines.append(
                f"| {label} | {_ms(statistics.median(times))} | {_ms(min(times))} "
                f"| {_ms(max(times))} |"
            )
        lines.append("")

    if r.first_call:
        f = r.first_call
        lines += [
            "## lambda_es's first call: the one-off costs, measured apart",
            "",
            "In a fresh interpreter, against the raw server, in this order (median of "
            f"{s.start_runs} interpreters); see `_first.py` for how each is isolated.",
            "",
            "| cost | ms |",
            "|---|--:|",
            f"| `import lambda_es` | {_ms(f['import'])} |",
            "| the signer's import (`aws_requests_auth.aws_auth`, with `requests`), which "
            f"lambda_es does on its first call | {_ms(f['signer_import'])} |",
            "| the first call of the first client, signer already imported "
            f"| {_ms(f['first_call'])} |",
            f"| of which: the session (aiohttp `ClientSession` + `TCPConnector`) "
            f"| {_ms(f['session'])} |",
            "| of which: the first connection (a new client's first call, less a steady "
            f"call and the session) | {_ms(f['connection'])} |",
            "| of which: other first-use work of the process (first call less a new "
            f"client's first call in a warm process) | {_ms(f['other_first_use'])} |",
            f"| a steady call, for comparison | {_ms(f['steady_call'])} |",
            "",
        ]

    if r.start:
        lines += [
            "## Time from process start to first response",
            "",
            "A fresh interpreter per run, against the raw server: start the interpreter, "
            "import, open the client, make one AddEventSource call (the clock stops at its "
            f"response). Median of {s.start_runs} runs after one untimed run.",
            "",
            "| client | median ms | min ms | max ms |",
            "|---|--:|--:|--:|",
        ]
        for name, times in r.start.items():
            lines.append(
                f"| {name} | {_ms(statistics.median(times))} | {_ms(min(times))} "
                f"| {_ms(max(times))} |"
            )
        lines.append("")

    if r.memory:
        lines += [
            f"## Python memory per open client after one call (tracemalloc, {s.memory_clients} "
            "clients in a fresh process)",
            "",
            "| client | first client KiB (includes what loads on first use) | each further KiB |",
            "|---|--:|--:|",
        ]
        for name, (first, each) in r.memory.items():
            lines.append(f"| {name} | {first / 1024:,.0f} | {each / 1024:,.0f} |")
        lines.append("")

    if r.soak is not None:
        soak = r.soak
        verdict = {True: "flat", False: "**not flat**", None: "not judged"}[soak.flat]
        growth = "—" if soak.growth is None else f"{soak.growth / 1e6:+.2f} MB"
        rate = soak.samples[-1][0] / soak.elapsed if soak.elapsed > 0 else 0.0
        lines += [
            "## Soak",
            "",
            f"{soak.client}, {soak.calls:,} AddEventSource calls with {SOAK_IN_FLIGHT} in flight "
            f"on asyncio's loop against the raw server, in a fresh "
            f"process; RSS from {soak.source} every {s.soak_every:,} calls. "
            f"{soak.samples[-1][0]:,} calls in {soak.elapsed:.1f} s ({rate:,.0f} calls/s). "
            f"RSS after the first {s.soak_every:,} calls to the end: {growth} at most: "
            f"**{verdict}** (tolerance 5 MB)"
            + (f". Stopped by a failure: {soak.error}" if soak.error else "."),
            "",
            "| calls | RSS MB |",
            "|--:|--:|",
        ]
        lines += [f"| {calls:,} | {size / 1e6:.2f} |" for calls, size in soak.samples]
        lines.append("")

    lines += [
        "## Caveats",
        "",
        "- Two cores run the client, the server and anything else on the machine. The raw "
        "server keeps its own share small (see each table), so the clients' own cost shows; "
        "against FakeLambda the server's CPU time bounds every client at 10 and 64 in "
        "flight and pulls the ratios toward 1.",
        "- Loopback has no network latency: the per-call CPU cost of each client dominates. "
        "Against a real endpoint tens of milliseconds away the differences matter far less.",
        "- The blocking clients at 10 and 64 in flight use that many threads sharing one "
        "client; lambda_es.Client funnels them into its one event-loop thread.",
        "- Memory counts Python allocations only (no thread stacks, C buffers or sockets).",
        "",
    ]
    return "\n".join(lines)


# -- the command line -------------------------------------------------------------------------


def _int_list(text: str) -> tuple[int, ...]:
    values = tuple(int(part) for part in text.split(",") if part.strip())
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError("expected positive integers separated by commas")
    return values


def _operations(text: str) -> tuple[Operation, ...]:
    chosen: list[Operation] = []
    for part in text.split(","):
        matches = [op for op in OPERATIONS if op == part.strip()]
        if not matches:
            raise argparse.ArgumentTypeError(
                f"unknown operation {part!r}; choose from {OPERATIONS}"
            )
        chosen.append(matches[0])
    return tuple(chosen)


def _servers(text: str) -> tuple[ServerKind, ...]:
    if text == "both":
        return SERVER_KINDS
    matches = [kind for kind in SERVER_KINDS if kind == text]
    if not matches:
        raise argparse.ArgumentTypeError("expected raw, fake or both")
    return (matches[0],)


def _loops(text: str) -> tuple[str, ...]:
    chosen = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [loop for loop in chosen if loop not in LOOPS]
    if not chosen or unknown:
        raise argparse.ArgumentTypeError(f"expected loops from {', '.join(LOOPS)}")
    return chosen


def parse_args(argv: Sequence[str]) -> tuple[Settings, Path | None]:
    """Read the command line.

    Args:
        argv: the arguments, without the program name.

    Returns:
        The settings, and where to write the markdown (None: do not write).
    """
    every_client = (*ASYNC_CLIENTS, *SYNC_CLIENTS)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=2000, help="measured calls per cell")
    parser.add_argument("--warmup", type=int, default=100, help="unmeasured calls per cell")
    parser.add_argument(
        "--max-seconds", type=float, default=3.0, help="time limit per cell (warm-up and batch)"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds per cell; the best is reported"
    )
    parser.add_argument(
        "--concurrency", type=_int_list, default=(1, 10, 64), help="calls in flight, e.g. 1,10,64"
    )
    parser.add_argument(
        "--ops", type=_operations, default=("add",), help="operations from get,create,add"
    )
    parser.add_argument(
        "--server",
        type=_servers,
        default=SERVER_KINDS,
        help="raw (the raw asyncio server on uvloop), fake (FakeLambda) or both (default)",
    )
    parser.add_argument(
        "--loops",
        type=_loops,
        default=LOOPS,
        help="event loops for the async clients: asyncio,uvloop (default both)",
    )
    parser.add_argument(
        "--clients",
        default=",".join(every_client),
        help=f"clients to run, comma-separated, from: {', '.join(every_client)}",
    )
    parser.add_argument("--import-runs", type=int, default=7, help="runs per import (0: skip)")
    parser.add_argument(
        "--start-runs",
        type=int,
        default=7,
        help="fresh interpreters per client for start-to-first-response and the first "
        "call's costs (0: skip)",
    )
    parser.add_argument(
        "--memory-clients", type=int, default=5, help="clients per memory measurement (0: skip)"
    )
    parser.add_argument(
        "--soak-calls", type=int, default=200_000, help="calls in the soak (0: skip)"
    )
    parser.add_argument(
        "--soak-every", type=int, default=10_000, help="calls between RSS samples in the soak"
    )
    parser.add_argument("--no-chart", action="store_true", help="draw no chart")
    parser.add_argument(
        "--output",
        type=Path,
        default=HERE / "results.md",
        help="where to write the markdown (default: benchmarks/results.md); the chart "
        "goes beside it as results.png",
    )
    parser.add_argument("--no-write", action="store_true", help="print only; write no file")
    args = parser.parse_args(argv)
    clients = tuple(name.strip() for name in args.clients.split(",") if name.strip())
    unknown = sorted(set(clients) - set(every_client))
    if unknown:
        parser.error(f"unknown clients: {', '.join(unknown)}")
    if args.calls < 1 or args.rounds < 1 or args.warmup < 0 or args.max_seconds <= 0:
        parser.error("--calls, --rounds and --max-seconds must be positive, --warmup not negative")
    if args.soak_every < 1:
        parser.error("--soak-every must be positive")
    loops = args.loops
    if "uvloop" in loops and _uvloop() is None:
        print("note: uvloop is not installed; async clients run on asyncio only", file=sys.stderr)
        loops = tuple(loop for loop in loops if loop != "uvloop") or ("asyncio",)
    settings = Settings(
        calls=args.calls,
        warmup=args.warmup,
        max_seconds=args.max_seconds,
        rounds=args.rounds,
        concurrency=args.concurrency,
        operations=args.ops,
        # Reported in a fixed order whatever order they were given in.
        clients=tuple(name for name in every_client if name in clients),
        servers=args.server,
        loops=tuple(loop for loop in LOOPS if loop in loops),
        import_runs=max(0, args.import_runs),
        start_runs=max(0, args.start_runs),
        memory_clients=max(0, args.memory_clients),
        soak_calls=max(0, args.soak_calls),
        soak_every=args.soak_every,
        chart=not args.no_chart and not args.no_write,
    )
    return settings, None if args.no_write else args.output


def _hermetic_environment() -> None:
    # Neither the developer's AWS profile nor a proxy may change what is
    # measured or where requests go: explicit credentials, region and a
    # loopback endpoint are passed to every client, and children inherit this.
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        del os.environ[name]
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"


def main(argv: Sequence[str]) -> int:
    """Run every benchmark, print the markdown and write it (and the chart).

    Args:
        argv: the command line, without the program name.

    Returns:
        0, or 1 when a client failed a call (its figures are then missing).
        A missed target is not a failure: the report says so.
    """
    settings, output = parse_args(argv)
    _hermetic_environment()
    started = dt.datetime.now(dt.timezone.utc)
    load_at_start = _load()
    missing = {k: v for k, v in unavailable().items() if k in settings.clients}
    for name, reason in missing.items():
        print(f"note: skipping {name}: {reason}", file=sys.stderr)
    cells: list[Cell] = []
    server_loops: dict[str, str] = {}
    memory: dict[str, tuple[float, float]] = {}
    start: dict[str, list[float]] = {}
    first_call: dict[str, float] = {}
    soak: Soak | None = None
    for kind in settings.servers:
        with running_server(kind) as server:
            server_loops[kind] = server.loop
            print(f"{kind} server on {server.endpoint_url} ({server.loop})", file=sys.stderr)
            cells += measure_calls(server, settings, missing)
    # The one-off costs, memory and the soak against the raw server: it adds least.
    with running_server("raw") as server:
        server_loops.setdefault("raw", server.loop)
        if settings.start_runs:
            print("measuring process start to first response", file=sys.stderr)
            start = measure_start(server, settings, missing)
            print("measuring the first call's one-off costs", file=sys.stderr)
            first_call = measure_first_call(server, settings.start_runs)
        if settings.memory_clients:
            print("measuring memory per client", file=sys.stderr)
            memory = measure_memory_per_client(server, settings, missing)
        if settings.soak_calls:
            print(f"soak: {settings.soak_calls:,} calls", file=sys.stderr)
            soak = measure_soak(server, settings)
    imports: dict[str, list[float]] = {}
    if settings.import_runs:
        print("measuring import time", file=sys.stderr)
        imports = measure_imports(settings.import_runs)
    chart: str | None = None
    if settings.chart and output is not None:
        chart = render_chart(cells, settings, output.with_suffix(".png"))
        if chart is not None:
            print(f"note: no chart: {chart}", file=sys.stderr)
    results = Results(cells, server_loops, imports, start, first_call, memory, soak, chart)
    report = render(results, settings, started, load_at_start)
    print(report)
    if output is not None:
        output.write_text(report, encoding="utf-8")
        print(f"written to {output}", file=sys.stderr)
    failed = [c for c in cells if c.sample is not None and c.sample.error is not None]
    for cell in failed:
        print(
            f"FAILED: {cell.server} {cell.operation} {cell.client} {cell.loop} "
            f"{cell.in_flight}: {cell.note}",
            file=sys.stderr,
        )
    if soak is not None and soak.error is not None:
        print(f"FAILED: the soak: {soak.error}", file=sys.stderr)
    return 1 if failed or (soak is not None and soak.error is not None) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
