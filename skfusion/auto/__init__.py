"""Fusion with no configuration: default members, every fusion compared, the best kept."""

from ._auto import AutoFusionClassifier, AutoFusionRegressor

__all__ = ["AutoFusionClassifier", "AutoFusionRegressor"]
