"""RESULTS.md holds one section per benchmark between its markers; each benchmark replaces its own."""
from __future__ import annotations

import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def replace_section(name: str, heading: str, body: str, path: Path = RESULTS) -> None:
    """Put `body` under `## heading` between <!-- name:begin --> and <!-- name:end -->, dated,
    keeping every other section of the file as it is."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    block = f"{begin}\n## {heading}\n\nMeasured {time.strftime('%Y-%m-%d')}.\n\n{body.rstrip()}\n{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")
