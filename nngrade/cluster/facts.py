"""What a worker must share with the coordinator before it grades anyone.

A student graded on a worker must get the results a local run would give, so the worker's kit
(version and the digest of every grader file), the course's own sets, the MNIST files (when set
08 is graded), Python and NumPy, and the sandbox level must be the coordinator's. Each is
computed the same way on both sides; the first that differs is named in the refusal.
"""
from __future__ import annotations

import hashlib
import platform
from pathlib import Path

NO_MNIST = "no MNIST files"          # mnist_checksum's fact where none were found


def trains_on_mnist(set_ids) -> bool:
    """Does a graded set train a model on the MNIST files? Sets that do have a training budget
    in their set.toml ([limits] training_budget_cpu_seconds); the others never read them."""
    from nngrade.autograder.sets import find_set
    return any(find_set(s).limits.get("training_budget_cpu_seconds") for s in set_ids)


def course_digest(course_dir: Path | None) -> str:
    """Digest of the course's own sets (COURSE/solutions/), "none" when it has none."""
    from nngrade.config import COURSE_SETS_DIR
    root = Path(course_dir) / COURSE_SETS_DIR if course_dir else None
    if root is None or not root.is_dir():
        return "none"
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            h.update(str(path.relative_to(root)).encode("utf-8", "surrogatepass"))
            h.update(b"\0")
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def mnist_checksum(mnist_dir: str | None, sample: bool) -> str:
    """Digest of the digits set 08 would train and test on here (decompressed file contents),
    or a phrase saying where none were found."""
    from nngrade import mnist_data
    if sample:
        folder, found = mnist_data.SAMPLE_DIR, {
            k: p for k in mnist_data.FILE_NAMES
            if (p := mnist_data.find_file(mnist_data.SAMPLE_DIR, k))}
    else:
        try:
            folder, found, _notes = mnist_data.locate(mnist_dir, download=False, log=lambda _: None)
        except mnist_data.MnistDataError:
            return NO_MNIST
    h = hashlib.sha256()
    for key in sorted(found):
        content, _md5 = mnist_data._read_content(found[key])
        h.update(key.encode())
        h.update(hashlib.sha256(content).digest())
    return h.hexdigest()[:16]


def local_facts(sets, course_dir: Path | None, mnist_dir: str | None, mnist_sample: bool) -> dict:
    """The facts of this process's kit (the course's sets must already be loaded)."""
    import numpy
    from nngrade import __version__
    from nngrade.grade import grader_digest
    return {
        "version": __version__,
        "course": course_digest(course_dir),
        "grader": grader_digest(),
        "mnist": mnist_checksum(mnist_dir, mnist_sample) if trains_on_mnist(sets) else None,
        "python": f"Python {platform.python_version()}, NumPy {numpy.__version__}",
    }


# (fact, the key of how a difference is said); the first difference is the one named
WORDS = (
    ("version", "cluster-differs-version"),
    ("course", "cluster-differs-course"),
    ("grader", "cluster-differs-grader"),
    ("mnist", "cluster-differs-mnist"),
    ("python", "cluster-differs-python"),
)


def _fact(value):
    """A fact as the refusal names it: the words of "no MNIST files" in the user's language."""
    from nngrade.speech import cli
    return cli("cluster-no-mnist") if value == NO_MNIST else str(value)


def difference(expected: dict, found: dict):
    """The first fact in which ``found`` differs from ``expected``, in words (a Said), or None."""
    from nngrade.speech import cli
    for key, words in WORDS:
        if found.get(key) != expected.get(key):
            return cli(words, found=_fact(found.get(key)), expected=_fact(expected.get(key)))
    return None


def sandbox_difference(run_level: dict, description: dict):
    """A worker's slot must run the run's one level, and not share the grader's uid unless the
    run allowed it."""
    from nngrade.runlevel import SHARED_UID_NOTE, shares_grader_uid
    from nngrade.speech import cli
    if description.get("level") != run_level.get("level"):
        return cli("cluster-other-level", found=str(description.get("level")),
                   expected=str(run_level.get("level")))
    if shares_grader_uid(description) and SHARED_UID_NOTE not in run_level.get("notes", []):
        return cli("cluster-shared-uid")
    return None
