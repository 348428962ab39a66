import registry

from hotbed import hot

registry.activate("plugin", hot(__name__))
