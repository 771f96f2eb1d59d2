"""Intake: a class's submissions → per-student module sources, read safely into memory.

    from nngrade.intake import read_class, Submission, IntakeError, IntakeLimits
    subs = read_class("SUBMISSIONS", format="folders")   # or canvas, moodle, nbgrader, auto

Stages inside: `formats` finds the students of a layout, `tree` reads folders and zips without
extracting anything, `collect` walks one student's files and keeps one file per module,
`notebooks` turns a notebook's code cells into a module, `names` decodes and classifies names.
"""
from .formats import FORMATS, detect_format
from .model import IntakeError, IntakeLimits, Submission, modules_digest
from .names import python_module_name
from .read import read_class

__all__ = ["read_class", "Submission", "IntakeError", "IntakeLimits", "python_module_name",
           "detect_format", "modules_digest", "FORMATS"]
