"""Moodle's assignment, fed from a class run: the feedback zip and the offline grading worksheet.

Feedback zip ("Upload multiple feedback files in a zip", assignment feedback type "Feedback
files"). Moodle's importer (mod/assign/feedback/file/importziplib.php,
``is_valid_filename_for_import``) walks each file's path parts, splits a part on ``_`` into at
most five pieces (full name, participant id, plugin type, plugin name, rest), needs a numeric
participant id of the assignment and an existing plugin, and skips files whose own name starts
with ``.`` or ``~``. Each page is therefore one file at the top of the zip:

    <Full name>_<participant id>_assignfeedback_file_feedback.html

with ``_`` in the name replaced by a space (Moodle's own download does the same), the characters
Moodle strips from file names removed, and no leading ``.`` or ``~``. The participant id is the
student id of a class graded from Moodle's "Download all submissions" (`--format moodle`). The
pages are self-contained (inline CSS, images as data URIs, no script), so one file per student
is the whole page. A zip larger than the course's limit ([moodle] feedback_zip_mib) is split
into parts that each import on their own; a single page larger than the limit goes without its
plots.

Offline grading worksheet (feedback type "Offline grading worksheet"; mod/assign/gradingtable.php
writes it, feedback/offline/importgradeslib.php reads it back). Its headers are in the site's
language and the importer finds its columns by those exact headers, so the downloaded file is
filled in place and never rewritten with headers of ours. Columns, as gradingtable.php orders
them for a download: Identifier ("Participant 12345"), Full name, extra user fields, Status,
[Group], [Marker], Grade, Maximum grade (or Scale), [Marking workflow state], Grade can be
changed, [Last modified (submission), submission text fields], Last modified (grade), Feedback
comments, [Outcomes]. nngrade finds the identifier by its values (a shared prefix and a number),
Grade and Feedback comments by their English headers, else by position: Grade is the column
before Maximum grade (one number repeated on every row), Feedback comments the column after
Last modified (grade) (the last column of dates or "-").
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from nngrade import comments, lms
from nngrade.autograder.atomic import write_atomic
from nngrade.autograder.results import RESULTS_NAME
from nngrade.errors import printable, some
from nngrade.speech import cli, os_reason

MiB = 1024 * 1024
PAGE_NAME = "feedback.html"
FEEDBACK_PLUGIN = ("assignfeedback", "file")
COMPRESS_LEVEL = 6
# Zip bookkeeping per member: local header (30) and central directory entry (46) plus the name
# twice; 22 for the end record. zipfile writes no extra field for these small members.
_LOCAL, _CENTRAL, _END = 30, 46, 22
# What Moodle's clean_param(PARAM_FILE) strips from a file name, and what file systems refuse.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f&<>\"`|':\\/*?]")


class MoodleError(ValueError):
    """A results folder or worksheet Moodle's import cannot use; the message names the file."""


# ---------------------------------------------------------------- the class's results

def class_results(out: Path) -> list[dict]:
    """Every student's results.json under OUT, in student order."""
    from nngrade.grade import read_results
    out = Path(out)
    if not out.is_dir():
        raise MoodleError(cli("moodle-no-out", path=printable(out)))
    found = read_results(sorted(out.glob(f"*/{RESULTS_NAME}")))
    if not found:
        raise MoodleError(cli("moodle-no-results", path=printable(out), file=RESULTS_NAME))
    return sorted(found, key=lambda r: r["extra_data"]["student"])


def graded_sets(out: Path, results: list[dict], sets=None) -> list[str]:
    """The ids of ``sets`` (default: every set graded); a set nobody was graded in is an error."""
    graded = lms._default_sets(results)
    set_ids = lms._set_ids(sets) if sets is not None else graded
    ungraded = [s for s in set_ids if s not in graded]
    if ungraded:
        raise MoodleError(cli("moodle-ungraded", path=printable(out), sets=", ".join(ungraded),
                              graded=", ".join(graded) or cli("none")))
    return set_ids


