import hooks  # noqa: F401  (imports this module back: it has an importer before it finished)
import log

from hotbed import hot

log.RUNS.append("counter")
hot(__name__).invalidate()  # unguarded: during the first import nothing is stale
