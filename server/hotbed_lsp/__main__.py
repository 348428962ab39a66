"""`python -m hotbed_lsp`: the language server over stdio."""

from hotbed_lsp.server import start_server

start_server()
