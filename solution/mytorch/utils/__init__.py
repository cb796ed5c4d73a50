"""Utilities around the library: data loading (``mytorch.utils.data``)."""
