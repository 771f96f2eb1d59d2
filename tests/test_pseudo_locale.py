"""Does every sentence a student reads come from the catalogues? A pseudo-locale, made here from
the English catalogues (each text wrapped in ⟦ ⟧, placeholders kept), is registered as a
language; a student with catalogued mistakes is graded and their page and feedback.md rendered
in it. Any English word left outside ⟦ ⟧ — other than data: identifiers, test names, numbers,
ids — is a string that bypassed the catalogues."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from nngrade.autograder import i18n
from nngrade.autograder.mistakes import models_for
from nngrade.autograder.results import build_results
from nngrade.autograder.sets import find_set
from nngrade.report import write_student_reports

from nngrade.autograder.plugin import GradingPlugin, StudentJob
from nngrade.autograder.suite_session import TrustedStudent, run_suites, suite_paths
from nngrade.autograder.sets import SETS
from nngrade.intake.read import FORMATS

PSEUDO = "qps"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def pseudo(text: str) -> str:
    """⟦text⟧ with its {placeholders} outside the brackets, so filled values are data."""
    pieces, last = [], 0
    for m in PLACEHOLDER.finditer(text):
        if m.start() > last:
            pieces.append(f"⟦{text[last:m.start()]}⟧")
        pieces.append(m.group())
        last = m.end()
    if last < len(text):
        pieces.append(f"⟦{text[last:]}⟧")
    # backticks mark code: kept outside the brackets, so a filled-in value between them is data
    return "".join(pieces).replace("`", "⟧`⟦").replace("⟦⟧", "")


@pytest.fixture(scope="module")
def pseudo_locale(tmp_path_factory):
    sets = [find_set(s) for s in ("01_activations", "04_backprop", "09_perceptron")]
    entries: dict[str, str] = {}
    folders = [i18n.KIT_LOCALE, i18n.SHARED_LOCALE, *(s.folder / i18n.LOCALE_FOLDER for s in sets)]
    for folder in folders:
        english = i18n.read_catalogue(folder / "en.po")
        for po in sorted(folder.glob("*.po")):
            for msgid in i18n.read_catalogue(po):
                # a key's English is in en.po; a sentence's msgid is its English
                entries.setdefault(msgid, english.get(msgid, msgid))
    catalog = Catalog(locale=None)
    for msgid, text in entries.items():
        catalog.add(msgid, pseudo(text))
    path = tmp_path_factory.mktemp("pseudo") / f"{PSEUDO}.po"
    with open(path, "wb") as f:
        write_po(f, catalog)
    i18n.register(PSEUDO, path)
    yield sets
    i18n.unregister(PSEUDO)


class _Text(HTMLParser):
    """The page's text, without what it marks as data (class "mono": ids, test names, values)."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip, self._open = [], 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        data = tag in ("style", "code", "title") or "mono" in (attrs.get("class") or "").split()
        if tag not in ("img", "meta", "br", "input", "link"):
            self._open.append(data)
            self._skip += data
        if tag == "img":
            self.parts.append(attrs.get("alt", ""))

    def handle_endtag(self, tag):
        if tag not in ("img", "meta", "br", "input", "link") and self._open:
            self._skip -= self._open.pop()

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _leftover_words(text: str, data_words: set[str], names: str = "") -> list[str]:
    text = re.sub(r"^\s*```\w*\s*$", " ", text, flags=re.M)       # Markdown fences
    outside = re.sub(r"⟦[^⟧]*⟧", " ", text, flags=re.S)
    outside = re.sub(r"`[^`]*`", " ", outside)
    words = re.findall(r"[A-Za-z][A-Za-z'-]{2,}", outside)
    return [w for w in words if w not in data_words and w.lower() not in data_words
            and w not in names]


