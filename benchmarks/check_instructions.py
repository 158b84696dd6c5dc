#!/usr/bin/env python3
"""Machine instructions that `policyrules check` executes on a generated policy (issue 8, item 7).

CPU times on a shared machine move by a fifth from one minute to the next; the number of
instructions a run executes does not (to a few parts in a thousand), so two versions of the
parser or the checker are compared by it.  Runs ``policyrules check`` in a fresh process under
``valgrind --tool=callgrind`` (about 50 times slower than a plain run: 250 KB takes two to
three minutes) on a policy made by ``check_size.generate``; sizes above the parse cache's limit
(200,000 characters) are parsed afresh on every run.

Usage: check_instructions.py [--size 250] (kilobytes) [--pythonpath DIR] (another checkout)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_size import generate  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=250, help="size of the generated policy in kilobytes")
    ap.add_argument("--pythonpath", help="run the policyrules package found in this folder (e.g. an older checkout)")
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("check_instructions.py: valgrind is not installed (apt-get install valgrind)")
    with tempfile.TemporaryDirectory() as tmp:
        policy = Path(tmp) / "generated.policy"
        policy.write_text(generate(args.size * 1000), encoding="utf-8")
        env = dict(os.environ, XDG_CACHE_HOME=tmp)  # no entries from earlier runs
        if args.pythonpath:
            env["PYTHONPATH"] = args.pythonpath
        code = ("import sys; sys.argv = ['policyrules', 'check', sys.argv[1]]; "
                "from policyrules.interfaces.cli import main; main()")
        run = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/callgrind.out",
                              sys.executable, "-c", code, str(policy)],
                             env=env, cwd=tmp, capture_output=True, text=True, check=False)
        found = re.search(r"Collected\s*:\s*(\d+)", run.stderr)
        if run.returncode != 0 or found is None:
            sys.exit(f"check_instructions.py: the run failed (exit {run.returncode}):\n{run.stderr[-2000:]}")
        print(f"{args.size} KB: {int(found.group(1)):,} instructions ({run.stdout.strip()})")


if __name__ == "__main__":
    main()
