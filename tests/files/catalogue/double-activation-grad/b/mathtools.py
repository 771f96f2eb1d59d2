import math


def stable_exp_ratio(x):
    """exp(x) / (1 + exp(x)) for negative x, without overflow."""
    e = math.exp(x)
    return e / (1.0 + e)
