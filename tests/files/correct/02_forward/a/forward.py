# 02 순전파 과제 - loops, one neuron at a time
import numpy as np


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def dot(v, w):
    if len(v) != len(w):
        raise ValueError("lengths differ")
    total = 0.0
    for i in range(len(v)):
        total = total + v[i] * w[i]
    return total


def init_cheese_network():
    net = {}
    net['W1'] = np.array([[0.05, 0.01],
                          [-0.01, 0.03],
                          [0.02, -0.01]])
    net['b1'] = np.array([-0.3, 0.2, 0.05])
    net['W2'] = np.array([0.01, 0.05, 0.015])
    net['b2'] = np.array([-0.015])
    return net


def _affine(x, W, b):
    """x @ W.T + b, computed neuron by neuron with dot()."""
    x = np.array(x, dtype=float)
    W = np.array(W, dtype=float)
    b = np.array(b, dtype=float).reshape(-1)
    one_neuron = W.ndim == 1
    if one_neuron:
        W = W.reshape(1, -1)
    rows = [x] if x.ndim == 1 else list(x)
    out = np.zeros((len(rows), W.shape[0]))
    for r in range(len(rows)):
        for j in range(W.shape[0]):
            out[r, j] = dot(list(rows[r]), list(W[j])) + b[j % len(b)]
    if one_neuron:
        return out[:, 0]
    if x.ndim == 1:
        return out[0]
    return out


def layer(x, W, b, activation):
    return activation(_affine(x, W, b))


def forward(network, x, output="sigmoid"):
    A1 = _affine(x, network['W1'], network['b1'])
    Y1 = sigmoid(A1)
    A2 = _affine(Y1, network['W2'], network['b2'])
    if output == "sigmoid":
        Y2 = sigmoid(A2)
    elif output == "identity":
        Y2 = A2
    else:
        raise ValueError("unknown output " + str(output))
    return {'A1': A1, 'Y1': Y1, 'A2': A2, 'Y2': Y2}
