"""Names no file system tool expects: non-UTF-8 bytes, very long, control characters."""
import os


def build(subs, student, values, sources):
    entry = os.path.join(os.fsencode(subs), student.encode() + b"-\xff\xfe-" + b"n" * 200)
    os.mkdir(entry)
    with open(os.path.join(entry, b"compgraph.py"), "w", encoding="utf-8") as f:
        f.write(sources["compgraph"])
    hw = os.path.join(entry, b"hw-\xc3\x28-\xed\xa0\x80")
    os.mkdir(hw)
    with open(os.path.join(hw, b"perceptron.py"), "w", encoding="utf-8") as f:
        f.write(sources["perceptron"])
    junk = "raise SystemExit('pwned-odd-file-names: this file must never be imported')\n"
    for name in (b"\xff\xfe.py", b"perc\neptron.py", "noit\u202epecrep.py".encode(),
                 b"\x01\x02\x1b[31m.py", b"perceptron .py", b"-perceptron.py"):
        with open(os.path.join(entry, name), "w", encoding="utf-8") as f:
            f.write(junk)
    deep = entry
    for i in range(14):
        deep = os.path.join(deep, b"d" * 200)
    os.makedirs(deep)
    with open(os.path.join(deep, b"xor.py"), "w", encoding="utf-8") as f:
        f.write(junk)
