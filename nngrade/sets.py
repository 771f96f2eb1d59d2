"""The ten exercise sets: the one table every part of the kit reads (release, grader, reports, LMS files)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExerciseSet:
    id: str            # folder name, e.g. "04_backprop"; also the `set` in results.json
    short: str         # what `nngrade check backprop` accepts
    module: str        # the one module the student writes, without ".py"
    functions: tuple[str, ...]  # graded names as results.json's extra_data.function spells them
    title_en: str
    title_ko: str

    @property
    def number(self) -> int:
        return int(self.id.split("_", 1)[0])


SETS: tuple[ExerciseSet, ...] = (
    ExerciseSet("01_activations", "activations", "activations",
                ("step", "sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad",
                 "identity", "softmax", "tanh_via_sigmoid"),
                "Activation functions", "활성화 함수"),
    ExerciseSet("02_forward", "forward", "forward",
                ("dot", "init_cheese_network", "layer", "forward"),
                "Forward pass of the cheese network", "치즈 신경망의 순전파"),
    ExerciseSet("03_loss", "loss", "loss",
                ("mse", "binary_cross_entropy", "cross_entropy"),
                "Loss functions", "손실 함수"),
    ExerciseSet("04_backprop", "backprop", "backprop",
                ("output_delta", "hidden_delta", "gradients", "sgd_step", "train_step"),
                "Backpropagation and one SGD step", "역전파와 SGD 한 단계"),
    ExerciseSet("05_gradient_descent", "gradient_descent", "gradient_descent",
                ("gradient_descent",),
                "Gradient descent", "경사 하강법"),
    ExerciseSet("06_numerical_gradient", "numerical_gradient", "numerical_gradient",
                ("numerical_gradient", "relative_error", "quadratic_boundary_data",
                 "two_layer_loss", "train_numerical"),
                "Numerical gradients and gradient checks", "수치 미분과 기울기 검증"),
    ExerciseSet("07_xor", "xor", "xor",
                ("train_xor", "momentum_update", "train_xor_tanh"),
                "XOR trainers", "XOR 학습기"),
    ExerciseSet("08_mnist", "mnist", "mnist",
                ("MLP", "MLP.forward", "MLP.backward", "MLP.step", "MLP.fit", "MLP.predict"),
                "An MNIST trainer", "MNIST 학습기"),
    ExerciseSet("09_perceptron", "perceptron", "perceptron",
                ("perceptron", "and_gate", "or_gate", "nand_gate", "xor_gate"),
                "Perceptron gates", "퍼셉트론 논리 게이트"),
    ExerciseSet("10_compgraph", "compgraph", "compgraph",
                ("MulLayer.forward", "MulLayer.backward", "AddLayer.forward", "AddLayer.backward",
                 "apple_graph"),
                "Computational graph", "계산 그래프"),
)

SET_IDS: tuple[str, ...] = tuple(s.id for s in SETS)
MODULE_NAMES: frozenset[str] = frozenset(s.module for s in SETS)


class UnknownSetError(ValueError):
    pass


def find_set(name: str) -> ExerciseSet:
    """Accept a folder name ("04_backprop"), a short name ("backprop") or a number ("4", "04")."""
    key = name.strip().rstrip("/").lower()
    for s in SETS:
        if key in (s.id, s.short, s.module) or (key.isdigit() and int(key) == s.number):
            return s
    known = ", ".join(s.id for s in SETS)
    raise UnknownSetError(f"unknown exercise set {name!r}; known sets: {known}")


def parse_sets(names: str | list[str] | None) -> tuple[ExerciseSet, ...]:
    """`--sets 01,04 backprop` style lists; None or "all" means all ten, in order."""
    if names is None:
        return SETS
    if isinstance(names, str):
        names = [names]
    parts = [p for n in names for p in n.replace(",", " ").split()]
    if not parts or parts == ["all"]:
        return SETS
    chosen = {find_set(p).id for p in parts}
    return tuple(s for s in SETS if s.id in chosen)
