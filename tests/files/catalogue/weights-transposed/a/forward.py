import numpy as np


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def dot(v, w):
    if len(v) != len(w):
        raise ValueError(f"dot: {len(v)} != {len(w)}")
    s = 0.0
    for i in range(len(v)):
        s += v[i] * w[i]
    return s


def init_cheese_network():
    return {'W1': np.array([[0.05, 0.01], [-0.01, 0.03], [0.02, -0.01]]),
            'b1': np.array([-0.3, 0.2, 0.05]),
            'W2': np.array([0.01, 0.05, 0.015]),
            'b2': np.array([-0.015])}


def pre_activation(x, W, b):
    x = np.asarray(x, dtype=float)
    W = np.asarray(W, dtype=float)
    if W.ndim == 1:                     # a single output neuron
        W = W.reshape(-1, 1)
        single = True
    else:
        single = False
    rows = x.reshape(1, -1) if x.ndim == 1 else x
    out = np.zeros((rows.shape[0], W.shape[1]))
    for r in range(rows.shape[0]):
        for j in range(W.shape[1]):
            column = [W[i][j] for i in range(W.shape[0])]
            out[r, j] = dot(list(rows[r]), column)
    out = out + b
    if single:
        out = out[:, 0]
    elif x.ndim == 1:
        out = out[0]
    return out


def layer(x, W, b, activation):
    return activation(pre_activation(x, W, b))


def forward(network, x, output="sigmoid"):
    A1 = pre_activation(x, network['W1'], network['b1'])
    Y1 = sigmoid(A1)
    A2 = pre_activation(Y1, network['W2'], network['b2'])
    if output == 'identity':
        Y2 = A2
    else:
        Y2 = sigmoid(A2)
    return {'A1': A1, 'Y1': Y1, 'A2': A2, 'Y2': Y2}
