"""scikit-learn's estimator checks, with a plain 2-D array as the one modality."""

from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from skfusion.late import (
    LateFusionClassifier,
    LateFusionClassifierCV,
    LateFusionRegressor,
    PairwiseCalibratedClassifier,
)


def _instances():
    return [
        LateFusionClassifier([("a", LogisticRegression(), None),
                              ("b", LogisticRegression(C=0.1), None)], fusion="product"),
        LateFusionClassifierCV([("lr", LogisticRegression(), None)],
                               fusions=["mean", "stacking"], cv=3),
        LateFusionRegressor([("ridge", Ridge(), None)], fusion="stacking", cv=3),
        PairwiseCalibratedClassifier(SVC(), cv=3),
    ]


def _expected_failed_checks(estimator):
    if isinstance(estimator, PairwiseCalibratedClassifier):
        # as for sklearn's CalibratedClassifierCV: repeating rows changes the
        # folds the calibration is fitted on, which weighting rows does not
        reason = "the calibration's cross-validation splits differ with repeated rows"
        return {"check_sample_weight_equivalence_on_dense_data": reason,
                "check_sample_weight_equivalence_on_sparse_data": reason}
    return {}


@parametrize_with_checks(_instances(), expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _documented_attributes(cls):
    doc = cls.__doc__
    section = doc[doc.index("Attributes\n"):doc.index("See Also\n")]
    lines = section.replace("\\\n", "").splitlines()[2:]
    names = []
    for line in lines:
        if line.startswith("    ") and not line.startswith("     "):
            names += [name.strip() for name in line.split(":")[0].split(",")]
    return [name for name in names if name]


def test_documented_attributes_are_fitted():
    import numpy as np

    from skfusion import ModalityDict

    rng = np.random.RandomState(0)
    X = ModalityDict(a=rng.randn(60, 3), b=rng.randn(60, 2))
    y = (X["a"][:, 0] > 0).astype(int)
    for est in [LateFusionClassifier([("a", LogisticRegression(), "a"),
                                      ("b", LogisticRegression(), "b")], fusion="stacking"),
                LateFusionClassifierCV([("a", LogisticRegression(), "a")], cv=3),
                LateFusionRegressor([("a", Ridge(), "a")], fusion="stacking", cv=3)]:
        est.fit(X, y)
        documented = _documented_attributes(type(est))
        assert len(documented) >= 8
        missing = [name for name in documented
                   if name != "n_features_in_" and not hasattr(est, name)]
        assert missing == [], type(est).__name__
        fitted = {name for name in vars(est) if name.endswith("_") and not name.startswith("_")}
        assert fitted <= set(documented), fitted - set(documented)
