"""Does `nngrade demo` — README's main command — grade its sample class and name its mistakes?"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow   # the everyday tier leaves it out: pytest -m "not slow"

EXPECTED_MISTAKES = {
    "2026001-kim-minjun": set(),
    "2026002-lee-seoyeon": {"delta-sign", "mul-backward-swapped"},
    "2026003-park-jiho": {"mse-missing-half", "gd-off-by-one", "threshold-sign"},
    "2026004-choi-yuna": {"forward-difference", "batch-sum-not-mean"},
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "nngrade-demo"
    done = subprocess.run([sys.executable, "-m", "nngrade", "demo", "--out", str(out), "--lang", "en"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, done.stdout


def test_last_line_is_the_summary_page(demo):
    out, stdout = demo
    last = stdout.strip().splitlines()[-1]
    assert Path(last) == out / "results" / "summary.html"
    assert Path(last).is_file()


def test_each_demo_student_gets_a_result_and_exactly_their_mistakes(demo):
    out, _ = demo
    for student, mistakes in EXPECTED_MISTAKES.items():
        doc = json.loads((out / "results" / student / "results.json").read_text(encoding="utf-8"))
        assert set(doc["extra_data"]["mistakes"]) == mistakes, student
        assert (out / "results" / student / "feedback.html").is_file()


def test_the_reference_student_gets_full_marks_on_every_set(demo):
    out, _ = demo
    doc = json.loads((out / "results" / "2026001-kim-minjun" / "results.json").read_text(encoding="utf-8"))
    assert doc["score"] == sum(v["max_score"] for v in doc["extra_data"]["sets"].values()) == 1000


def test_a_file_that_does_not_import_fails_with_file_and_line(demo):
    out, _ = demo
    doc = json.loads((out / "results" / "2026004-choi-yuna" / "results.json").read_text(encoding="utf-8"))
    xor = [t for t in doc["tests"] if t["extra_data"]["set"] == "07_xor"]
    assert xor and all(t["status"] == "failed" for t in xor)
    assert all("SyntaxError" in t["output"] and "line" in t["output"] for t in xor)


def test_a_rerun_keeps_current_pages_and_force_redraws_them(demo):
    """Is a page left as it was on a plain rerun, and drawn again with --force?"""
    out, _ = demo
    page = out / "results" / "2026002-lee-seoyeon" / "feedback.html"
    page.write_text("stale page", encoding="utf-8")

    def rerun(*extra):
        done = subprocess.run([sys.executable, "-m", "nngrade", "demo", "--out", str(out),
                               "--lang", "en", *extra], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]

    rerun()
    assert page.read_text(encoding="utf-8") == "stale page"
    rerun("--force")
    assert "data:image/svg+xml;base64," in page.read_text(encoding="utf-8")
