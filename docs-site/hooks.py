"""MkDocs hooks for the docs site (mkdocs.yml): the pages link the policies they discuss as
``../policies/NAME.policy`` (right on GitHub); the site publishes those files under
``policies/`` and points the links there, so that a strict build checks them like any link."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
_LINK = re.compile(r"\]\((?:\.\./)+policies/")


def on_files(files: Files, config: Any) -> Files:
    for path in sorted((ROOT / "policies").glob("*.policy")):
        files.append(File.generated(config, f"policies/{path.name}", abs_src_path=str(path)))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    depth = page.file.src_uri.count("/")
    return _LINK.sub("](" + "../" * depth + "policies/", markdown)