def test_every_sentence_on_the_page_comes_from_a_catalogue(pseudo_locale, tmp_path):
    sets = tuple(pseudo_locale)
    students = {}
    for s, mistake in zip(sets, ("sigmoid-overflow", "delta-sign", "threshold-sign")):
        (model, *_) = [m for m in models_for(s.id) if m.id == mistake]
        students.setdefault("s", {})[s.id] = model.module()
    results = {}
    plugin = GradingPlugin(next_job=iter([StudentJob("s", {}), None]).__next__,
                           open_student=lambda job: TrustedStudent(students["s"]),
                           on_done=lambda job, outcomes, secs: results.update(s=outcomes),
                           salt="pseudo", lang=PSEUDO)
    run_suites(suite_paths(sets, public=True, hidden=True), plugin)
    outcomes = results["s"]
    document = build_results("s", outcomes, sets, lang=PSEUDO)
    html, md = write_student_reports(document, tmp_path, PSEUDO)
    # data: what the page shows as it is (names of functions, tests, cases, sets, ids, modules)
    data = {"nngrade", "sha", "bwrap", "rlimit", "unshare", "unknown", "png", "NaN", "nan", "inf",
            "array"}   # sandbox levels, and how values are printed: array(3,) [...]
    for t in document["tests"]:
        data |= set(re.findall(r"[A-Za-z][\w'-]*", t["name"]))
    for s in sets:
        data |= {s.module, s.short, *re.findall(r"[A-Za-z]\w*", " ".join(s.functions))}
    data |= {w for m in document["extra_data"]["mistakes"] for w in (m, *m.split("-"))}
    for module in students["s"].values():           # parameter names shown in "Calls made"
        for fn in vars(module).values():
            if callable(fn) and hasattr(fn, "__code__"):
                data |= set(fn.__code__.co_varnames[:fn.__code__.co_argcount])
    data = {piece for word in data for piece in (word, *re.split(r"[_\W]+", word)) if piece}
    parser = _Text()
    parser.feed(html.read_text(encoding="utf-8"))
    names = " ".join(t["name"] for t in document["tests"])     # test names and cases are data
    page_words = _leftover_words(" ".join(parser.parts), data, names)
    assert page_words == [], f"page words outside the catalogues: {sorted(set(page_words))[:40]}"
    md_words = _leftover_words(md.read_text(encoding="utf-8"), data, names)
    assert md_words == [], f"feedback.md words outside the catalogues: {sorted(set(md_words))[:40]}"


@pytest.mark.parametrize("exercise_set", SETS, ids=[s.id for s in SETS])
def test_a_sets_title_in_its_catalogue_is_the_one_in_set_toml(exercise_set):
    for lang, title in (("en", exercise_set.title_en), ("ko", exercise_set.title_ko)):
        po = exercise_set.folder / i18n.LOCALE_FOLDER / f"{lang}.po"
        assert i18n.read_catalogue(po).get("set:title") == title, (po, title)


# ---- the command line ---------------------------------------------------------------------------
# Failing commands run in the pseudo-locale (NNGRADE_LANG): every line they print is catalogue
# text apart from what the user gave (paths, ids, keys, values), quoted or not.

CLI_SOLUTIONS = i18n.KIT_LOCALE.parent.parent / "solutions"


