"""A notebook whose cells are cheap to store and ruinous to parse."""
import json
import os


def build(subs, student, values, sources):
    folder = os.path.join(subs, student)
    os.makedirs(folder)
    cells = [sources["perceptron"], "BIG = [" + "0," * 2_000_000 + "]\n",
             "WIDE = [" + "(0,0)," * 1_000_000 + "]\n"]
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                "cells": [{"cell_type": "code", "metadata": {}, "execution_count": None,
                           "outputs": [], "source": text, "id": f"c{i}"}
                          for i, text in enumerate(cells)]}
    with open(os.path.join(folder, "perceptron.ipynb"), "w", encoding="utf-8") as f:
        json.dump(notebook, f)
    with open(os.path.join(folder, "compgraph.py"), "w", encoding="utf-8") as f:
        f.write(sources["compgraph"])
