"""Measuring generators: a domain classifier as feature extractor, and FD / KID / class agreement.

The CLI that ties them together is ``python -m gencanvas.models.evaluate`` (models/evaluate.py).
"""

from gencanvas.models.evaluation.classifier import (
    ClassifierConfig,
    DomainClassifier,
    kmeans,
    labels_for,
    load_classifier,
    pseudo_labels,
    save_classifier,
    train_classifier,
)
from gencanvas.models.evaluation.metrics import (
    chunked_frechet_distance,
    class_agreement,
    extract_features,
    frechet_distance,
    frechet_distance_from_moments,
    kernel_inception_distance,
    median_nearest_distance,
)

__all__ = [
    "ClassifierConfig",
    "DomainClassifier",
    "chunked_frechet_distance",
    "class_agreement",
    "extract_features",
    "frechet_distance",
    "frechet_distance_from_moments",
    "kernel_inception_distance",
    "kmeans",
    "labels_for",
    "load_classifier",
    "median_nearest_distance",
    "pseudo_labels",
    "save_classifier",
    "train_classifier",
]
