"""The grader: sandboxed student code, hidden suites, scoring and mistake diagnosis."""
