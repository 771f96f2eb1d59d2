class 노드:
    """모든 노드의 공통 틀: forward 가 입력을 기억하고 backward 가 (dx, dy) 를 돌려준다."""

    def forward(self, x, y):
        self.입력 = (x, y)
        return self.계산(x, y)

    def backward(self, dout):
        국소x, 국소y = self.국소기울기()
        return dout * 국소x, dout * 국소y
