"""Writes one benchmark's section of bench/RESULTS.md, leaving the other sections alone."""

from __future__ import annotations

import datetime
import os
import platform
import re
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
_HEADER = "# Benchmark results\n\nEach section is rewritten by the script it names; run `make bench` for all of them.\n"


def machine() -> str:
    """`uname -a`, the core count and the Python that ran the benchmark."""
    uname = " ".join(platform.uname())
    return f"`{uname}`, {os.cpu_count()} cores, Python {platform.python_version()}"


def write_section(title: str, script: str, lines: list[str]) -> None:
    text = RESULTS.read_text() if RESULTS.exists() else _HEADER
    body = "\n".join(
        [
            f"## {title}",
            "",
            f"Command: `.venv/bin/python {script}`  ",
            f"Machine: {machine()}  ",
            f"Date: {datetime.date.today().isoformat()}",
            "",
            *lines,
            "",
        ]
    )
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(lambda _: body + "\n", text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + body
    RESULTS.write_text(text.rstrip("\n") + "\n")