@pytest.fixture
def cli_class(tmp_path, monkeypatch):
    """A course (`c`, set 01) and a class of one student, as tests/test_cli_errors.py makes them."""
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "nngrade.toml").write_text(
        'name = "c"\nsalt = "0123456789abcdef"\nsets = ["01_activations"]\n', encoding="utf-8")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "nngrade.toml").write_text(
        'salt = "0123456789abcdef"\nlnag = "en"\n[mnist]\nbudget_cpu_seconds = "x"\n',
        encoding="utf-8")
    (tmp_path / "badserve").mkdir()
    (tmp_path / "badserve" / "nngrade.toml").write_text(
        'salt = "0123456789abcdef"\n[serve]\ntimezone = "Mars/Olympus"\n', encoding="utf-8")
    (tmp_path / "subs" / "alice").mkdir(parents=True)
    (tmp_path / "subs" / "alice" / "activations.py").write_bytes(
        (CLI_SOLUTIONS / "01_activations" / "activations.py").read_bytes())
    (tmp_path / "roster.csv").write_text("Student,Section\nAlice,1\n", encoding="utf-8")
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "overrides.toml").write_text('[alice]\n"01_activations/nope" = 1\n',
                                                    encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NNGRADE_LANG", PSEUDO)
    return tmp_path


GRADE = ("grade", "subs", "--out", "out2", "--course", "c", "--no-progress")
FAILING_COMMANDS = {
    "bad course key": ("grade", "subs", "--out", "out2", "--course", "bad", "--no-progress"),
    "missing course file": ("grade", "subs", "--out", "out2", "--course", "nowhere",
                            "--no-progress"),
    "missing folder": ("grade", "nosuch", "--out", "out2", "--course", "c", "--no-progress"),
    "unknown set": (*GRADE, "--sets", "01_activatoins"),
    "unknown student": (*GRADE, "--only", "alcie"),
    "bad roster": (*GRADE, "--roster", "roster.csv"),
    "missing roster": (*GRADE, "--roster", "nosuch.csv"),
    "out is a file": ("grade", "subs", "--out", "file", "--course", "c", "--no-progress"),
    "override of no test": ("grade", "subs", "--out", "out", "--course", "c", "--no-progress"),
    "check a missing folder": ("check", "--path", "nosuch"),
    "check an unknown set": ("check", "maxuot", "--path", "subs/alice"),
    "new set without a course": ("new-set", "subs", "11_maxout"),
    "new set with a bad name": ("new-set", "c", "11 max out"),
    "export without results": ("export", "moodle-feedback", "f.zip"),
    "export an unknown set": ("export", "gradescope", "a.zip", "--sets", "99"),
    "link without a student": ("link", "c"),
    "link in a missing course": ("link", "nowhere", "alice"),
    "link with a bad [serve] value": ("link", "badserve", "alice"),
    "serve another database": ("serve", "c", "--db", "postgresql://db.example/grades"),
    "serve on a bad port": ("serve", "c", "--port", "70000"),
}


def _cli_leftovers(line: str, given) -> list[str]:
    """English words of a printed line outside ⟦ ⟧, leaving out what the user gave: the
    arguments, paths, quoted names and values, option names and the command's own prefix."""
    line = re.sub(r"^nngrade( [\w-]+)?: ", " ", line)
    outside = re.sub(r"⟦[^⟧]*⟧", " ", line)
    outside = re.sub(r"'[^']*'|\"[^\"]*\"|`[^`]*`", " ", outside)           # quoted: data
    outside = re.sub(r"--[\w-]+|\S*[/\\]\S*|\S+\.\w+|[A-Z_]{4,}=\S*|\[[\w.]+\]", " ", outside)
    words = re.findall(r"[A-Za-z][A-Za-z'-]{2,}", outside)
    return [w for w in words if w not in given]


def _assert_catalogue_lines(argv, code, out, err) -> list[str]:
    """The failing command's printed lines, each catalogue text apart from what the user gave."""
    assert code == 2, out + err
    lines = [line for line in (out + err).splitlines() if line.strip()]
    assert lines, "the command said nothing"
    given = {w for a in argv for w in re.findall(r"[A-Za-z][A-Za-z'-]*", a)}
    given |= {w for s in SETS for w in re.findall(r"[A-Za-z]+", s.id)}     # the sets' ids: data
    given |= {"alice", *FORMATS}                     # the class's student, submission formats
    for line in lines:
        assert "Traceback" not in line
        assert "⟦" in line, f"not from a catalogue: {line!r}"
        left = _cli_leftovers(line, given)
        assert left == [], f"words outside the catalogues: {left} in {line!r}"
    return lines


@pytest.mark.parametrize("argv", list(FAILING_COMMANDS.values()), ids=list(FAILING_COMMANDS))
def test_every_line_a_failing_command_prints_comes_from_a_catalogue(pseudo_locale, cli_class,
                                                                     capsys, argv):
    from nngrade.cli import main
    from nngrade.config import SCHEMA
    code = main(list(argv))
    out, err = capsys.readouterr()
    # the course file's [serve] keys (named in messages) are what the user wrote: data
    _assert_catalogue_lines((*argv, *SCHEMA["serve"]), code, out, err)


# `--cluster` and `nngrade cluster slurm` failing before any cluster is needed: refused
# addresses, TLS files, the [cluster] table. A connection is never made (192.0.2.1 is TEST-NET-1).

@pytest.fixture
def cluster_class(cli_class, monkeypatch):
    """cli_class with courses whose [cluster] tables are wrong; every attempt to reach a
    scheduler is recorded and fails at once (no packet leaves this process)."""
    import distributed

    from nngrade.config import SCHEMA
    head = 'salt = "0123456789abcdef"\nsets = ["01_activations"]\n'
    tables = {
        "badkey": '[cluster]\ncorse = 2\n',
        "badtime": '[cluster]\nwalltime = "2h"\n',
        "badlist": '[cluster]\njob_extra_directives = [1]\n',
        "nofiles": '[cluster]\ntls_ca_file = "tls/ca.pem"\ntls_cert = "tls/me.pem"\n'
                   'tls_key = "tls/me.key"\n',
        "openkey": '[cluster]\ntls_ca_file = "ca.pem"\ntls_cert = "me.pem"\ntls_key = "me.key"\n',
    }
    for name, table in tables.items():
        (cli_class / name).mkdir()
        (cli_class / name / "nngrade.toml").write_text(head + table, encoding="utf-8")
    for file in ("ca.pem", "me.pem", "me.key"):
        (cli_class / "openkey" / file).write_text("x", encoding="utf-8")
    (cli_class / "openkey" / "me.key").chmod(0o644)
    tried = []

    def no_connection(address, *args, **kwargs):
        tried.append(address)
        raise OSError(address)
    monkeypatch.setattr(distributed, "Client", no_connection)
    # the course file's [cluster] keys (named in messages) are what the user wrote: data
    keys = {w for key in SCHEMA["cluster"] for w in re.findall(r"[A-Za-z]+", key)}
    return tried, keys


TLS = ("--cluster", "tls://192.0.2.1:8786")
CLUSTER_COMMANDS = {
    "plain tcp to another machine": (*GRADE, "--cluster", "tcp://192.0.2.1:8786"),
    "an address without scheme": (*GRADE, "--cluster", "192.0.2.1:8786"),
    "another scheme": (*GRADE, "--cluster", "ws://127.0.0.1:8786"),
    "a malformed address": (*GRADE, "--cluster", "tcp://127.0.0.1"),
    "tls without certificates": (*GRADE, *TLS),
    "tls files missing": ("grade", "subs", "--out", "out2", "--course", "nofiles",
                          "--no-progress", *TLS),
    "a key others can read": ("grade", "subs", "--out", "out2", "--course", "openkey",
                              "--no-progress", *TLS),
    "a bad [cluster] key": ("grade", "subs", "--out", "out2", "--course", "badkey",
                            "--no-progress", *TLS),
    "slurm with a bad [cluster] value": ("cluster", "slurm", "--course", "badtime",
                                         "--print-script"),
    "slurm with a bad [cluster] list": ("cluster", "slurm", "--course", "badlist",
                                        "--print-script"),
    "slurm without tls": ("cluster", "slurm", "--course", "c", "--print-script"),
    "slurm with missing tls files": ("cluster", "slurm", "--course", "nofiles", "--print-script"),
    "slurm with no workers": ("cluster", "slurm", "--course", "c", "--workers", "0"),
}


@pytest.mark.parametrize("argv", list(CLUSTER_COMMANDS.values()), ids=list(CLUSTER_COMMANDS))
def test_every_line_a_failing_cluster_command_prints_comes_from_a_catalogue(
        pseudo_locale, cluster_class, capsys, argv):
    from nngrade.cli import main
    tried, keys = cluster_class
    code = main(list(argv))
    out, err = capsys.readouterr()
    _assert_catalogue_lines([*argv, *keys], code, out, err)
    assert tried == [], "a connection was tried"


def test_insecure_and_no_scheduler_come_from_a_catalogue(pseudo_locale, cluster_class, capsys):
    """--insecure to another machine: its warning, then the connection that fails (here at
    once, in this process), both catalogue text."""
    from nngrade.cli import main
    tried, keys = cluster_class
    argv = (*GRADE, "--cluster", "tcp://192.0.2.1:8786", "--insecure")
    code = main(list(argv))
    out, err = capsys.readouterr()
    lines = _assert_catalogue_lines([*argv, *keys], code, out, err)
    assert tried == ["tcp://192.0.2.1:8786"]
    assert len(lines) == 2 and "--insecure" in lines[0] and "--cluster" in lines[1], lines


def test_the_command_lines_language_follows_the_rule(monkeypatch):
    from nngrade import speech
    for name in ("NNGRADE_LANG", *speech.LOCALE_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    assert speech.language() == "en"
    assert speech.language(environ={"LANG": "ko_KR.UTF-8"}) == "ko"
    assert speech.language(environ={"LANG": "ko_KR.UTF-8", "LC_ALL": "C"}) == "en"
    assert speech.language(environ={"LC_MESSAGES": "ko_KR", "LANG": "en_US.UTF-8"}) == "ko"
    assert speech.language(environ={"LANG": "ko_KR", "NNGRADE_LANG": "en"}) == "en"
    assert speech.language("ko", environ={"NNGRADE_LANG": "en"}) == "ko"     # --lang first
    assert speech.language(environ={"LANG": "fr_FR.UTF-8"}) == "en"         # no French catalogue


def test_intake_problems_and_notes_come_from_a_catalogue(pseudo_locale, tmp_path):
    """What intake says about a student's files (a link, a file over the cap, a zip member with
    '..', a damaged notebook) reaches the page whole in the course's language."""
    import zipfile

    from nngrade.autograder.messages import in_language
    from nngrade.intake import read_class
    from nngrade.intake.model import IntakeLimits

    kim = tmp_path / "subs" / "kim"
    kim.mkdir(parents=True)
    (kim / "activations.py").write_text("x = 1\n" * 400, encoding="utf-8")
    (kim / "link.py").symlink_to(kim / "activations.py")
    with zipfile.ZipFile(kim / "more.zip", "w") as zf:
        zf.writestr("../escape.py", "x = 1\n")
        zf.writestr("backprop.ipynb", "{not json")
    (sub,) = read_class(tmp_path / "subs", limits=IntakeLimits(max_file_bytes=1000))
    said = [in_language(m, PSEUDO) for m in [*sub.problems, *sub.notes]]
    assert len(sub.problems) >= 3, sub.problems
    data = {"kim", "activations", "link", "more", "zip", "escape", "backprop", "ipynb", "MiB"}
    for line in said:
        assert "⟦" in line, f"not from a catalogue: {line!r}"
        left = [w for w in _cli_leftovers(line, data) if not w.endswith("Error")]  # a type: data
        assert left == [], line
