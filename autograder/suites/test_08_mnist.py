"""Hidden suite of set 08: the student's MLP on per-student random nets, then trained on real digits.

Analytic tests: small random nets (layer widths all different, drawn from 3..10 without 7, so a
transposed weight is a shape error) with two and three layers, every hidden activation, both
output/loss pairs, and batches of 7, 11 and 13 rows (odd primes: a gradient summed over the batch
is N times the mean). The same parameters are written into the student's model and the
reference's with ``assign`` (so their own initialisations do not matter), then forward, backward
(the batch MEAN), step (lr 0.01 and another rate) and predict are compared with the reference
(analytic tolerance; predict exactly). The constructor is checked by its params' keys and shapes
(W of shape (in, out)), its values and its seed.

Training test: one run per student, shared by the MLP.fit tests:

    model = MLP(sizes=(784, 128, 10), hidden="sigmoid", output="softmax", loss="cross_entropy", seed=0)
    history = model.fit(X_train, y_train, 15, 32, 0.5, seed=0)      # epochs, batch_size, lr
    accuracy = mean(model.predict(X_held_out) == y_held_out)

within the course's CPU budget (``student.options["mnist_budget"]``, 120 s by default; the reference
needs about 2 s). Data, in order: the directory the grading run names (``--mnist-dir``), else
NNGRADE_MNIST_DIR, the cache or a download (nngrade.mnist_data), else the sample shipped with the
kit. With MNIST's own training files the run trains on a stratified 10,000 of them (seed 0) and
holds out the 10,000 test digits; offline, with only the test digits, it is the loader's split
(8,000 training, 2,000 held out). The held-out accuracy earns 7 points at each of 80, 85, 90 and
93 % (on the 1,300-digit sample, every band is 12 points lower: the reference reaches about 85 %
there). The training curve (fit's per-epoch accuracy, the student's and the reference's) is a
plot in the feedback; its data note says which digits were used.
Points per function follow solutions/08_mnist/points.toml.
"""
from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field

import numpy as np
import pytest

from nngrade import mnist_data
from nngrade.autograder.probe import GradingFailure, StudentError, assign

try:
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - then BLAS keeps its own thread count
    threadpool_limits = None

SET = "08_mnist"

# ---- the published training configuration ----------------------------------------------------
FIT_SIZES = (784, 128, 10)
FIT_MODEL = dict(hidden="sigmoid", output="softmax", loss="cross_entropy", seed=0)
FIT_EPOCHS, FIT_BATCH, FIT_LR, FIT_SEED = 15, 32, 0.5, 0
ACCURACY_STEPS = (80.0, 85.0, 90.0, 93.0)   # held-out %, each step worth its test's points
SAMPLE_OFFSET = 12.0                        # the shipped sample's bands are this much lower
TRAIN_MAX = 10_000                          # training digits taken from a standard split
DEFAULT_BUDGET = 120.0                      # CPU seconds, when the grading run names none

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


def _describe(sizes, config) -> str:
    return (f"MLP(sizes={sizes}, hidden=\"{config['hidden']}\", output=\"{config['output']}\", "
            f"loss=\"{config['loss']}\") with given params")


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
@pytest.mark.points(4)
def test_params_two_layers(student, reference):
    sizes, config = _sizes(student, 2), dict(hidden=_hidden(student), **SOFTMAX)
    seed = int(student.rng.integers(1, 1000))
    student.check(_layout(sizes, config, seed), reference=reference, tol="exact",
                  what=f"the keys and shapes of MLP(sizes={sizes}, hidden=\"{config['hidden']}\", "
                       f"seed={seed}).params (W1 (in, out), b1 (out,), ...)")


@pytest.mark.function("MLP")
@pytest.mark.case("random-3-layer-params")
@pytest.mark.points(4)
def test_params_three_layers(student, reference):
    sizes, config = _sizes(student, 3), dict(hidden=_hidden(student), **SIGMOID_MSE)
    seed = int(student.rng.integers(1, 1000))
    student.check(_layout(sizes, config, seed), reference=reference, tol="exact",
                  what=f"the keys and shapes of MLP(sizes={sizes}, hidden=\"{config['hidden']}\", "
                       f"output=\"sigmoid\", loss=\"mse\", seed={seed}).params")


