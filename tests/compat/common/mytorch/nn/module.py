from mytorch.tensor import Tensor


class Module:
    def __init__(self):
        self.is_train = True

    def __call__(self, *args):
        return self.forward(*args)

    def forward(self, *args):
        raise NotImplementedError

    def children(self):
        found = []
        for value in vars(self).values():
            found += value if isinstance(value, list) else [value]
        return found

    def parameters(self):
        params = []
        for value in self.children():
            if isinstance(value, Tensor) and value.is_parameter:
                params.append(value)
            elif isinstance(value, Module):
                params += value.parameters()
        return params

    def train(self):
        self.is_train = True
        for child in self.children():
            if isinstance(child, Module):
                child.train()

    def eval(self):
        self.is_train = False
        for child in self.children():
            if isinstance(child, Module):
                child.eval()
