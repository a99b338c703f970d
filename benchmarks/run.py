"""lambda_es side by side with raw aiohttp, aiobotocore and boto3, on loopback.

Usage (from the repository root)::

    nox -s bench                      # or: python benchmarks/run.py
    python benchmarks/run.py --calls 500 --ops get --concurrency 1,10

What is measured, in one run:

1. Throughput (successful calls per second) and latency (p50, p99) of the
   same call made by each client against one server: a
   :class:`lambda_es.testing.FakeLambda` on 127.0.0.1, in a separate process
   so that it does not share the client's event loop or GIL. The calls are
   GetEventSourceMapping (a read), CreateEventSourceMapping (a write) and the
   legacy AddEventSource; see ``_clients.py`` for the exact requests. The
   async clients (raw aiohttp, ``lambda_es.AsyncClient``, aiobotocore) keep
   1, 10 and 100 calls in flight from one event loop; the blocking ones
   (``lambda_es.Client``, boto3) call sequentially (1) or from a pool of 10
   or 100 threads sharing one client. Each batch ("cell") gets a fresh
   client, a fresh server state and a warm-up that is not counted, and stops
   at ``--calls`` calls or ``--max-seconds``, whichever comes first; it runs
   ``--rounds`` times, interleaved with the other clients, and the best round
   is reported (as timeit does: the least disturbed estimate). Ratios
   compare throughput at the same number of calls in flight: against raw
   aiohttp (the cost of HTTP and JSON alone, no signing or models), and
   against the peer SDK (aiobotocore for AsyncClient, boto3 for Client).
2. Import time of ``lambda_es``, ``boto3`` and ``aiobotocore.session`` (and
   ``aiohttp`` as a baseline): a fresh interpreter per import, the median of
   ``--import-runs`` runs, timed with ``time.perf_counter`` around the import.
3. Python memory held per open client after one call (tracemalloc, a fresh
   process per client).

Caveats: the machine the committed results come from has 2 cores, shared by
the client process, the server process and anything else running, so the
figures are for comparing clients with each other in one run, not absolute
capacities; at high concurrency the server is often the bottleneck, which
compresses the ratios towards 1. Loopback has no network latency, so
per-call CPU cost dominates: against a real endpoint tens of milliseconds
away the clients differ far less. Nothing here is a pass/fail threshold: no
figure is asserted anywhere.

Every request goes to 127.0.0.1; every loop is bounded in count and time; the
server process ends when this script does.
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
import os
import platform
import select
import statistics
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

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


# -- the server ---------------------------------------------------------------------


class Server:
    """The FakeLambda process (``_server.py``) and the commands it obeys.

    Args:
        process: the running server, its stdin and stdout pipes open in text mode.
        port: the port it listens on, on 127.0.0.1.
    """

    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.port = port

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        """Empty the server's state (mappings and recorded requests).

        Raises:
            RuntimeError: the server did not acknowledge.
        """
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write("reset\n")
        stdin.flush()
        answer = _read_line(self.process, SERVER_START_TIMEOUT)
        if answer != "ok":
            raise RuntimeError(f"the server did not acknowledge a reset: {answer!r}")

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
def running_server() -> Iterator[Server]:
    """Start ``_server.py`` and stop it on exit, whatever happens.

    Yields:
        The running server.

    Raises:
        RuntimeError: it did not start.
    """
    process = subprocess.Popen(
        [sys.executable, str(HERE / "_server.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = _read_line(process, SERVER_START_TIMEOUT)
        if not line.startswith("READY "):
            raise RuntimeError(f"the benchmark server did not start: {line!r}")
        yield Server(process, int(line.split()[1]))
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
    """One measured batch: a client, an operation and a number of calls in flight.

    Attributes:
        operation: the call.
        client: the client's label.
        mode: ``async``, ``sequential`` or ``threads``.
        in_flight: calls in flight at once.
        sample: the measurement, or None if the client is unavailable.
        note: why there is no figure (unavailable, or the first failure).
    """

    operation: Operation
    client: str
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
    import_runs: int
    memory_clients: int


async def _async_cell(
    name: str, endpoint: str, operation: Operation, uuid: str, in_flight: int, s: Settings
) -> Sample:
    warmup = max(s.warmup, 2 * in_flight)
    async with ASYNC_CLIENTS[name](endpoint, operation, uuid, in_flight) as call:
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
        )


def _sync_cell(
    name: str, endpoint: str, operation: Operation, uuid: str, in_flight: int, s: Settings
) -> Sample:
    warmup = max(s.warmup, 2 * in_flight)
    with SYNC_CLIENTS[name](endpoint, operation, uuid, in_flight) as call:
        warm = drive_threads(
            call, threads=in_flight, calls=warmup, first_index=0, max_seconds=s.max_seconds
        )
        if warm.error is not None:
            return warm
        return drive_threads(
            call, threads=in_flight, calls=s.calls, first_index=warmup, max_seconds=s.max_seconds
        )


def measure_calls(server: Server, s: Settings, missing: dict[str, str]) -> list[Cell]:
    """Measure every (operation, calls in flight, client) cell, ``s.rounds`` times each.

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
    for operation in s.operations:
        for in_flight in s.concurrency:
            rounds: dict[str, list[Sample]] = {name: [] for name in s.clients}
            for _ in range(s.rounds):
                for name in s.clients:
                    if name in missing or any(r.error for r in rounds[name]):
                        continue
                    sample = _measure_cell(server, name, operation, in_flight, s)
                    rounds[name].append(sample)
                    print(f"  {_progress(operation, name, in_flight, sample)}", file=sys.stderr)
            for name in s.clients:
                is_async = name in ASYNC_CLIENTS
                mode = "async" if is_async else ("sequential" if in_flight == 1 else "threads")
                if name in missing:
                    cells.append(Cell(operation, name, mode, in_flight, None, missing[name]))
                    continue
                failed = [r for r in rounds[name] if r.error is not None]
                best = failed[0] if failed else max(rounds[name], key=lambda r: r.throughput)
                cells.append(Cell(operation, name, mode, in_flight, best, best.error))
    return cells