@pytest.mark.function("MLP")
@pytest.mark.case("random-initial-values")
@pytest.mark.points(2)
def test_initial_values(student):
    """Finite, random (not all equal) weights; the same seed gives the same weights."""
    sizes, hidden = _sizes(student, 2), _hidden(student)
    seed = int(student.rng.integers(1, 1000))
    first = student.module.MLP(sizes=sizes, hidden=hidden, seed=seed).params
    again = student.module.MLP(sizes=sizes, hidden=hidden, seed=seed).params
    student.expect_type(first, dict, what="MLP(...).params")
    for key in ("W1", "W2"):
        student.expect_true(key in first and isinstance(first[key], np.ndarray),
                            what=f"MLP(sizes={sizes}).params needs {key} as a numpy array")
        W = first[key]
        student.expect_true(bool(np.all(np.isfinite(W))) and float(np.std(W)) > 0.0,
                            what=f"the initial {key} of MLP(sizes={sizes}, seed={seed}) must be "
                                 "finite and random (equal weights make every unit learn the same)")
    student.expect(again["W1"], first["W1"], tol="exact",
                   what=f"W1 of two MLP(sizes={sizes}, seed={seed}): the same seed must give the "
                        "same initial weights")


# ---- MLP.forward -----------------------------------------------------------------------------------

def _forward_check(student, reference, layers, output_loss, n):
    sizes, config = _sizes(student, layers), dict(hidden=_hidden(student), **output_loss)
    params = _params(student, sizes)
    X, _ = _batch(student, n, sizes[0], sizes[-1])
    student.check(lambda m: _model(m, sizes, config, params).forward(X), reference=reference,
                  what=f"forward(X) of {_describe(sizes, config)}, X of shape {X.shape}")


@pytest.mark.function("MLP.forward")
@pytest.mark.case("random-softmax")
@pytest.mark.points(5)
def test_forward_softmax(student, reference):
    _forward_check(student, reference, 2, SOFTMAX, 11)


@pytest.mark.function("MLP.forward")
@pytest.mark.case("random-sigmoid-output")
@pytest.mark.points(5)
def test_forward_sigmoid_output(student, reference):
    _forward_check(student, reference, 2, SIGMOID_MSE, 13)


@pytest.mark.function("MLP.forward")
@pytest.mark.case("random-3-layer")
@pytest.mark.points(5)
def test_forward_three_layers(student, reference):
    _forward_check(student, reference, 3, SOFTMAX, 7)


# ---- MLP.backward ----------------------------------------------------------------------------------

def _backward_check(student, reference, layers, output_loss, n):
    sizes, config = _sizes(student, layers), dict(hidden=_hidden(student), **output_loss)
    params = _params(student, sizes)
    X, T = _batch(student, n, sizes[0], sizes[-1])
    student.check(lambda m: _model(m, sizes, config, params).backward(X, T), reference=reference,
                  what=f"backward(X, T) of {_describe(sizes, config)} on a batch of {n}: each "
                       "gradient the MEAN over the batch, shaped like its parameter")


@pytest.mark.function("MLP.backward")
@pytest.mark.case("random-cross-entropy")
@pytest.mark.points(8)
def test_backward_cross_entropy(student, reference):
    _backward_check(student, reference, 2, SOFTMAX, 7)


@pytest.mark.function("MLP.backward")
@pytest.mark.case("random-mse")
@pytest.mark.points(8)
def test_backward_mse(student, reference):
    _backward_check(student, reference, 2, SIGMOID_MSE, 11)


@pytest.mark.function("MLP.backward")
@pytest.mark.case("random-3-layer")
@pytest.mark.points(9)
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
                  what=f"params after step(grads, {lr}) of {_describe(sizes, config)}: "
                       "params[k] - lr * grads[k] for every key")


@pytest.mark.function("MLP.step")
@pytest.mark.case("random-lr")
@pytest.mark.points(6)
def test_step_random_rate(student, reference):
    _step_check(student, reference, 3, float(np.round(student.rng.uniform(0.021, 0.089), 4)))


