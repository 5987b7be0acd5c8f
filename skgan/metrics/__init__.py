"""Distances and scores for comparing generated data with real data.

Every sample-level function takes feature arrays (numpy or torch);
:mod:`skgan.metrics.features` turns data into features and :func:`make_sample_scorer`
turns any metric into a scikit-learn scorer for skgan estimators. :func:`psnr` and
:func:`ssim` compare paired images; the disclosure measures of
:mod:`skgan.metrics.privacy` compare tables row by row (:func:`make_privacy_scorer`).
"""

from .distances import kid, median_heuristic_gamma, mmd
from .features import class_probabilities, extract_features
from .frechet import FeatureStatistics, fid_infinity, frechet_distance, trace_sqrt_product
from .image_similarity import psnr, ssim
from .inception import InceptionFeatures
from .inception_score import inception_score
from .manifold import density_coverage, precision_recall
from .privacy import distance_to_closest_record, exact_match_rate, membership_inference
from .scorers import (
    SCORERS,
    c2st_scorer,
    coverage_scorer,
    dcr_scorer,
    density_scorer,
    exact_match_scorer,
    fid_scorer,
    kid_scorer,
    make_privacy_scorer,
    make_sample_scorer,
    mmd_scorer,
    precision_scorer,
    recall_scorer,
)
from .two_sample import c2st

__all__ = [
    "FeatureStatistics",
    "InceptionFeatures",
    "SCORERS",
    "c2st",
    "c2st_scorer",
    "class_probabilities",
    "coverage_scorer",
    "density_coverage",
    "dcr_scorer",
    "density_scorer",
    "distance_to_closest_record",
    "exact_match_rate",
    "exact_match_scorer",
    "extract_features",
    "fid_infinity",
    "fid_scorer",
    "frechet_distance",
    "inception_score",
    "kid",
    "kid_scorer",
    "make_privacy_scorer",
    "make_sample_scorer",
    "membership_inference",
    "median_heuristic_gamma",
    "mmd",
    "mmd_scorer",
    "precision_recall",
    "psnr",
    "precision_scorer",
    "recall_scorer",
    "ssim",
    "trace_sqrt_product",
]
