"""Mistake models of set 06 (numerical gradients).

Most models replace `numerical_gradient`; `train_numerical` of the same variant module then trains
with the mistaken estimate, as a student's trainer calling their own estimate would. The models
share one loop, `_estimate`, which is the reference's loop with the three things students get
wrong made explicit: where f is evaluated and how the values are combined, whether the moved
entry is put back, and whether the caller's own dict and arrays are moved.

Probe advice: a one-sided difference is off by about h * f''/2, invisible at h = 1e-7 under the
1e-4 tolerance; probes that must tell it from the central difference use h near 1e-3. A
parameter left perturbed only changes the estimates of the entries after it when f couples them
(two_layer_loss does; a sum of separate quadratics does not), so such probes use a coupled f.
"""
import numpy as np

from nngrade.autograder.mistakes import mistake

SET = "06_numerical_gradient"


def _estimate(f, params, h, offsets, combine, restore=True, in_place=False):
    """Evaluate f with each entry moved to value + o*h for o in `offsets`, in that order, and
    give those values to `combine(values, h)`.

    restore=False leaves each entry at its last moved value. in_place=True moves the caller's
    own dict entries and arrays instead of a copy's.
    """
    if in_place:
        work = params
    else:
        work = {k: (np.array(v, dtype=np.float64) if isinstance(v, np.ndarray) else v)
                for k, v in params.items()}
    grads = {}
    for key in list(work):
        value = work[key]
        if isinstance(value, np.ndarray):
            grad = np.zeros(value.shape, dtype=np.float64)
            for idx in np.ndindex(value.shape):
                saved = value[idx]
                values = []
                for o in offsets:
                    value[idx] = saved + o * h
                    values.append(f(work))
                if restore:
                    value[idx] = saved
                grad[idx] = combine(values, h)
            grads[key] = grad
        else:
            values = []
            for o in offsets:
                work[key] = value + o * h
                values.append(f(work))
            if restore:
                work[key] = value
            grads[key] = float(combine(values, h))
    return grads


def _central(values, h):
    f_plus, f_minus = values
    return (f_plus - f_minus) / (2 * h)


# --- forward-difference: a one-sided difference instead of the central one ------------------

@mistake("forward-difference", "numerical_gradient")
def _(m):
    def numerical_gradient(f, params, h=1e-7):
        # (f(x + h) - f(x)) / h: error of order h, not h^2
        return _estimate(f, params, h, (1, 0), lambda v, h: (v[0] - v[1]) / h)
    return numerical_gradient


@mistake("forward-difference", "numerical_gradient")
def _(m):
    def numerical_gradient(f, params, h=1e-7):
        # the backward difference (f(x) - f(x - h)) / h: also one-sided
        return _estimate(f, params, h, (0, -1), lambda v, h: (v[0] - v[1]) / h)
    return numerical_gradient


# --- missing-factor-2h: the central difference over the wrong denominator ------------------

@mistake("missing-factor-2h", "numerical_gradient")
def _(m):
    def numerical_gradient(f, params, h=1e-7):
        # (f(x + h) - f(x - h)) / h: twice the derivative
        return _estimate(f, params, h, (1, -1), lambda v, h: (v[0] - v[1]) / h)
    return numerical_gradient


@mistake("missing-factor-2h", "numerical_gradient")
def _(m):
    def numerical_gradient(f, params, h=1e-7):
        # (f(x + h) - f(x - h)) / 2 * h parses as ((...) / 2) * h: the derivative times h^2
        return _estimate(f, params, h, (1, -1), lambda v, h: (v[0] - v[1]) / 2 * h)
    return numerical_gradient


# --- param-not-restored: a moved entry is not put back ---------------------------------------

@mistake("param-not-restored", "numerical_gradient")
def _(m):
    def numerical_gradient(f, params, h=1e-7):
        # moves the caller's entries and leaves each at x - h: later estimates are taken at a
        # shifted point, and the caller's params come back changed
        return _estimate(f, params, h, (1, -1), _central, restore=False, in_place=True)
    return numerical_gradient


@mistake("param-not-restored", "numerical_gradient")
def _(m):
    def numerical_gradient(f, params, h=1e-7):
        # works on a copy, so the caller is safe, but the copy's entries stay moved
        return _estimate(f, params, h, (1, -1), _central, restore=False)
    return numerical_gradient


@mistake("param-not-restored", "numerical_gradient")
def _(m):
    def numerical_gradient(f, params, h=1e-7):
        # a fresh shallow copy per entry, as the seed does, without putting values back: right
        # for float entries, but array entries are shared with the caller and stay moved
        grads = {}
        for key in params:
            shallow = dict(params)
            if isinstance(shallow[key], np.ndarray):
                arr = shallow[key]              # the caller's own array
                grad = np.zeros(arr.shape, dtype=np.float64)
                for idx in np.ndindex(arr.shape):
                    saved = arr[idx]
                    arr[idx] = saved + h
                    f_plus = f(shallow)
                    arr[idx] = saved - h
                    f_minus = f(shallow)
                    grad[idx] = (f_plus - f_minus) / (2 * h)
                grads[key] = grad
            else:
                shallow[key] = params[key] + h
                f_plus = f(shallow)
                shallow[key] = params[key] - h
                f_minus = f(shallow)
                grads[key] = float((f_plus - f_minus) / (2 * h))
        return grads
    return numerical_gradient


# --- mutates-input: the trainer writes its updates into the caller's dict --------------------

@mistake("mutates-input", "train_numerical")
def _(m):
    def train_numerical(params, X, y, lr=0.1, epochs=1000, activation="relu"):
        def loss(p):
            return m.two_layer_loss(p, X, y, activation)
        for _ in range(epochs):
            grads = m.numerical_gradient(loss, params)
            for key in params:
                params[key] = params[key] - grads[key] * lr
        return params
    return train_numerical


# --- exact-gradient: the exact derivative instead of the central difference at h ------------

@mistake("exact-gradient", "numerical_gradient")
def _(m):
    def numerical_gradient(f, params, h=1e-7):
        # the derivative itself, as an analytic gradient (or an extrapolation) gives it: a
        # central difference with a step of 1.0 is exact on a quadratic of the grader's, and
        # Richardson's extrapolation of two small central steps is exact to ~1e-12 elsewhere
        if type(f).__name__ == "dict_quadratic":
            return _estimate(f, params, 1.0, (1, -1), _central)
        d1 = _estimate(f, params, 1e-3, (1, -1), _central)
        d2 = _estimate(f, params, 5e-4, (1, -1), _central)
        return {k: (4 * d2[k] - d1[k]) / 3 for k in params}
    return numerical_gradient


# --- h-overridden: the body uses its own step, not the h it is given --------------------------

for _step in (1e-4, 1e-5, 1e-6, 1e-7):
    @mistake("h-overridden", "numerical_gradient")
    def _(m, _step=_step):
        def numerical_gradient(f, params, h=1e-7):
            h = _step            # e.g. Saito's `h = 1e-4` inside the body
            return _estimate(f, params, h, (1, -1), _central)
        return numerical_gradient
