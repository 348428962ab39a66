import json
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).parent
CONFIG = json.loads((HERE / "config.json").read_text())


@lru_cache
def message_of_the_day() -> str:
    return (HERE / "motd.txt").read_text().strip()
