# perceptron and gates, plain Python


def perceptron(x, w, theta):
    total = 0
    for xi, wi in zip(x, w):
        total += xi * wi
    if total > theta:
        return 1
    return 0


def to_sign(bit):
    """0/1 -> -1/+1"""
    return 1 if bit == 1 else -1


def and_gate(x1, x2):
    return to_sign(perceptron([x1, x2], [1, 1], 1.5))


def or_gate(x1, x2):
    return to_sign(perceptron([x1, x2], [1, 1], -1.5))


def nand_gate(x1, x2):
    return to_sign(perceptron([x1, x2], [-1, -1], -1.5))


def xor_gate(x1, x2):
    s1 = nand_gate(x1, x2)
    s2 = or_gate(x1, x2)
    return and_gate(s1, s2)
