"""Errors that used to name the wrong cause now name the modality and the cause."""

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skfusion import EarlyFusion, LateFusionClassifier, LateFusionRegressor, ModalityDict
from skfusion.datasets import make_multimodal_classification


@pytest.fixture(scope="module")
def data():
    X, y = make_multimodal_classification(90, n_classes=3, random_state=0)
    return ModalityDict(image=X["image"].reshape(90, -1), table=X["table"]), y


# -- a modality with 0 features -------------------------------------------------------
def test_zero_feature_modality_is_not_read_as_missing(data):
    X, y = data
    X = ModalityDict(empty=np.zeros((90, 0)), table=X["table"])
    assert not X.is_missing("empty").any()
    clf = LateFusionClassifier([("e", LogisticRegression(), "empty"),
                                ("t", LogisticRegression(), "table")])
    # before: "member 'e' has no training row with its modalities"
    with pytest.raises(ValueError, match=r"modality 'empty'.*0 feature\(s\) \(shape=\(90, 0\)\)"):
        clf.fit(X, y)
    early = EarlyFusion([("e", StandardScaler(), "empty"), ("t", StandardScaler(), "table")])
    with pytest.raises(ValueError, match=r"0 feature\(s\)"):
        early.fit(X, y)


def test_fusion_net_refuses_a_zero_feature_modality(data):
    pytest.importorskip("skorch")
    from skfusion.neural import FusionNetClassifier

    X, y = data
    X = ModalityDict(empty=np.zeros((90, 0)), table=X["table"])
    # before: "modality 'empty' is missing in every training sample"
    with pytest.raises(ValueError, match=r"modality 'empty' .*0 feature\(s\)"):
        FusionNetClassifier(max_epochs=1).fit(X, y)


# -- stacking with passthrough and a modality missing ---------------------------------
@pytest.mark.parametrize("passthrough", [["table"], True])
def test_passthrough_of_a_missing_modality_names_it(data, passthrough):
    X, y = data
    clf = LateFusionClassifier([("i", LogisticRegression(), "image"),
                                ("t", LogisticRegression(), "table")],
                               fusion="stacking", passthrough=passthrough, cv=3).fit(X, y)
    # before: "Input X contains NaN" from the final estimator, naming neither
    with pytest.raises(ValueError, match=r"passthrough modality 'table' has NaN in 2 sample\(s\) "
                                         r"\(first: row 1, which lacks it\), and the final "
                                         r"estimator LogisticRegression does not accept NaN"):
        clf.predict(X.with_missing("table", [1, 4]))
    if passthrough is not True:  # rows lacking a modality not passed through are fine
        assert clf.predict(X.with_missing("image", [1, 4])).shape == (90,)


def test_passthrough_missing_at_fit_names_it_for_a_regressor(data):
    X, y = data
    reg = LateFusionRegressor([("i", Ridge(), "image"), ("t", Ridge(), "table")],
                              fusion="stacking", passthrough=["table"], cv=3)
    with pytest.raises(ValueError, match=r"modality 'table' has NaN in 3 sample.*RidgeCV"):
        reg.fit(X.with_missing("table", [0, 5, 7]), y.astype(float))


@pytest.mark.parametrize("final", [HistGradientBoostingClassifier(max_iter=20),
                                   make_pipeline(SimpleImputer(), LogisticRegression())],
                         ids=["hgb", "imputer-pipeline"])
def test_passthrough_missing_reaches_a_final_estimator_that_takes_nan(data, final):
    X, y = data
    X_missing = X.with_missing("table", [1, 4, 30])
    clf = LateFusionClassifier([("i", LogisticRegression(), "image"),
                                ("t", LogisticRegression(), "table")],
                               fusion="stacking", passthrough=["table"], final_estimator=final,
                               cv=3).fit(X_missing, y)
    assert clf.score(X_missing, y) > 0.8


# -- FusionNet on float64 beyond float32's range ----------------------------------------
@pytest.mark.parametrize("modality, shape", [("table", (90, 5)), ("image", (90, 8, 8)),
                                             ("sequence", (90, 20)), ("ragged", None)])
def test_fusion_net_says_the_float32_cast_overflows(modality, shape):
    pytest.importorskip("skorch")
    from skfusion.neural import FusionNetClassifier

    rng = np.random.default_rng(0)

    def values():
        if shape is not None:
            return rng.standard_normal(shape)
        out = np.empty(90, dtype=object)
        out[:] = [rng.standard_normal(10 + i % 7) for i in range(90)]
        return out

    huge = values()
    huge[7] = huge[7] * 1e300
    X = ModalityDict(**{modality: huge}, other=rng.standard_normal((90, 3)))
    y = np.arange(90) % 2
    encoders = {modality: "cnn1d"} if modality in ("sequence", "ragged") else None
    net = FusionNetClassifier(max_epochs=1, encoders=encoders)
    # before: "has NaN or inf values in 1 sample(s)": there were none
    with pytest.raises(ValueError, match=rf"modality '{modality}' has values beyond float32's "
                                         r"range .*sample 7.*overflow"):
        net.fit(X, y)
    net.fit(ModalityDict(**{modality: values()}, other=X["other"]), y)
    with pytest.raises(ValueError, match="beyond float32's range"):
        net.predict(X)
