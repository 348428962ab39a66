"""The entity framework: entities, the syncer, code generation, models, APIs and their dispatcher.

The top layer: it builds on the engine (`hotbed.reload`) and the dev server
(`hotbed.dev`, whose batch report and console it uses). An application imports its few
names from `hotbed` itself (`from hotbed import BaseModel, api`); importing this package
loads none of its modules.
"""

__all__: list[str] = []
