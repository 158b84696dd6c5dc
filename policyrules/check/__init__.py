"""Stage 2, AST -> checked policy: names, types and units, cycles, all errors at once."""
