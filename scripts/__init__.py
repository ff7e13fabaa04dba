"""Toolkit that rebuilds the corpus: one module per stage, run as ``python -m scripts.<stage>``."""
