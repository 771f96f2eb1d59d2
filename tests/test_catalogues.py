"""Is every sentence a student reads in every catalogue, in both languages, with the same fields?

- each set's suites (test_public.py, test_hidden.py) say their sentences with
  ``student.text("English text", **fields)``; the msgids are extracted with Babel, as a
  translator's tool would, and each must be in the set's ``locale/ko.po``, which holds nothing
  else besides the mistake hints (no stale entries);
- a ``text(...)`` call must have a literal first argument, or Babel could not see it;
- the kit's keys (``msg:``, ``page:``) are in ``autograder/locale/en.po`` and ``ko.po`` alike,
  and every key the code says (``say("...")``, ``Said("...")``) is there;
- every translation has the placeholders of its msgid, no more and no fewer;
- Korean is written as a person writes it: no 을(를)-style templates, and a particle after code
  goes on a Korean noun ("`sigmoid` 함수가"), never on the code itself.

Each check is a function returning its problems, so that the tests at the end can show that a
broken catalogue or suite is caught.
"""
from __future__ import annotations

import ast
import io
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from nngrade.autograder import i18n
from nngrade.autograder.sets import HIDDEN_SUITE, PUBLIC_TESTS, SETS

KIT = i18n.KIT_LOCALE
KIT_PREFIXES = ("msg:", "page:", "cli:")
HINT_KEY = re.compile(r"^hint:[^:]+:(title|text)(@[\w.]+)?$")
SET_KEYS = {"set:title"}     # the set's own texts that are no suite's sentence
HANGUL = re.compile(r"[\uac00-\ud7a3]")
# "을(를)", "이(가)", "(으)로" ...: a template for either noun ending, never written by a person
PARTICLE_TEMPLATE = re.compile(r"[을를이가은는와과]\([을를이가은는와과]\)|\(으\)로|\(이\)")
# a particle (or any Hangul) glued to code: "`sigmoid`가" instead of "`sigmoid` 함수가"
PARTICLE_ON_CODE = re.compile(r"`[\uac00-\ud7a3]")
# a particle that depends on the word's last syllable right after a placeholder: the filled-in
# word (a path, an id, a number) decides it, so "{path}을" is as wrong as "`sigmoid`가"; the
# particle goes on a Korean noun after it ("{path} 파일을")
PARTICLE_ON_FIELD = re.compile(r"\}(이|가|을|를|은|는|과|와|으로|로|이라는|라는|이어야|여야)"
                               r"(?![\uac00-\ud7a3])")
REPO = Path(__file__).resolve().parent.parent
CODE_DIRS = [REPO / "autograder", REPO / "nngrade"]


# ---- reading ---------------------------------------------------------------------------------------

def read_entries(path: Path) -> dict[str, str]:
    """msgid -> msgstr of a .po file, untranslated ones included (as ""), header left out."""
    with open(path, "rb") as f:
        catalog = read_po(f, abort_invalid=True)
    return {str(m.id): str(m.string or "") for m in catalog if m.id and isinstance(m.id, str)}


def suite_files(folder: Path) -> list[Path]:
    return [folder / name for name in (PUBLIC_TESTS, HIDDEN_SUITE) if (folder / name).is_file()]


def extracted(path: Path) -> list[str]:
    """The msgids Babel's extractor finds in one suite (keyword ``text``, first argument)."""
    return [msgid for _, msgid, _, _ in extract_from_file("python", str(path),
                                                         keywords={"text": None})]


def text_calls(source: str) -> list[tuple[int, str | None]]:
    """(line, msgid) of every ``text(...)`` / ``x.text(...)`` call; msgid None when the first
    argument is not a literal string (an f-string, a name, an expression)."""
    calls = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name != "text":
            continue
        first = node.args[0] if node.args else None
        literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
        calls.append((node.lineno, first.value if literal else None))
    return calls


