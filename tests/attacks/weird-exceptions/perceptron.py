"""Exceptions that misbehave."""
import numpy as np


def perceptron(x, w, theta):
    s = float(np.dot(np.asarray(w, dtype=np.float64), np.asarray(x, dtype=np.float64)))
    return 1 if s > theta else 0


class Meta(type):
    @property
    def __name__(cls):
        raise RuntimeError("no name")

    def __repr__(cls):
        raise RuntimeError("no repr")


class Nasty(Exception, metaclass=Meta):
    def __str__(self):
        raise RuntimeError("no text")

    def __repr__(self):
        raise RuntimeError("no repr")


class Huge(Exception):
    def __str__(self):
        return "x" * (10 << 20)


def xor_gate(x1, x2):
    raise Nasty()


def nand_gate(x1, x2):
    raise KeyboardInterrupt()


def or_gate(x1, x2):
    raise Huge()


_SPOOF = compile("def and_gate(x1, x2):\n    raise GeneratorExit('from the reference')\n",
                 "@@SOLUTIONS@@/09_perceptron/perceptron.py", "exec")
exec(_SPOOF)
