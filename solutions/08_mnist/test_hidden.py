"""Hidden suite of set 08: the student's MLP on per-student random nets, then trained on real digits.

Analytic tests: small random nets (layer widths all different, drawn from 3..10 without 7, so a
transposed weight is a shape error) with two and three layers, every hidden activation, both
output/loss pairs, and batches of 7, 11 and 13 rows (odd primes: a gradient summed over the batch
is N times the mean). The same parameters are written into the student's model and the
reference's with ``assign`` (so their own initialisations do not matter), then forward, backward
(the batch MEAN), step (lr 0.01 and another rate) and predict are compared with the reference
(analytic tolerance; predict exactly). The constructor is checked by its params' keys and shapes
(W of shape (in, out)), its values and its seed.

Training test: one run per student, shared by the MLP.fit tests, with the settings published in
set.toml's [accuracy] (and the set's README):

    model = MLP(sizes=(784, 128, 10), hidden="sigmoid", output="softmax", loss="cross_entropy", seed=0)
    history = model.fit(X_train[:, order], y_train, 15, 32, 0.5, seed=0)   # epochs, batch_size, lr
    params = model.params                                  # read back: plain arrays
    reference = MLP(**the same settings); reference.params[k] = params[k] for W1, b1, W2, b2
    accuracy = mean(reference.predict(X_held_out[:, order]) == y_held_out)

``order`` is one permutation of the 784 pixel positions per student (``pixel_order``: from the
student's seed, the same in every fit test of that student). A fully connected network learns
permuted digits as well as plain ones, but a table from public MNIST images to labels no longer
matches them. The held-out digits never reach the student's process and the student's predict is
not used: the accuracy is that of the params fit left, in the contract's layout (W (in, out)),
run through the reference's forward pass, so only trained weights score. Params that cannot be
scored (not a dict, a key missing, another shape or dtype, nan or inf) fail the held-out tests
with one sentence saying what is wrong. The order is no secret from a submission that carries
MNIST itself and matches its training images against it (it could then remap weights trained
elsewhere): the order makes that costly, not impossible.

The run happens within the course's CPU budget (``student.options["mnist_budget"]``, else set.toml's
[limits] training_budget_cpu_seconds); a fit stopped there fails all five fit tests and says so.
Data, in order: the directory the grading run names (``--mnist-dir``), else NNGRADE_MNIST_DIR, the
cache or a download (nngrade.mnist_data), else the sample shipped with the kit. With MNIST's own
training files the run trains on a stratified ``train_max`` of them (seed 0) and holds out the
10,000 test digits; offline, with only the test digits, it is the loader's split (8,000 training,
2,000 held out). A run that finishes with fit returning one {"loss", "accuracy"} dict per epoch
earns the points of ``MLP.fit/mnist-run``; each accuracy step reached earns those of its
``MLP.fit/held-out-<step>`` (on the shipped sample the steps move by the table's offset). The
training curve (fit's per-epoch accuracy, the student's and the reference's) is a plot in the
feedback; it carries the data note (``data_note``) saying which digits were used. The reference
trains once per grading process, on the digits in their own order, for that curve and for the
accuracy the messages compare with.
Points of each test are in set.toml's [points].
"""
from __future__ import annotations

import contextlib
import math
import tomllib
import zlib
from dataclasses import dataclass

import numpy as np
import pytest

from nngrade import mnist_data
from nngrade.autograder import i18n
from nngrade.autograder.messages import in_language
from nngrade.autograder.probe import (SCENARIO_FACTOR, SCENARIO_FLOOR_BYTES, GradingFailure,
                                      ObjectProxy, StudentError, assign)
from pathlib import Path

try:
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - then BLAS keeps its own thread count
    threadpool_limits = None

SET = "08_mnist"
SET_FILE = Path(__file__).resolve().parent / "set.toml"


# ---- the published training configuration and scale --------------------------------------------

@dataclass(frozen=True)
class Scale:
    model: dict                    # MLP keyword arguments, sizes a tuple
    epochs: int
    batch_size: int
    lr: float
    fit_seed: int
    steps: tuple[float, ...]       # held-out accuracy in %
    sample_offset: float           # added to every step on the shipped sample
    train_max: int
    budget: float                  # CPU seconds when the grading run names none