def fields_of(text: str) -> set[str] | None:
    """The placeholder names of a format string; None when it is not one."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return None


# ---- checks ------------------------------------------------------------------------------------------

def literal_problems(path: Path, source: str | None = None) -> list[str]:
    """Every text() call of a suite has a literal msgid, and Babel extracts each of them."""
    source = path.read_text(encoding="utf-8") if source is None else source
    calls = text_calls(source)
    problems = [f"{path.name}:{line}: text() needs a literal string as its first argument"
                for line, msgid in calls if msgid is None]
    seen = set(extracted(path)) if path.is_file() else set()
    problems += [f"{path.name}:{line}: {msgid!r} escapes Babel's extraction"
                 for line, msgid in calls if msgid is not None and msgid not in seen]
    return problems


def set_problems(folder: Path) -> list[str]:
    """The set's ko.po has every msgid of its suites and nothing stale; hints in both languages."""
    folder = Path(folder)
    msgids = {m for path in suite_files(folder) for m in extracted(path)}
    ko = read_entries(folder / "locale" / "ko.po")
    en = read_entries(folder / "locale" / "en.po")
    problems = [f"{folder.name}: ko.po has no translation of {m!r}" for m in sorted(msgids)
                if not ko.get(m)]
    for lang, entries in (("ko", ko), ("en", en)):
        problems += [f"{folder.name}: {lang}.po's {m!r} is said by no suite (stale)"
                     for m in sorted(entries) if not HINT_KEY.match(m) and m not in SET_KEYS
                     and m not in msgids]
    hints = {m for m in set(ko) | set(en) if HINT_KEY.match(m)}
    problems += [f"{folder.name}: {m!r} is not in both en.po and ko.po" for m in sorted(hints)
                 if not (en.get(m) and ko.get(m))]
    for m, text in ko.items():
        if m in msgids and text and fields_of(text) != fields_of(m):
            problems.append(f"{folder.name}: ko.po's placeholders {sorted(fields_of(text) or [])} "
                            f"differ from {sorted(fields_of(m) or [])} in {m!r}")
        if HINT_KEY.match(m) and m in en and fields_of(text) != fields_of(en[m]):
            problems.append(f"{folder.name}: the placeholders of {m!r} differ between en and ko")
    return problems


def kit_problems(locale: Path = KIT) -> list[str]:
    """The kit's keys in en.po and ko.po alike, each pair with the same placeholders."""
    en, ko = read_entries(locale / "en.po"), read_entries(locale / "ko.po")
    problems = []
    for here, there, name in ((en, ko, "ko.po"), (ko, en, "en.po")):
        problems += [f"{name} has no {k!r}" for k in sorted(here)
                     if k.startswith(KIT_PREFIXES) and not there.get(k)]
    problems += [f"{k!r} is neither a msg:, a page: nor a cli: key" for k in sorted(set(en) | set(ko))
                 if not k.startswith(KIT_PREFIXES)]
    problems += [f"the placeholders of {k!r} differ between en.po and ko.po" for k in sorted(en)
                 if k in ko and fields_of(en[k]) != fields_of(ko[k])]
    return problems


# the functions that say a catalogue key: say("key") and Said("key") (msg:key, or the key itself
# when it has a prefix of its own), cli("key") and tell("key") (the command line's cli:key)
SAYERS = {"say": "msg:", "Said": "msg:", "cli": "cli:", "_cli": "cli:", "tell": "cli:"}


def msgid_said(name: str, key: str) -> str:
    if SAYERS[name] == "msg:" and key.startswith("cli:"):
        return key
    return SAYERS[name] + key


