"""nngrade: auto-graded exercises and assessments for neural-network basics."""

__version__ = "0.1.0"
