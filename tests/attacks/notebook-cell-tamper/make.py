"""A notebook whose cell rebinds what a cell runner would use, then a cell that loops forever."""
import ast
import json
import os

TAMPER = '''\
import builtins, signal, time
SAVED = (builtins.exec, builtins.compile, signal.signal, signal.setitimer, signal.alarm,
         time.monotonic, time.perf_counter)
# Later cells are neither compiled, run, nor timed (so the runner hopes).
builtins.exec = lambda *args, **kwargs: None
builtins.compile = lambda *args, **kwargs: None
signal.signal = lambda *args, **kwargs: signal.SIG_IGN
signal.setitimer = lambda *args, **kwargs: (0.0, 0.0)
signal.alarm = lambda seconds: 0
time.monotonic = time.perf_counter = lambda: 0.0
SAVED[2](signal.SIGALRM, signal.SIG_IGN)
'''
LOOP = "print('atk-notebook-cell-tamper looping')\nwhile True:\n    pass\n"
RESTORE = '''\
import builtins, signal, time
(builtins.exec, builtins.compile, signal.signal, signal.setitimer, signal.alarm,
 time.monotonic, time.perf_counter) = SAVED
'''


def build(subs, student, values, sources):
    folder = os.path.join(subs, student)
    os.makedirs(folder)
    source = sources["perceptron"]
    lines = source.splitlines(keepends=True)
    tree = ast.parse(source)
    head = "".join("".join(lines[n.lineno - 1:n.end_lineno]) for n in tree.body
                   if isinstance(n, (ast.Import, ast.ImportFrom)))
    defs = ["".join(lines[n.lineno - 1:n.end_lineno]) for n in tree.body
            if isinstance(n, ast.FunctionDef)]
    # the honest gates before and after the tampering and the loop: those after must run too
    cells = [head + defs[0], defs[1] + defs[2], TAMPER, LOOP, RESTORE + "".join(defs[3:])]
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                "cells": [{"cell_type": "code", "metadata": {}, "execution_count": None,
                           "outputs": [], "source": text, "id": f"c{i}"}
                          for i, text in enumerate(cells)]}
    with open(os.path.join(folder, "perceptron.ipynb"), "w", encoding="utf-8") as f:
        json.dump(notebook, f)
    with open(os.path.join(folder, "compgraph.py"), "w", encoding="utf-8") as f:
        f.write(sources["compgraph"])
