"""Write NNGradeSansKR-Regular.otf, the font of the report plots, from Noto Sans CJK KR Regular.

    python nngrade/data/fonts/make_font.py [SOURCE]

SOURCE is Debian's fonts-noto-cjk collection by default (NotoSansCJK-Regular.ttc, face KR).
The subset holds the 2,350 Hangul syllables of KS X 1001 (what Korean text uses; every syllable
in the kit's own texts is among them) and Latin, Greek, punctuation and the maths signs the
kit's titles use. It is renamed, as the SIL OFL asks of a modified font (OFL.txt beside it).
Needs fontTools, which matplotlib depends on.
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FONT = HERE / "NNGradeSansKR-Regular.otf"
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SOURCE_FACE = 1                       # JP, KR, SC, TC, HK, then the Mono faces
FAMILY = "NNGrade Sans KR"
POSTSCRIPT = "NNGradeSansKR-Regular"
HINTING = True           # the source's hints: plots come out as with the system font, byte for byte


def _span(first: int, last: int) -> set[int]:
    return set(range(first, last + 1))


def ks_x_1001_hangul() -> set[int]:
    """The 2,350 syllables of KS X 1001 (EUC-KR rows 0xB0-0xC8)."""
    return {ord(bytes([hi, lo]).decode("euc_kr")) for hi in range(0xB0, 0xC9) for lo in range(0xA1, 0xFF)}


def codepoints() -> set[int]:
    return (ks_x_1001_hangul()
            | _span(0x3131, 0x318E)      # Hangul compatibility jamo (ㄱ, ㅏ ...)
            | _span(0x0020, 0x007E) | _span(0x00A0, 0x017F)   # Latin, Latin-1, Latin Extended-A
            | _span(0x0391, 0x03A9) | _span(0x03B1, 0x03C9)   # Greek
            | _span(0x2010, 0x2027) | _span(0x2030, 0x2044)   # dashes, quotes, primes
            | _span(0x2070, 0x209F)      # super- and subscripts
            | _span(0x2190, 0x2199)      # arrows
            | _span(0x2200, 0x22FF)      # maths operators (those the source has)
            | {0x2713, 0x2717}           # check and ballot marks
            | _span(0x3000, 0x3011)      # CJK punctuation and brackets
            | _span(0xFF01, 0xFF5E))     # full-width forms


def build(source: Path = SOURCE, dest: Path = FONT) -> Path:
    from fontTools import subset

    options = subset.Options()
    options.font_number = SOURCE_FACE if source.suffix.lower() == ".ttc" else 0
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 14]
    options.name_languages = [0x409]     # English names only
    options.notdef_outline = True
    options.hinting = HINTING
    options.drop_tables += ["vhea", "vmtx", "VORG", "BASE"]   # vertical text and baselines: unused
    font = subset.load_font(str(source), options, dontLoadGlyphNames=True)
    font.recalcTimestamp = False          # same source, same bytes
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints())
    subsetter.subset(font)
    _rename(font)
    dest.parent.mkdir(parents=True, exist_ok=True)
    subset.save_font(font, str(dest), options)
    return dest


def _rename(font) -> None:
    """A modified version carries a name of its own; the copyright and licence records stay."""
    version = font["name"].getDebugName(5) or ""
    names = {1: FAMILY, 2: "Regular", 3: f"{POSTSCRIPT};subset of Noto Sans CJK KR {version}",
             4: f"{FAMILY} Regular", 6: POSTSCRIPT}
    table = font["name"]
    table.names = [n for n in table.names if n.nameID not in names]
    for name_id, text in names.items():
        table.setName(text, name_id, 3, 1, 0x409)
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [POSTSCRIPT]
        top = cff.topDictIndex[0]
        for key, value in (("FullName", f"{FAMILY} Regular"), ("FamilyName", FAMILY)):
            if hasattr(top, key) or key in top.rawDict:
                setattr(top, key, value)


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE
    if not source.is_file():
        sys.exit(f"{source}: no such font (Debian: apt-get install fonts-noto-cjk, or pass a path)")
    path = build(source)
    print(f"{path}: {path.stat().st_size // 1024} KB")
