"""MyTorch. tensor, autograd_engine, graph and nn.functional import each other; loading
tensor first lets any of them be imported first."""
from mytorch import tensor  # noqa: F401
