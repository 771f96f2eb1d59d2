"""A multi-layer perceptron that learns MNIST's handwritten digits, in NumPy (seed 001's lab).

Weight layout (seed 001, as in set 07; NOT the cheese network's of sets 02-04): a weight matrix
has one row per input and one column per output, so a whole batch goes through a layer with one
matrix product:

    W1 (784, 512)  b1 (512,)  W2 (512, 10)  b2 (10,)          for sizes=(784, 512, 10)

    A1 = X  @ W1 + b1     Y1 = hidden(A1)       (N, 512)
    A2 = Y1 @ W2 + b2     Y2 = output(A2)       (N, 10)

X holds N images as rows, pixels scaled to [0, 1]; T holds their one-hot targets. The loss is a
MEAN over the batch, so the gradients are means too and the learning rate does not depend on the
batch size:

    cross_entropy (softmax output):  L = -1/N sum_n sum_k T log Y2
    mse (sigmoid output, seed 001):  L =  1/N sum_n 1/2 sum_k (T - Y2)^2

Backward pass, for any number of layers (l = L .. 1, with Y0 = X):

    d_L = dL/dA_L = (Y_L - T) / N                          softmax + cross-entropy
                  = (Y_L - T) * Y_L * (1 - Y_L) / N        sigmoid + mse
    dL/dW_l = Y_{l-1}.T @ d_l       dL/db_l = sum of d_l over the batch (its rows)
    d_{l-1} = (d_l @ W_l.T) * hidden_grad(Y_{l-1})

Every array is float64. The activation helpers below are given (you wrote them in set 01); each
`*_grad` takes the activation's OUTPUT, as the seeds do.
"""
import time

import numpy as np


def sigmoid(a):
    """Given (set 01): the logistic sigmoid, without overflow: 1/(1+exp(-a)) = (1 + tanh(a/2)) / 2."""
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def sigmoid_grad(y):
    """Given (set 01): dy/da of the sigmoid at its output y."""
    return y * (1.0 - y)


def relu(a):
    """Given (set 01): max(0, a)."""
    return np.maximum(a, 0.0)


def relu_grad(y):
    """Given (set 01): 1 where the ReLU's output is positive, else 0."""
    return (y > 0).astype(y.dtype)


def tanh(a):
    """Given (set 01): the hyperbolic tangent."""
    return np.tanh(a)


def tanh_grad(y):
    """Given (set 01): dy/da of tanh at its output y."""
    return 1.0 - y * y


def softmax(a):
    """Given (set 01): softmax over each row, stable for large entries."""
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


HIDDEN = {"sigmoid": (sigmoid, sigmoid_grad), "relu": (relu, relu_grad), "tanh": (tanh, tanh_grad)}
OUTPUT_LOSS = {("softmax", "cross_entropy"), ("sigmoid", "mse")}


def one_hot(y, k):
    """Given: integer labels y (N,) as one-hot rows (N, k) of float64."""
    T = np.zeros((len(y), k))
    T[np.arange(len(y)), y] = 1.0
    return T