def said_keys(source: str) -> list[tuple[int, str]]:
    """(line, msgid) of every say("key", ...), Said("key", ...), cli("key", ...) and
    tell("key", ...) with a literal key."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            first = node.args[0] if node.args else None
            if name in SAYERS and isinstance(first, ast.Constant) \
                    and isinstance(first.value, str):
                found.append((node.lineno, msgid_said(name, first.value)))
    return found


# Keywords whose value the student reads; a literal there must be code, not a sentence.
SHOWN_KEYWORDS = ("what", "title", "xlabel", "ylabel", "data_note")
ENGLISH_PHRASE = re.compile(r"\b[A-Za-z]{2,} [A-Za-z]{2,}\b")      # "must not", "with zeros", "of shape"


def plain_sentence_problems(path: Path, source: str | None = None) -> list[str]:
    """A what=, a plot's words or student.fail(...) given as a literal (or f-string) sentence
    instead of student.text(...): English words in a row, or Korean, outside any catalogue."""
    source = path.read_text(encoding="utf-8") if source is None else source
    problems = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        shown = [kw.value for kw in node.keywords if kw.arg in SHOWN_KEYWORDS]
        if isinstance(node.func, ast.Attribute) and node.func.attr == "fail" and node.args:
            shown.append(node.args[0])
        for value in shown:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                text = value.value
            elif isinstance(value, ast.JoinedStr):
                text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in value.values)
            else:
                continue
            if ENGLISH_PHRASE.search(text) or HANGUL.search(text):
                problems.append(f"{path.name}:{node.lineno}: {text!r} is not said through "
                                "student.text")
    return problems


def korean_problems(path: Path) -> list[str]:
    """Korean that reads as a person wrote it: no particle templates, no particle on code."""
    problems = []
    for msgid, text in read_entries(path).items():
        if PARTICLE_TEMPLATE.search(text):
            problems.append(f"{path}: {msgid!r} uses a particle template: {text!r}")
        if PARTICLE_ON_FIELD.search(text):
            problems.append(f"{path}: {msgid!r} puts a particle on a filled-in value (put a noun "
                            f"after it: \"{{path}} 파일을\"): {text!r}")
        if PARTICLE_ON_CODE.search(text):
            problems.append(f"{path}: {msgid!r} glues Korean to code (put a noun after the "
                            f"code: \"`sigmoid` 함수가\"): {text!r}")
    return problems


# ---- the kit's own catalogues ---------------------------------------------------------------------

SUITE_SETS = [s for s in SETS if suite_files(Path(s.folder))]


@pytest.mark.parametrize("path", [p for s in SUITE_SETS for p in suite_files(Path(s.folder))],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_suite_sentence_is_a_literal_msgid_babel_extracts(path):
    assert literal_problems(path) == []


@pytest.mark.parametrize("path", [p for s in SUITE_SETS for p in suite_files(Path(s.folder))],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_suite_shows_a_sentence_outside_the_catalogue(path):
    assert plain_sentence_problems(path) == []


@pytest.mark.parametrize("exercise_set", SUITE_SETS, ids=lambda s: s.id)
def test_each_sets_korean_catalogue_has_its_suites_sentences_and_nothing_stale(exercise_set):
    assert set_problems(Path(exercise_set.folder)) == []


def test_every_set_says_something_through_its_catalogue():
    """All ten sets' suites speak through student.text (none left on hand-written strings)."""
    assert len(SUITE_SETS) == 10
    for s in SUITE_SETS:
        assert any(extracted(p) for p in suite_files(Path(s.folder))), s.id


def test_the_kits_keys_are_in_both_languages_with_the_same_placeholders():
    assert kit_problems() == []


def test_every_key_the_code_says_is_in_the_kits_catalogue():
    en, ko = read_entries(KIT / "en.po"), read_entries(KIT / "ko.po")
    missing = []
    for folder in CODE_DIRS:
        for path in sorted(folder.rglob("*.py")):
            for line, msgid in said_keys(path.read_text(encoding="utf-8")):
                if not (en.get(msgid) and ko.get(msgid)):
                    missing.append(f"{path.relative_to(REPO)}:{line}: {msgid}")
    assert missing == []


@pytest.mark.parametrize("path", [p for p in i18n.catalogue_files([s.folder for s in SETS])
                                  if p.stem == "ko"], ids=lambda p: str(p.relative_to(REPO)))
def test_korean_reads_as_written_by_a_person(path):
    assert korean_problems(path) == []


@pytest.mark.parametrize("path", [p for p in i18n.catalogue_files([s.folder for s in SETS])
                                  if p.stem == "en"], ids=lambda p: str(p.relative_to(REPO)))
def test_english_catalogues_hold_no_korean(path):
    assert [m for m, text in read_entries(path).items() if HANGUL.search(text)] == []


