"""Distances and scores for comparing generated data with real data."""

from .distances import median_heuristic_gamma, mmd
from .two_sample import c2st

__all__ = ["c2st", "median_heuristic_gamma", "mmd"]
