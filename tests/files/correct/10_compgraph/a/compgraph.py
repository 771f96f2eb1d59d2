# computational graph: multiply and add nodes


class MulLayer:
    def __init__(self):
        self.saved = None

    def forward(self, x, y):
        self.saved = (x, y)
        return x * y

    def backward(self, dout):
        x, y = self.saved
        return dout * y, dout * x


class AddLayer:
    def __init__(self):
        pass

    def forward(self, x, y):
        out = x + y
        return out

    def backward(self, dout):
        return dout, dout


def apple_graph(price=100, count=2, tax=1.1):
    apple_node = MulLayer()
    tax_node = MulLayer()
    subtotal = apple_node.forward(price, count)
    total = tax_node.forward(subtotal, tax)
    d_subtotal, d_tax = tax_node.backward(1)
    d_price, d_count = apple_node.backward(d_subtotal)
    return total, {"price": d_price, "count": d_count, "tax": d_tax}
