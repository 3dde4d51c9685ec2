"""LateFusionClassifier on multimodal data: rules, members, missing modalities, errors."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import LinearSVC

from skfusion import LateFusionClassifier, ModalityDict
from skfusion.datasets import make_multimodal_classification

RULES = ["mean", "weighted", "product", "max", "min", "median", "vote", "stacking"]


def _flatten(images):
    return images.reshape(len(images), -1)


def image_member():
    return make_pipeline(FunctionTransformer(_flatten), LogisticRegression(C=0.1))


def members(table=None):
    return [("img", image_member(), "image"),
            ("tab", table if table is not None else LogisticRegression(), "table")]


@pytest.fixture(scope="module")
def data():
    X, y = make_multimodal_classification(
        240, n_classes=3, informativeness={"image": 0.6, "table": 0.6}, random_state=0)
    return X, np.array(["cat", "dog", "eel"])[y]


@pytest.mark.parametrize("rule", RULES)
def test_every_rule_fits_and_beats_chance(data, rule):
    X, y = data
    clf = LateFusionClassifier(members(), fusion=rule, cv=3).fit(X[:160], y[:160])
    assert_array_equal(clf.classes_, ["cat", "dog", "eel"])
    assert clf.modalities_ == ["image", "table"]
    assert set(clf.named_estimators_) == {"img", "tab"}
    assert clf.fusion_ == rule
    assert_allclose(clf.weights_.sum(), 1.0)
    assert clf.score(X[160:], y[160:]) > 0.6
    assert hasattr(clf, "predict_proba") == (rule != "vote")
    if rule != "vote":
        proba = clf.predict_proba(X[160:])
        assert_allclose(proba.sum(axis=1), 1.0)
        assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X[160:]))
    assert (clf.final_estimator_ is not None) == (rule == "stacking")


def test_mean_rule_equals_the_average_of_the_members(data):
    X, y = data
    clf = LateFusionClassifier(members(), fusion="mean", weights=[3, 1]).fit(X, y)
    img = clf.named_estimators_["img"].predict_proba(X["image"])
    tab = clf.named_estimators_["tab"].predict_proba(X["table"])
    assert_allclose(clf.predict_proba(X), 0.75 * img + 0.25 * tab)


def test_binary_integer_labels_and_product_rule():
    X, y = make_multimodal_classification(120, random_state=1)
    clf = LateFusionClassifier(members(), fusion="product").fit(X, y)
    img = clf.named_estimators_["img"].predict_proba(X["image"])
    tab = clf.named_estimators_["tab"].predict_proba(X["table"])
    expected = np.sqrt(img * tab)
    assert_allclose(clf.predict_proba(X), expected / expected.sum(axis=1, keepdims=True))
    assert clf.predict(X).dtype.kind == "i"


def test_member_without_predict_proba_uses_softmax_of_decision_values(data):
    X, y = data
    clf = LateFusionClassifier(members(table=LinearSVC()), fusion="mean").fit(X, y)
    assert clf.output_methods_ == ["predict_proba", "decision_function"]
    decision = clf.named_estimators_["tab"].decision_function(X["table"][:5])
    softmax = np.exp(decision) / np.exp(decision).sum(axis=1, keepdims=True)
    img = clf.named_estimators_["img"].predict_proba(X["image"][:5])
    assert_allclose(clf.predict_proba(X[:5]), (img + softmax) / 2)


class PredictOnly(ClassifierMixin, BaseEstimator):
    """A classifier with fit and predict only (nearest class mean)."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.means_ = np.array([X[y == c].mean(axis=0) for c in self.classes_])
        return self

    def predict(self, X):
        distances = ((X[:, None, :] - self.means_[None]) ** 2).sum(axis=2)
        return self.classes_[distances.argmin(axis=1)]


