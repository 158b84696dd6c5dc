"""Stage 1, text -> AST: the grammar, the nodes, the Transformer and the printer."""
