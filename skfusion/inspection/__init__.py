"""Model inspection for fusion: which modality matters and what losing one costs.

:func:`modality_importance` and :func:`modality_robustness` work on any
fitted estimator that takes a :class:`~skfusion.ModalityDict`; the Display
objects plot them, and the members' reliability, in scikit-learn's
``from_estimator`` / ``plot`` convention (matplotlib is imported only to plot).
"""

from ._importance import modality_importance
from ._plot.calibration import MemberCalibrationDisplay
from ._plot.importance import ModalityImportanceDisplay
from ._plot.robustness import RobustnessDisplay
from ._robustness import modality_robustness

__all__ = [
    "MemberCalibrationDisplay",
    "ModalityImportanceDisplay",
    "RobustnessDisplay",
    "modality_importance",
    "modality_robustness",
]
