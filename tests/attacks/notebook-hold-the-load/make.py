"""A notebook whose correct gates are followed by a cell that will not let the notebook end."""
import json
import os

HOLD = '''\
import signal, sys
# Turn the cell runner's own timer off, then catch whatever it raises anyway, forever.
runner = sys.modules.get("_nngrade_child")
if runner is not None:
    runner._setitimer = lambda *args, **kwargs: (0.0, 0.0)
    runner.Runner._alarm = lambda self, *args: None
signal.setitimer(signal.ITIMER_REAL, 0)
print("atk-notebook-hold-the-load holding")
while True:
    try:
        while True:
            pass
    except BaseException:
        pass
'''


def build(subs, student, values, sources):
    folder = os.path.join(subs, student)
    os.makedirs(folder)
    cells = [sources["perceptron"], HOLD]
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                "cells": [{"cell_type": "code", "metadata": {}, "execution_count": None,
                           "outputs": [], "source": text, "id": f"c{i}"}
                          for i, text in enumerate(cells)]}
    with open(os.path.join(folder, "perceptron.ipynb"), "w", encoding="utf-8") as f:
        json.dump(notebook, f)
    with open(os.path.join(folder, "compgraph.py"), "w", encoding="utf-8") as f:
        f.write(sources["compgraph"])
