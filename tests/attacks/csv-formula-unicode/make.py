"""Formula ids hidden behind invisible or full-width characters."""
import os

IDS = (" =HYPERLINK(1)", "\u00a0=HYPERLINK(2)", "\u200b=HYPERLINK(3)", "\t=HYPERLINK(4)",
       "\ufeff@SUM(5)", "\uff0bcmd(6)")


def build(subs, student, values, sources):
    for sid in (student,) + IDS:
        folder = os.path.join(subs, sid)
        os.makedirs(folder)
        for module in ("perceptron", "compgraph"):
            with open(os.path.join(folder, f"{module}.py"), "w", encoding="utf-8") as f:
                f.write(sources[module])
