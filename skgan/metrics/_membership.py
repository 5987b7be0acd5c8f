"""The density-ratio membership attack (DOMIAS): synthetic density over population density."""

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.impute import SimpleImputer
from sklearn.neighbors import KernelDensity
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ._table_values import _as_float, _labels, column_kind

#: dimensions the rows are reduced to before the kernel density estimates
MAX_DIMENSIONS = 10
#: levels of a category kept as their own one-hot column; rarer ones are pooled
MAX_LEVELS = 30


def density_ratio_scores(kinds_from, synthetic, population, candidates, random_state=None):
    """Log density of ``synthetic`` at each candidate row minus that of ``population``.

    Rows go through one numeric embedding fitted on ``population`` (numbers
    standardised, missing ones at the mean plus a missing flag, categories one-hot with
    rare levels pooled), then PCA to at most ``MAX_DIMENSIONS`` dimensions; each density
    is a Gaussian kernel estimate with Scott's bandwidth. Columns are read as the kinds
    of ``kinds_from``.
    """
    numeric, categorical = [], []
    for name in kinds_from.columns:
        kind = column_kind(kinds_from[name])
        (numeric if kind in ("numerical", "datetime") else categorical).append((name, kind))
    tables = [_as_inputs(table, numeric, categorical)
              for table in (population, synthetic, candidates)]
    steps = []
    if numeric:
        steps.append(("numbers", make_pipeline(
            SimpleImputer(add_indicator=True, keep_empty_features=True), StandardScaler()),
            [name for name, _ in numeric]))
    if categorical:
        steps.append(("categories", OneHotEncoder(
            handle_unknown="infrequent_if_exist", max_categories=MAX_LEVELS,
            sparse_output=False), [name for name, _ in categorical]))
    embedding = ColumnTransformer(steps).fit(tables[0])
    population_z, synthetic_z, candidates_z = (embedding.transform(t) for t in tables)
    n_components = min(MAX_DIMENSIONS, population_z.shape[1], len(population_z))
    reducer = PCA(n_components=n_components, random_state=random_state).fit(population_z)
    population_z, synthetic_z, candidates_z = (
        reducer.transform(z) for z in (population_z, synthetic_z, candidates_z))
    scale = population_z.std(axis=0)
    scale[scale == 0] = 1.0
    population_z, synthetic_z, candidates_z = (
        z / scale for z in (population_z, synthetic_z, candidates_z))
    synthetic_density = KernelDensity(bandwidth="scott").fit(synthetic_z)
    population_density = KernelDensity(bandwidth="scott").fit(population_z)
    return (synthetic_density.score_samples(candidates_z)
            - population_density.score_samples(candidates_z))


def _as_inputs(table, numeric, categorical):
    """Numbers as floats (datetimes in seconds) and categories as text read alike
    whatever their dtype (1, 1.0 and "1" as "1"; 1/0 as True/False where the training
    column holds booleans), as the distances read them; NaN missing."""
    table = table.reset_index(drop=True)  # rows by position: labels may repeat or differ
    columns = {name: _as_float(table[name], kind) for name, kind in numeric}
    for name, kind in categorical:
        labels = _labels(table[name], kind)
        columns[name] = labels.astype(object).where(labels.notna(), "<missing>")
    return pd.DataFrame(columns, index=np.arange(len(table)))
