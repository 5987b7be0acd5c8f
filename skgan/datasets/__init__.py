"""Data for demos and checks: toy mixtures, waveforms and a small real table shipped with skgan."""

from ._tables import load_cps1985
from .toy import grid_centers, make_grid, make_ring, mode_coverage, ring_centers
from .waveforms import make_waveforms

__all__ = [
    "grid_centers",
    "load_cps1985",
    "make_grid",
    "make_ring",
    "make_waveforms",
    "mode_coverage",
    "ring_centers",
]
