"""The `nngrade` command: a thin layer over the modules that do the work."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from nngrade import __version__


def _add_grade(sub):
    p = sub.add_parser("grade", help="grade a class of submissions")
    p.add_argument("submissions", type=Path, help="folder of submissions (or a Canvas zip)")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--format", dest="fmt", default="folders",
                   choices=("folders", "canvas", "moodle", "nbgrader"))
    p.add_argument("--sets", nargs="+", default=None, help="sets to grade (default: the course's)")
    p.add_argument("--jobs", type=int, default=0, help="parallel job slots (default: cores)")
    p.add_argument("--lang", choices=("ko", "en"), default=None)
    p.add_argument("--roster", type=Path, default=None, help="Canvas roster CSV")
    p.add_argument("--only", default=None, help="regrade one student")
    p.add_argument("--force", action="store_true", help="regrade students whose results are current")
    p.add_argument("--course", type=Path, default=None,
                   help="course folder or nngrade.toml (default: the nearest one)")
    p.add_argument("--mnist-dir", type=Path, default=None)
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--allow-shared-uid", action="store_true",
                   help="grade even where student code would run under your own uid (the rlimit "
                        "level as a normal user); every report then says so")
    _add_cluster_flags(p)


def _add_cluster_flags(p) -> None:
    """--cluster and its TLS flags: the same for a class run and for the service."""
    p.add_argument("--cluster", default=None, metavar="ADDRESS",
                   help="grade on a running Dask scheduler (tls://HOST:PORT; docs/CLUSTER.md)")
    p.add_argument("--insecure", action="store_true",
                   help="allow plain tcp:// to a scheduler on another machine")
    for name in ("tls-ca-file", "tls-cert", "tls-key"):
        p.add_argument(f"--{name}", type=Path, default=None,
                       help="TLS file of this client (default: the course's [cluster] table)")


def _add_check(sub):
    p = sub.add_parser("check", help="check your own files with the public tests")
    p.add_argument("set", nargs="?", default=None, help="set folder or short name (default: all found)")
    p.add_argument("--path", type=Path, default=Path("."), help="folder with your files")
    p.add_argument("--lang", choices=("ko", "en"), default=None)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nngrade", description="Auto-graded neural-network exercises.")
    parser.add_argument("--version", action="version", version=f"nngrade {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("init", help="create a course folder with nngrade.toml")
    p.add_argument("course", type=Path)
    p.add_argument("--name", default=None)
    p.add_argument("--lang", choices=("ko", "en"), default=None, help="default: ko")
    _add_grade(sub)
    _add_check(sub)
    p = sub.add_parser("demo", help="grade the built-in sample class and write its reports")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: ./nngrade-demo)")
    p.add_argument("--jobs", type=int, default=0)
    p.add_argument("--lang", choices=("ko", "en"), default=None, help="default: ko")
    p.add_argument("--force", action="store_true",
                   help="regrade every student and redraw the pages, even when nothing changed")
    p = sub.add_parser("new-set", help="start a course's own exercise set from a working example")
    p.add_argument("course", type=Path, help="course folder (holding nngrade.toml)")
    p.add_argument("name", help="the set's folder name, e.g. 11_maxout")
    p.add_argument("--title", default=None, help="the set's title (default: from NAME)")
    p.add_argument("--module", default=None, help="the student's module (default: from NAME)")
    p = sub.add_parser("release", help="regenerate assignments/ from solutions/")
    p.add_argument("--check", action="store_true", help="fail when assignments/ is stale")
    p.add_argument("--bundle", type=Path, default=None, help="write the student download zip")
    p.add_argument("--course", type=Path, default=None,
                   help="release a course's own sets: COURSE/solutions/ -> COURSE/assignments/")
    p = sub.add_parser("export", help="export to nbgrader, Gradescope or Moodle")
    p.add_argument("target", choices=("nbgrader", "gradescope", "moodle-feedback", "moodle-worksheet"))
    p.add_argument("dest", type=Path)
    p.add_argument("--sets", nargs="+", default=None)
    p.add_argument("--course", type=Path, default=None,
                   help="course folder or nngrade.toml whose salt the export carries")
    p.add_argument("--results", type=Path, default=None,
                   help="moodle-*: the --out folder of `nngrade grade`")
    p.add_argument("--worksheet", type=Path, default=None,
                   help="moodle-worksheet: the grading worksheet downloaded from Moodle")
    p = sub.add_parser("cluster", help="start Dask workers on a Slurm cluster (docs/CLUSTER.md)")
    p.add_argument("target", choices=("slurm",))
    p.add_argument("--course", type=Path, default=None,
                   help="course folder or nngrade.toml with the [cluster] table (default: the nearest one)")
    p.add_argument("--workers", type=int, default=1, help="Slurm jobs to start (each: [cluster] cores workers)")
    p.add_argument("--print-script", action="store_true",
                   help="print the job script and submit nothing")
    p.add_argument("--insecure", action="store_true",
                   help="without TLS (the scheduler then runs anyone's code as you)")
    p = sub.add_parser("publish", help="post scores, comments and feedback pages to Canvas")
    p.add_argument("target", choices=("canvas",))
    p.add_argument("results", type=Path, help="the --out folder of `nngrade grade`")
    p.add_argument("--course", type=Path, default=None,
                   help="course folder or nngrade.toml with the [canvas] table (default: the nearest one)")
    p.add_argument("--roster", type=Path, default=None, help="Canvas roster CSV (Canvas user ids)")
    p.add_argument("--sets", nargs="+", default=None)
    p.add_argument("--dry-run", action="store_true", help="print the requests, send none")
    p = sub.add_parser("serve", help="grade on submission: a web service, an LTI 1.3 tool (docs/SERVE.md)")
    p.add_argument("course", type=Path, help="course folder or nngrade.toml")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--db", default=None, help="sqlite:///PATH (default: COURSE/serve/nngrade.sqlite3)")
    p.add_argument("--jobs", type=int, default=0, help="warm job slots (default: [serve] jobs, else one per core)")
    _add_cluster_flags(p)
    p = sub.add_parser("link", help="print a student's personal submission page (or the class page)")
    p.add_argument("course", type=Path, help="course folder or nngrade.toml")
    p.add_argument("student", nargs="?", default=None, help="the student's roster id")
    p.add_argument("--instructor", action="store_true", help="the class page instead")
    p.add_argument("--base-url", default=None, help="the service's public address (default: [serve] base_url)")
    p.add_argument("--db", default=None)
    p = sub.add_parser("forget", help="delete everything the service keeps of a student")
    p.add_argument("course", type=Path, help="course folder or nngrade.toml")
    p.add_argument("student", help="the student's roster id")
    p.add_argument("--db", default=None)
    if student_install():
        _only_commands(sub, STUDENT_COMMANDS)
    return parser


# What the student bundle (`nngrade release --bundle`) offers: it ships no grader.
STUDENT_COMMANDS = ("check",)


def student_install() -> bool:
    """True in the student bundle, which ships `check` and not the grader."""
    import importlib.util
    return importlib.util.find_spec("nngrade.grade") is None


def _only_commands(sub, keep) -> None:
    """Drop every subcommand but ``keep`` from the parser, its usage line and its help."""
    for name in [n for n in sub.choices if n not in keep]:
        del sub.choices[name]
    sub._choices_actions[:] = [a for a in sub._choices_actions if a.dest in keep]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from nngrade import speech
    with speech.speaking(speech.language(getattr(args, "lang", None))):
        return _run(args, as_program=argv is None)


def _run(args, as_program: bool = False) -> int:
    from nngrade import speech
    try:
        code = COMMANDS[args.command](args)
        if as_program and args.command == "check":
            # The program itself, everything closed and printed: skip the interpreter's
            # teardown of what pytest, numpy and the grader loaded (about 0.1 s of a check
            # that takes half a second).
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        return code
    except KeyboardInterrupt as stop:
        print(f"nngrade: {speech.spoken(speech.said_of(stop))}" if str(stop)
              else f"nngrade: {speech.tell('interrupted')}", file=sys.stderr)
        return 130
    except (ValueError, OSError) as exc:   # IntakeError, ConfigError, SetError ... included
        # Bad input (a missing folder, a broken course file ...): say what and where, no traceback.
        from nngrade.errors import error_line
        print(f"nngrade {args.command}: {error_line(exc)}", file=sys.stderr)
        return 2


def _option_sets(names):
    """The sets of a `--sets` option; an unknown one is an error naming the option."""
    from nngrade.autograder.sets import UnknownSetError, parse_sets
    from nngrade.speech import prefixed
    try:
        return parse_sets(names)
    except UnknownSetError as exc:
        raise UnknownSetError(prefixed("--sets", exc)) from None


def cmd_init(args) -> int:
    from nngrade.config import init_course
    from nngrade.speech import tell
    path = init_course(args.course, args.name, args.lang or "ko")
    print(tell("wrote", path=path))
    return 0


def cmd_grade(args) -> int:
    from nngrade.config import find_course, load_course
    from nngrade.grade import GradeOptions, grade_class
    from nngrade.autograder.sets import parse_sets
    from nngrade.speech import cli, tell

    course_file = args.course
    if course_file is not None and course_file.is_dir():
        course_file = course_file / "nngrade.toml"
    course_file = course_file or find_course(Path.cwd(), args.submissions, args.out)
    if course_file is None:
        raise ValueError(cli("grade-no-course"))
    course = load_course(course_file)
    level = os.environ.get("NNGRADE_SANDBOX") or None
    if level is not None:
        from nngrade.autograder.sandbox import LEVELS
        if level not in LEVELS:
            raise ValueError(cli("sandbox-level", level=repr(level), levels=', '.join(LEVELS)))
    options = GradeOptions(
        sets=_option_sets(args.sets) if args.sets else parse_sets(list(course.sets)),
        jobs=args.jobs, lang=args.lang or course.lang, only=args.only, force=args.force,
        sandbox_level=os.environ.get("NNGRADE_SANDBOX") or None, progress=not args.no_progress,
        fmt=args.fmt, roster=args.roster, allow_shared_uid=args.allow_shared_uid,
        mnist_dir=args.mnist_dir or (Path(os.environ["NNGRADE_MNIST_DIR"])
                                     if os.environ.get("NNGRADE_MNIST_DIR") else None))
    if args.cluster is not None:
        from nngrade.cluster.dispatch import cluster_target
        options.cluster = cluster_target(args, course)
    run = grade_class(args.submissions, args.out, course, options)
    print(tell("graded", graded=len(run.graded), unchanged=len(run.skipped), failed=len(run.failed),
               seconds=run.seconds, level=run.sandbox.get("level", "n/a") if run.sandbox else "n/a"))
    print(run.summary_path)
    return 0 if not run.failed else 1


def cmd_check(args) -> int:
    from nngrade.check import run_check
    return run_check(args.set, args.path, lang=args.lang)


def cmd_demo(args) -> int:
    from nngrade.demo import run_demo
    summary = run_demo(args.out, jobs=args.jobs, lang=args.lang or "ko", force=args.force)
    print(summary)
    return 0


def cmd_new_set(args) -> int:
    from nngrade.new_set import create_set
    from nngrade.speech import tell
    folder = create_set(args.course, args.name, title=args.title, module=args.module)
    print(tell("new-set-written", folder=folder, course=args.course, name=args.name))
    return 0


def _course_dir(path: Path) -> Path:
    return path.parent if path.name == "nngrade.toml" else path


def cmd_release(args) -> int:
    from nngrade import release
    if args.course is None:
        return release.run(check=args.check, bundle=args.bundle)
    from nngrade.config import COURSE_SETS_DIR, load_course
    course = _course_dir(args.course)
    load_course(course / "nngrade.toml")       # the course's sets become known
    return release.run(check=args.check, bundle=args.bundle,
                       solutions_dir=course / COURSE_SETS_DIR,
                       assignments_dir=course / "assignments")


def _course_file(course: Path | None, *near: Path) -> Path | None:
    """--course as a file, else the nearest nngrade.toml."""
    from nngrade.config import find_course
    if course is not None:
        return course / "nngrade.toml" if course.is_dir() else course
    return find_course(Path.cwd(), *near)


def cmd_export(args) -> int:
    from nngrade import speech
    if args.target.startswith("moodle-"):
        from nngrade.moodle import run_export
        for line in run_export(args.target, args.dest, args.results, args.worksheet,
                               _option_sets(args.sets) if args.sets else None,
                               _course_file(args.course, args.results or Path.cwd())):
            print(speech.spoken(line))
        return 0
    if args.course is not None:
        from nngrade.config import load_course
        load_course(_course_dir(args.course) / "nngrade.toml")   # the course's own sets too
    sets = _option_sets(args.sets)
    if args.target == "nbgrader":
        from nngrade.export.nbgrader import export_nbgrader
        path = export_nbgrader(args.dest, sets)
    else:
        from nngrade.export.gradescope import export_gradescope
        course = args.course / "nngrade.toml" if args.course and args.course.is_dir() else args.course
        path = export_gradescope(args.dest, sets, course=course)
    print(path)
    return 0


def cmd_publish(args) -> int:
    from nngrade.canvas import publish
    course = _course_file(args.course, args.results)
    if course is None:
        from nngrade.speech import cli
        raise ValueError(cli("publish-no-course"))
    return publish(args.results, course, roster=args.roster, dry_run=args.dry_run,
                   sets=_option_sets(args.sets) if args.sets else None)


def cmd_cluster(args) -> int:
    from nngrade.cluster.slurm import run_slurm
    from nngrade.config import load_course
    course = _course_file(args.course, Path.cwd())
    if course is None:
        from nngrade.speech import cli
        raise ValueError(cli("cluster-no-course"))
    return run_slurm(load_course(course), workers=args.workers, print_script=args.print_script,
                     insecure=args.insecure)


def _served_course(path: Path):
    from nngrade.config import CONFIG_NAME, load_course
    return load_course(path / CONFIG_NAME if path.is_dir() else path)


def cmd_serve(args) -> int:
    from nngrade.serve import require_serve_extra, serve
    require_serve_extra()
    course = _served_course(args.course)
    level = os.environ.get("NNGRADE_SANDBOX") or None
    if args.port < 0 or args.port > 65535:
        from nngrade.speech import cli
        raise ValueError(cli("serve-port", port=args.port))
    cluster = None
    if args.cluster is not None:
        from nngrade.cluster.dispatch import cluster_target
        cluster = cluster_target(args, course)
    return serve(course, host=args.host, port=args.port, db=args.db, jobs=args.jobs,
                 sandbox_level=level, mnist_dir=os.environ.get("NNGRADE_MNIST_DIR") or None,
                 cluster=cluster)


def cmd_link(args) -> int:
    from nngrade.serve import instructor_link, student_link
    from nngrade.speech import cli
    course = _served_course(args.course)
    if args.instructor:
        print(instructor_link(course, args.base_url, args.db))
        return 0
    if not args.student or not args.student.strip():
        raise ValueError(cli("link-no-student"))
    print(student_link(course, args.student.strip(), args.base_url, args.db))
    return 0


def cmd_forget(args) -> int:
    from nngrade.serve import forget_student
    from nngrade.speech import tell
    course = _served_course(args.course)
    print(tell("forgot", student=args.student, count=forget_student(course, args.student, args.db)))
    return 0


COMMANDS = {"serve": cmd_serve, "link": cmd_link, "forget": cmd_forget, "init": cmd_init, "grade": cmd_grade, "check": cmd_check, "demo": cmd_demo,
            "new-set": cmd_new_set, "release": cmd_release, "export": cmd_export,
            "publish": cmd_publish, "cluster": cmd_cluster}


if __name__ == "__main__":
    sys.exit(main())
