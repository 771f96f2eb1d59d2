# gates right; xor compares the inputs directly


def perceptron(x, w, theta):
    s = 0.0
    for i in range(len(x)):
        s = s + w[i] * x[i]
    if s > theta:
        return 1
    return 0


def and_gate(x1, x2):
    return 2 * perceptron([x1, x2], [1, 1], 1.5) - 1


def or_gate(x1, x2):
    return 2 * perceptron([x1, x2], [1, 1], -1.5) - 1


def nand_gate(x1, x2):
    return 2 * perceptron([x1, x2], [-1, -1], -1.5) - 1


def xor_gate(x1, x2):
    if x1 != x2:
        return 1
    return -1
