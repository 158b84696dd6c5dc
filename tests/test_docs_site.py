"""The documentation site: `mkdocs build --strict` (mkdocs.yml, Material theme) succeeds, so
no page has a broken link or anchor and every page of docs/ is in the navigation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("mkdocs", reason="mkdocs is a dev dependency: pip install -e '.[dev]'")
pytest.importorskip("material", reason="mkdocs-material is a dev dependency: pip install -e '.[dev]'")


def test_site_builds_strictly(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(ROOT / "mkdocs.yml"),
                          "-d", str(tmp_path / "site")], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert run.returncode == 0, run.stderr[-3000:]
    site = tmp_path / "site"
    assert (site / "index.html").is_file()
    assert (site / "diagnostics" / "index.html").is_file()
    # the policies the pages link to are published with the site
    assert (site / "policies" / "city-employment-promotion.policy").is_file()
