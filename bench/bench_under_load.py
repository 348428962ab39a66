"""Reloads under load: clients request without pause while the router is saved 100 times.

The app of `bench_reload_latency.py` (a FastAPI package importing a module that sleeps 2 s)
served by `hotbed dev main:app`; `CLIENTS` threads, each with its own keep-alive
connection, request `/version` as fast as they are answered while the main thread saves
the router and waits for the new version each time. Every response must be a 200 carrying
a version that was saved; the count of those that were not is the figure that matters.

    .venv/bin/python bench/bench_under_load.py [--reloads 100] [--clients 4]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import threading
from pathlib import Path

import httpx
from _results import write_section
from bench_reload_latency import TIMEOUT, start_hotbed_dev


class Client(threading.Thread):
    """Requests `/version` until told to stop; counts what it got."""

    def __init__(self, url: str, stop: threading.Event, newest: list[int]) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.stop = stop
        self.newest = newest  # [the newest version saved]: anything above it was never written
        self.served = 0
        self.failures: list[str] = []

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=TIMEOUT) as client:
            while not self.stop.is_set():
                try:
                    response = client.get("/version")
                except httpx.HTTPError as exc:
                    self.failures.append(f"{type(exc).__name__}: {exc}")
                    continue
                if response.status_code != 200:
                    self.failures.append(f"{response.status_code}: {response.text[:200]}")
                elif not 0 <= response.json()["version"] <= self.newest[0]:
                    self.failures.append(f"a version never saved: {response.text[:200]}")
                else:
                    self.served += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reloads", type=int, default=100)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--no-write", action="store_true", help="print only, leave bench/RESULTS.md alone")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="hotbed-bench-") as tmp:
        server = start_hotbed_dev(Path(tmp) / "hotbed")
        stop = threading.Event()
        newest = [0]
        clients = [Client(str(server.client.base_url), stop, newest) for _ in range(args.clients)]
        latencies: list[float] = []
        try:
            for client in clients:
                client.start()
            for _ in range(args.reloads):
                newest[0] = server.version + 1  # before the write: a client may see it at once
                latencies.append(server.save_and_wait())
        finally:
            stop.set()
            for client in clients:
                client.join(TIMEOUT)
            server.stop()
        restarts = sum(bool(re.match(r"✓ worker \d+ serving", line)) for line in server.lines) - 1
        rolled_back = sum(line.startswith("↩ rolled back") for line in server.lines)

    served = sum(c.served for c in clients)
    failures = [f for c in clients for f in c.failures]
    lines = [
        f"`hotbed dev main:app` (watcher path) on the app of the save-to-response benchmarks; {args.clients} client"
        f" threads, each on its own keep-alive connection, request `/version` without pause while the router is"
        f" saved {args.reloads} times, each save waited for until the new version answers.",
        "",
        "| what | measured | target |",
        "|---|---|---|",
        f"| reloads | {args.reloads} | |",
        f"| worker restarts | {restarts} | 0 |",
        f"| reloads rolled back (the watcher read a save half-written; the next event applied it) | {rolled_back} | |",
        f"| requests answered with a saved version | {served} | |",
        f"| failed requests (errors, non-200, a version never saved) | {len(failures)} | 0 |",
        f"| save -> new response under load, p50 | {statistics.median(latencies) * 1000:.1f} ms | |",
        f"| save -> new response under load, max | {max(latencies) * 1000:.1f} ms | |",
    ]
    print("\n".join(lines))
    for failure in failures[:10]:
        print("  failure:", failure)
    if not args.no_write:
        write_section("Reloads under load", "bench/bench_under_load.py", lines)


if __name__ == "__main__":
    main()