def test_member_with_predict_only_casts_a_one_hot_vote(data):
    X, y = data
    clf = LateFusionClassifier(members(table=PredictOnly()), fusion="mean").fit(X, y)
    assert clf.output_methods_ == ["predict_proba", "predict"]
    votes = clf.transform(X[:20])[:, 3:]  # member "tab"'s probabilities
    assert_allclose(votes.max(axis=1), 1.0)
    # members are fitted on label indices, as in StackingClassifier
    assert_array_equal(votes.argmax(axis=1), clf.named_estimators_["tab"].predict(X["table"][:20]))
    assert clf.score(X, y) > 0.7


def test_class_missing_from_a_fold_and_from_a_member():
    rng = np.random.RandomState(0)
    X = ModalityDict(a=rng.randn(40, 3), b=rng.randn(40, 2))
    y = np.array([0] * 19 + [1] * 19 + [2] * 2)  # class 2: 2 rows, absent from 3 of 5 folds
    X = X.with_missing("b", np.flatnonzero(y == 2))  # and member "b" never sees it
    clf = LateFusionClassifier([("a", LogisticRegression(), "a"),
                                ("b", LogisticRegression(), "b")], fusion="stacking", cv=5)
    with pytest.warns(UserWarning, match="least populated class"):
        clf.fit(X, y)
    assert_array_equal(clf.named_estimators_["b"].classes_, [0, 1])
    proba = clf.predict_proba(X)
    assert proba.shape == (40, 3) and np.all(np.isfinite(proba))


def test_missing_modalities_at_fit_train_each_member_on_its_rows(data):
    X, y = data
    X = X.with_missing("image", np.arange(0, 240, 4)).with_missing("table", np.arange(1, 240, 4))
    clf = LateFusionClassifier(members(), fusion="mean").fit(X, y)
    assert clf.named_estimators_["img"][-1].n_features_in_ == 64
    n_img = clf.named_estimators_["img"][-1].coef_.shape  # fitted without NaN rows
    assert n_img == (3, 64)
    tab_only = X[:1]  # row 0 has no image: fused from the table member alone
    assert_allclose(clf.predict_proba(tab_only),
                    clf.named_estimators_["tab"].predict_proba(X["table"][:1]))
    img_only = X[1:2]
    assert_allclose(clf.predict_proba(img_only),
                    clf.named_estimators_["img"].predict_proba(X["image"][1:2]))


def test_missing_at_predict_stacking_uses_the_class_prior(data):
    X, y = data
    clf = LateFusionClassifier(members(), fusion="stacking", cv=3).fit(X, y)
    X_test = X[:6].with_missing("image", [0, 1, 2])
    features = clf.transform(X_test)
    assert features.shape == (6, 6)
    assert_allclose(features[:3, :3], np.tile(clf.class_prior_, (3, 1)))
    assert clf.predict(X_test).shape == (6,)


def test_a_sample_with_no_member_is_a_clear_error(data):
    X, y = data
    clf = LateFusionClassifier(members()).fit(X, y)
    X_bad = X[:3].with_missing("image", [1]).with_missing("table", [1])
    with pytest.raises(ValueError, match=r"1 sample\(s\) to predict \(first: row 1\)"):
        clf.predict(X_bad)


class OverconfidentLogisticRegression(LogisticRegression):
    """Logistic regression whose probabilities are the softmax of 4 times its logits."""

    def predict_proba(self, X):
        logits = 4.0 * self.decision_function(X)
        logits -= logits.max(axis=1, keepdims=True)
        return np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)


def test_temperature_calibration_fixes_overconfident_members(data):
    from sklearn.metrics import log_loss

    from skfusion.late._calibration import logits_to_proba

    X, y = data
    sharp = OverconfidentLogisticRegression()
    est = LateFusionClassifier([("img", image_member(), "image"), ("tab", sharp, "table")],
                               calibration="temperature", cv=3).fit(X[:160], y[:160])
    raw = LateFusionClassifier(est.estimators, cv=3).fit(X[:160], y[:160])
    assert raw.member_scores_ is None and set(est.member_scores_) == {"img", "tab"}
    assert_allclose(raw.temperatures_, 1.0)
    assert 2.5 < est.temperatures_[1] < 6
    # the calibrated member is better on held-out rows, with the same predictions
    proba = est.named_estimators_["tab"].predict_proba(X["table"][160:])
    calibrated = logits_to_proba(np.log(proba), est.temperatures_[1])
    assert log_loss(y[160:], calibrated) < log_loss(y[160:], proba)
    assert_array_equal(calibrated.argmax(axis=1), proba.argmax(axis=1))


