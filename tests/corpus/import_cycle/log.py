RUNS: list[str] = []