class MLP:
    """
    A fully connected network trained by mini-batch stochastic gradient descent.

    Inputs:
    - sizes: layer widths, input first: (784, 512, 10) is seed 001's 784-512-10 network;
      any number of layers, e.g. (784, 256, 128, 10)
    - hidden: activation of the hidden layers, "sigmoid", "relu" or "tanh"
    - output: "softmax" (with loss="cross_entropy") or "sigmoid" (with loss="mse", seed 001's)
    - loss: "cross_entropy" or "mse" (the mean over rows of 1/2 sum_k (t - y)^2)
    - seed: seed of the random initial weights

    Attributes:
    - params: dict, the live store of the parameters: "W1" (sizes[0], sizes[1]), "b1" (sizes[1],),
      "W2" (sizes[1], sizes[2]), "b2" (sizes[2],), ... Changing an entry changes the model.
    """

    def __init__(self, sizes=(784, 512, 10), hidden="sigmoid", output="softmax",
                 loss="cross_entropy", seed=0):
        # YOUR CODE HERE
        # TODO MLP(sizes, hidden, output, loss, seed): A fully connected network trained by
        #     mini-batch stochastic gradient descent.
        raise NotImplementedError("MLP: not implemented yet / 아직 구현하지 않았습니다")

    def _layers(self, X, params=None):
        """
        Helper (not graded; organise your class differently if you like): every layer's output.

        Inputs:
        - X: array (N, sizes[0])
        - params: the weights to use (default: self.params)

        Returns:
        - Ys: list [X, Y1, ..., YL]; YL (N, sizes[-1]) is the network's output
        """
        # YOUR CODE HERE
        # TODO MLP._layers(X, params): Helper (not graded; organise your class differently if you
        #     like): every layer's output.
        raise NotImplementedError("MLP._layers: not implemented yet / 아직 구현하지 않았습니다")

    def forward(self, X):
        """
        The network's output for a batch.

        Inputs:
        - X: array (N, sizes[0]), one example per row

        Returns:
        - Y: float64 array (N, sizes[-1]); rows sum to 1 with the softmax output
        """
        # YOUR CODE HERE
        # TODO MLP.forward(X): The network's output for a batch.
        raise NotImplementedError("MLP.forward: not implemented yet / 아직 구현하지 않았습니다")

    def _loss(self, Y, T):
        """
        Helper (not graded): the loss of a batch, a mean over its rows.

        Inputs:
        - Y: outputs (N, K); T: one-hot targets (N, K)

        Returns:
        - loss: float, cross-entropy or mse as chosen in the constructor
        """
        # YOUR CODE HERE
        # TODO MLP._loss(Y, T): Helper (not graded): the loss of a batch, a mean over its rows.
        raise NotImplementedError("MLP._loss: not implemented yet / 아직 구현하지 않았습니다")

    def _backprop(self, X, T, params=None):
        """
        Helper (not graded) shared by backward and fit: one forward and one backward pass.

        Inputs:
        - X: array (N, sizes[0]); T: one-hot targets (N, sizes[-1])
        - params: the weights to use (default: self.params)

        Returns:
        - (Y, grads): the output (N, sizes[-1]) and the gradients dict of backward()
        """
        # YOUR CODE HERE
        # TODO MLP._backprop(X, T, params): Helper (not graded) shared by backward and fit: one
        #     forward and one backward pass.
        raise NotImplementedError("MLP._backprop: not implemented yet / 아직 구현하지 않았습니다")

    def backward(self, X, T):
        """
        The gradient of the mean loss over the batch with respect to every parameter.

        Inputs:
        - X: array (N, sizes[0])
        - T: one-hot targets (N, sizes[-1])

        Returns:
        - grads: dict with the keys and shapes of self.params ("W1" (sizes[0], sizes[1]), "b1", ...),
          each the MEAN over the N examples (not the sum)
        """
        # YOUR CODE HERE
        # TODO MLP.backward(X, T): The gradient of the mean loss over the batch with respect to
        #     every parameter.
        raise NotImplementedError("MLP.backward: not implemented yet / 아직 구현하지 않았습니다")

    def step(self, grads, lr):
        """
        One gradient-descent step, in place: params[k] <- params[k] - lr * grads[k] for every key.

        Inputs:
        - grads: dict with (some of) the keys of self.params and the same shapes
        - lr: learning rate

        Returns:
        - None (self.params is changed; grads is not)
        """
        # YOUR CODE HERE
        # TODO MLP.step(grads, lr): One gradient-descent step, in place: params[k] <- params[k] -
        #     lr * grads[k] for every key.
        raise NotImplementedError("MLP.step: not implemented yet / 아직 구현하지 않았습니다")

    def fit(self, X, y, epochs, batch_size, lr, seed=0, momentum=0.0, dtype=np.float64):
        """
        Mini-batch SGD: each epoch visits the examples in a new random order, batch_size at a time.

        Inputs:
        - X: array (N, sizes[0]), pixels scaled to [0, 1]
        - y: integer labels (N,)
        - epochs, batch_size, lr: as in Keras's fit (the last batch of an epoch may be smaller)
        - seed: seed of the shuffling
        - momentum: 0 for plain SGD; mu > 0 keeps a velocity v <- mu * v + lr * grad and steps
          w <- w - v (classical momentum, the same steps as PyTorch's SGD while lr is fixed)
        - dtype: optional, not graded: np.float64 (default; without momentum each step is exactly
          backward() then step()) or np.float32, which trains on float32 copies, faster, and
          writes the result back into the float64 params at the end

        Returns:
        - history: list with one dict per epoch: "epoch" (1, 2, ...), "loss" (mean training loss)
          and "accuracy" (fraction of training examples classified right), both measured on each
          batch just before its step, as Keras reports them; "seconds" (wall time of the epoch)
        """
        # YOUR CODE HERE
        # TODO MLP.fit(X, y, epochs, batch_size, lr, seed, momentum, dtype): Mini-batch SGD: each
        #     epoch visits the examples in a new random order, batch_size at a time.
        raise NotImplementedError("MLP.fit: not implemented yet / 아직 구현하지 않았습니다")

    def predict(self, X):
        """
        The predicted class of each example.

        Inputs:
        - X: array (N, sizes[0])

        Returns:
        - labels: int64 array (N,), the index of the largest output of each row
        """
        # YOUR CODE HERE
        # TODO MLP.predict(X): The predicted class of each example.
        raise NotImplementedError("MLP.predict: not implemented yet / 아직 구현하지 않았습니다")
