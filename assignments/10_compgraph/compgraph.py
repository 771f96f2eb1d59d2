"""A computational graph of multiply and add nodes, and its backward pass (seed 003's apple example).

Every node has the same interface:
- forward(x, y) returns the node's output and remembers what backward needs;
- backward(dout) takes dL/d(output) and returns the tuple (dL/dx, dL/dy) by the chain rule.
"""


class MulLayer:
    """A multiply node: out = x * y."""

    def __init__(self):
        """Start empty: forward will remember x and y, because backward needs them."""
        # YOUR CODE HERE
        # TODO MulLayer(): Start empty: forward will remember x and y, because backward needs them.
        raise NotImplementedError("MulLayer: not implemented yet / 아직 구현하지 않았습니다")

    def forward(self, x, y):
        """
        Inputs:
        - x, y: numbers (or arrays of the same shape)

        Returns:
        - out = x * y
        """
        # YOUR CODE HERE
        # TODO MulLayer.forward(x, y): returns out = x * y
        raise NotImplementedError("MulLayer.forward: not implemented yet / 아직 구현하지 않았습니다")

    def backward(self, dout):
        """
        Inputs:
        - dout: dL/dout, the gradient arriving from above

        Returns a tuple of:
        - dx = dout * y   (d(x*y)/dx = y: each input gets the OTHER input)
        - dy = dout * x
        """
        # YOUR CODE HERE
        # TODO MulLayer.backward(dout): returns dx = dout * y (d(x*y)/dx = y: each input gets the
        #     OTHER input); dy = dout * x
        raise NotImplementedError("MulLayer.backward: not implemented yet / 아직 구현하지 않았습니다")


class AddLayer:
    """An add node: out = x + y."""

    def forward(self, x, y):
        """
        Inputs:
        - x, y: numbers (or arrays of the same shape)

        Returns:
        - out = x + y
        """
        # YOUR CODE HERE
        # TODO AddLayer.forward(x, y): returns out = x + y
        raise NotImplementedError("AddLayer.forward: not implemented yet / 아직 구현하지 않았습니다")

    def backward(self, dout):
        """
        Inputs:
        - dout: dL/dout, the gradient arriving from above

        Returns a tuple of:
        - dx = dout * 1, dy = dout * 1 (an add node passes the gradient on unchanged)
        """
        # YOUR CODE HERE
        # TODO AddLayer.backward(dout): returns dx = dout * 1, dy = dout * 1 (an add node passes
        #     the gradient on unchanged)
        raise NotImplementedError("AddLayer.backward: not implemented yet / 아직 구현하지 않았습니다")


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
    # YOUR CODE HERE
    # TODO apple_graph(price, count, tax): The apple example: total = price * count * tax, and how
    #     the total moves with each input.
    raise NotImplementedError("apple_graph: not implemented yet / 아직 구현하지 않았습니다")