def test_prefit_frozen_member_keeps_its_labels(data):
    X, y = data
    prefit = image_member().fit(X["image"], y)  # fitted on the string labels
    clf = LateFusionClassifier([("img", FrozenEstimator(prefit), "image"),
                                ("tab", LogisticRegression(), "table")],
                               fusion="stacking", cv=3).fit(X, y)
    assert clf.estimators_[0] is not None
    assert_allclose(clf.named_estimators_["img"].predict_proba(X["image"][:3]),
                    prefit.predict_proba(X["image"][:3]))
    assert clf.score(X, y) > 0.8


def test_early_fusion_member_over_two_modalities(data):
    from skfusion import make_early_fusion

    X, y = data
    early = make_pipeline(
        make_early_fusion((FunctionTransformer(_flatten), "image"), (StandardScaler(), "table")),
        LogisticRegression(C=0.1))
    clf = LateFusionClassifier([("early", early, ["image", "table"]),
                                ("tab", LogisticRegression(), "table")]).fit(X, y)
    assert clf.modalities_ == ["image", "table"]
    assert clf.score(X, y) > 0.8


def test_skorch_member():
    pytest.importorskip("skorch")
    from skfusion.neural import FusionNetClassifier

    X, y = make_multimodal_classification(40, informativeness={"image": 1.0, "table": 0.5},
                                          random_state=0)
    net = FusionNetClassifier(max_epochs=2, random_state=0)
    clf = LateFusionClassifier([("net", net, ["image"]), ("tab", LogisticRegression(), "table")],
                               fusion="product").fit(X, y)
    assert clf.predict_proba(X[:4]).shape == (4, 2)


def test_in_cross_validate_clone_pickle_and_html(data):
    X, y = data
    clf = LateFusionClassifier(members(), fusion="stacking", cv=3)
    scores = cross_validate(clf, X, y, cv=3)["test_score"]
    assert scores.mean() > 0.7
    fitted = clone(clf).fit(X, y)
    restored = pickle.loads(pickle.dumps(fitted))
    assert_array_equal(restored.predict(X), fitted.predict(X))
    html = fitted._repr_html_()
    assert "final_estimator" in html and "modality=&#x27;image&#x27;" in html
    assert clf.get_params()["img__logisticregression__C"] == 0.1
    clf.set_params(tab__C=5.0)
    assert clf.estimators[1][1].C == 5.0 and clf.estimators[1][2] == "table"


def test_sample_weight_and_groups_without_routing(data):
    X, y = data
    weight = np.linspace(0.5, 2, len(y))
    two = [("tab", LogisticRegression(), "table"), ("tab2", LogisticRegression(C=0.1), "table")]
    clf = LateFusionClassifier(two, fusion="stacking", cv=GroupKFold(3))
    with pytest.raises(ValueError, match="groups"):
        clf.fit(X, y)
    groups = np.arange(len(y)) % 4
    clf.fit(X, y, sample_weight=weight, groups=groups)
    unweighted = LogisticRegression().fit(X["table"], y)
    weighted = LogisticRegression().fit(X["table"], y, sample_weight=weight)
    assert_allclose(clf.named_estimators_["tab"].coef_, weighted.coef_)
    assert not np.allclose(weighted.coef_, unweighted.coef_)
    with pytest.raises(ValueError, match="only supported if enable_metadata_routing=True"):
        clf.fit(X, y, other=weight)


