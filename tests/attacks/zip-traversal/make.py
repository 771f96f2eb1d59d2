"""Zip entries that would land outside the folder if extracted."""
import os
import zipfile

NAMES = ["../../pwned-zip-traversal/perceptron.py", "/tmp/pwned-zip-traversal/perceptron.py",
         "..\\..\\pwned-zip-traversal\\perceptron.py", "C:/pwned-zip-traversal/perceptron.py",
         "hw/../../perceptron.py", "hw/../../../../../../../../tmp/pwned-zip-traversal.py"]


def build(subs, student, values, sources):
    with zipfile.ZipFile(os.path.join(subs, student + ".zip"), "w") as zf:
        zf.writestr("compgraph.py", sources["compgraph"])
        for name in NAMES:
            info = zipfile.ZipInfo("placeholder")
            info.filename = name           # ZipInfo would normalise the name; keep it raw
            info.orig_filename = name
            zf.writestr(info, sources["perceptron"])
