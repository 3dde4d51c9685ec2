"""The fitted attributes of the late-fusion estimators are the documented ones.

scikit-learn's estimator checks run for every public estimator in
tests/test_common.py.
"""

from sklearn.linear_model import LogisticRegression, Ridge

from skfusion.late import LateFusionClassifier, LateFusionClassifierCV, LateFusionRegressor


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