def test_metadata_routing(data):
    import sklearn

    X, y = data
    weight = np.linspace(0.5, 2, len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        tab = LogisticRegression().set_fit_request(sample_weight=True)
        img = make_pipeline(FunctionTransformer(_flatten),
                            LogisticRegression(C=0.1).set_fit_request(sample_weight=False))
        final = LogisticRegression().set_fit_request(sample_weight=True)
        clf = LateFusionClassifier([("img", img, "image"), ("tab", tab, "table")],
                                   fusion="stacking", final_estimator=final,
                                   cv=GroupKFold(3))
        clf.fit(X, y, sample_weight=weight, groups=np.arange(len(y)) % 4)
    weighted = LogisticRegression().fit(X["table"], y, sample_weight=weight)
    assert_allclose(clf.named_estimators_["tab"].coef_, weighted.coef_)


@pytest.mark.parametrize("estimators, error, match", [
    ([("img", LogisticRegression(), "imgae")], ValueError, "member 'img' uses modality 'imgae'"),
    ([("a", LogisticRegression(), "table"), ("a", LogisticRegression(), "image")],
     ValueError, "Names provided are not unique"),
    ([("a", LogisticRegression())], ValueError, r"\(name, estimator, modality\) triple"),
    ([("a", "passthrough", "table")], TypeError, "no fit method"),
])
def test_bad_members_are_clear_errors(data, estimators, error, match):
    X, y = data
    with pytest.raises(error, match=match):
        LateFusionClassifier(estimators).fit(X, y)


def test_bad_weights_and_input_are_clear_errors(data):
    X, y = data
    with pytest.raises(ValueError, match="weights has 3 entries but there are 2 members"):
        LateFusionClassifier(members(), weights=[1, 2, 3]).fit(X, y)
    with pytest.raises(ValueError, match="non-negative"):
        LateFusionClassifier(members(), weights=[1, -1]).fit(X, y)
    with pytest.raises(ValueError, match="X has 240 samples but y has 239"):
        LateFusionClassifier(members()).fit(X, y[:-1])
    clf = LateFusionClassifier(members()).fit(X, y)
    with pytest.raises(ValueError, match="needs modality 'table'"):
        clf.predict(ModalityDict(image=X["image"]))
    with pytest.raises(TypeError, match="predict needs one too"):
        clf.predict(X["table"])


def test_parallel_jobs_give_the_same_model(data):
    X, y = data
    one = LateFusionClassifier(members(), fusion="stacking", cv=3).fit(X, y)
    two = LateFusionClassifier(members(), fusion="stacking", cv=3, n_jobs=2).fit(X, y)
    assert_allclose(two.predict_proba(X), one.predict_proba(X))


def test_stacking_passthrough_adds_the_modality_features(data):
    X, y = data
    clf = LateFusionClassifier(members(), fusion="stacking", passthrough="table",
                               cv=3).fit(X, y)
    assert clf.final_estimator_.n_features_in_ == 2 * 3 + 10
    assert clf.score(X, y) > 0.8
    X_text = ModalityDict(table=X["table"], text=np.array(["a b"] * len(y), dtype=object))
    clf = LateFusionClassifier([("tab", LogisticRegression(), "table")], fusion="stacking",
                               passthrough="text", cv=3)
    with pytest.raises(ValueError, match="passthrough modality 'text' must be a numeric"):
        clf.fit(X_text, y)


def test_stacking_fills_an_absent_decision_function_member_with_its_mean(data):
    # stack_method="auto" stacks LinearSVC's raw decision values, as
    # StackingClassifier; a sample lacking the member's modality gets the
    # member's mean out-of-fold decision values
    from sklearn.svm import LinearSVC

    X, y = data
    clf = LateFusionClassifier(members(table=LinearSVC(C=0.1)), fusion="stacking",
                               cv=3).fit(X, y)
    assert clf.stack_method_ == ["predict_proba", "decision_function"]
    X_test = X[:6].with_missing("table", [0, 1])
    features = clf.transform(X_test)
    assert features.shape == (6, 6)
    decision = clf.named_estimators_["tab"].decision_function(X["table"][2:6])
    np.testing.assert_allclose(features[2:, 3:], decision)
    np.testing.assert_allclose(features[0, 3:], features[1, 3:])  # the same fill
    assert not np.allclose(features[0, 3:], 0.0)
    assert clf.predict(X_test).shape == (6,)
