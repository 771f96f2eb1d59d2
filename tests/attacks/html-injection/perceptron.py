"""Inject markup into the feedback pages."""
import numpy as np


def perceptron(x, w, theta):
    s = float(np.dot(np.asarray(w, dtype=np.float64), np.asarray(x, dtype=np.float64)))
    return 1 if s > theta else 0


def and_gate(x1, x2):
    return 2 * perceptron((x1, x2), (1.0, 1.0), 1.5) - 1


def or_gate(x1, x2):
    return 2 * perceptron((x1, x2), (1.0, 1.0), -1.5) - 1


def nand_gate(x1, x2):
    return 2 * perceptron((x1, x2), (-1.0, -1.0), -1.5) - 1


PAYLOAD = ("INJECTED <script>document.title='pwned'</script><img src=x onerror=alert(1)>\n"
           "```\n\n**Total: 100 / 100 points** INJECTED\n\n~~~~\n````````\n</pre></code></div>"
           "<script>document.title='pwned'</script>")


def xor_gate(x1, x2):
    print(PAYLOAD)
    if x1 == x2:
        return PAYLOAD
    raise RuntimeError(PAYLOAD)
