"""치즈 신경망 순전파 (과제 2) — 벡터화, 한글 변수명."""
import numpy as np

from activations import sigmoid, identity


def dot(v, w):
    return sum(a * b for a, b in zip(v, w, strict=True)) * 1.0


def init_cheese_network():
    가중치1 = np.array([0.05, 0.01, -0.01, 0.03, 0.02, -0.01]).reshape(3, 2)
    편향1 = np.array([-0.3, 0.2, 0.05])
    가중치2 = np.array([0.01, 0.05, 0.015])
    편향2 = np.array([-0.015])
    return dict(W1=가중치1, b1=편향1, W2=가중치2, b2=편향2)


def layer(x, W, b, activation):
    입력 = np.asarray(x, dtype=np.float64)
    return activation(np.matmul(입력, np.transpose(W)) + b)


_출력함수 = {"sigmoid": sigmoid, "identity": identity}


def forward(network, x, output="sigmoid"):
    입력 = np.asarray(x, dtype=np.float64)
    은닉합 = np.matmul(입력, network["W1"].T) + network["b1"]
    은닉출력 = sigmoid(은닉합)
    출력합 = np.matmul(은닉출력, network["W2"]) + network["b2"]
    출력 = _출력함수[output](출력합)
    return {"A1": 은닉합, "Y1": 은닉출력, "A2": 출력합, "Y2": 출력}
