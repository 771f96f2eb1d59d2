"""What the grader prints about untrusted text (student ids, file names, messages): one escaper.

Control characters (ESC sequences that move the cursor, retitle the window or hide text),
format characters (bidirectional overrides, zero-width characters) and other invisible code
points are shown as \\x.. / \\u.... escapes; with ``markup=True`` rich's markup brackets are
escaped too, for text that goes through a rich console.
"""
from __future__ import annotations

import unicodedata

_KEEP = {"\n", "\t"}
_HIDDEN = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def shown(text, *, markup: bool = False, multiline: bool = True) -> str:
    """`text` safe to write to a terminal."""
    text = text if isinstance(text, str) else str(text)
    out = []
    for ch in text:
        if (ch in _KEEP and multiline) or unicodedata.category(ch) not in _HIDDEN:
            out.append(ch)
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    safe = "".join(out)
    if markup:
        from rich.markup import escape
        safe = escape(safe)
    return safe