def participant_ids(out: Path, results: list[dict]) -> None:
    """Every student id must be a Moodle participant id (digits), as `--format moodle` gives."""
    other = [r["extra_data"]["student"] for r in results if not str(r["extra_data"]["student"]).isdigit()]
    if other:
        raise MoodleError(cli("moodle-no-participant", path=printable(out), students=some(other)))


# ---------------------------------------------------------------- feedback zip

def member_name(full_name: str | None, participant_id: str) -> str:
    """``<name>_<id>_assignfeedback_file_feedback.html`` with a name the importer splits right."""
    name = unicodedata.normalize("NFC", full_name or "")
    name = _UNSAFE.sub("", name.replace("_", " "))
    name = " ".join(name.split()).lstrip(".~ ")[:80].rstrip() or "Participant"
    return f"{name}_{participant_id}_{FEEDBACK_PLUGIN[0]}_{FEEDBACK_PLUGIN[1]}_{PAGE_NAME}"


@dataclass
class Page:
    name: str               # member name in the zip
    data: bytes
    student: str
    without_plots: bool = False

    def cost(self) -> int:
        """Bytes this page adds to a zip: its deflated data and both headers."""
        packer = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
        deflated = len(packer.compress(self.data) + packer.flush())
        stored = min(deflated, len(self.data))          # zipfile never stores bigger than raw
        name = len(self.name.encode("utf-8"))
        return stored + _LOCAL + _CENTRAL + 2 * name


@dataclass
class FeedbackZips:
    paths: list[Path]
    pages: int
    without_plots: list[str] = field(default_factory=list)    # students whose plots were left out


def _page_bytes(out: Path, results: dict) -> bytes:
    from nngrade.grade import safe_dir_name
    from nngrade.report.render import render_feedback_html
    from nngrade.report import model
    page = Path(out) / safe_dir_name(results["extra_data"]["student"]) / PAGE_NAME
    if page.is_file():
        return page.read_bytes()
    lang = results["extra_data"].get("lang") or "en"
    return render_feedback_html(model.student_view(results, lang)).encode("utf-8")


def _without_plots(results: dict) -> bytes:
    from nngrade.report.render import render_feedback_html
    from nngrade.report import model
    lang = results["extra_data"].get("lang") or "en"
    return render_feedback_html(model.student_view(results, lang, draw=False)).encode("utf-8")


def _pack(pages: list[Page], limit: int) -> list[list[Page]]:
    """Pages in order, a new part whenever the next one would take a part past ``limit``."""
    parts: list[list[Page]] = [[]]
    size = _END
    for page in pages:
        cost = page.cost()
        if parts[-1] and size + cost > limit:
            parts.append([])
            size = _END
        parts[-1].append(page)
        size += cost
    return parts