@pytest.mark.function("MLP.step")
@pytest.mark.case("lr-0.01")
@pytest.mark.points(4)
def test_step_keras_rate(student, reference):
    _step_check(student, reference, 2, 0.01)


# ---- MLP.predict --------------------------------------------------------------------------------------

@pytest.mark.function("MLP.predict")
@pytest.mark.case("random-3-layer")
@pytest.mark.points(5)
def test_predict(student, reference):
    sizes, config = _sizes(student, 3), dict(hidden=_hidden(student), **SOFTMAX)
    params = _params(student, sizes)
    X, _ = _batch(student, 13, sizes[0], sizes[-1])
    student.check(lambda m: _model(m, sizes, config, params).predict(X), reference=reference,
                  tol="exact", what=f"predict(X) of {_describe(sizes, config)}, X of shape "
                                    f"{X.shape}: the index of each row's largest output")


# ---- MLP.fit on real digits ------------------------------------------------------------------------------

@dataclass
class GradingData:
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    note: str
    note_ko: str
    label: str                     # short, for plot titles
    offset: float = 0.0            # how much lower the accuracy bands are on this data


@dataclass
class TrainingRun:
    """One student's (or the reference's) run: what fit returned and the held-out accuracy,
    or why there is none."""
    history: object = None
    accuracy: float | None = None
    correct: int = 0
    failure: tuple | None = None   # (summary, details, status) to raise in every fit test
    curve: list[float] | None = None
    extra: dict = field(default_factory=dict)


_DATA: dict = {}        # options' data dir -> GradingData, once per grading process
_REFERENCE: dict = {}   # data label -> TrainingRun of the reference
_LAST_RUN: dict = {}    # the current student's run (students are graded one after another)


def grading_data(options: dict) -> GradingData:
    """The digits the run trains and tests on; loaded once per process."""
    mnist_dir = options.get("mnist_dir") or None
    if mnist_dir in _DATA:
        return _DATA[mnist_dir]
    log: list[str] = []
    try:
        split = mnist_data.load_mnist_split(mnist_dir, download=mnist_dir is None, log=log.append)
    except mnist_data.MnistDataError as exc:
        if mnist_dir is not None:
            raise                  # a directory the course named must hold MNIST: say what is wrong
        split = mnist_data.load_sample()
        why = str(exc).splitlines()[0]
        data = GradingData(split.X_train, split.y_train, split.X_test, split.y_test,
                           f"{split.note} MNIST itself could not be had ({why}).",
                           f"{split.note_ko} MNIST 자체는 구할 수 없었습니다 ({why}).",
                           f"MNIST sample: {len(split.y_train):,} training / "
                           f"{len(split.y_test):,} held-out digits", SAMPLE_OFFSET)
    else:
        X, y, note, note_ko = split.X_train, split.y_train, split.note, split.note_ko
        if len(y) > TRAIN_MAX:
            _, keep = mnist_data.stratified_split(y, TRAIN_MAX, seed=0)
            X, y = X[keep], y[keep]
            note += (f" Grading trains on a stratified {TRAIN_MAX:,} of the {len(split.y_train):,} "
                     "training images (seed 0).")
            note_ko += (f" 채점용 학습에는 학습 이미지 {len(split.y_train):,}개 중 {TRAIN_MAX:,}개를 "
                        "층화 추출(seed 0)해 씁니다.")
        kind = "standard split" if split.standard else "offline split of the test digits"
        data = GradingData(X, y, split.X_test, split.y_test, note, note_ko,
                           f"MNIST {kind}: {len(y):,} training / {len(split.y_test):,} held-out")
    _DATA[mnist_dir] = data
    return data


def _fit_call() -> str:
    model = ", ".join(f"{k}={v!r}" for k, v in FIT_MODEL.items())
    return (f"MLP(sizes={FIT_SIZES}, {model}).fit(X, y, {FIT_EPOCHS}, {FIT_BATCH}, {FIT_LR}, "
            f"seed={FIT_SEED})")


