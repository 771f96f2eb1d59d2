"""An honest submission plus a helper module with a 240-character name."""
import os


def build(subs, student, values, sources):
    entry = os.path.join(subs, student)
    os.makedirs(entry)
    for module, source in sources.items():
        with open(os.path.join(entry, f"{module}.py"), "w", encoding="utf-8") as f:
            f.write(source)
    with open(os.path.join(entry, "a" * 240 + ".py"), "w", encoding="utf-8") as f:
        f.write("HELPER = 1\n")
