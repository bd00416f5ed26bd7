"""The bottom layer: one validation mechanism shared by every other layer (NumPy, pandas)."""
