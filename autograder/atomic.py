"""Writing a file so that a reader never sees half of it, even when the writer is killed.

The data goes to a temporary file beside the target (named ``.<name>.<random>.tmp``, which a class
run removes when it finds one left by a killed run), is flushed to disk, then renamed over the
target in one step.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes | str, *, mode: int = 0o644) -> Path:
    """Write ``data`` (text is UTF-8, line ends as given) to ``path`` atomically, with ``mode``
    (0644: results and pages are meant to be shared; 0600 for files holding a secret)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)          # mkstemp makes 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
