"""A computational graph of multiply and add nodes, and its backward pass (seed 003's apple example).

Every node has the same interface:
- forward(x, y) returns the node's output and remembers what backward needs;
- backward(dout) takes dL/d(output) and returns the tuple (dL/dx, dL/dy) by the chain rule.
"""


class MulLayer:
    """A multiply node: out = x * y."""

    def __init__(self):
        """Start empty: forward will remember x and y, because backward needs them."""
        ### BEGIN SOLUTION
        self.x = None
        self.y = None
        ### END SOLUTION

    def forward(self, x, y):
        """
        Inputs:
        - x, y: numbers (or arrays of the same shape)

        Returns:
        - out = x * y
        """
        ### BEGIN SOLUTION
        self.x = x
        self.y = y
        return x * y
        ### END SOLUTION

    def backward(self, dout):
        """
        Inputs:
        - dout: dL/dout, the gradient arriving from above

        Returns a tuple of:
        - dx = dout * y   (d(x*y)/dx = y: each input gets the OTHER input)
        - dy = dout * x
        """
        ### BEGIN SOLUTION
        dx = dout * self.y
        dy = dout * self.x
        return dx, dy
        ### END SOLUTION


class AddLayer:
    """An add node: out = x + y."""

    def forward(self, x, y):
        """
        Inputs:
        - x, y: numbers (or arrays of the same shape)

        Returns:
        - out = x + y
        """
        ### BEGIN SOLUTION
        return x + y
        ### END SOLUTION

    def backward(self, dout):
        """
        Inputs:
        - dout: dL/dout, the gradient arriving from above

        Returns a tuple of:
        - dx = dout * 1, dy = dout * 1 (an add node passes the gradient on unchanged)
        """
        ### BEGIN SOLUTION
        dx = dout * 1
        dy = dout * 1
        return dx, dy
        ### END SOLUTION


def apple_graph(price=100, count=2, tax=1.1):
    """
    The apple example: total = price * count * tax, and how the total moves with each input.

        price --+
                (x)-- apple_price --+
        count --+                  (x)-- total
                             tax --+

    Inputs:
    - price: price of one apple
    - count: number of apples
    - tax: tax factor (1.1 = 10 %)

    Returns a tuple of:
    - total: price * count * tax (220 for the defaults, up to float rounding)
    - grads: dict {"price": dL/dprice, "count": dL/dcount, "tax": dL/dtax} with L = total,
      found by the backward pass starting from dL/dL = 1 ({2.2, 110, 200} for the defaults)
    """
    ### BEGIN SOLUTION
    mul_apple = MulLayer()
    mul_tax = MulLayer()

    apple_price = mul_apple.forward(price, count)
    total = mul_tax.forward(apple_price, tax)

    # Backward: the nodes in reverse order, starting from dL/dtotal = 1.
    dapple_price, dtax = mul_tax.backward(1)
    dprice, dcount = mul_apple.backward(dapple_price)
    return total, {"price": dprice, "count": dcount, "tax": dtax}
    ### END SOLUTION
