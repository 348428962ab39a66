"""Run every benchmark in this folder; each one rewrites its own section of RESULTS.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    failed = 0
    for script in sorted(Path(__file__).parent.glob("bench_*.py")):
        print(f"== {script.name}", flush=True)
        failed |= subprocess.run([sys.executable, str(script)]).returncode != 0
    return int(failed)


if __name__ == "__main__":
    sys.exit(main())