def read_scale(path=SET_FILE) -> Scale:
    """The [accuracy] table of set.toml; a missing or malformed entry is named."""
    try:
        whole = tomllib.loads(path.read_text(encoding="utf-8"))
        table = whole["accuracy"]
        model, fit = dict(table["model"]), dict(table["fit"])
        model["sizes"] = tuple(int(n) for n in model["sizes"])
        steps = tuple(float(v) for v in table["steps"])
        scale = Scale(model=model, epochs=int(fit["epochs"]), batch_size=int(fit["batch_size"]),
                      lr=float(fit["lr"]), fit_seed=int(fit.get("seed", 0)),
                      steps=steps,
                      sample_offset=float(table.get("sample", {}).get("steps_offset", 0.0)),
                      train_max=int(table["train_max"]),
                      budget=float(whole["limits"]["training_budget_cpu_seconds"]))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RuntimeError(f"{path}: cannot read set 08's accuracy scale: {exc}") from None
    except KeyError as exc:
        raise RuntimeError(f"{path}: [accuracy] has no {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:
        raise RuntimeError(f"{path}: [accuracy] has a value of the wrong kind: {exc}") from None
    if not steps or list(steps) != sorted(steps) or len(set(steps)) != len(steps):
        raise RuntimeError(f"{path}: [accuracy] steps must be increasing percentages, not {steps}")
    return scale


SCALE = read_scale()

WIDTHS = (3, 4, 5, 6, 8, 9, 10)             # layer widths: never 7, 11 or 13 (the batch sizes)
HIDDEN = ("sigmoid", "relu", "tanh")
SOFTMAX = dict(output="softmax", loss="cross_entropy")
SIGMOID_MSE = dict(output="sigmoid", loss="mse")


# ---- per-student random nets -------------------------------------------------------------------

def _sizes(student, layers: int) -> tuple[int, ...]:
    """Layer widths, input first, all different."""
    return tuple(int(v) for v in student.rng.choice(WIDTHS, size=layers + 1, replace=False))


def _hidden(student) -> str:
    return str(student.rng.choice(HIDDEN))


def _params(student, sizes) -> dict:
    """W (in, out) of order 1/sqrt(in), nonzero biases: every unit in its working range."""
    params = {}
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{l}"] = student.rng.normal(0.0, 1.3 / math.sqrt(n_in), size=(n_in, n_out))
        params[f"b{l}"] = student.rng.normal(0.0, 0.4, size=n_out)
    return params


def _batch(student, n: int, n_in: int, k: int):
    """X (n, n_in) in [0, 1] like pixels; one-hot T (n, k) with at least two classes."""
    X = student.rng.uniform(0.0, 1.0, size=(n, n_in))
    labels = student.rng.integers(0, k, size=n)
    labels[:2] = student.rng.choice(k, size=2, replace=False)
    return X, np.eye(k)[labels]


def _model(m, sizes, config, params):
    """An MLP of the module ``m`` (reference, student or mistake model) holding ``params``."""
    model = m.MLP(sizes=sizes, seed=0, **config)
    for key, value in params.items():
        assign(model, "params", key, value)
    return model


def _describe(student, sizes, config) -> str:
    return student.text('MLP(sizes={sizes}, hidden="{hidden}", output="{output}", loss="{loss}") '
                        'with given params', sizes=str(sizes), hidden=config["hidden"],
                        output=config["output"], loss=config["loss"])


# ---- MLP (constructor and .params) ---------------------------------------------------------------

def _layout(sizes, config, seed):
    """The scenario: each param's shape (a value that is not an array stands as its type name)."""
    def scenario(m):
        params = m.MLP(sizes=sizes, seed=seed, **config).params
        if not isinstance(params, dict):
            return f"params is a {type(params).__name__}, not a dict"
        return {str(k): (np.array(v.shape, dtype=float) if isinstance(v, np.ndarray)
                         else f"a {type(v).__name__}, not a numpy array")
                for k, v in params.items()}
    return scenario


@pytest.mark.function("MLP")
@pytest.mark.case("random-2-layer-params")
def test_params_two_layers(student, reference):
    sizes, config = _sizes(student, 2), dict(hidden=_hidden(student), **SOFTMAX)
    seed = int(student.rng.integers(1, 1000))
    student.check(_layout(sizes, config, seed), reference=reference, tol="exact",
                  what=student.text('the keys and shapes of MLP(sizes={sizes}, hidden="{hidden}", '
                                    'seed={seed}).params (W1 (in, out), b1 (out,), ...)',
                                    sizes=str(sizes), hidden=config["hidden"], seed=str(seed)))


@pytest.mark.function("MLP")
@pytest.mark.case("random-3-layer-params")
def test_params_three_layers(student, reference):
    sizes, config = _sizes(student, 3), dict(hidden=_hidden(student), **SIGMOID_MSE)
    seed = int(student.rng.integers(1, 1000))
    student.check(_layout(sizes, config, seed), reference=reference, tol="exact",
                  what=student.text('the keys and shapes of MLP(sizes={sizes}, hidden="{hidden}", '
                                    'output="sigmoid", loss="mse", seed={seed}).params',
                                    sizes=str(sizes), hidden=config["hidden"], seed=str(seed)))


@pytest.mark.function("MLP")
@pytest.mark.case("random-initial-values")
def test_initial_values(student):
    """Finite, random (not all equal) weights; the same seed gives the same weights."""
    sizes, hidden = _sizes(student, 2), _hidden(student)
    seed = int(student.rng.integers(1, 1000))
    first = student.module.MLP(sizes=sizes, hidden=hidden, seed=seed).params
    again = student.module.MLP(sizes=sizes, hidden=hidden, seed=seed).params
    student.expect_type(first, dict, what="MLP(...).params")
    for key in ("W1", "W2"):
        student.expect_true(key in first and isinstance(first[key], np.ndarray),
                            what=student.text("MLP(sizes={sizes}).params needs {key} as a numpy "
                                              "array", sizes=str(sizes), key=key))
        W = first[key]
        student.expect_true(bool(np.all(np.isfinite(W))) and float(np.std(W)) > 0.0,
                            what=student.text("the initial {key} of MLP(sizes={sizes}, "
                                              "seed={seed}) must be finite and random (equal "
                                              "weights make every unit learn the same)", key=key,
                                              sizes=str(sizes), seed=str(seed)))
    student.expect(again["W1"], first["W1"], tol="exact",
                   what=student.text("W1 of two MLP(sizes={sizes}, seed={seed}): the same seed must "
                                     "give the same initial weights", sizes=str(sizes),
                                     seed=str(seed)))


# ---- MLP.forward -----------------------------------------------------------------------------------

def _forward_check(student, reference, layers, output_loss, n):
    sizes, config = _sizes(student, layers), dict(hidden=_hidden(student), **output_loss)
    params = _params(student, sizes)
    X, _ = _batch(student, n, sizes[0], sizes[-1])
    student.check(lambda m: _model(m, sizes, config, params).forward(X), reference=reference,
                  what=student.text("forward(X) of {model}, X of shape {shape}",
                                    model=_describe(student, sizes, config), shape=str(X.shape)))


@pytest.mark.function("MLP.forward")
@pytest.mark.case("random-softmax")
def test_forward_softmax(student, reference):
    _forward_check(student, reference, 2, SOFTMAX, 11)


@pytest.mark.function("MLP.forward")
@pytest.mark.case("random-sigmoid-output")
def test_forward_sigmoid_output(student, reference):
    _forward_check(student, reference, 2, SIGMOID_MSE, 13)


@pytest.mark.function("MLP.forward")
@pytest.mark.case("random-3-layer")
def test_forward_three_layers(student, reference):
    _forward_check(student, reference, 3, SOFTMAX, 7)


# ---- MLP.backward ----------------------------------------------------------------------------------

def _backward_check(student, reference, layers, output_loss, n):
    sizes, config = _sizes(student, layers), dict(hidden=_hidden(student), **output_loss)
    params = _params(student, sizes)
    X, T = _batch(student, n, sizes[0], sizes[-1])
    student.check(lambda m: _model(m, sizes, config, params).backward(X, T), reference=reference,
                  what=student.text("backward(X, T) of {model} on a batch of {n}: each gradient the "
                                    "MEAN over the batch, shaped like its parameter",
                                    model=_describe(student, sizes, config), n=str(n)))


@pytest.mark.function("MLP.backward")
@pytest.mark.case("random-cross-entropy")
def test_backward_cross_entropy(student, reference):
    _backward_check(student, reference, 2, SOFTMAX, 7)


@pytest.mark.function("MLP.backward")
@pytest.mark.case("random-mse")
def test_backward_mse(student, reference):
    _backward_check(student, reference, 2, SIGMOID_MSE, 11)


@pytest.mark.function("MLP.backward")
@pytest.mark.case("random-3-layer")
def test_backward_three_layers(student, reference):
    output_loss = SOFTMAX if student.rng.random() < 0.5 else SIGMOID_MSE
    _backward_check(student, reference, 3, output_loss, 13)


# ---- MLP.step ---------------------------------------------------------------------------------------

def _step_check(student, reference, layers, lr):
    sizes, config = _sizes(student, layers), dict(hidden=_hidden(student), **SOFTMAX)
    params, grads = _params(student, sizes), _params(student, sizes)

    def scenario(m):
        model = _model(m, sizes, config, params)
        model.step(grads, lr)
        return model.params

    student.check(scenario, reference=reference,
                  what=student.text("params after step(grads, {lr}) of {model}: params[k] - lr * "
                                    "grads[k] for every key", lr=str(lr),
                                    model=_describe(student, sizes, config)))


@pytest.mark.function("MLP.step")
@pytest.mark.case("random-lr")
def test_step_random_rate(student, reference):
    _step_check(student, reference, 3, float(np.round(student.rng.uniform(0.021, 0.089), 4)))


@pytest.mark.function("MLP.step")
@pytest.mark.case("lr-0.01")
def test_step_keras_rate(student, reference):
    _step_check(student, reference, 2, 0.01)


# ---- MLP.predict --------------------------------------------------------------------------------------

@pytest.mark.function("MLP.predict")
@pytest.mark.case("random-3-layer")
def test_predict(student, reference):
    sizes, config = _sizes(student, 3), dict(hidden=_hidden(student), **SOFTMAX)
    params = _params(student, sizes)
    X, _ = _batch(student, 13, sizes[0], sizes[-1])
    student.check(lambda m: _model(m, sizes, config, params).predict(X), reference=reference,
                  tol="exact", what=student.text("predict(X) of {model}, X of shape {shape}: the "
                                                 "index of each row's largest output",
                                                 model=_describe(student, sizes, config),
                                                 shape=str(X.shape)))


# ---- MLP.fit on real digits ------------------------------------------------------------------------------

@dataclass
class GradingData:
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    split_note: str                # the loader's note (a Said: said in any language)
    sample_why: str | None = None  # why the shipped sample stands in for MNIST ("": asked for)
    full_train: int | None = None  # the training images there were, when a stratified part is used
    kind: str = "sample"           # "sample", "standard" or "offline"
    shift: float = 0.0             # added to every accuracy step on this data (the sample's offset)

    def describe(self, text, lang: str) -> tuple[str, str]:
        """(note, label) in the language of ``text`` (student.text, or ``english``): the note for
        reports, the label, short, for plot titles."""
        note = in_language(self.split_note, lang)
        if self.sample_why == "":
            note += " " + text("The shipped sample was asked for instead of MNIST.")
        # why MNIST itself could not be had (a path, a download error) is the course's setup,
        # not the student's: their note says only which digits were used
        if self.full_train is not None:
            note += " " + text("Grading trains on a stratified {used} of the {total} training "
                               "images (seed 0).", used=format(len(self.y_train), ","),
                               total=format(self.full_train, ","))
        counts = dict(train=format(len(self.y_train), ","), held=format(len(self.y_test), ","))
        if self.kind == "sample":
            label = text("MNIST sample: {train} training / {held} held-out digits", **counts)
        elif self.kind == "standard":
            label = text("MNIST standard split: {train} training / {held} held-out", **counts)
        else:
            label = text("MNIST offline split of the test digits: {train} training / {held} "
                         "held-out", **counts)
        return note, label

    @property
    def note(self) -> str:
        return self.describe(english, "en")[0]

    @property
    def label(self) -> str:
        return self.describe(english, "en")[1]


def english(msgid: str, **fields) -> str:
    """A sentence of this suite in English, as student.text says it for lang "en" (where no
    student is at hand: the reference's run, the data's description)."""
    return i18n.gettext(msgid, "en", SET_FILE.parent, **fields)


@dataclass
class TrainingRun:
    """One student's (or the reference's) run: what fit returned and the held-out accuracy of the
    params it left, or why there is none."""
    history: object = None
    curve: list[float] | None = None
    accuracy: float | None = None      # held-out, in %
    correct: int = 0
    failure: tuple | None = None       # (summary, details, status), raised by every fit test
    problem: tuple | None = None       # (summary, tags): params unusable, raised by held-out tests


_DATA: dict = {}        # the data directory asked for -> GradingData, once per grading process
_REFERENCE: dict = {}   # data label -> the reference's TrainingRun, once per grading process
_LAST_RUN: dict = {}    # the current student's run (a grading process takes one student at a time)


def grading_data(options: dict) -> GradingData:
    """The digits the run trains and tests on (see the module's docstring); loaded once."""
    mnist_dir = options.get("mnist_dir") or None
    if mnist_dir in _DATA:
        return _DATA[mnist_dir]
    log: list[str] = []
    try:
        if options.get("mnist_sample"):   # the demo: offline on any machine, in seconds
            raise mnist_data.MnistDataError("")
        split = mnist_data.load_mnist_split(mnist_dir, download=mnist_dir is None, log=log.append)
    except mnist_data.MnistDataError as exc:
        if mnist_dir is not None:
            raise                  # a directory the course named must hold MNIST: say what is wrong
        split = mnist_data.load_sample()
        why = " ".join(line.strip() for line in str(exc).splitlines()[:2]).replace(": ", " — ", 1)
        data = GradingData(split.X_train, split.y_train, split.X_test, split.y_test, split.note,
                           sample_why=why, kind="sample", shift=SCALE.sample_offset)
    else:
        X, y, full = split.X_train, split.y_train, None
        if len(y) > SCALE.train_max:
            _, keep = mnist_data.stratified_split(y, SCALE.train_max, seed=0)
            X, y, full = X[keep], y[keep], len(split.y_train)
        data = GradingData(X, y, split.X_test, split.y_test, split.note, full_train=full,
                           kind="standard" if split.standard else "offline")
    _DATA[mnist_dir] = data
    return data


def data_for(student) -> GradingData:
    """grading_data, or a failed test saying the course's data could not be loaded (not the
    student's fault; the report lists it among the grader's problems)."""
    try:
        return grading_data(student.options)
    except mnist_data.MnistDataError as exc:
        raise GradingFailure(student.text(
            "set 08's training data could not be loaded, so the training run was not graded (a "
            "problem of the course's setup, not of your code): {error}", error=str(exc)),
            kind="grader-error") from None


def fit_call() -> str:
    """The training run as the student would write it."""
    model = ", ".join(f"{k}={v!r}" for k, v in SCALE.model.items())
    return (f"MLP({model}).fit(X, y, {SCALE.epochs}, {SCALE.batch_size}, {SCALE.lr}, "
            f"seed={SCALE.fit_seed})")


def _curve(history) -> list[float] | None:
    """fit's per-epoch "accuracy" as floats, or None when history is not that."""
    if not isinstance(history, list) or not history:
        return None
    values = []
    for entry in history[:SCALE.epochs]:
        value = entry.get("accuracy") if isinstance(entry, dict) else None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return None
        values.append(float(value))
    return values


def _one_blas_thread():
    """Trusted models (the reference, mistake models) train in this process: on one BLAS thread,
    as in the sandbox. Small products spread over the threads of a busy machine cost 20 times
    the CPU."""
    return threadpool_limits(limits=1) if threadpool_limits else contextlib.nullcontext()


def pixel_order(student, n_pixels: int) -> np.ndarray:
    """The student's fixed order of the pixels, from the student's seed alone (not the test's), so
    every fit test of one student sees the same images and two students see different ones."""
    return np.random.default_rng([student.seed, zlib.crc32(b"pixel-order")]).permutation(n_pixels)


def _fit(m, X, y):
    """(model, history): an MLP of ``m`` (a module proxy) built and trained with the published
    settings. A StudentError (the student's code failed or was stopped) passes through."""
    model = m.MLP(**SCALE.model)
    history = model.fit(X, y, SCALE.epochs, SCALE.batch_size, SCALE.lr, seed=SCALE.fit_seed)
    return model, history


def contract_shapes() -> dict[str, tuple[int, ...]]:
    """W_l (in, out) and b_l (out,) of the published model, in the contract's key order."""
    sizes = SCALE.model["sizes"]
    shapes = {}
    for l in range(1, len(sizes)):
        shapes[f"W{l}"] = (sizes[l - 1], sizes[l])
        shapes[f"b{l}"] = (sizes[l],)
    return shapes


def _kind(value, text=None) -> str:
    """What a value read back from the student's process is, in words."""
    text = text or english
    if isinstance(value, ObjectProxy):
        return text("a {type} object", type=value._type)
    if type(value).__name__ == "Unsupported":       # not plain data: only its type name came back
        return text("a {type}", type=value.type_name)
    return text("a {type}", type=type(value).__name__)


def params_problem(params, text=None) -> tuple[str, tuple[str, ...]] | None:
    """Why the params read back after fit cannot be scored, (one sentence in the language of
    ``text``, student.text or English by default; tags), or None. Keys beyond the contract's are
    ignored: the reference model reads only its own."""
    text = text or english
    shapes = contract_shapes()
    names = ", ".join(shapes)
    if not isinstance(params, dict):
        return (text("model.params is {kind}, not a dict holding {names}",
                     kind=_kind(params, text), names=names), ())
    missing = [k for k in shapes if k not in params]
    if missing:
        held = ", ".join(map(str, list(params)[:8]))
        return (text("model.params has no {missing} (it holds {held})", missing=", ".join(missing),
                     held=held or text("nothing")), ())
    for key, shape in shapes.items():
        value = params[key]
        if not isinstance(value, np.ndarray):
            return (text("params {key} is {kind}, not a numpy array", key=key,
                         kind=_kind(value, text)), ())
        if value.shape != shape:
            if len(shape) == 2:
                tags = ("weights-transposed",) if value.shape == shape[::-1] else ()
                return (text("params {key} has shape {shape}; the contract's layout is (in, out) = "
                             "{expected}", key=key, shape=str(value.shape), expected=str(shape)),
                        tags)
            return (text("params {key} has shape {shape}; the contract's shape is {expected}",
                         key=key, shape=str(value.shape), expected=str(shape)), ())
        if value.dtype.kind != "f":
            return (text("params {key} has dtype {dtype}; the contract's params are float arrays",
                         key=key, dtype=str(value.dtype)), ())
        bad = int(value.size - np.count_nonzero(np.isfinite(value)))
        if bad:
            return (text("params {key} holds {bad} values that are nan or inf", key=key,
                         bad=format(bad, ",")), ())
    return None


def held_out_correct(reference, params: dict, X, y) -> int:
    """How many held-out digits the REFERENCE model classifies right with ``params`` (checked by
    params_problem): only trained weights score, whatever the student's own predict does."""
    with _one_blas_thread():
        model = reference.MLP(**SCALE.model)
        for key in contract_shapes():
            model.params[key] = np.array(params[key], dtype=np.float64)
        return int(np.count_nonzero(model.predict(X) == y))


def _read_params(student, model):
    """model.params from the student's process, its bytes capped at a few times the contract's
    (a reply that large is refused before it arrives, as in check)."""
    backend = student.backend
    limited = hasattr(backend, "reply_allowance")
    if limited:
        contract = sum(8 * math.prod(shape) for shape in contract_shapes().values())
        backend.reply_allowance = max(SCENARIO_FLOOR_BYTES, SCENARIO_FACTOR * contract)
    try:
        return model.params
    finally:
        if limited:
            backend.reply_allowance = None


def _score(run: TrainingRun, reference, params, X_test, y_test, text=None) -> None:
    """Fill in ``run``'s held-out accuracy from ``params``, or the reason it has none (said by
    ``text``)."""
    problem = params_problem(params, text)
    if problem is not None:
        run.problem = problem
        return
    run.correct = held_out_correct(reference, params, X_test, y_test)
    run.accuracy = 100.0 * run.correct / len(y_test)


def reference_run(reference, data: GradingData) -> TrainingRun:
    """The reference on the same data and settings, once per grading process: on the digits as
    they are (its curve and accuracy are what every student's feedback compares with)."""
    if data.label not in _REFERENCE:
        from nngrade.autograder.probe import LocalBackend, StudentProbe   # grading side only
        probe = StudentProbe(SET, LocalBackend(reference), diagnose=False)
        with _one_blas_thread():
            model, history = _fit(probe.module, data.X_train, data.y_train)
        run = TrainingRun(history=history, curve=_curve(history))
        _score(run, reference, model.params, data.X_test, data.y_test)
        if run.problem is not None:
            raise RuntimeError(f"the reference's params cannot be scored: {run.problem[0]}")
        _REFERENCE[data.label] = run
    return _REFERENCE[data.label]


def budget_of(student) -> float:
    return float(student.options.get("mnist_budget") or SCALE.budget)


def student_run(student, reference, data: GradingData) -> TrainingRun:
    """The student's run, trained once and shared by the fit tests of this student: fit on the
    training digits with their pixels in the student's order, then the params it left scored by
    the reference model on the held-out digits in the same order (never sent to the student)."""
    backend = student.backend
    holder = getattr(backend, "session", None) or getattr(backend, "module", None) or backend
    key = (student.student_id, id(holder))
    if _LAST_RUN.get("key") == key:
        return _LAST_RUN["run"]
    _LAST_RUN.clear()
    order = pixel_order(student, data.X_train.shape[1])
    try:
        with _one_blas_thread():      # trusted models (the demo's) train in this process
            model, history = _fit(student.module, np.take(data.X_train, order, axis=1),
                                  data.y_train)
    except StudentError as exc:
        if exc.status in ("timeout", "budget"):
            # The sandbox's own words say which limit stopped it (CPU or wall clock).
            limit = student.calls[-1].outcome.error_text if student.calls else None
            summary = stopped_message(student, budget_of(student), len(data.y_train))
            run = TrainingRun(failure=(summary + (f" [{limit}]" if limit else ""),
                                       list(exc.details), "timeout"))
        else:
            run = TrainingRun(failure=(exc.summary, list(exc.details), exc.status))
    else:
        run = TrainingRun(history=history, curve=_curve(history))
        try:
            params = _read_params(student, model)
        except StudentError as exc:
            run.problem = (student.text("model.params could not be read after fit: {error}",
                                        error=exc.summary), ())
        else:
            _score(run, reference, params, np.take(data.X_test, order, axis=1), data.y_test,
                   student.text)
    _LAST_RUN.update(key=key, run=run, holder=holder)   # holder kept: its id stays unique
    return run


def stopped_message(student, budget: float, n: int) -> str:
    return student.text("MLP.fit was stopped: training on {n} digits must finish within the CPU "
                        "budget of {budget} s, and it did not. Compute whole batches with matrix "
                        "products (a Python loop over examples or units is hundreds of times "
                        "slower).", n=format(n, ","), budget=format(budget, "g"))


def _fail_if_no_run(run: TrainingRun):
    if run.failure is not None:
        summary, details, status = run.failure
        raise GradingFailure(summary, details, kind=status)


def _curve_artifact(student, data: GradingData, run: TrainingRun, ref: TrainingRun) -> None:
    """The training curves for the feedback page; drawing them grades nothing."""
    series = {"reference": ref.curve or []}
    if run.curve:
        series["student"] = run.curve
    yours = f"{run.accuracy:.1f} %" if run.accuracy is not None else "—"
    note, label = data.describe(student.text, student.lang)
    # a hidden test: the reference's curve and accuracy are not shown (results.json drops the
    # reference series of hidden tests; the title names only the student's figure)
    title = student.text("Training accuracy per epoch (as fit reports it) · held-out accuracy: "
                         "{yours} · {label}", yours=yours, label=label)
    student.artifact("series", title=title, x=list(range(1, SCALE.epochs + 1)), series=series,
                     xlabel=student.text("epoch"), ylabel=student.text("accuracy"), data_note=note)


def _shape_words(student, value) -> str:
    if isinstance(value, list):
        return student.text("a list of {count}", count=str(len(value)))
    if isinstance(value, dict):
        return student.text("a dict with keys {keys}", keys=", ".join(map(str, list(value)[:6])))
    return student.text("a {type}", type=type(value).__name__)


def _finite_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@pytest.mark.function("MLP.fit")
@pytest.mark.case("mnist-run")
def test_fit_runs_on_mnist(student, reference):
    """fit trains within the budget and returns one dict per epoch with "loss" and "accuracy"."""
    data = data_for(student)
    run = student_run(student, reference, data)
    if run.failure is None or run.failure[2] not in ("missing", "import-error"):
        # the curve and its data note only for a student whose trainer ran (or tried to)
        _curve_artifact(student, data, run, reference_run(reference, data))
    _fail_if_no_run(run)
    history = run.history
    student.expect_true(isinstance(history, list) and len(history) == SCALE.epochs,
                        what=student.text("{call} must return a list of {epochs} dicts, one per "
                                          "epoch (got {got})", call=fit_call(),
                                          epochs=str(SCALE.epochs),
                                          got=_shape_words(student, history)))
    for i, entry in enumerate(history):
        ok = isinstance(entry, dict) and all(_finite_number(entry.get(k)) for k in ("loss", "accuracy"))
        student.expect_true(ok, what=student.text('entry {i} of fit\'s history must be a dict '
                                                  'with finite numbers "loss" and "accuracy" '
                                                  '(got {got})', i=str(i),
                                                  got=_shape_words(student, entry)))


def _accuracy_check(student, reference, step: float) -> None:
    """The held-out accuracy of the one training run reaches ``step`` (shifted on the sample)."""
    data = data_for(student)
    run = student_run(student, reference, data)
    _fail_if_no_run(run)
    if run.problem is not None:
        problem, tags = run.problem
        student.fail(student.text("The held-out accuracy is measured from the weights fit leaves "
                                  "in model.params, and it could not be: {problem}.",
                                  problem=problem), tags=tags)
    needed = step + data.shift
    if run.accuracy + 1e-9 >= needed:
        return
    note, _ = data.describe(student.text, student.lang)
    student.fail(student.text("held-out accuracy {accuracy} % ({correct} of {total} digits, "
                              "measured from the params your fit left) is below this step's "
                              "{needed} %. Trained with {call}. {note}",
                              accuracy=format(run.accuracy, ".2f"),
                              correct=format(run.correct, ","), total=format(len(data.y_test), ","),
                              needed=format(needed, "g"), call=fit_call(), note=note))


def _accuracy_test(step: float):
    """One test per published step, each its own function (as the tools that read the suite's
    markers expect), named like the step: held-out-80, held-out-85, ..."""
    @pytest.mark.function("MLP.fit")
    @pytest.mark.case(f"held-out-{step:g}")
    def test(student, reference):
        _accuracy_check(student, reference, step)

    test.__name__ = test.__qualname__ = f"test_held_out_{step:g}".replace(".", "_")
    return test


for _step in SCALE.steps:
    _test = _accuracy_test(_step)
    globals()[_test.__name__] = _test
del _step, _test
