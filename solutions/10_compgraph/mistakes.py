"""Mistake models of set 10 (computational graph)."""
from nngrade.autograder.mistakes import mistake

SET = "10_compgraph"


@mistake("mul-backward-swapped", "MulLayer")
def _(m):
    class MulLayer:
        """A multiply node whose backward hands each input its own value instead of the other's."""

        def __init__(self):
            self.x = None
            self.y = None

        def forward(self, x, y):
            self.x = x
            self.y = y
            return x * y

        def backward(self, dout):
            return dout * self.x, dout * self.y
    return MulLayer
