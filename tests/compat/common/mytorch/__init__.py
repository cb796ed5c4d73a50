"""MyTorch in the original course conventions (compatibility test data)."""
