"""Reports read after grading: each student's feedback page and Markdown comment, the class
summary page, and (through nngrade.lms) the Canvas and Moodle gradebook files.

    write_student_reports(results, out_dir, lang)          -> feedback.html, feedback.md
    write_class_reports(all_results, out_dir, lang, roster, sets)
                                                           -> summary.html, grades.csv, moodle.csv
"""
from nngrade.autograder.catalogue import Hint, HintFileError, load_hint
from nngrade.report.model import ResultsError, class_view, student_view
from nngrade.report.plots import ArtifactError, render_artifact
from nngrade.report.render import (
    FEEDBACK_HTML,
    FEEDBACK_MD,
    GRADES_CSV,
    MOODLE_CSV,
    SUMMARY_HTML,
    write_class_reports,
    write_student_reports,
)

__all__ = [
    "FEEDBACK_HTML", "FEEDBACK_MD", "GRADES_CSV", "MOODLE_CSV", "SUMMARY_HTML",
    "ArtifactError", "Hint", "HintFileError", "ResultsError",
    "class_view", "load_hint", "render_artifact", "student_view",
    "write_class_reports", "write_student_reports",
]
