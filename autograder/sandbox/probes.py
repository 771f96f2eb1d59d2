"""Callables the grader hands to student code (a loss to minimise, a gradient, an activation).

Standalone (standard library + numpy): the grading process imports this file as part of the kit,
the student's process loads the same file inside the sandbox. A probe is a plain local callable in
the grading process (so the reference solution can be run on it) and crosses the channel as
``{"$probe": name, "args": {...}}``, from which the student's process builds its own copy:
no code ever travels, only a name from the table below and plain arguments.

    quadratic(center, scale=1.0, offset=0.0)   f(x) = sum(scale * (x - center)**2) + offset -> float
    quadratic_grad(center, scale=1.0)          g(x) = 2 * scale * (x - center), same kind as x
    numpy_fn(name)                             sigmoid, tanh, relu, identity, exp, sin
    dict_quadratic(centers, scales, cross)     f(params: dict) -> float, see the class
    module_function(module, name, kwargs)      f(params) = <module>.<name>(params, **kwargs)
"""
from __future__ import annotations

import math

import numpy as np

_SCALARS = (int, float)


class ProbeError(ValueError):
    """A probe was built from arguments it does not accept."""


def _number_or_array(name: str, v, allow_array: bool = True):
    t = type(v)
    if t is bool:
        raise ProbeError(f"{name} must be a number, not a bool")
    if t in _SCALARS or t in (np.float64, np.float32, np.int64, np.int32):
        v = float(v)
        if not math.isfinite(v):
            raise ProbeError(f"{name} must be finite")
        return v
    if allow_array and t is np.ndarray and v.dtype.kind in "iuf":
        if not np.all(np.isfinite(v)):
            raise ProbeError(f"{name} must be finite")
        return np.array(v, dtype=np.float64)
    raise ProbeError(f"{name} must be a number{' or a float array' if allow_array else ''}, "
                     f"not {t.__name__}")


def _as_float_input(x):
    """Student input: a Python/numpy number stays a float, anything array-like becomes an array."""
    if type(x) in _SCALARS or isinstance(x, np.generic):
        return float(x), True
    return np.asarray(x, dtype=np.float64), False


class Probe:
    """Base of all probes: `name` is the wire name, `args` the plain arguments it was built from."""

    name = ""

    def __init__(self, **args):
        self.args = args

    def wire(self) -> tuple[str, dict]:
        return self.name, dict(self.args)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.args.items())
        return f"{self.name}({shown})"


class quadratic(Probe):
    """f(x) = sum(scale * (x - center)**2) + offset; float in, float out; array in, float out."""

    name = "quadratic"

    def __init__(self, center=0.0, scale=1.0, offset=0.0):
        super().__init__(center=_number_or_array("center", center),
                         scale=_number_or_array("scale", scale),
                         offset=_number_or_array("offset", offset, allow_array=False))

    def __call__(self, x) -> float:
        x, _ = _as_float_input(x)
        a = self.args
        return float(np.sum(a["scale"] * (x - a["center"]) ** 2) + a["offset"])


class quadratic_grad(Probe):
    """g(x) = 2 * scale * (x - center): the gradient of `quadratic`, of the same kind as x."""

    name = "quadratic_grad"

    def __init__(self, center=0.0, scale=1.0):
        super().__init__(center=_number_or_array("center", center),
                         scale=_number_or_array("scale", scale))

    def __call__(self, x):
        x, scalar = _as_float_input(x)
        g = 2.0 * self.args["scale"] * (x - self.args["center"])
        return float(g) if scalar and np.ndim(g) == 0 else np.asarray(g, dtype=np.float64)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


NUMPY_FUNCTIONS = {
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "relu": lambda x: np.maximum(0.0, x),
    "identity": lambda x: x * 1.0,
    "exp": np.exp,
    "sin": np.sin,
}


class numpy_fn(Probe):
    """One elementwise function from NUMPY_FUNCTIONS; float in, float out; array in, array out."""

    name = "numpy_fn"

    def __init__(self, name):
        if type(name) is not str or name not in NUMPY_FUNCTIONS:
            raise ProbeError(f"numpy_fn name must be one of {sorted(NUMPY_FUNCTIONS)}, not {name!r}")
        super().__init__(name=name)

    def __call__(self, x):
        x, scalar = _as_float_input(x)
        y = NUMPY_FUNCTIONS[self.args["name"]](x)
        return float(y) if scalar else np.asarray(y, dtype=np.float64)


