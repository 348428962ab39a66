"""schemathesis against a real `hotbed dev` of the example: generated requests find no server error.

Bounded for `make test`: a fixed seed and a small case budget per operation, so the run
is reproducible and short.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import DevServer
from .test_blog import blog, blog_root

__all__ = ["blog", "blog_root"]

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def test_generated_requests_find_no_server_error(blog: DevServer, tmp_path: Path) -> None:
    command = [str(SCHEMATHESIS), "run", f"{blog.url}/api/openapi.json", "--checks", "not_a_server_error"]
    command += ["--seed", "1", "--max-examples", "25", "--workers", "1", "--phases", "examples,coverage,fuzzing"]
    # schemathesis keeps its state in the working folder: not the repository's
    result = subprocess.run(command, capture_output=True, text=True, timeout=170, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
