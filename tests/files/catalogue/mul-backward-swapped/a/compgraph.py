class MulLayer:
    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x = x
        self.y = y
        out = x * y
        return out

    def backward(self, dout):
        dx = dout * self.x
        dy = dout * self.y
        return dx, dy


class AddLayer:
    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        dx = dout * 1
        dy = dout * 1
        return dx, dy


def apple_graph(price=100, count=2, tax=1.1):
    mul_apple_layer = MulLayer()
    mul_tax_layer = MulLayer()

    # forward
    apple_price = mul_apple_layer.forward(price, count)
    total = mul_tax_layer.forward(apple_price, tax)

    # backward
    dprice_total = 1
    dapple_price, dtax = mul_tax_layer.backward(dprice_total)
    dprice, dcount = mul_apple_layer.backward(dapple_price)
    return total, {"price": dprice, "count": dcount, "tax": dtax}