def _measure_cell(
    server: Server, name: str, operation: Operation, in_flight: int, s: Settings
) -> Sample:
    server.reset()
    uuid = server.seed() if operation == "get" else ""
    # Garbage from the previous cell is collected here, not inside this one.
    gc.collect()
    if name in ASYNC_CLIENTS:
        return asyncio.run(_async_cell(name, server.endpoint_url, operation, uuid, in_flight, s))
    return _sync_cell(name, server.endpoint_url, operation, uuid, in_flight, s)


def _progress(operation: Operation, name: str, in_flight: int, sample: Sample) -> str:
    head = f"{operation:6} {name:22} {in_flight:>3} in flight:"
    if sample.error is not None:
        return f"{head} FAILED {sample.error}"
    p50 = percentile(sample.latencies, 0.5) * 1e3
    return f"{head} {sample.throughput:8.0f} calls/s, p50 {p50:.2f} ms"


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


def render(
    cells: Sequence[Cell],
    imports: dict[str, list[float]],
    memory: dict[str, tuple[float, float]],
    s: Settings,
    started: dt.datetime,
    load_at_start: str,
) -> str:
    """The results as markdown.

    Args:
        cells: the measured cells.
        imports: import timings by label.
        memory: memory per client.
        s: the run's settings.
        started: when the run began.
        load_at_start: the load average when the run began.

    Returns:
        The markdown document.
    """
    by_key = {(c.operation, c.client, c.in_flight): c for c in cells}

    def throughput(operation: Operation, client: str, in_flight: int) -> float | None:
        cell = by_key.get((operation, client, in_flight))
        return cell.throughput if cell is not None else None

    lines = [
        "# lambda_es benchmarks",
        "",
        f"- date: {started:%Y-%m-%d %H:%M} UTC",
        f"- machine: {os.cpu_count()} cores ({_cpu_model()}), {platform.platform()}; "
        "client and server processes share them",
        f"- load average (1 min) at the start: {load_at_start}; at the end, including this "
        f"run's own client and server: {_load()}. Other work on the machine is in every figure",
        f"- Python {platform.python_version()} ({platform.python_implementation()})",
        f"- packages: {_versions()}",
        f"- each cell: the best of {s.rounds} rounds (interleaved with the other clients) of "
        f"{s.calls} calls after a warm-up of max({s.warmup}, 2 x in flight), "
        f"at most {s.max_seconds:g} s each; server: lambda_es.testing.FakeLambda in its own "
        "process on 127.0.0.1",
        "- x raw: throughput relative to raw aiohttp at the same calls in flight (the floor: "
        "HTTP and JSON, no signing, validation or models); x peer: lambda_es.AsyncClient "
        "relative to aiobotocore, lambda_es.Client relative to boto3, at the same calls in flight",
        "",
    ]
    for operation in s.operations:
        lines += [
            f"## {OPERATION_TITLES[operation]}",
            "",
            "| client | mode | in flight | calls | calls/s | p50 ms | p99 ms | x raw | x peer |",
            "|---|---|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for in_flight in s.concurrency:
            for name in s.clients:
                cell = by_key.get((operation, name, in_flight))
                if cell is None:
                    continue
                if cell.throughput is None or cell.sample is None:
                    why = "skipped" if cell.sample is None else "failed"
                    lines.append(
                        f"| {name} | {cell.mode} | {in_flight} | {why}: {cell.note} "
                        "| — | — | — | — | — |"
                    )
                    continue
                sample = cell.sample
                raw = throughput(operation, RAW, in_flight)
                peer_name = PEERS.get(name)
                peer = throughput(operation, peer_name, in_flight) if peer_name else None
                lines.append(
                    f"| {name} | {cell.mode} | {in_flight} | {sample.calls} "
                    f"| {sample.throughput:,.0f} | {_ms(percentile(sample.latencies, 0.5))} "
                    f"| {_ms(percentile(sample.latencies, 0.99))} "
                    f"| {'—' if name == RAW else _ratio(cell.throughput, raw)} "
                    f"| {_ratio(cell.throughput, peer) if peer_name else '—'} |"
                )
        lines.append("")

    lines += [
        "## Summary: lambda_es throughput relative to its peer and to the floor",
        "",
        "| operation | in flight | AsyncClient ÷ aiobotocore | Client ÷ boto3 "
        "| AsyncClient ÷ raw aiohttp | Client ÷ raw aiohttp |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for operation in s.operations:
        for in_flight in s.concurrency:
            asynchronous = throughput(operation, "lambda_es.AsyncClient", in_flight)
            blocking = throughput(operation, "lambda_es.Client", in_flight)
            raw = throughput(operation, RAW, in_flight)
            lines.append(
                f"| {operation} | {in_flight} "
                f"| {_ratio(asynchronous, throughput(operation, 'aiobotocore', in_flight))} "
                f"| {_ratio(blocking, throughput(operation, 'boto3', in_flight))} "
                f"| {_ratio(asynchronous, raw)} | {_ratio(blocking, raw)} |"
            )
    lines.append("")

    if imports:
        lines += [
            f"## Import time (fresh interpreter each, median of {s.import_runs})",
            "",
            "| import | median ms | min ms | max ms |",
            "|---|--:|--:|--:|",
        ]
        for label, times in imports.items():
            lines.append(
                f"| {label} | {_ms(statistics.median(times))} | {_ms(min(times))} "
                f"| {_ms(max(times))} |"
            )
        lines.append("")

    if memory:
        lines += [
            f"## Python memory per open client after one call (tracemalloc, {s.memory_clients} "
            "clients in a fresh process)",
            "",
            "| client | first client KiB (includes what loads on first use) | each further KiB |",
            "|---|--:|--:|",
        ]
        for name, (first, each) in memory.items():
            lines.append(f"| {name} | {first / 1024:,.0f} | {each / 1024:,.0f} |")
        lines.append("")

    lines += [
        "## Caveats",
        "",
        "- Two cores run both the clients and the server, so at 10 and 100 calls in flight "
        "the server's own CPU time bounds every client and the ratios shrink toward 1.",
        "- Loopback has no network latency: the per-call CPU cost of each client dominates. "
        "Against a real endpoint tens of milliseconds away the differences matter far less.",
        "- The blocking clients at 10 and 100 in flight use that many threads sharing one "
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


def parse_args(argv: Sequence[str]) -> tuple[Settings, Path | None]:
    """Read the command line.

    Args:
        argv: the arguments, without the program name.

    Returns:
        The settings, and where to write the markdown (None: do not write).
    """
    every_client = (*ASYNC_CLIENTS, *SYNC_CLIENTS)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=800, help="measured calls per cell")
    parser.add_argument("--warmup", type=int, default=50, help="unmeasured calls per cell")
    parser.add_argument(
        "--max-seconds", type=float, default=4.0, help="time limit per cell (warm-up and batch)"
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="rounds per cell; the best is reported"
    )
    parser.add_argument(
        "--concurrency", type=_int_list, default=(1, 10, 100), help="calls in flight, e.g. 1,10,100"
    )
    parser.add_argument(
        "--ops", type=_operations, default=OPERATIONS, help="operations: get,create,add"
    )
    parser.add_argument(
        "--clients",
        default=",".join(every_client),
        help=f"clients to run, comma-separated, from: {', '.join(every_client)}",
    )
    parser.add_argument("--import-runs", type=int, default=5, help="runs per import (0: skip)")
    parser.add_argument(
        "--memory-clients", type=int, default=5, help="clients per memory measurement (0: skip)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=HERE / "results.md",
        help="where to write the markdown (default: benchmarks/results.md)",
    )
    parser.add_argument("--no-write", action="store_true", help="print only; write no file")
    args = parser.parse_args(argv)
    clients = tuple(name.strip() for name in args.clients.split(",") if name.strip())
    unknown = sorted(set(clients) - set(every_client))
    if unknown:
        parser.error(f"unknown clients: {', '.join(unknown)}")
    if args.calls < 1 or args.rounds < 1 or args.warmup < 0 or args.max_seconds <= 0:
        parser.error("--calls, --rounds and --max-seconds must be positive, --warmup not negative")
    settings = Settings(
        calls=args.calls,
        warmup=args.warmup,
        max_seconds=args.max_seconds,
        rounds=args.rounds,
        concurrency=args.concurrency,
        operations=args.ops,
        # Reported in a fixed order whatever order they were given in.
        clients=tuple(name for name in every_client if name in clients),
        import_runs=max(0, args.import_runs),
        memory_clients=max(0, args.memory_clients),
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
    """Run every benchmark, print the markdown and write it.

    Args:
        argv: the command line, without the program name.

    Returns:
        0, or 1 when a client failed a call (its figures are then missing).
    """
    settings, output = parse_args(argv)
    _hermetic_environment()
    started = dt.datetime.now(dt.timezone.utc)
    load_at_start = _load()
    missing = {k: v for k, v in unavailable().items() if k in settings.clients}
    for name, reason in missing.items():
        print(f"note: skipping {name}: {reason}", file=sys.stderr)
    with running_server() as server:
        print(f"server on {server.endpoint_url}; measuring calls", file=sys.stderr)
        cells = measure_calls(server, settings, missing)
        memory: dict[str, tuple[float, float]] = {}
        if settings.memory_clients:
            print("measuring memory per client", file=sys.stderr)
            memory = measure_memory_per_client(server, settings, missing)
    imports: dict[str, list[float]] = {}
    if settings.import_runs:
        print("measuring import time", file=sys.stderr)
        imports = measure_imports(settings.import_runs)
    report = render(cells, imports, memory, settings, started, load_at_start)
    print(report)
    if output is not None:
        output.write_text(report, encoding="utf-8")
        print(f"written to {output}", file=sys.stderr)
    failed = [c for c in cells if c.sample is not None and c.sample.error is not None]
    for cell in failed:
        print(
            f"FAILED: {cell.operation} {cell.client} {cell.in_flight}: {cell.note}", file=sys.stderr
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
