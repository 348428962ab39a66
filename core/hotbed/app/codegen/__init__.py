"""Code generators: each turns parsed entities into the bytes of one kind of file.

Generators are pure (entities in, `GeneratedFile`s out) and deterministic, so the
syncer can compare bytes and write only what changed.
"""

from hotbed.app.codegen.base import GeneratedFile, ProjectEntities
from hotbed.app.codegen.layout import EntityOutputs, outputs_for
from hotbed.app.codegen.plan import generate_entity, generate_shared, inputs_of
from hotbed.app.codegen.typescript_services import ApiParam, ApiSource, ApiSpec, default_apis

__all__ = [
    "ApiParam",
    "ApiSource",
    "ApiSpec",
    "EntityOutputs",
    "GeneratedFile",
    "ProjectEntities",
    "default_apis",
    "generate_entity",
    "generate_shared",
    "inputs_of",
    "outputs_for",
]
