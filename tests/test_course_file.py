"""The course file nngrade.toml: one schema, old files still load, every bad key named."""
from __future__ import annotations

from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib

from nngrade.config import SCHEMA, ConfigError, Course, Setting, init_course, load_course

# What `nngrade init` has written since the course file exists (every version wrote this form).
OLD_INIT_FILE = '''# nngrade course file. Keep it with the course: the salt seeds every student's random
# test inputs, so changing it changes every student's inputs on the next regrade.
name = "nn2024"
salt = "3b0c5f0a9d1e4c7b8a6f2e1d0c9b8a7f"
# language of reports and hints: "ko" or "en"
lang = "ko"
sets = ["01_activations", "02_forward", "03_loss", "04_backprop", "05_gradient_descent", "06_numerical_gradient", "07_xor", "08_mnist", "09_perceptron", "10_compgraph"]

[mnist]
# CPU seconds a student's MNIST trainer may use (CPU time, so reruns agree)
budget_cpu_seconds = 120

[late]
# "none": ignore lateness; "flag": mark late submissions in reports and grades.csv;
# "penalty": flag and take `penalty` (a fraction, 0.1 = 10 %) off the score
policy = "penalty"
penalty = 0.1
'''


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "nngrade.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_old_init_file_loads(tmp_path):
    course = load_course(write(tmp_path, OLD_INIT_FILE))
    assert course == Course(name="nn2024", salt="3b0c5f0a9d1e4c7b8a6f2e1d0c9b8a7f", lang="ko",
                            mnist_budget_cpu_seconds=120.0, late_policy="penalty",
                            late_penalty=0.1)
    assert isinstance(course.mnist_budget_cpu_seconds, float)
    assert len(course.sets) == 10


def test_salt_alone_is_a_course(tmp_path):
    course = load_course(write(tmp_path, 'salt = "0123456789"\n'))
    assert (course.name, course.lang, course.late_policy) == (tmp_path.name, "ko", "none")


def test_init_file_round_trips(tmp_path):
    path = init_course(tmp_path / "c", name="c", lang="en", sets=("01_activations",))
    course = load_course(path)
    assert (course.name, course.lang, course.sets) == ("c", "en", ("01_activations",))


def test_schema_covers_every_course_field():
    fields = {e.field for e in SCHEMA.values() if isinstance(e, Setting)}
    fields |= {s.field for e in SCHEMA.values() if isinstance(e, dict) for s in e.values()}
    assert fields == set(Course.__dataclass_fields__) - {"path"}


@pytest.mark.parametrize("body, message", [
    ('lnag = "en"', "unknown key 'lnag' (did you mean 'lang'?)"),
    ('[lat]\npolicy = "flag"', "unknown table 'lat' (did you mean 'late'?)"),
    ('[late]\npolcy = "flag"', "unknown key 'polcy' in [late] (did you mean 'policy'?)"),
    ('[late]\npolicy = "flg"', '[late] policy must be one of "none", "flag", "penalty", not \'flg\''),
    ('[late]\npenalty = 2', "[late] penalty is a fraction between 0 and 1, not 2"),
    ('[mnist]\nbudget = 3', "unknown key 'budget' in [mnist] (did you mean 'budget_cpu_seconds'?)"),
    ('[mnist]\nbudget_cpu_seconds = "x"', "[mnist] budget_cpu_seconds must be a number, not a string"),
    ('[mnist]\nbudget_cpu_seconds = true', "[mnist] budget_cpu_seconds must be a number, not a boolean"),
    ('lang = "fr"', 'lang must be one of "ko", "en", not \'fr\''),
    ('lang = "\\u001b[31m"', "lang must be one of \"ko\", \"en\", not '\\x1b[31m'"),
    ('late = 3', "late must be a table ([late]), not an integer"),
    ('sets = ["01", "99"]', "sets: unknown exercise set '99'"),
    ('sets = [1]', "sets must be a list of set names"),
    ('[serve.due]\n"99" = "2026-12-10T23:59:00"', "[serve.due] unknown exercise set '99'"),
    ('[canvas.assignments]\n"99" = 5', "[canvas.assignments] unknown exercise set '99'"),
    ('[canvas.assignments]\n"04" = 5\n04_backprop = 6', "[canvas.assignments] names set 04_backprop twice"),
])
def test_bad_key_is_named(tmp_path, body, message):
    path = write(tmp_path, f'salt = "0123456789"\n{body}\n')
    with pytest.raises(ConfigError) as err:
        load_course(path)
    assert str(err.value).startswith(f"{path}: {message}")
    assert "\x1b" not in str(err.value)


def test_missing_salt(tmp_path):
    with pytest.raises(ConfigError, match="missing 'salt'"):
        load_course(write(tmp_path, 'name = "x"\n'))


def test_nbgrader_export_writes_only_its_sets(tmp_path):
    pytest.importorskip("nbformat")
    from nngrade.autograder.sets import parse_sets
    from nngrade.export.nbgrader import export_nbgrader
    export_nbgrader(tmp_path / "mycourse", parse_sets(["01"]))
    data = tomllib.loads((tmp_path / "mycourse" / "nngrade.toml").read_text(encoding="utf-8"))
    assert data["sets"] == ["01_activations"]
