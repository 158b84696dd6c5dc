"""Text -> AST: the entry point of the syntax stage.

``parse(text, path)`` returns a :class:`~policyrules.syntax.nodes.Policy` or raises
:class:`~policyrules.diagnostics.PolicyError` with positioned syntax diagnostics.  A text is
parsed by the lean driver of :mod:`~policyrules.syntax.lalr` (Lark's tables, the AST built in
the same pass); whatever it does not take is parsed by Lark itself, which reports the errors.
"""

from __future__ import annotations

import lark

from policyrules.diagnostics import PolicyError
from policyrules.gcpause import paused_gc
from policyrules.source import Source
from policyrules.syntax import lalr
from policyrules.syntax import nodes as n
from policyrules.syntax.errors import declaration_errors, syntax_diagnostic, too_deep
from policyrules.syntax.grammar import parser
from policyrules.syntax.transform import NodeError, transformer

__all__ = ["parse", "parser"]


def parse(text: str, path: str = "<policy>") -> n.Policy:
    """Parse policy text into an AST, or raise PolicyError with a syntax diagnostic."""
    with paused_gc():  # the parse makes only acyclic garbage; collecting during it cost a quarter of the time
        return _parse(text, path)


def _parse(text: str, path: str) -> n.Policy:
    decls = lalr.parse(text, lalr.tables(), transformer()(path))
    if decls is not None:
        return n.Policy(tuple(decls), path=path)
    return _parse_lark(text, path)


def _parse_lark(text: str, path: str) -> n.Policy:
    """Lark's parse and the Transformer over its tree: the reference, and the one that reports
    syntax errors."""
    try:
        tree = parser().parse(text)
    except lark.UnexpectedInput as err:
        first = syntax_diagnostic(err, text, path)
        found = declaration_errors(text, path)
        if not any(d.span and first.span and d.span.line <= first.span.line for d in found):
            found.insert(0, first)
        raise PolicyError(found, {path: Source(path, text)}) from None
    try:
        decls = transformer()(path).transform(tree)
    except RecursionError:
        raise PolicyError([too_deep(path)], {path: Source(path, text)}) from None
    except lark.exceptions.VisitError as err:
        if isinstance(err.orig_exc, RecursionError):
            raise PolicyError([too_deep(path)], {path: Source(path, text)}) from None
        if isinstance(err.orig_exc, NodeError):
            raise PolicyError([err.orig_exc.diagnostic], {path: Source(path, text)}) from None
        raise
    return n.Policy(tuple(decls), path=path)
