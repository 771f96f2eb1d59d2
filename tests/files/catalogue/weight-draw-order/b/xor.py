"""XOR trainers (lab 7)."""
import random

import numpy as np

from layers import random_weights, sigmoid, sigmoid_prime

DATA = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
LABELS = np.array([0, 1, 1, 0], dtype=float).reshape(4, 1)


def train_xor(steps=10000, hidden=6, lr=0.2, seed=5):
    W0 = random_weights(3, hidden, seed)
    W1 = random_weights(hidden, 1, seed)
    prediction = None
    for i in range(steps):
        L1 = sigmoid(np.dot(DATA, W0))
        L1[:, -1] = 1.0
        prediction = sigmoid(np.dot(L1, W1))
        delta2 = (prediction - LABELS) * sigmoid_prime(prediction)
        delta1 = np.dot(delta2, W1.T) * sigmoid_prime(L1)
        W1 = W1 + -lr * np.dot(L1.T, delta2)
        W0 = W0 + -lr * np.dot(DATA.T, delta1)
    return prediction, {"weight0": W0, "weight1": W1}


def momentum_update(w, v, grad, lr, momentum):
    if isinstance(w, np.ndarray):
        v_next = v * momentum - grad * lr
        return w + v_next, v_next
    v_next = float(v) * momentum - float(grad) * lr
    return float(w) + v_next, v_next


def train_xor_tanh(iterations=5000, lr=0.1, momentum=0.4, seed=777):
    random.seed(seed)
    w_in = [[random.random() for _ in range(2)] for _ in range(3)]
    w_out = [random.random() for _ in range(2)]
    c_in = [[0.0, 0.0] for _ in range(3)]
    c_out = [0.0, 0.0]
    xs = [[0, 0], [0, 1], [1, 0], [1, 1]]
    ts = [0, 1, 1, 0]

    def predict(x):
        a = [x[0], x[1], 1.0]
        h = [np.tanh(sum_in_order(a[i] * w_in[i][j] for i in range(3))) for j in range(2)]
        o = np.tanh(sum_in_order(h[j] * w_out[j] for j in range(2)))
        return a, h, o

    errors = []
    for n in range(iterations):
        total = 0.0
        for x, t in zip(xs, ts):
            a, h, o = predict(x)
            d_o = (1 - o ** 2) * (t - o)
            d_h = [(1 - h[j] ** 2) * d_o * w_out[j] for j in range(2)]
            for j in range(2):
                grad = d_o * h[j]
                w_out[j] += momentum * c_out[j] - lr * grad
                c_out[j] = grad
            for i in range(3):
                for j in range(2):
                    grad = d_h[j] * a[i]
                    w_in[i][j] += momentum * c_in[i][j] - lr * grad
                    c_in[i][j] = grad
            total += 0.5 * (t - o) ** 2
        if n % 500 == 0:
            errors.append(float(total))
    return np.array([[float(predict(x)[2])] for x in xs]), errors


def sum_in_order(values):
    total = 0.0
    for v in values:
        total = total + v
    return total
