import numpy as np


def nudge(params, key, index, delta):
    """Move one entry of params by delta (index None for a float entry)."""
    if index is None:
        params[key] = params[key] + delta
    else:
        params[key][index] += delta


def entries(params, key):
    value = params[key]
    if isinstance(value, np.ndarray):
        return list(np.ndindex(value.shape))
    return [None]
