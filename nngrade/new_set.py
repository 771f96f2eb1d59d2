"""`nngrade new-set COURSE NAME`: a course's own exercise set, as a small working example.

The new folder COURSE/solutions/NAME/ holds every part of a set (docs/AUTHORING.md explains each):
a reference function between solution markers, a README, a public and a hidden test, one
mistake model with its hint, and set.toml. It grades to full marks as it stands; the instructor
then replaces the example with their own exercise.
"""
from __future__ import annotations

import re
from pathlib import Path

import jinja2

from nngrade.autograder.sets import SET_FILE, SET_ID_RE, SetError, all_sets, read_set
from nngrade.config import CONFIG_NAME, COURSE_SETS_DIR
from nngrade.paths import DATA_DIR
from nngrade.speech import cli, prefixed

TEMPLATE_DIR = DATA_DIR / "new_set"
# template file -> file in the set folder ("module.py" becomes the set's module)
FILES = ("set.toml", "module.py", "README.md", "test_public.py", "test_hidden.py", "mistakes.py",
         "locale/en.po", "locale/ko.po")


class NewSetError(ValueError):
    pass


def module_for(name: str) -> str:
    """The module of a set named NAME: without a leading number ("11_maxout" -> "maxout")."""
    return re.sub(r"^\d+[_-]", "", name).replace("-", "_").lower()


def create_set(course: Path, name: str, title: str | None = None,
               module: str | None = None) -> Path:
    """Write COURSE/solutions/NAME/ from the example; returns the folder."""
    course = Path(course)
    if course.is_file() and course.name == CONFIG_NAME:
        course = course.parent
    if not (course / CONFIG_NAME).is_file():
        raise NewSetError(cli("new-set-no-course", course=course, file=CONFIG_NAME))
    if not SET_ID_RE.match(name):
        raise NewSetError(cli("new-set-name", name=repr(name)))
    if title is not None and (not title.strip() or any(c in title for c in '"\\\n\r')):
        raise NewSetError(cli("new-set-title", title=repr(title)))
    module = module or module_for(name)
    if not module.isidentifier() or module.startswith("test"):
        raise NewSetError(cli("new-set-module", module=repr(module)))
    for s in all_sets():
        if {name.lower(), module} & {s.id.lower(), s.short, s.module}:
            raise NewSetError(cli("new-set-taken", name=repr(name), module=repr(module), set=s.id))
    folder = course / COURSE_SETS_DIR / name
    if folder.exists():
        raise NewSetError(cli("new-set-exists", folder=folder))
    values = {"set_id": name, "module": module, "short": module,
              "title": title or name.replace("_", " "),
              "mistake_id": f"{module.replace('_', '-')}-slope-swapped"}
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
                             keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
                             autoescape=False)   # Python and TOML files, not HTML
    folder.mkdir(parents=True)
    for template in FILES:
        target = folder / (f"{module}.py" if template == "module.py" else template)
        text = env.get_template(f"{Path(template).name}.tmpl").render(**values)
        target.parent.mkdir(exist_ok=True)
        target.write_text(text, encoding="utf-8")
    try:
        read_set(folder)
    except SetError as exc:   # the title is the only free text: say what broke
        raise NewSetError(prefixed(folder / SET_FILE, exc)) from None
    return folder
