"""The classes and functions a model file may name, each under a fixed name.

A file names classes by these names, never by import paths: loading looks a name up in
the tables below, built from modules skgan itself imports, and refuses any other name.
Names stay fixed when code moves between modules (files written before a move keep
loading); ``tests/test_io.py`` loads a committed file of format version 1.
"""

import collections
import importlib
import pkgutil

import torch
from torch.nn import functional as F

#: scikit-learn estimators an :class:`~skgan.AugmentedEstimator` may wrap in a file:
#: their fitted state is arrays and numbers only (no compiled tree or loss objects).
_SKLEARN_CLASSES = {
    "sklearn.LogisticRegression": ("sklearn.linear_model", "LogisticRegression"),
    "sklearn.LinearRegression": ("sklearn.linear_model", "LinearRegression"),
    "sklearn.Ridge": ("sklearn.linear_model", "Ridge"),
    "sklearn.RidgeClassifier": ("sklearn.linear_model", "RidgeClassifier"),
    "sklearn.GaussianNB": ("sklearn.naive_bayes", "GaussianNB"),
    "sklearn.LinearDiscriminantAnalysis": ("sklearn.discriminant_analysis",
                                           "LinearDiscriminantAnalysis"),
    "sklearn.DummyClassifier": ("sklearn.dummy", "DummyClassifier"),
    "sklearn.DummyRegressor": ("sklearn.dummy", "DummyRegressor"),
    "sklearn.StandardScaler": ("sklearn.preprocessing", "StandardScaler"),
    "sklearn.MinMaxScaler": ("sklearn.preprocessing", "MinMaxScaler"),
    "sklearn.QuantileTransformer": ("sklearn.preprocessing", "QuantileTransformer"),
    "sklearn.LabelEncoder": ("sklearn.preprocessing", "LabelEncoder"),
    "sklearn.LabelBinarizer": ("sklearn.preprocessing", "LabelBinarizer"),
    "sklearn.Pipeline": ("sklearn.pipeline", "Pipeline"),
}

#: skgan's packages whose classes a file may hold (estimators, adapters and their
#: column encoders, networks, engine state).
_SKGAN_PACKAGES = ("skgan.adapters", "skgan.constraints", "skgan.networks", "skgan._engine")
_SKGAN_MODULES = ("skgan.gan", "skgan.wgan", "skgan.conditional", "skgan.cycle",
                  "skgan.resampler", "skgan.augmented", "skgan.base")

#: Functions held as attributes (a convolution picked by the number of dimensions).
_FUNCTIONS = {"F.conv1d": F.conv1d, "F.conv2d": F.conv2d, "F.conv3d": F.conv3d}

#: Factories of ``collections.defaultdict`` values a file may hold.
_DEFAULT_FACTORIES = {"dict": dict, "list": list, "int": int, "float": float, "set": set}


def _skgan_classes():
    modules = [importlib.import_module(name) for name in _SKGAN_MODULES]
    for package_name in _SKGAN_PACKAGES:
        package = importlib.import_module(package_name)
        modules.append(package)
        modules += [importlib.import_module(f"{package_name}.{info.name}")
                    for info in pkgutil.iter_modules(package.__path__)]
    classes = {}
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == module.__name__:
                name = value.__qualname__
                if classes.get(name, value) is not value:
                    raise RuntimeError(f"two skgan classes are named {name}")
                classes[name] = value
    return classes


def _torch_classes():
    classes = {}
    for prefix, namespace, base in (("nn", torch.nn, torch.nn.Module),
                                    ("optim", torch.optim, torch.optim.Optimizer)):
        for name, value in vars(namespace).items():
            if isinstance(value, type) and issubclass(value, base) and value is not base:
                classes[f"{prefix}.{name}"] = value
    return classes


def _sklearn_classes():
    return {name: getattr(importlib.import_module(module), attribute)
            for name, (module, attribute) in _SKLEARN_CLASSES.items()}


class Registry:
    """Two-way tables of the classes and functions a file may name."""

    def __init__(self):
        self.classes = {**_torch_classes(), **_sklearn_classes(), **_skgan_classes(),
                        "OrderedDict": collections.OrderedDict}
        self.functions = dict(_FUNCTIONS)
        self.default_factories = dict(_DEFAULT_FACTORIES)
        self._class_names = {cls: name for name, cls in self.classes.items()}
        self._function_names = {function: name for name, function in self.functions.items()}
        self._factory_names = {function: name
                               for name, function in self.default_factories.items()}

    def class_name(self, cls):
        """The registry's name of ``cls``, or None when a file may not hold it."""
        return self._class_names.get(cls)

    def function_name(self, function):
        return self._function_names.get(function)

    def factory_name(self, function):
        return self._factory_names.get(function)


_REGISTRY = None


def registry():
    """The registry, built once (it imports skgan's estimator modules)."""
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = Registry()
    return _REGISTRY
