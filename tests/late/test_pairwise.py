"""PairwiseCalibratedClassifier: per-pair sigmoids, coupling, and fusing SVC members."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, GroupKFold, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC

from skfusion import LateFusionClassifier, ModalityTransformer, PairwiseCalibratedClassifier
from skfusion.datasets import load_av_digits
from skfusion.features import MFCCFeatures, PixelFeatures
from skfusion.late._pairwise import couple_pairwise, fit_sigmoid


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


@pytest.fixture(scope="module")
def av_digits():
    """The embedded AV-Digits: 8x8 images, MFCC statistics of the clips, voices."""
    data = load_av_digits()
    X = ModalityTransformer([("audio", MFCCFeatures(sr=8000), "audio")]).fit_transform(data.data)
    return X, data.target, data.groups


def test_coupling_recovers_consistent_pairwise_probabilities():
    rng = np.random.RandomState(0)
    p = rng.dirichlet(np.ones(6), size=40)
    r = p[:, :, None] / (p[:, :, None] + p[:, None, :])
    assert_allclose(couple_pairwise(r), p, atol=1e-6)


def test_coupling_of_inconsistent_probabilities_is_a_distribution():
    rng = np.random.RandomState(1)
    upper = rng.uniform(size=(30, 4, 4))
    r = np.triu(upper, 1) + np.tril(1 - upper.transpose(0, 2, 1), -1)
    proba = couple_pairwise(r)
    assert proba.min() >= 0
    assert_allclose(proba.sum(axis=1), 1.0)
    # a class that wins every one of its pairs is the most probable
    r[0, 2, :], r[0, :, 2] = 0.9, 0.1
    assert couple_pairwise(r[:1]).argmax() == 2


def test_sigmoid_recovers_slope_and_intercept_and_uses_weights():
    rng = np.random.RandomState(0)
    d = rng.randn(20000)
    target = rng.uniform(size=d.size) < expit(1.5 * d + 0.5)
    assert_allclose(fit_sigmoid(d, target), (1.5, 0.5), atol=0.06)
    # weight 0 on half of the rows is the same as leaving them out
    weight = np.r_[np.ones(10000), np.zeros(10000)]
    assert_allclose(fit_sigmoid(d, target, weight), fit_sigmoid(d[:10000], target[:10000]),
                    rtol=1e-4)


def test_fits_one_sigmoid_per_pair_of_one_vs_one_values(digits):
    X, y = digits
    clf = PairwiseCalibratedClassifier(SVC(), cv=3).fit(X[:900], y[:900])
    assert clf.pairs_.shape == (45, 2)
    assert_array_equal(clf.pairs_[:3], [[0, 1], [0, 2], [0, 3]])
    assert clf.estimator_.decision_function_shape == "ovo"  # set on the fitted clone only
    assert clf.estimator.decision_function_shape == "ovr"
    # a positive one-vs-one value speaks for the pair's first class: rising sigmoids
    assert (clf.calibrator_[:, 0] < 0).sum() == 0
    proba = clf.predict_proba(X[900:])
    assert_allclose(proba.sum(axis=1), 1.0)
    assert_array_equal(clf.predict(X[900:]), clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X[900:], y[900:]) > 0.95


def test_probabilities_close_to_libsvms(digits):
    """The same method as SVC(probability=True), while scikit-learn still has it."""
    if "probability" not in SVC().get_params():
        pytest.skip("this scikit-learn has no SVC(probability=True) to compare with")
    X, y = digits
    ours = PairwiseCalibratedClassifier(SVC(), cv=5).fit(X[:1000], y[:1000])
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The `probability` parameter",
                                category=FutureWarning)
        libsvm = SVC(probability=True, random_state=0).fit(X[:1000], y[:1000])
    a, b = ours.predict_proba(X[1000:]), libsvm.predict_proba(X[1000:])
    assert np.abs(a - b).mean() < 0.01
    assert np.mean(a.argmax(axis=1) == b.argmax(axis=1)) > 0.98
    # both log-losses are small and close
    loss = [-np.mean(np.log(p[np.arange(len(p)), y[1000:]])) for p in (a, b)]
    assert loss[0] < 0.2 and abs(loss[0] - loss[1]) < 0.05


def test_binary_is_platt_scaling_on_the_decision_values(digits):
    X, y = digits
    keep = np.isin(y, [3, 8])
    labels = np.where(y[keep] == 3, "three", "eight")
    clf = PairwiseCalibratedClassifier(SVC(), cv=4).fit(X[keep][:250], labels[:250])
    assert_array_equal(clf.classes_, ["eight", "three"])
    assert clf.pairs_.tolist() == [[0, 1]]
    slope, intercept = clf.calibrator_[0]
    decision = clf.estimator_.decision_function(X[keep][250:])
    proba = clf.predict_proba(X[keep][250:])
    assert_allclose(proba[:, 1], expit(slope * decision + intercept))
    assert slope > 0  # positive values speak for classes_[1]
    assert clf.score(X[keep][250:], labels[250:]) > 0.9
    # the calibrated class is the SVC's own, but where the sigmoid's threshold moved
    assert np.mean(clf.predict(X[keep][250:]) == clf.estimator_.predict(X[keep][250:])) > 0.95


def test_multinomial_calibrates_one_vs_rest_classifiers(digits):
    X, y = digits
    with pytest.raises(ValueError, match="one-vs-one decision values.*LinearSVC.*multinomial"):
        PairwiseCalibratedClassifier(LinearSVC()).fit(X[:300], y[:300])
    clf = PairwiseCalibratedClassifier(LinearSVC(C=0.1), method="multinomial", cv=3)
    clf.fit(X[:900], y[:900])
    assert clf.pairs_.shape == (0, 2)
    assert clf.calibrator_.coef_.shape == (10, 10)
    assert_allclose(clf.predict_proba(X[900:]).sum(axis=1), 1.0)
    assert clf.score(X[900:], y[900:]) > 0.9


def test_inside_a_pipeline_and_a_search(digits):
    X, y = digits
    model = make_pipeline(StandardScaler(), PairwiseCalibratedClassifier(SVC(), cv=3))
    assert model.fit(X[:400], y[:400]).steps[1][1].estimator_.decision_function_shape == "ovo"
    # a Pipeline member: its SVC's shape is set through the nested parameter
    wrapped = PairwiseCalibratedClassifier(make_pipeline(StandardScaler(), SVC()), cv=3)
    assert wrapped.fit(X[:400], y[:400]).estimator_[-1].decision_function_shape == "ovo"
    search = GridSearchCV(PairwiseCalibratedClassifier(SVC(), cv=3),
                          {"estimator__C": [0.1, 10]}, cv=2).fit(X[:400], y[:400])
    assert search.best_params_ == {"estimator__C": 10}


def test_groups_reach_the_splitter(av_digits):
    X, y, voices = av_digits
    clf = PairwiseCalibratedClassifier(SVC(), cv=GroupKFold(3))
    with pytest.raises(ValueError, match="groups"):
        clf.fit(X["audio"], y)
    clf.fit(X["audio"], y, groups=voices)
    assert clf.calibrator_.shape == (45, 2)


def test_a_fold_without_a_class_is_a_clear_error(digits):
    X, y = digits
    order = np.argsort(y[:300], kind="stable")
    clf = PairwiseCalibratedClassifier(SVC(), cv=KFold(3))
    with pytest.raises(ValueError, match=r"training fold 0 of cv lacks class\(es\) \[0, 1"):
        clf.fit(X[order], y[:300][order])
    with pytest.raises(NotFittedError):  # the failed fit left nothing behind
        clf.predict(X[:2])
    with pytest.raises(ValueError, match="at least 2 classes in y, got 1 class"):
        PairwiseCalibratedClassifier(SVC()).fit(X[:20], np.zeros(20))


def test_svc_members_fuse_better_than_with_one_vs_rest_calibration(av_digits):
    """Plain SVC members, two folds of held-out voices (720 samples); no warning."""
    X, y, voices = av_digits

    def errors(wrap, rule, train, test):
        members = [("image", make_pipeline(PixelFeatures(), wrap(SVC())), "image"),
                   ("audio", make_pipeline(StandardScaler(), wrap(SVC())), "audio")]
        fused = LateFusionClassifier(members, fusion=rule).fit(X[train], y[train])
        return int(np.sum(fused.predict(X[test]) != y[test]))

    ours = {"mean": 0, "product": 0}
    one_vs_rest = 0
    for _, (train, test) in zip(range(2), GroupKFold(5).split(X, y, voices)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for rule in ours:
                ours[rule] += errors(PairwiseCalibratedClassifier, rule, train, test)
        one_vs_rest += errors(lambda svc: CalibratedClassifierCV(svc, ensemble=False),
                              "mean", train, test)
    # measured: 0 (mean) and 0-1 (product) errors against 8 for one-vs-rest sigmoids
    assert max(ours.values()) <= 2 < 5 <= one_vs_rest
