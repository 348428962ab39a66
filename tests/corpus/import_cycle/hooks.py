import counter  # noqa: F401
import log

log.RUNS.append("hooks")
