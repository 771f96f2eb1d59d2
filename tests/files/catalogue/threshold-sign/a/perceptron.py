# perceptron with the threshold as a bias


def perceptron(x, w, theta):
    s = 0.0
    for i in range(len(x)):
        s = s + w[i] * x[i]
    if s + theta > 0:
        return 1
    else:
        return 0


def and_gate(x1, x2):
    return 1 if perceptron([x1, x2], [1, 1], 1.5) == 1 else -1


def or_gate(x1, x2):
    return 1 if perceptron([x1, x2], [1, 1], -1.5) == 1 else -1


def nand_gate(x1, x2):
    return 1 if perceptron([x1, x2], [-1, -1], -1.5) == 1 else -1


def xor_gate(x1, x2):
    return and_gate(nand_gate(x1, x2), or_gate(x1, x2))
