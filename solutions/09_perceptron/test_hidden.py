"""Hidden suite of set 09: the perceptron and the gates built from it.

The perceptron is probed on per-student random weights, inputs and thresholds on both sides of
the threshold (never within 0.05 of it), and on small integers where w·x equals theta exactly
(it must not fire). Gates are checked on all four inputs of {-1, +1}, in a per-student order,
given as ints or floats. ``xor_gate`` is also checked to be built from the other gates: its calls
to them are traced on each input, and its value must flow from x1 and x2 through those gates
(negated inputs count as wiring; see ``circuit_problem``). Points of each test are in set.toml's
[points].
"""
import numpy as np
import pytest

SET = "09_perceptron"

FOUR_INPUTS = ((-1, -1), (-1, 1), (1, -1), (1, 1))
GATES = ("and_gate", "or_gate", "nand_gate")


def _as_sequence(student, values):
    """A list, a tuple or a NumPy array, as a student's caller might pass them."""
    kind = int(student.rng.integers(3))
    if kind == 0:
        return [float(v) for v in values]
    if kind == 1:
        return tuple(float(v) for v in values)
    return np.asarray(values, dtype=np.float64)


@pytest.mark.function("perceptron")
@pytest.mark.case("random")
def test_perceptron_random(student, reference):
    cases = []
    for i in range(12):
        n = int(student.rng.integers(2, 6))
        w = student.rng.normal(0.0, 1.0, size=n)
        x = student.rng.normal(0.0, 1.0, size=n)
        s = float(w @ x)
        side = 1.0 if i % 2 else -1.0        # half fire, half do not
        theta = s - side * float(student.rng.uniform(0.05, 1.0))
        cases.append((_as_sequence(student, x), _as_sequence(student, w), theta))
    order = student.rng.permutation(len(cases))
    cases = [cases[i] for i in order]
    student.check(lambda m: [m.perceptron(x, w, theta) for x, w, theta in cases],
                  reference=reference,
                  what=student.text("perceptron(x, w, theta) on 12 random cases"))


@pytest.mark.function("perceptron")
@pytest.mark.case("random-at-threshold")
def test_perceptron_at_threshold(student, reference):
    cases = []
    for _ in range(4):
        n = int(student.rng.integers(2, 5))
        w = student.rng.integers(-3, 4, size=n)
        x = student.rng.integers(-3, 4, size=n)
        s = int(w @ x)
        # exactly at the threshold (does not fire), and one above and one below it
        for theta in (s, s - 1, s + 1):
            cases.append(([int(v) for v in x], [int(v) for v in w], theta))
    student.check(lambda m: [m.perceptron(x, w, theta) for x, w, theta in cases],
                  reference=reference,
                  what=student.text("perceptron(x, w, theta) with integer w·x equal to, just above "
                                    "and just below theta (at w·x = theta it must not fire)"))


def _check_truth_table(student, reference, gate):
    """The gate on all four inputs, in a per-student order, some given as floats."""
    inputs = []
    for i in student.rng.permutation(4):
        x1, x2 = FOUR_INPUTS[i]
        if student.rng.integers(2):
            x1, x2 = float(x1), float(x2)
        inputs.append((x1, x2))
    shown = ", ".join(f"({x1}, {x2})" for x1, x2 in inputs)
    student.check(lambda m: [getattr(m, gate)(x1, x2) for x1, x2 in inputs], reference=reference,
                  what=student.text("{gate}(x1, x2) on all four inputs {inputs}", gate=gate,
                                    inputs=shown))


@pytest.mark.function("and_gate")
@pytest.mark.case("random-order")
def test_and_gate(student, reference):
    _check_truth_table(student, reference, "and_gate")


@pytest.mark.function("or_gate")
@pytest.mark.case("random-order")
def test_or_gate(student, reference):
    _check_truth_table(student, reference, "or_gate")


@pytest.mark.function("nand_gate")
@pytest.mark.case("random-order")
def test_nand_gate(student, reference):
    _check_truth_table(student, reference, "nand_gate")


@pytest.mark.function("xor_gate")
@pytest.mark.case("random-order")
def test_xor_gate(student, reference):
    _check_truth_table(student, reference, "xor_gate")


def _signal(values) -> tuple | None:
    """One wire's values on the four inputs, as floats; None when one is not a number."""
    try:
        out = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        return None
    return out if all(v == v for v in out) else None


def circuit_problem(rows, text) -> str | None:
    """Why xor_gate's value does not come from the gates (said by ``text``, student.text), or None
    when it does.

    ``rows``: (value, calls, (x1, x2)) per input; calls are the traced [gate, args, kwargs,
    result]. The value comes from the gates when the same gates are called in the same order on
    every input (a circuit), each gate's inputs are x1, x2, a constant or an earlier gate's
    output, each possibly negated (on {-1, +1} NOT is a sign flip), and the value returned is a
    gate's output (negated or not)."""
    sequences = [tuple(c[0] for c in calls) for _, calls, _ in rows]
    if not sequences[0]:
        return text("it called none of {gates}", gates=", ".join(GATES))
    if any(seq != sequences[0] for seq in sequences):
        none = text("none")
        return text("it called different gates on different inputs ({calls})",
                    calls=" / ".join(" → ".join(seq) or none for seq in sequences))
    wires = {_signal(x1 for _, _, (x1, _) in rows), _signal(x2 for _, _, (_, x2) in rows),
             (1.0,) * 4, (-1.0,) * 4, (0.0,) * 4}
    outputs = set()

    def wired(signal, pool):
        return signal is not None and (signal in pool or tuple(-v for v in signal) in pool)

    for k, gate in enumerate(sequences[0]):
        per_input = [list(calls[k][1]) + list(calls[k][2].values()) for _, calls, _ in rows]
        if len({len(a) for a in per_input}) != 1:
            return text("its call {k} ({gate}) took a different number of inputs each time",
                        k=str(k + 1), gate=gate)
        for j, values in enumerate(zip(*per_input), start=1):
            if not wired(_signal(values), wires):
                return text("input {j} of its call {k} ({gate}) is neither x1, x2, a constant nor "
                            "an earlier gate's output: on the four inputs it is {values}",
                            j=str(j), k=str(k + 1), gate=gate,
                            values=", ".join(str(v) for v in values))
        out = _signal(calls[k][3] for _, calls, _ in rows)
        if out is None:
            return text("its call {k} ({gate}) returned something that is not a number",
                        k=str(k + 1), gate=gate)
        wires.add(out)
        outputs.add(out)
    if not wired(_signal(value for value, _, _ in rows), outputs):
        return text("the value it returns is not the output of one of the gates")
    return None


@pytest.mark.function("xor_gate")
@pytest.mark.case("built-from-gates")
def test_xor_gate_built_from_the_gates(student, reference):
    inputs = [FOUR_INPUTS[i] for i in student.rng.permutation(4)]
    traced = []

    def scenario(m):
        values = []
        for x1, x2 in inputs:
            value, calls = m.xor_gate.traced(x1, x2, watch=GATES)
            values.append(value)
            if m is student.module:
                traced.append((value, calls, (x1, x2)))
        return values

    shown = ", ".join(f"({x1}, {x2})" for x1, x2 in inputs)
    student.check(scenario, reference=reference,
                  what=student.text("xor_gate(x1, x2) on {inputs}", inputs=shown))
    problem = circuit_problem(traced, student.text)
    if problem is not None:
        student.fail(student.text("xor_gate must be built from and_gate, or_gate and nand_gate "
                                  "(negated inputs count), and its value must come out of them: "
                                  "{problem}", problem=problem),
                     tags=("xor-not-from-gates",))