def _zip_bytes(pages: list[Page]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as zf:
        for page in pages:
            info = zipfile.ZipInfo(page.name, date_time=datetime.now().timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, page.data, compresslevel=COMPRESS_LEVEL)
    return buf.getvalue()


def part_paths(dest: Path, count: int) -> list[Path]:
    dest = Path(dest)
    if count == 1:
        return [dest]
    return [dest.with_name(f"{dest.stem}-{n}{dest.suffix}") for n in range(1, count + 1)]


def _remove_stale(dest: Path, paths: list[Path]) -> None:
    """Zips an earlier run of this export wrote beside DEST that this run does not rewrite, so
    none of them is uploaded by mistake."""
    if len(paths) > 1:
        dest.unlink(missing_ok=True)
    n = 1 if len(paths) == 1 else len(paths) + 1
    while (stale := dest.with_name(f"{dest.stem}-{n}{dest.suffix}")).is_file():
        stale.unlink()
        n += 1


def write_feedback_zip(out: Path, dest: Path, limit_mib: float = 20.0) -> FeedbackZips:
    """The feedback zip (or its parts) of the class in OUT; see this module's docstring."""
    out, dest = Path(out), Path(dest)
    results = class_results(out)
    participant_ids(out, results)
    limit = int(limit_mib * MiB)
    pages, stripped = [], []
    for r in results:
        extra = r["extra_data"]
        page = Page(member_name(extra.get("display_name"), extra["student"]), _page_bytes(out, r),
                    extra["student"])
        if page.cost() + _END > limit:
            page = Page(page.name, _without_plots(r), page.student, without_plots=True)
            stripped.append(page.student)
            if page.cost() + _END > limit:
                raise MoodleError(cli("moodle-page-too-big", path=printable(out),
                                      student=printable(page.student), size=page.cost() / MiB,
                                      limit=limit_mib))
        pages.append(page)
    parts = _pack(pages, limit)
    paths = part_paths(dest, len(parts))
    _remove_stale(dest, paths)
    for path, members in zip(paths, parts):
        data = _zip_bytes(members)
        if len(data) > limit:               # the estimate is exact; this guards it
            raise AssertionError(f"{path}: {len(data)} bytes, over the {limit} byte limit")
        write_atomic(path, data)
    return FeedbackZips(paths, len(pages), stripped)


# ---------------------------------------------------------------- offline grading worksheet

# English headers (lang/en of assign, moodle and assignfeedback_comments). Other languages are
# found by position, except where a translation of "Last modified (grade)" is listed here.
GRADE_HEADERS = ("Grade",)
MAX_GRADE_HEADERS = ("Maximum grade", "Maximum Grade")
SCALE_HEADERS = ("Scale",)
FEEDBACK_HEADERS = ("Feedback comments",)
LAST_MODIFIED_GRADE_HEADERS = (
    "Last modified (grade)", "Zuletzt geändert (Bewertung)", "Última modificación (calificación)",
    "Última modificação (nota)", "Ultima modifica (valutazione)", "上次修改（评分）",
    "Última modificación (cualificación)",
)
_IDENTIFIER = re.compile(r"^(?P<prefix>\D*?)\s*(?P<id>\d+)$")
_NUMBER = re.compile(r"^\s*-?\d+(?:[.,]\d+)?\s*$")
_DATE_OR_DASH = re.compile(r"^-$|(?:19|20)\d\d")


@dataclass
class Worksheet:
    path: Path
    encoding: str
    bom: bool
    delimiter: str
    newline: str
    header: list[str]
    rows: list[list[str]]
    id_col: int
    grade_col: int
    max_col: int
    feedback_col: int | None

    def participant(self, row: list[str]) -> str | None:
        m = _IDENTIFIER.match(row[self.id_col].strip()) if self.id_col < len(row) else None
        return str(int(m.group("id"))) if m else None

    @property
    def max_grade(self) -> float:
        return _float(self.rows[0][self.max_col])

    @property
    def decimal_mark(self) -> str:
        cell = self.rows[0][self.max_col]
        return "," if "," in cell and "." not in cell else "."

    @property
    def decimals(self) -> int:
        cell = self.rows[0][self.max_col].strip().replace(",", ".")
        return len(cell.split(".", 1)[1]) if "." in cell else 0


def _float(cell: str) -> float:
    return float(cell.strip().replace(",", "."))


def _column(rows: list[list[str]], j: int) -> list[str]:
    return [r[j].strip() if j < len(r) else "" for r in rows]


def _decode(raw: bytes, path: Path) -> tuple[str, str, bool]:
    bom = raw.startswith(b"\xef\xbb\xbf")
    body = raw[3:] if bom else raw
    for encoding in ("utf-8", "cp949"):       # cp949: a worksheet saved again by Korean Excel
        try:
            return body.decode(encoding), encoding, bom
        except UnicodeDecodeError:
            pass
    raise MoodleError(cli("moodle-encoding", path=printable(path)))


def read_worksheet(path: Path) -> Worksheet:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MoodleError(cli("cannot-be-read", path=printable(path), reason=os_reason(exc))) from None
    text, encoding, bom = _decode(raw, path)
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=lambda d: (first.count(d), d == ","))
    newline = "\r\n" if "\r\n" in text else "\n"
    try:
        table = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise MoodleError(cli("moodle-not-csv", path=printable(path), error=exc)) from None
    if not table or not any(c.strip() for c in table[0]):
        raise MoodleError(cli("moodle-worksheet-empty", path=printable(path)))
    header, rows = table[0], [r for r in table[1:] if any(c.strip() for c in r)]
    if not rows:
        raise MoodleError(cli("moodle-no-participants", path=printable(path)))
    width = len(header)
    where = f"{printable(path)}"
    id_col = next((j for j in range(width) if _identifiers(_column(rows, j))), None)
    if id_col is None:
        raise MoodleError(cli("moodle-no-identifiers", path=where, header=some(header, 6)))
    if any(h.strip() in SCALE_HEADERS for h in header):
        raise MoodleError(cli("moodle-scale", path=where))
    grade_col, max_col = _grade_columns(header, rows, id_col)
    if grade_col is None:
        raise MoodleError(cli("moodle-no-grade-column", path=where, header=some(header, 8)))
    if not _NUMBER.match(rows[0][max_col] if max_col < len(rows[0]) else ""):
        raise MoodleError(cli("moodle-no-maximum", path=where, column=repr(printable(header[max_col])),
                              value=repr(printable(rows[0][max_col] if max_col < len(rows[0])
                                                   else ""))))
    return Worksheet(path, encoding, bom, delimiter, newline, header, rows, id_col, grade_col,
                     max_col, _feedback_column(header, rows, max_col))


