"""Every piece of report text that is not data, in both languages, in one table.

Templates read `ui.<key>`; Python code calls `text(key, lang)`. A key missing in one language is a
bug caught by tests/test_report.py (both columns must be filled).
"""
from __future__ import annotations

LANGS = ("ko", "en")

# key: (English, Korean)
_STRINGS: dict[str, tuple[str, str]] = {
    # feedback page
    "feedback_title": ("Grading feedback", "채점 결과"),
    "student": ("Student", "학생"),
    "total": ("Total", "총점"),
    "points": ("points", "점"),
    "late": ("Late submission", "지각 제출"),
    "late_penalty": ("Late penalty: {fraction} off the total (before the penalty: {raw} points).",
                     "지각 감점: 총점에서 {fraction} 감점 (감점 전 {raw}점)."),
    "sets_heading": ("Score per exercise set", "과제 세트별 점수"),
    "set": ("Set", "세트"),
    "score": ("Score", "점수"),
    "tests": ("Tests", "테스트"),
    "test": ("Test", "테스트"),
    "status": ("Result", "결과"),
    "passed": ("passed", "통과"),
    "failed": ("failed", "실패"),
    "passed_count": ("passed", "통과"),
    "visible": ("visible", "공개"),
    "hidden": ("hidden", "비공개"),
    "hidden_explain": (
        "Hidden test: it says what went wrong, not the expected value.",
        "비공개 테스트: 무엇이 틀렸는지만 알려 주고 정답 값은 보여 주지 않습니다.",
    ),
    "what_was_wrong": ("What was wrong", "틀린 내용"),
    "mistakes_heading": ("Named mistakes", "확인된 실수"),
    "mistakes_intro": (
        "Your results match what these known mistakes produce. Fix them first.",
        "아래의 잘 알려진 실수를 했을 때와 같은 결과가 나왔습니다. 이것부터 고쳐 보세요.",
    ),
    "seen_in": ("Seen in", "해당 테스트"),
    "no_mistakes": ("No named mistake was found.", "확인된 실수가 없습니다."),
    "all_passed": ("Every test passed.", "모든 테스트를 통과했습니다."),
    "plots": ("Plots", "그래프"),
    "plot_failed": ("This plot could not be drawn", "그래프를 그릴 수 없습니다"),
    "student_series": ("yours", "내 결과"),
    "reference_series": ("reference", "정답"),
    "student_boundary": ("your boundary (p = 0.5)", "내 결정 경계 (p = 0.5)"),
    "reference_boundary": ("reference boundary", "정답 결정 경계"),
    "class_0": ("class 0", "클래스 0"),
    "class_1": ("class 1", "클래스 1"),
    "probability": ("your p(y = 1)", "내 p(y = 1)"),
    "notes_heading": ("Notes on your submission", "제출물에 대한 안내"),
    "problems_heading": ("Problems with your submission", "제출물의 문제"),
    "sandbox": ("Sandbox", "샌드박스"),
    "sandbox_weak": (
        "Warning: this grading ran under a weaker sandbox ({level}) than bubblewrap. "
        "Student code was less isolated than intended.",
        "경고: 이번 채점은 bubblewrap보다 약한 샌드박스({level})에서 실행되었습니다. "
        "학생 코드가 의도보다 덜 격리되었습니다.",
    ),
    "sandbox_weak_class": (
        "Warning: {count} of the students were graded under a weaker sandbox than bubblewrap "
        "({levels}). Their code was less isolated than intended.",
        "경고: 학생 {count}명이 bubblewrap보다 약한 샌드박스({levels})에서 채점되었습니다. "
        "이 학생들의 코드는 의도보다 덜 격리되었습니다.",
    ),
    "data_note": ("About the data", "데이터에 대해"),
    "grader_version": ("Grader version", "채점기 버전"),
    "submission_digest": ("Submission digest", "제출물 해시"),
    "number": ("No.", "번호"),
    "function": ("Function", "함수"),
    "case": ("Case", "경우"),
    "tags": ("Mistakes", "실수"),
    # summary page
    "summary_title": ("Class summary", "수업 전체 요약"),
    "students": ("Students", "학생 수"),
    "mean": ("Mean", "평균"),
    "median": ("Median", "중앙값"),
    "histogram_heading": ("Score distribution", "점수 분포"),
    "histogram_x": ("total score (%)", "총점 (%)"),
    "histogram_y": ("students", "학생 수"),
    "set_averages_heading": ("Average per set", "세트별 평균"),
    "average": ("Average", "평균"),
    "max": ("Max", "만점"),
    "pass_rates_heading": ("Pass rate of each test (lowest first)", "테스트별 통과율 (낮은 순)"),
    "pass_rate": ("Pass rate", "통과율"),
    "common_mistakes_heading": ("Most common named mistakes", "가장 흔한 실수"),
    "common_mistakes_intro": (
        "Share of the class whose work shows each mistake in at least one test.",
        "적어도 한 테스트에서 각 실수가 확인된 학생의 비율입니다.",
    ),
    "share": ("Share of class", "비율"),
    "mistake": ("Mistake", "실수"),
    "problem_students_heading": ("Students with problems", "문제가 있는 제출물"),
    "no_problem_students": ("No submission had a problem.", "문제가 있는 제출물이 없습니다."),
    "problems": ("Problems", "문제"),
    "grader_crash": ("the grader failed on this submission: {reason}", "채점기가 이 제출물에서 실패했습니다: {reason}"),
    "trouble_crashed": ("the student's process died in {n} test(s)", "학생 프로세스가 테스트 {n}개에서 죽었습니다"),
    "trouble_timeout": ("{n} test(s) ran out of time", "테스트 {n}개가 시간 제한을 넘었습니다"),
    "trouble_budget": ("{n} test(s) used up the CPU budget", "테스트 {n}개가 CPU 예산을 다 썼습니다"),
    "trouble_import-error": ("the module could not be imported ({n} test(s))",
                             "모듈을 가져오지(import) 못했습니다 (테스트 {n}개)"),
    "trouble_grader-crash": ("the grader crashed ({n} test(s))", "채점기 오류 (테스트 {n}개)"),
    "notes": ("Notes", "안내"),
    "sandbox_levels_heading": ("Sandbox levels used", "사용된 샌드박스 수준"),
    "level": ("Level", "수준"),
    "late_count": ("Late submissions", "지각 제출"),
    "missing": ("no submission", "미제출"),
    "missing_count": ("On the roster, no submission", "명단에 있으나 미제출"),
    "missing_explain": (
        "Students on the roster who handed nothing in are listed with 0; the figures above leave them out.",
        "명단에 있지만 아무것도 제출하지 않은 학생은 0점으로 표시하며, 위의 통계에서는 제외합니다.",
    ),
    "scores_heading": ("Scores of every student", "학생별 점수"),
    "no_students": ("No results to summarise.", "요약할 채점 결과가 없습니다."),
    # comments in the LMS (nngrade.comments)
    "comment_missing": ("No submission was graded.", "채점된 제출물이 없습니다."),
    "comment_page_attached": ("The attached feedback.html shows every test.",
                              "첨부한 feedback.html에서 모든 테스트 결과를 볼 수 있습니다."),
    # feedback.md
    "md_failed_heading": ("Failed tests", "실패한 테스트"),
    "md_hint": ("Hint", "힌트"),
    "md_more_lines": ("… {n} more lines in feedback.html", "… feedback.html에 {n}줄 더 있음"),
}


def text(key: str, lang: str) -> str:
    """The UI string `key` in `lang` ("ko" or "en")."""
    en, ko = _STRINGS[key]
    return ko if lang == "ko" else en


def table(lang: str) -> dict[str, str]:
    """All UI strings in one language, as the templates' `ui` mapping."""
    if lang not in LANGS:
        raise ValueError(f"unknown report language {lang!r}; expected one of {', '.join(LANGS)}")
    return {key: (ko if lang == "ko" else en) for key, (en, ko) in _STRINGS.items()}


def all_keys() -> dict[str, tuple[str, str]]:
    return dict(_STRINGS)
