"""계산 그래프 (과제 10)."""
from 노드 import 노드


class MulLayer(노드):
    def 계산(self, x, y):
        return x * y

    def 국소기울기(self):
        x, y = self.입력
        return y, x          # d(xy)/dx = y, d(xy)/dy = x


class AddLayer(노드):
    def 계산(self, x, y):
        return x + y

    def 국소기울기(self):
        return 1, 1


def apple_graph(price=100, count=2, tax=1.1):
    사과곱 = MulLayer()
    세금곱 = MulLayer()
    총액 = 세금곱.forward(사과곱.forward(price, count), tax)
    d사과값, d세금 = 세금곱.backward(1)
    d가격, d개수 = 사과곱.backward(d사과값)
    return 총액, {"price": d가격, "count": d개수, "tax": d세금}
