"""Symbolic links out of the submission, and a FIFO."""
import os
import stat
import zipfile


def build(subs, student, values, sources):
    entry = os.path.join(subs, student)
    os.makedirs(entry)
    with open(os.path.join(entry, "compgraph.py"), "w", encoding="utf-8") as f:
        f.write(sources["compgraph"])
    os.symlink(os.path.join(values["CANARY"], "answers", "perceptron.py"), os.path.join(entry, "perceptron.py"))
    os.symlink(values["OTHER_STUDENT"], os.path.join(entry, "hw"))
    os.makedirs(os.path.join(entry, "sub"))
    os.mkfifo(os.path.join(entry, "sub", "perceptron.py"))
    with zipfile.ZipFile(os.path.join(entry, "links.zip"), "w") as zf:
        info = zipfile.ZipInfo("deep/perceptron.py")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, values["SECRET_FILE"])
