"""The sandbox that runs untrusted student code: one zygote per job slot, one child per student.

See pool.py for the API (SandboxPool, Session, Limits, Reply), launch.py for the levels
(bwrap, unshare, rlimit), zygote.py and child.py for what runs inside, probes.py for the
callables the grader can hand to student code.
"""
from .launch import LEVELS, SandboxUnavailable
from .pool import STATUSES, CellFailure, ErrorInfo, Handle, Limits, Reply, SandboxPool, Session

__all__ = ["SandboxPool", "Session", "Limits", "Reply", "ErrorInfo", "CellFailure", "Handle",
           "SandboxUnavailable", "LEVELS", "STATUSES"]
