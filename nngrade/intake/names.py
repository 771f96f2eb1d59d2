"""Names inside submissions: decoding them (zip and disk), showing them, and which module a file is for.

Module name rules (`classify`, `python_module_name`):
- Only `.py` and `.ipynb` files are modules (the extension in any case: `backprop.PY`).
- A resubmission suffix is dropped: Canvas's `-N` (`backprop-1.py`) and a browser's ` (N)`
  (`backprop (1).py`).
- A set's folder name gives its module (`11_maxout.ipynb` → maxout).
- The exercise modules are matched without regard to case (`Backprop.py` → backprop: students
  on Windows and macOS never see the difference); any other name keeps its case, as Python's
  import on Linux does.
- A notebook is read only when it names an exercise module or set (a notebook cannot be
  imported, so it can never be a helper module).
- Other `.py` files whose names are Python identifiers (not keywords, not dunders such as
  `__init__`) are helper modules the student's code may import; other names are ignored with a
  note. Names are NFC-normalised first (macOS writes Korean names decomposed).
"""
from __future__ import annotations

import keyword
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

from nngrade.autograder.messages import Said
from nngrade.autograder.sets import all_sets
from nngrade.errors import printable

_RESUBMISSION = re.compile(r"^(?P<base>.+?)(?:-(?P<dash>\d+)| \((?P<paren>\d+)\))$")
_UTF8_FLAG = 0x800
_UNICODE_PATH_EXTRA = 0x7075   # Info-ZIP Unicode Path extra field (written by 7-Zip, WinRAR, ...)


@dataclass(frozen=True)
class ModuleFile:
    """What a file name says about the module it holds."""
    module: str | None        # None: not read as a module
    kind: str | None          # "py" | "ipynb" | None (any other file)
    exact: bool = True        # the file's stem is the module name itself
    why: str | None = None    # how the name was mapped, or why it was ignored


def classify(filename: str) -> ModuleFile:
    """Which module `filename` (one path part) is for; see the module docstring for the rules."""
    lower = filename.lower()
    if lower.endswith(".py"):
        kind, stem = "py", filename[:-3]
    elif lower.endswith(".ipynb"):
        kind, stem = "ipynb", filename[:-6]
    else:
        return ModuleFile(None, None)
    stem = unicodedata.normalize("NFC", stem)
    base, suffixed = stem, False
    m = _RESUBMISSION.match(stem)
    if m:
        base, suffixed = m.group("base"), True
    known = _known_module(base)
    if known is not None:
        exact = known == stem and kind_ext_exact(filename, kind)
        why = None if exact else Said("why-resubmission" if suffixed else "why-read-as", module=known)
        return ModuleFile(known, kind, exact, why)
    if kind == "ipynb":
        return ModuleFile(None, kind, why=Said("why-other-notebook"))
    if not base.isidentifier() or keyword.iskeyword(base):
        return ModuleFile(None, kind, why=Said("why-not-a-module-name"))
    if base.startswith("__") and base.endswith("__"):
        return ModuleFile(None, kind, why=Said("why-package-file"))
    exact = not suffixed and kind_ext_exact(filename, kind)
    return ModuleFile(base, kind, exact, None if exact else Said("why-read-as", module=base))


def kind_ext_exact(filename: str, kind: str) -> bool:
    return filename.endswith("." + kind)


def _known_module(base: str) -> str | None:
    # a set's module name, or its folder name (a notebook named "11_maxout.ipynb")
    key = base.lower()
    for s in all_sets():
        if key == s.module.lower() or key == s.id.lower():
            return s.module
    return None


def python_module_name(filename: str) -> str | None:
    """The module a file named `filename` is read as, or None when it is not read as one.

    >>> python_module_name("backprop-2.py"), python_module_name("Backprop.py")
    ('backprop', 'backprop')
    >>> python_module_name("my utils.py") is None
    True
    """
    return classify(filename).module


