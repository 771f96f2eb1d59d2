"""Exports of the exercise sets to the tools courses already run.

- ``nbgrader``: an nbgrader course directory generated from ``solutions/`` (`nngrade export
  nbgrader COURSE`); its test cells call ``notebook_checks`` inside the student's kernel.
- ``gradescope``: a Gradescope autograder zip (`nngrade export gradescope OUT.zip`) whose
  ``run_autograder`` calls ``gradescope_runner`` to grade one submission with nngrade's sandbox.
"""
