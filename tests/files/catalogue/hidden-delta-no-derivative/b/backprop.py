"""과제 4: 역전파와 SGD 한 단계 (치즈 신경망)."""
import numpy as np

from activations import sigmoid


def output_delta(t, y2):
    출력 = np.asarray(y2, dtype=np.float64)
    return (출력 - t) * 출력 * (1.0 - 출력)


def hidden_delta(y1, W2, d2):
    return np.multiply(W2, d2)


def 순전파(신경망, 입력):
    은닉합 = 입력 @ 신경망["W1"].T + 신경망["b1"]
    은닉출력 = sigmoid(은닉합)
    출력합 = 은닉출력 @ 신경망["W2"] + 신경망["b2"]
    return 은닉합, 은닉출력, 출력합, sigmoid(출력합)


def gradients(network, x, t):
    입력 = np.asarray(x, dtype=np.float64)
    _, 은닉출력, _, 출력 = 순전파(network, 입력)
    출력델타 = output_delta(t, 출력)
    은닉델타 = hidden_delta(은닉출력, network["W2"], 출력델타)
    return {
        "W1": 은닉델타[:, np.newaxis] * 입력[np.newaxis, :],
        "b1": 은닉델타,
        "W2": 출력델타 * 은닉출력,
        "b2": 출력델타,
    }


def sgd_step(network, grads, lr):
    return {이름: 값 - lr * grads[이름] for 이름, 값 in network.items()}


def train_step(network, x, t, lr):
    입력 = np.asarray(x, dtype=np.float64)
    출력 = 순전파(network, 입력)[3]
    손실 = float(np.sum((t - 출력) ** 2) / 2)
    return sgd_step(network, gradients(network, 입력, t), lr), 손실
