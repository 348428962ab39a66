import registry

from hotbed import hot

registry.activate("audit", hot(__name__))
