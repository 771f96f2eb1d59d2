import numpy as np


class 모멘텀:
    """모멘텀 갱신 규칙. 호출하면 (새 가중치, 저장할 값)을 돌려준다."""

    def __call__(self, w, v, grad, lr, momentum):
        변화량 = np.copy(grad)
        새가중치 = w + (momentum * v - lr * 변화량)
        return 새가중치, 변화량
