"""Rules between columns that every generated row keeps, by construction.

Pass them to the tabular adapter: ``TabularAdapter(constraints=[...])`` (and so
``GANSampler(adapter=TabularAdapter(constraints=[...]))``). See docs/constraints.md.
"""

from ._arithmetic import FixedIncrements, LinearEquality
from ._combinations import FixedCombinations, OneHot
from ._order import Bounds, Inequality, Range
from .base import Constraint

__all__ = ["Bounds", "Constraint", "FixedCombinations", "FixedIncrements", "Inequality",
           "LinearEquality", "OneHot", "Range"]
