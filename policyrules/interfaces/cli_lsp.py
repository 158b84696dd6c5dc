"""``policyrules lsp``: the language server for editors, over stdin/stdout."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

OK = 0


def register(sub: Any, command: Callable[[str], Callable[[Callable[[argparse.Namespace], int]], Any]]) -> None:
    s = sub.add_parser(
        "lsp", help="run the language server (LSP over stdin/stdout) for an editor",
        description="Run the policyrules language server over stdin/stdout: diagnostics as you type (the "
                    "codes and hints of `check`), hover, go to definition, find references, completion, "
                    "rename and formatting. Editors start it; editors/vscode has the VS Code extension.")
    s.add_argument("--stdio", action="store_true",
                   help="talk LSP over stdin/stdout (the default and only transport; accepted because "
                        "editors pass it)")

    @command("lsp")
    def cmd_lsp(args: argparse.Namespace) -> int:
        from policyrules.lsp.server import main

        main()
        return OK