def _identifiers(cells: list[str]) -> bool:
    prefixes = set()
    for cell in cells:
        m = _IDENTIFIER.match(cell)
        if not m or not m.group("prefix").strip():
            return False
        prefixes.add(m.group("prefix").strip())
    return len(prefixes) == 1


def _grade_columns(header: list[str], rows, id_col: int) -> tuple[int | None, int | None]:
    names = [h.strip() for h in header]
    for j, name in enumerate(names):
        if name in GRADE_HEADERS and j + 1 < len(names):
            return j, j + 1
    for j in range(id_col + 2, len(names)):
        maxima, grades = _column(rows, j), _column(rows, j - 1)
        if (all(_NUMBER.match(c) for c in maxima) and len(set(maxima)) == 1
                and all(not c or _NUMBER.match(c) for c in grades)):
            return j - 1, j
    return None, None


def _feedback_column(header: list[str], rows, max_col: int) -> int | None:
    names = [h.strip() for h in header]
    for j, name in enumerate(names):
        if name in FEEDBACK_HEADERS:
            return j
    for j, name in enumerate(names):
        if name in LAST_MODIFIED_GRADE_HEADERS:
            return j + 1 if j + 1 < len(names) else None
    dated = [j for j in range(max_col + 1, len(names))
             if all(_DATE_OR_DASH.search(c) for c in _column(rows, j))]
    if dated and dated[-1] + 1 < len(names):
        return dated[-1] + 1
    return None


@dataclass
class FilledWorksheet:
    path: Path
    filled: int                          # participants with results
    zero: list[str]                      # participants without results, given 0
    kept: list[str]                      # participants without results whose grade was kept
    not_listed: list[str]                # students with results the worksheet does not list
    scale: tuple[float, float] | None    # (nngrade's maximum, the worksheet's) when they differ
    feedback: bool                       # the worksheet has a Feedback comments column


