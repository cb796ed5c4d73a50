"""Optimizers: update parameters in place from their gradients."""
