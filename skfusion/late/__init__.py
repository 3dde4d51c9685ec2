"""Late fusion: one model per modality, their predictions combined.

Members are ``(name, estimator, modality)`` triples. Their outputs are fused
by a rule (``"mean"``, ``"weighted"``, ``"product"``, ``"max"``, ``"min"``,
``"median"``, ``"vote"``) or by a final estimator fitted on out-of-fold
predictions (``"stacking"``), sample by sample over the members whose
modalities the sample has. ``PairwiseCalibratedClassifier`` gives members
without good probabilities of their own (an SVC) calibrated ones.
"""

from ._classifier import LateFusionClassifier
from ._cv import LateFusionClassifierCV
from ._make import make_late_fusion
from ._pairwise import PairwiseCalibratedClassifier
from ._regressor import LateFusionRegressor

__all__ = [
    "LateFusionClassifier",
    "LateFusionClassifierCV",
    "LateFusionRegressor",
    "PairwiseCalibratedClassifier",
    "make_late_fusion",
]