def fill_worksheet(worksheet_path: Path, out: Path, dest: Path, sets=None) -> FilledWorksheet:
    """A copy of the downloaded worksheet with Grade and Feedback comments filled from OUT.

    Grade: the points of ``sets`` (default: every set graded), scaled to the worksheet's maximum
    grade when that differs, written as Moodle writes numbers in the file (its decimal mark and
    decimals). A participant without results gets 0 and "No submission was graded." where the
    worksheet has no grade yet; a grade already there is kept.
    """
    sheet = read_worksheet(worksheet_path)
    results = class_results(out)
    by_id = {str(r["extra_data"]["student"]): r for r in results}
    set_ids = graded_sets(out, results, sets)
    ours = sum(lms._max_points(results, set_ids).values())
    theirs = sheet.max_grade
    factor = theirs / ours if ours and abs(ours - theirs) > 1e-9 else 1.0
    langs = [r["extra_data"].get("lang") for r in results]
    lang = max(("ko", "en"), key=langs.count)
    no_submission = comments.as_html(comments.Comment(lang, [], False, True))
    width = max(len(sheet.header), *(len(r) for r in sheet.rows))
    filled, zero, kept, seen = 0, [], [], set()
    rows = [list(r) + [""] * (width - len(r)) for r in sheet.rows]
    for row in rows:
        pid = sheet.participant(row)
        if pid is None:
            continue
        seen.add(pid)
        found = by_id.get(pid)
        if found is None:
            if row[sheet.grade_col].strip():
                kept.append(row[sheet.id_col])
                continue
            zero.append(row[sheet.id_col])
            row[sheet.grade_col] = _number(0.0, sheet)
            if sheet.feedback_col is not None:
                row[sheet.feedback_col] = no_submission
            continue
        comment = comments.comment_for(found, set_ids)
        row[sheet.grade_col] = _number(min(comment.score * factor, theirs), sheet)
        if sheet.feedback_col is not None:
            row[sheet.feedback_col] = comments.as_html(comment)
        filled += 1
    buf = io.StringIO()
    csv.writer(buf, delimiter=sheet.delimiter, lineterminator=sheet.newline).writerows(
        [sheet.header, *rows])
    data = ("\ufeff" if sheet.bom else "") + buf.getvalue()
    write_atomic(Path(dest), data.encode(sheet.encoding))
    not_listed = sorted(set(by_id) - seen, key=lambda s: (len(s), s))
    return FilledWorksheet(Path(dest), filled, zero, kept, not_listed,
                           (ours, theirs) if factor != 1.0 else None, sheet.feedback_col is not None)


def _number(value: float, sheet: Worksheet) -> str:
    return f"{value:.{sheet.decimals}f}".replace(".", sheet.decimal_mark)


# ---------------------------------------------------------------- the command

DEFAULT_LIMIT_MIB = 20.0


def run_export(target: str, dest: Path, results: Path | None, worksheet: Path | None, sets,
               course_file: Path | None) -> list[str]:
    """`nngrade export moodle-feedback|moodle-worksheet DEST --results OUT ...`: the lines to print."""
    if results is None:
        raise MoodleError(cli("moodle-needs-results", target=target))
    if target == "moodle-worksheet":
        if worksheet is None:
            raise MoodleError(cli("moodle-needs-worksheet"))
        if Path(dest).resolve() == Path(worksheet).resolve():
            raise MoodleError(cli("moodle-dest-is-worksheet", path=printable(dest)))
        done = fill_worksheet(worksheet, results, dest, sets)
        lines = [cli("moodle-filled", path=printable(done.path), count=done.filled,
                     zero=cli("moodle-filled-zero", count=len(done.zero)) if done.zero else "",
                     kept=cli("moodle-filled-kept", count=len(done.kept)) if done.kept else "")]
        if done.scale:
            lines.append(cli("moodle-scaled", points=lms.format_points(done.scale[0]),
                             maximum=lms.format_points(done.scale[1])))
        if not done.feedback:
            lines.append(cli("moodle-no-feedback-column"))
        if done.not_listed:
            lines.append(cli("moodle-not-listed", students=some(done.not_listed)))
        return lines
    limit, where = DEFAULT_LIMIT_MIB, cli("moodle-default-limit")
    if course_file is not None:
        from nngrade.config import load_course
        limit = load_course(course_file).moodle_feedback_zip_mib
        where = cli("moodle-limit-in", path=printable(course_file))
    done = write_feedback_zip(results, dest, limit)
    lines = []
    if done.without_plots:
        lines.append(cli("moodle-without-plots", limit=limit, students=some(done.without_plots)))
    if len(done.paths) > 1:
        lines.append(cli("moodle-split", path=printable(dest), pages=done.pages, limit=limit,
                         where=where, zips=len(done.paths)))
    return lines + [printable(p) for p in done.paths]
