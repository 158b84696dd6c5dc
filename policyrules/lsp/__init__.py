"""The language server: ``index`` (a policy's names, spans and diagnostics) and ``server``
(LSP requests over stdio, on pygls)."""
