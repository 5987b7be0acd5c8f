"""Old module names of skgan, kept importable after the package was regrouped.

Until 0.1.0 the training engine, the table report and training-by-sampling lived in
top-level modules (``skgan._core``, ``skgan.report``, ``skgan.conditioning``, ...).
Pickles name the module of every object they hold, so a model pickled before the move
names ``skgan.conditioning.DiscreteConditioner``; user code may import
``skgan.report``. A finder on ``sys.meta_path`` answers each old name with the module
that now holds its code, imported only when the old name is asked for.
"""

import importlib
import importlib.abc
import importlib.util
import sys

#: old module name -> the module that holds its code now
MOVED_MODULES = {
    "skgan._core": "skgan._engine.core",
    "skgan.training": "skgan._engine.loop",
    "skgan._averaging": "skgan._engine.averaging",
    "skgan._best_start": "skgan._engine.best_start",
    "skgan._history_pool": "skgan._engine.history_pool",
    "skgan._param_checks": "skgan._engine.param_checks",
    "skgan._torch_utils": "skgan._engine.torch_utils",
    "skgan._persistence": "skgan._engine.persistence",
    "skgan._sampling": "skgan._engine.generation",
    "skgan._unpaired": "skgan._engine.domains",
    "skgan._table_values": "skgan.metrics._table_values",
    "skgan.evaluation._values": "skgan.metrics._table_values",
    "skgan.efficacy": "skgan.evaluation.efficacy",
    "skgan.report": "skgan.evaluation.report",
    "skgan.conditioning": "skgan.adapters._training_by_sampling",
    "skgan._sampling_strategy": "skgan._oversampling_counts",
    "skgan._cli_io": "skgan.cli.files",
}


class _AliasLoader(importlib.abc.Loader):
    """Hands out an already imported module under a second name."""

    def __init__(self, module):
        self.module = module

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        """Nothing to run: the module was executed under its own name."""


class MovedModuleFinder(importlib.abc.MetaPathFinder):
    """Finds the old names of :data:`MOVED_MODULES` (and only those)."""

    def find_spec(self, fullname, path=None, target=None):
        new_name = MOVED_MODULES.get(fullname)
        if new_name is None:
            return None
        module = importlib.import_module(new_name)
        return importlib.util.spec_from_loader(fullname, _AliasLoader(module))


def install():
    """Put one :class:`MovedModuleFinder` on ``sys.meta_path`` (idempotent)."""
    if not any(isinstance(finder, MovedModuleFinder) for finder in sys.meta_path):
        sys.meta_path.append(MovedModuleFinder())