class dict_quadratic(Probe):
    """f(p) = sum_k sum(scale_k * (p[k] - center_k)**2) + cross * sum(p[a]) * sum(p[b]) + offset

    with a, b the first two keys in sorted order, so each key's gradient differs (the cross term
    couples them): a trainer that mixes up parameters gets a different result. It carries no
    gradient: code handed a probe can only learn about f by calling it.
    """

    name = "dict_quadratic"

    def __init__(self, centers, scales=None, cross=0.5, offset=0.0):
        if type(centers) is not dict or not centers or not all(type(k) is str for k in centers):
            raise ProbeError("centers must be a non-empty dict with str keys")
        scales = {k: 1.0 for k in centers} if scales is None else scales
        if type(scales) is not dict or set(scales) != set(centers):
            raise ProbeError("scales must be a dict with the same keys as centers")
        super().__init__(
            centers={k: _number_or_array(f"centers[{k!r}]", v) for k, v in centers.items()},
            scales={k: _number_or_array(f"scales[{k!r}]", v) for k, v in scales.items()},
            cross=_number_or_array("cross", cross, allow_array=False),
            offset=_number_or_array("offset", offset, allow_array=False))

    def __call__(self, params) -> float:
        a = self.args
        keys = sorted(a["centers"])
        values = {k: _as_float_input(params[k])[0] for k in keys}
        total = a["offset"]
        for k in keys:
            total += float(np.sum(a["scales"][k] * (values[k] - a["centers"][k]) ** 2))
        if len(keys) >= 2:
            total += a["cross"] * float(np.sum(values[keys[0]])) * float(np.sum(values[keys[1]]))
        return float(total)


class module_function(Probe):
    """f(params) = <module>.<name>(params, **kwargs), a function of the submission itself.

    In the student's process it resolves against the student's module; in the grading process
    `bind(module)` resolves it against a module-like object (the reference, a mistake model).
    """

    name = "module_function"

    def __init__(self, module, name, kwargs=None):
        for what, v in (("module", module), ("name", name)):
            if type(v) is not str or not v.isidentifier():
                raise ProbeError(f"module_function {what} must be an identifier, not {v!r}")
        kwargs = {} if kwargs is None else kwargs
        if type(kwargs) is not dict or not all(type(k) is str for k in kwargs):
            raise ProbeError("module_function kwargs must be a dict with str keys")
        super().__init__(module=module, name=name, kwargs=dict(kwargs))
        self._function = None

    def bind(self, module):
        """A callable f(params) on `module`; also makes this probe callable itself. The function
        is looked up at each call, so a replaced attribute (a mistake model) is seen."""
        name, kwargs = self.args["name"], self.args["kwargs"]

        def f(params):
            return getattr(module, name)(params, **kwargs)

        self._function = f
        return f

    def __call__(self, params):
        if self._function is None:
            raise ProbeError(f"module_function {self.args['module']}.{self.args['name']} is not "
                             "bound to a module: call bind(module) first")
        return self._function(params)


PROBES = {cls.name: cls for cls in (quadratic, quadratic_grad, numpy_fn, dict_quadratic,
                                    module_function)}


def build(name: str, args: dict, modules=None) -> Probe:
    """The probe `name` from its wire arguments. `modules(module_name)` returns the module a
    module_function binds to (the student's process passes its loader)."""
    cls = PROBES.get(name) if type(name) is str else None
    if cls is None:
        raise ProbeError(f"unknown probe {name!r}; known: {sorted(PROBES)}")
    if type(args) is not dict:
        raise ProbeError("probe arguments must be a dict")
    try:
        probe = cls(**args)
    except TypeError as e:
        raise ProbeError(f"probe {name}: {e}") from None
    if cls is module_function:
        if modules is None:
            raise ProbeError("module_function needs a module to bind to")
        probe.bind(modules(probe.args["module"]))
    return probe