def test_suite_msgids_are_english():
    korean = [m for s in SUITE_SETS for p in suite_files(Path(s.folder)) for m in extracted(p)
              if HANGUL.search(m)]
    assert korean == []


# ---- the checks catch what they are for ----------------------------------------------------------

SUITE = '''
def test_it(student, name, value):
    student.text("the value of {name}", name=name)
    student.text(f"the value of {name}")
    student.text(name)
    student.text("a" + name)
'''

SET_KO = '''msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"

msgid "hint:some-id:title"
msgstr "제목"

msgid "hint:some-id:text"
msgstr "힌트"

msgid "the value of {name}"
msgstr "`{nmae}` 값"

msgid "a sentence no suite says"
msgstr "아무도 쓰지 않는 문장"
'''

SET_EN = '''msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"

msgid "hint:some-id:title"
msgstr "title"
'''


def _broken_set(tmp_path: Path, suite: str, ko: str, en: str = SET_EN) -> Path:
    folder = tmp_path / "99_broken"
    (folder / "locale").mkdir(parents=True)
    (folder / PUBLIC_TESTS).write_text(suite, encoding="utf-8")
    (folder / "locale" / "ko.po").write_text(ko, encoding="utf-8")
    (folder / "locale" / "en.po").write_text(en, encoding="utf-8")
    return folder


def test_a_msgid_that_is_not_a_literal_is_caught(tmp_path):
    folder = _broken_set(tmp_path, SUITE, SET_KO)
    problems = literal_problems(folder / PUBLIC_TESTS)
    assert [p.split(":")[1] for p in problems] == ["4", "5", "6"], problems
    assert all("literal string" in p for p in problems)


def test_a_msgid_nested_where_babel_does_not_look_is_caught(tmp_path):
    nested = 'def t(student, seqs):\n    student.text("{a}", a=" ".join(x or student.text("none") for x in seqs))\n'
    folder = _broken_set(tmp_path, nested, SET_KO)
    assert "none" not in extracted(folder / PUBLIC_TESTS)       # Babel misses it ...
    assert any("'none' escapes" in p for p in literal_problems(folder / PUBLIC_TESTS))  # ... we do not


def test_a_missing_a_stale_and_a_misspelt_entry_are_caught(tmp_path):
    suite = ('def test_it(student, name):\n    student.text("the value of {name}", name=name)\n'
             '    student.text("a sentence without a translation")\n')
    problems = set_problems(_broken_set(tmp_path, suite, SET_KO))
    text = "\n".join(problems)
    assert "no translation of 'a sentence without a translation'" in text
    assert "'a sentence no suite says' is said by no suite (stale)" in text
    assert "placeholders ['nmae'] differ from ['name']" in text
    assert "'hint:some-id:text' is not in both en.po and ko.po" in text
    assert len(problems) == 4, problems


def test_a_kit_key_in_one_language_only_or_with_other_fields_is_caught(tmp_path):
    (tmp_path / "en.po").write_text('msgid "msg:a"\nmsgstr "{x} and {y}"\n\n'
                                    'msgid "msg:b"\nmsgstr "b"\n\nmsgid "loose"\nmsgstr "l"\n',
                                    encoding="utf-8")
    (tmp_path / "ko.po").write_text('msgid "msg:a"\nmsgstr "{x}"\n\nmsgid "page:c"\nmsgstr "씨"\n',
                                    encoding="utf-8")
    assert kit_problems(tmp_path) == [
        "ko.po has no 'msg:b'", "en.po has no 'page:c'",
        "'loose' is neither a msg:, a page: nor a cli: key",
        "the placeholders of 'msg:a' differ between en.po and ko.po"]


