"""Two pairs of students whose ids map to one OUT folder name."""
import os

LONG = "atk-long-" + "x" * 130


def build(subs, student, values, sources):
    broken = "class MulLayer:\n    pass\n\n\nclass AddLayer:\n    pass\n"
    for sid, source in (("atk collide", sources["compgraph"]), ("atk_collide", broken),
                        (LONG + "-A", sources["compgraph"]), (LONG + "-B", broken)):
        os.makedirs(os.path.join(subs, sid))
        with open(os.path.join(subs, sid, "compgraph.py"), "w", encoding="utf-8") as f:
            f.write(source)
