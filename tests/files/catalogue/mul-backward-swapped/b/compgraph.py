"""곱셈/덧셈 노드."""


class MulLayer:
    def __init__(self):
        self.입력들 = []

    def forward(self, x, y):
        self.입력들 = [x, y]
        return x * y

    def backward(self, dout):
        return tuple(dout * 값 for 값 in self.입력들)


class AddLayer:
    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        return (dout, dout)


def apple_graph(price=100, count=2, tax=1.1):
    노드1, 노드2 = MulLayer(), MulLayer()
    총액 = 노드2.forward(노드1.forward(price, count), tax)
    d중간, d세금 = 노드2.backward(1.0)
    d가격, d개수 = 노드1.backward(d중간)
    return 총액, dict(price=d가격, count=d개수, tax=d세금)