def set_module_for_folder(folder: str) -> str | None:
    """nbgrader's assignment folder (`11_maxout`, or just `maxout`) → the set's module."""
    return _known_module(unicodedata.normalize("NFC", folder))


# ---- decoding -------------------------------------------------------------------------------

def decode_name_bytes(raw: bytes) -> tuple[str, str | None]:
    """UTF-8, else cp949 (Korean Windows), else UTF-8 with the bad bytes shown as \\xNN.
    Returns (name, how it was decoded when not UTF-8)."""
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp949"), "cp949"
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace"), "undecodable"


def zip_member_name(info: zipfile.ZipInfo) -> tuple[str, str | None]:
    """The member's name as its author wrote it, with "/" separators, and how it was decoded
    when not flagged UTF-8.

    Without the UTF-8 flag, zipfile decodes names as cp437; Korean Windows zips hold cp949
    bytes there, macOS and 7-Zip often plain UTF-8. cp437 maps every byte, so encoding back
    gives the raw bytes. Windows tools sometimes write backslashes as separators: they become
    "/" before decoding, so the \\xNN escapes of an undecodable name are never taken for one
    (0x5C is never a cp949 trail byte).
    """
    if info.flag_bits & _UTF8_FLAG:
        return info.orig_filename.replace("\\", "/"), None
    unicode_path = _unicode_path_extra(info)
    if unicode_path is not None:
        return unicode_path.replace("\\", "/"), None
    try:
        raw = info.orig_filename.encode("cp437")
    except UnicodeEncodeError:        # zipfile was told another metadata encoding
        return info.orig_filename.replace("\\", "/"), None
    raw = raw.replace(b"\\", b"/")
    if raw.isascii():
        return raw.decode("ascii"), None
    return decode_name_bytes(raw)


def _unicode_path_extra(info: zipfile.ZipInfo) -> str | None:
    """The Info-ZIP Unicode Path field, used when its CRC matches the header's name bytes."""
    extra, i = info.extra or b"", 0
    while i + 4 <= len(extra):
        tag = int.from_bytes(extra[i:i + 2], "little")
        size = int.from_bytes(extra[i + 2:i + 4], "little")
        body = extra[i + 4:i + 4 + size]
        i += 4 + size
        if tag != _UNICODE_PATH_EXTRA or len(body) < 5 or body[0] != 1:
            continue
        try:
            header_bytes = info.orig_filename.encode("cp437")
            if int.from_bytes(body[1:5], "little") != zlib.crc32(header_bytes):
                return None
            return body[5:].decode("utf-8")
        except (UnicodeError, ValueError):
            return None
    return None


def split_member_name(name: str) -> tuple[tuple[str, ...], str | None]:
    """A zip member's path parts, or the reason it is refused (it could land outside the folder)."""
    path = name                          # separators are "/" already (zip_member_name)
    if path.startswith("/"):
        return (), Said("intake-why-absolute")
    if re.match(r"^[A-Za-z]:", path):
        return (), Said("intake-why-drive")
    parts = tuple(p for p in path.split("/") if p not in ("", "."))
    if ".." in parts:
        return (), Said("intake-why-dotdot")
    return parts, None


# ---- showing --------------------------------------------------------------------------------

def shown(text: str, limit: int = 160) -> str:
    """A name made safe for messages: control characters escaped, very long names shortened."""
    out = printable(text)
    if len(out) > limit:
        keep = (limit - 1) // 2
        out = out[:keep] + "…" + out[-keep:]
    return out


def shown_path(parts: tuple[str, ...] | list[str]) -> str:
    return "/".join(shown(p, 80) for p in parts)


def is_ignored(name: str) -> bool:
    """Clutter never read: hidden files (.git, .ipynb_checkpoints, ._x AppleDouble), caches."""
    return name.startswith(".") or name in ("__pycache__", "__MACOSX")
