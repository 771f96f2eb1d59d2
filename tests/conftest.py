"""What the kit's own tests share: the environment a tool is started in, and the test tiers.

Tiers: tests marked ``slow`` (whole classes through the sandbox, real nbgrader, the browser, MNIST
training) are left out by ``pytest -m "not slow"``, the everyday tier; CI runs everything.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def tool_env(**extra: str) -> dict[str, str]:
    """The environment for starting a tool of this interpreter's installation (nbgrader starts
    ``alembic`` from PATH): the interpreter's bin folder comes first on PATH, so a test run
    with ``.venv/bin/python -m pytest`` and no activated venv finds the venv's tools."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NBGRADER_")}
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, *[p for p in env.get("PATH", "").split(os.pathsep)
                                             if p and p != bin_dir]])
    env.update(extra)
    return env


# Student submissions and course folders used as test data (a course set's own test_*.py files
# among them) are graded by the tests, never collected as the kit's tests.
collect_ignore = ["files"]