def _curve(history, epochs: int) -> list[float] | None:
    """fit's per-epoch accuracy as a list of floats, or None when history is not that."""
    if not isinstance(history, list) or not history:
        return None
    values = []
    for entry in history[:epochs]:
        value = entry.get("accuracy") if isinstance(entry, dict) else None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return None
        values.append(float(value))
    return values


def _one_blas_thread():
    """Trusted models (the reference, mistake models) train in this process: one BLAS thread, as
    in the sandbox. Small products on many threads of a busy machine cost 20 times the CPU."""
    return threadpool_limits(limits=1) if threadpool_limits else contextlib.nullcontext()


def _train(m, data: GradingData) -> TrainingRun:
    """Train an MLP of ``m`` (a module proxy) and score it on the held-out digits; StudentError
    (the student's code failed) passes through."""
    with _one_blas_thread():
        model = m.MLP(sizes=FIT_SIZES, **FIT_MODEL)
        history = model.fit(data.X_train, data.y_train, FIT_EPOCHS, FIT_BATCH, FIT_LR, seed=FIT_SEED)
        labels = model.predict(data.X_test)
    run = TrainingRun(history=history, curve=_curve(history, FIT_EPOCHS))
    try:
        labels = np.asarray(labels)
        ok = labels.shape == data.y_test.shape and labels.dtype.kind in "biuf"
    except (TypeError, ValueError):
        ok = False
    if not ok:
        shape = getattr(labels, "shape", None)
        run.failure = (f"predict(X_held_out) must return {len(data.y_test):,} labels, one per "
                       f"digit (got {type(labels).__name__}"
                       + (f" of shape {shape}" if shape is not None else "") + ")", [], "mismatch")
        return run
    run.correct = int(np.count_nonzero(labels == data.y_test))
    run.accuracy = 100.0 * run.correct / len(data.y_test)
    return run


def _reference_run(reference, data: GradingData) -> TrainingRun:
    """The reference on the same data and configuration, once per grading process."""
    if data.label not in _REFERENCE:
        from nngrade.autograder.probe import LocalBackend, StudentProbe   # grading side only
        probe = StudentProbe(SET, LocalBackend(reference), diagnose=False)
        _REFERENCE[data.label] = _train(probe.module, data)
    return _REFERENCE[data.label]


def _budget(student) -> float:
    return float(student.options.get("mnist_budget") or DEFAULT_BUDGET)


def _student_run(student, data: GradingData) -> TrainingRun:
    """The student's run, trained once and shared by the fit tests of this student."""
    backend = student.backend
    holder = getattr(backend, "session", None) or getattr(backend, "module", None) or backend
    key = (student.student_id, id(holder))
    if _LAST_RUN.get("key") == key:
        return _LAST_RUN["run"]
    _LAST_RUN.clear()
    budget = _budget(student)
    try:
        run = _train(student.module, data)
    except StudentError as exc:
        if exc.status in ("timeout", "budget"):
            stopped = student.calls[-1].outcome.error_text if student.calls else None
            summary = say_stopped(student.lang, budget, len(data.y_train))
            if stopped:
                summary += f" [{stopped}]"
            run = TrainingRun(failure=(summary, list(exc.details), "timeout"))
        else:
            run = TrainingRun(failure=(exc.summary, list(exc.details), exc.status))
    _LAST_RUN.update(key=key, run=run, holder=holder)
    return run


def say_stopped(lang: str, budget: float, n: int) -> str:
    if lang == "ko":
        return (f"MLP.fit을 중지했습니다: 숫자 {n:,}개로 하는 학습이 CPU 예산 {budget:g}초 안에 끝나야 "
                "하는데 끝나지 않았습니다. 에포크마다 배치를 행렬 곱으로 한 번에 계산하세요(예제마다 "
                "파이썬 반복문을 돌면 수백 배 느립니다).")
    return (f"MLP.fit was stopped: training on {n:,} digits must finish within the CPU budget of "
            f"{budget:g} s, and it did not. Compute each batch with matrix products (a Python loop "
            "over examples or units is hundreds of times slower).")


def _fail_if_no_run(run: TrainingRun):
    if run.failure is not None:
        summary, details, status = run.failure
        raise GradingFailure(summary, details, kind=status)


