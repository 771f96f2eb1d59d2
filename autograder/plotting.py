"""Does a submission plot? Then its job slot's sandbox imports matplotlib once (about half a
second) instead of each such student paying for it; a class where nobody plots never pays.
A student who reaches matplotlib without naming it imports it within their own import time,
as anyone may. Portable and light: `nngrade check` asks before it imports the grader."""
from __future__ import annotations

import re

_PLOTTING_NAMES = re.compile(rb"matplotlib|pylab|seaborn|plotnine")


def names_a_plotting_library(sources) -> bool:
    """sources: the student's module sources (bytes)."""
    return any(_PLOTTING_NAMES.search(source) for source in sources)