def test_particle_templates_and_particles_on_code_are_caught(tmp_path):
    po = tmp_path / "ko.po"
    po.write_text('msgid "a"\nmsgstr "{name}을(를) 바꾸면 안 됩니다"\n\n'
                  'msgid "b"\nmsgstr "`sigmoid`가 넘칩니다"\n\n'
                  'msgid "c"\nmsgstr "`sigmoid` 함수가 넘칩니다"\n\n'
                  'msgid "d"\nmsgstr "{path}를 읽을 수 없습니다"\n\n'
                  'msgid "e"\nmsgstr "{path} 파일을 읽을 수 없습니다({count}개)"\n', encoding="utf-8")
    problems = korean_problems(po)
    assert any("'a' uses a particle template" in p for p in problems)
    assert any("'b' glues Korean to code" in p for p in problems)
    assert any("'d' puts a particle on a filled-in value" in p for p in problems)
    assert not any(f"'{m}'" in p for p in problems for m in "ce")


def test_a_sentence_left_outside_student_text_is_caught(tmp_path):
    source = ('def t(student, n):\n'
              '    student.expect_true(n, what="sigmoid(a)")\n'
              '    student.expect_true(n, what=f"{n} must not change")\n'
              '    student.fail("값이 다릅니다")\n'
              '    student.artifact("curve", title="Decision boundary", xlabel="a")\n'
              '    student.expect_true(n, what=student.text("the value must not change"))\n')
    problems = plain_sentence_problems(tmp_path / "test_public.py", source)
    assert [p.split(":")[1] for p in problems] == ["3", "4", "5"], problems


def test_said_keys_are_found_only_when_literal():
    source = 'say("mismatch", lang)\nSaid("data-sample", train=1)\nsay(f"x-{y}", lang)\n'
    assert said_keys(source) == [(1, "msg:mismatch"), (2, "msg:data-sample")]


def test_a_catalogue_read_once_is_kept_and_an_edit_is_read_again(tmp_path, monkeypatch):
    """What Babel read is kept per file version in the cache folder: the next process reads
    the kept copy; an edited file (another size or time) is parsed again, and a damaged kept
    copy is parsed again instead of being believed."""
    import os
    import time

    monkeypatch.setenv("NNGRADE_CACHE_DIR", str(tmp_path / "cache"))
    po = tmp_path / "ko.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
                  'msgid "greeting"\nmsgstr "안녕하세요"\n', encoding="utf-8")
    assert i18n.read_catalogue(po) == {"greeting": "안녕하세요"}
    (kept,) = (tmp_path / "cache" / "catalogues").glob("*.json")
    i18n._read.cache_clear()
    kept.write_text('{"greeting": "kept copy"}', encoding="utf-8")
    assert i18n._read(po, os.stat(po).st_mtime_ns) == {"greeting": "kept copy"}   # not parsed
    i18n._read.cache_clear()
    kept.write_text("[damaged", encoding="utf-8")
    assert i18n._read(po, os.stat(po).st_mtime_ns) == {"greeting": "안녕하세요"}
    po.write_text(po.read_text(encoding="utf-8").replace("안녕하세요", "반갑습니다"),
                  encoding="utf-8")
    os.utime(po, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert i18n._read(po, os.stat(po).st_mtime_ns) == {"greeting": "반갑습니다"}


def test_a_catalogue_edited_while_the_process_runs_is_read_again(tmp_path, monkeypatch):
    """Lookups are remembered, and the files read so far are checked every STAT_EVERY seconds:
    an edited catalogue's new text is what the next lookup after that says."""
    import os
    import time

    monkeypatch.setenv("NNGRADE_CACHE_DIR", str(tmp_path / "cache"))
    po = tmp_path / "zz.po"
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
    po.write_text(header + 'msgid "cli:progress-grading"\nmsgstr "first"\n', encoding="utf-8")
    i18n.register("zz", po)
    try:
        assert i18n.lookup("cli:progress-grading", "zz") == "first"
        po.write_text(header + 'msgid "cli:progress-grading"\nmsgstr "second"\n', encoding="utf-8")
        os.utime(po, ns=(time.time_ns(), time.time_ns() + 10**9))
        monkeypatch.setattr(i18n, "STAT_EVERY", 60.0)
        assert i18n.lookup("cli:progress-grading", "zz") == "first"     # not looked at yet
        monkeypatch.setattr(i18n, "STAT_EVERY", 0.0)
        assert i18n.lookup("cli:progress-grading", "zz") == "second"
    finally:
        i18n.unregister("zz")