def _curve_artifact(student, data: GradingData, run: TrainingRun, ref: TrainingRun) -> None:
    series = {"reference": ref.curve or []}
    if run.curve:
        series["student"] = run.curve
    yours = f"{run.accuracy:.1f} %" if run.accuracy is not None else "—"
    if student.lang == "ko":
        title = (f"에포크별 학습 정확도 (fit이 돌려준 값) · 평가 정확도: 내 코드 {yours}, 참조 "
                 f"{ref.accuracy:.1f} % · {data.label}")
        note = data.note_ko
    else:
        title = (f"Training accuracy per epoch (as fit reports it) · held-out accuracy: yours "
                 f"{yours}, reference {ref.accuracy:.1f} % · {data.label}")
        note = data.note
    student.artifact("series", title=title, x=list(range(1, FIT_EPOCHS + 1)), series=series,
                     xlabel="epoch", ylabel="accuracy", mnist_note=note)


@pytest.mark.function("MLP.fit")
@pytest.mark.case("mnist-run")
@pytest.mark.points(7)
def test_fit_runs_on_mnist(student, reference):
    """fit trains within the budget and returns one dict per epoch with "loss" and "accuracy"."""
    data = grading_data(student.options)
    run = _student_run(student, data)
    _curve_artifact(student, data, run, _reference_run(reference, data))
    _fail_if_no_run(run)
    history = run.history
    student.expect_true(isinstance(history, list) and len(history) == FIT_EPOCHS,
                        what=f"{_fit_call()} must return a list of {FIT_EPOCHS} dicts, one per "
                             f"epoch (got {_shape_words(history)})")
    for i, entry in enumerate(history):
        ok = isinstance(entry, dict) and all(
            isinstance(entry.get(k), (int, float)) and not isinstance(entry.get(k), bool)
            and math.isfinite(entry[k]) for k in ("loss", "accuracy"))
        student.expect_true(ok, what=f"entry {i} of fit's history must be a dict with finite "
                                     f"numbers \"loss\" and \"accuracy\" (got {_shape_words(entry)})")


def _shape_words(value) -> str:
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a dict with keys " + ", ".join(map(str, list(value)[:6]))
    return f"a {type(value).__name__}"


def _accuracy_check(student, reference, step: float):
    data = grading_data(student.options)
    run = _student_run(student, data)
    _fail_if_no_run(run)
    needed = step - data.offset
    if run.accuracy + 1e-9 < needed:
        ref = _reference_run(reference, data)
        if student.lang == "ko":
            message = (f"평가용 숫자 {len(data.y_test):,}개에 대한 정확도 {run.accuracy:.2f} % "
                       f"({run.correct:,}개 맞음)가 이 테스트의 기준 {needed:g} %보다 낮습니다 "
                       f"(참조 구현: {ref.accuracy:.2f} %). 학습: {_fit_call()}. {data.note_ko}")
        else:
            message = (f"held-out accuracy {run.accuracy:.2f} % ({run.correct:,} of "
                       f"{len(data.y_test):,} digits) is below this test's {needed:g} % (the "
                       f"reference reaches {ref.accuracy:.2f} %). Trained with {_fit_call()}. "
                       f"{data.note}")
        student.fail(message)


@pytest.mark.function("MLP.fit")
@pytest.mark.case("held-out-80")
@pytest.mark.points(7)
def test_accuracy_80(student, reference):
    _accuracy_check(student, reference, ACCURACY_STEPS[0])


@pytest.mark.function("MLP.fit")
@pytest.mark.case("held-out-85")
@pytest.mark.points(7)
def test_accuracy_85(student, reference):
    _accuracy_check(student, reference, ACCURACY_STEPS[1])


@pytest.mark.function("MLP.fit")
@pytest.mark.case("held-out-90")
@pytest.mark.points(7)
def test_accuracy_90(student, reference):
    _accuracy_check(student, reference, ACCURACY_STEPS[2])


@pytest.mark.function("MLP.fit")
@pytest.mark.case("held-out-93")
@pytest.mark.points(7)
def test_accuracy_93(student, reference):
    _accuracy_check(student, reference, ACCURACY_STEPS[3])
