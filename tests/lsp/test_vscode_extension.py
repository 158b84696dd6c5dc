"""The VS Code extension starts the language server: its manifest activates on `.policy`
documents, depends on vscode-languageclient, and its default command line is one the
`policyrules` CLI accepts (with the `--stdio` vscode-languageclient adds)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from policyrules.interfaces.cli import build_parser

EXT = Path(__file__).resolve().parents[2] / "editors" / "vscode"


def manifest() -> dict:
    return json.loads((EXT / "package.json").read_text(encoding="utf-8"))


def test_manifest_wires_the_language_server() -> None:
    m = manifest()
    assert (EXT / m["main"]).is_file()
    assert "onLanguage:policy" in m["activationEvents"]
    assert "vscode-languageclient" in m["dependencies"]
    # vscode-languageclient 9 needs VS Code 1.82
    assert m["engines"]["vscode"] == "^1.82.0" and m["dependencies"]["vscode-languageclient"].startswith("^9.")
    props = m["contributes"]["configuration"]["properties"]
    assert props["policyrules.server.command"]["default"] == "policyrules"
    assert m["contributes"]["configurationDefaults"]["[policy]"]["editor.formatOnSave"] is True
    assert [lang["id"] for lang in m["contributes"]["languages"]] == ["policy"]


def test_the_default_command_line_is_accepted_by_the_cli() -> None:
    args = manifest()["contributes"]["configuration"]["properties"]["policyrules.server.args"]["default"]
    parsed = build_parser().parse_args([*args, "--stdio"])
    assert parsed.command == "lsp"


def test_extension_source_uses_the_configured_command_over_stdio() -> None:
    source = (EXT / "extension.js").read_text(encoding="utf-8")
    assert re.search(r'require\("vscode-languageclient/node"\)', source)
    assert 'config.get("server.command", "policyrules")' in source
    assert "TransportKind.stdio" in source and 'language: "policy"' in source
    assert "module.exports = { activate, deactivate }" in source


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_extension_source_is_valid_javascript() -> None:
    subprocess.run(["node", "--check", str(EXT / "extension.js")], check=True, capture_output=True)
