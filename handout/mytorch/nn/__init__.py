"""Layers, losses and the graph operations they are built from."""
