"""modality_importance: permutation, ablation and exact Shapley values over modalities."""

import pickle

import numpy as np
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, get_scorer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skfusion import ModalityDict, ModalitySelector
from skfusion.datasets import make_multimodal_classification
from skfusion.inspection import modality_importance


def _flatten(values):
    values = np.asarray(values, dtype=float)
    return values.reshape(len(values), -1)


def _image_model():
    """A model that reads only the image, through sklearn's tools."""
    return make_pipeline(ModalitySelector("image"), FunctionTransformer(_flatten),
                         LogisticRegression(C=0.1))


@pytest.mark.parametrize("method", ["permutation", "ablation", "shapley"])
def test_uninformative_modality_near_zero_informative_clearly_more(
        method, fitted_fusion, noise_and_signal):
    _, _, X_test, y_test = noise_and_signal
    result = modality_importance(fitted_fusion, X_test, y_test, method=method,
                                 n_repeats=4, random_state=0)
    image, table = result.importances_mean
    assert list(result.modalities) == ["image", "table"]
    assert abs(image) < 0.08
    assert table > 0.2
    assert table > image + 0.15


def test_permutation_shapes_and_statistics_match_raw_importances(fitted_fusion, noise_and_signal):
    _, _, X_test, y_test = noise_and_signal
    result = modality_importance(fitted_fusion, X_test, y_test, n_repeats=3, random_state=1)
    assert result.importances.shape == (2, 3)
    np.testing.assert_allclose(result.importances_mean, result.importances.mean(axis=1))
    np.testing.assert_allclose(result.importances_std, result.importances.std(axis=1))
    assert result.baseline_score == pytest.approx(
        accuracy_score(y_test, fitted_fusion.predict(X_test)))
    assert result.method == "permutation" and result.null_score is None
    assert result.importances_std[1] > 0  # shuffles differ between repeats


def test_permutation_is_reproducible_and_every_modality_sees_the_same_shuffles(
        fitted_fusion, noise_and_signal):
    _, _, X_test, y_test = noise_and_signal
    a = modality_importance(fitted_fusion, X_test, y_test, n_repeats=2, random_state=3)
    b = modality_importance(fitted_fusion, X_test, y_test, n_repeats=2, random_state=3)
    np.testing.assert_array_equal(a.importances, b.importances)


def test_permutation_moves_the_whole_modality_and_nothing_else():
    """A model of the image alone loses exactly its permuted-image score."""
    X, y = make_multimodal_classification(
        n_samples=200, informativeness={"image": 1.5, "table": 0.0}, image_shape=(5, 5),
        random_state=2)
    model = _image_model().fit(X, y)
    result = modality_importance(model, X, y, n_repeats=2, random_state=0)
    rng = np.random.RandomState(np.random.RandomState(0).randint(np.iinfo(np.int32).max + 1))
    permutation = rng.permutation(len(y))
    X_shuffled = ModalityDict(image=X["image"][permutation], table=X["table"])
    expected = model.score(X, y) - model.score(X_shuffled, y)
    assert result.importances[0, 0] == pytest.approx(expected)
    np.testing.assert_array_equal(result.importances[1], 0.0)  # the table is never read


def test_permutation_of_dataframe_and_ragged_modalities():
    pd = pytest.importorskip("pandas")
    X, y = make_multimodal_classification(
        n_samples=120, informativeness={"sequence": 0.0, "table": 1.5}, random_state=0)
    X["table"] = pd.DataFrame(X["table"], columns=[f"c{i}" for i in range(10)])
    model = make_pipeline(ModalitySelector("table"), LogisticRegression()).fit(X, y)
    result = modality_importance(model, X, y, n_repeats=2, random_state=0)
    assert result.importances_mean[0] == 0.0  # the ragged sequence was shuffled, unused
    assert result.importances_mean[1] > 0.2


def test_a_permuted_dataframe_keeps_its_index_so_alignment_cannot_undo_the_shuffle():
    pd = pytest.importorskip("pandas")
    from skfusion.inspection._corruption import permute_modality

    table = pd.DataFrame({"v": [10.0, 11.0, 12.0, 13.0]}, index=[7, 3, 9, 1])
    X = ModalityDict(table=table, text=["a", "b", "c", "d"])
    shuffled = permute_modality(X, "table", np.array([2, 0, 3, 1]))
    assert shuffled["table"]["v"].tolist() == [12.0, 10.0, 13.0, 11.0]
    assert shuffled["table"].index.tolist() == [7, 3, 9, 1]
    assert shuffled["text"] is X["text"] and X["table"]["v"].tolist()[0] == 10.0
    # joined by index with the untouched rows, the shuffle survives
    joined = pd.concat([shuffled["table"], table.rename(columns={"v": "w"})], axis=1)
    assert (joined["v"] != joined["w"]).all()


def test_shapley_values_add_up_to_full_minus_class_prior_score(fitted_fusion, noise_and_signal):
    _, _, X_test, y_test = noise_and_signal
    result = modality_importance(fitted_fusion, X_test, y_test, method="shapley",
                                 scoring="neg_log_loss")
    prior = DummyClassifier(strategy="prior").fit(np.zeros((len(y_test), 1)), y_test)
    prior_score = get_scorer("neg_log_loss")(prior, np.zeros((len(y_test), 1)), y_test)
    assert result.null_score == pytest.approx(prior_score)
    assert result.importances.shape == (2, 1)
    assert result.importances.sum() == pytest.approx(result.baseline_score - prior_score)


def test_shapley_three_modalities_matches_hand_computation(fusion_model_class):
    X, y = make_multimodal_classification(
        n_samples=150, informativeness={"image": 0.6, "sequence": 0.0, "table": 0.6},
        image_shape=(4, 4), sequence_length=8, random_state=4)
    model = fusion_model_class().fit(X, y)
    result = modality_importance(model, X, y, method="shapley")
    names = ["image", "sequence", "table"]

    def v(kept):
        if not kept:
            return result.null_score
        Xs = X
        for name in names:
            if name not in kept:
                Xs = Xs.with_missing(name, slice(None))
        return model.score(Xs, y)

    phi_image = ((v({"image"}) - v(set())) / 3
                 + (v({"image", "sequence"}) - v({"sequence"})) / 6
                 + (v({"image", "table"}) - v({"table"})) / 6
                 + (v(set(names)) - v({"sequence", "table"})) / 3)
    assert result.importances[0, 0] == pytest.approx(phi_image)
    assert result.importances.sum() == pytest.approx(result.baseline_score - result.null_score)


def _zero_missing(values):
    return np.nan_to_num(np.asarray(values, dtype=float))


def test_shapley_of_a_regressor_starts_from_the_mean():
    rng = np.random.RandomState(0)
    X = ModalityDict(a=rng.normal(size=(80, 3)), b=rng.normal(size=(80, 2)))
    y = X["a"] @ np.array([1.0, 2.0, 0.0]) + 0.1 * rng.normal(size=80)
    # a missing 'a' becomes zeros, so the ridge predicts about its intercept
    model = make_pipeline(ModalitySelector("a"), FunctionTransformer(_zero_missing), Ridge())
    model.fit(X, y)
    result = modality_importance(model, X, y, method="shapley")
    assert result.null_score == 0.0  # R2 of predicting the mean of y
    a, b = result.importances[:, 0]
    assert a == pytest.approx(model.score(X, y), abs=0.02) and abs(b) < 0.02
    assert a + b == pytest.approx(model.score(X, y))


def test_ablation_needs_an_estimator_that_handles_missing_modalities():
    X, y = make_multimodal_classification(
        n_samples=60, informativeness={"image": 1.0, "table": 1.0}, random_state=0)
    model = _image_model().fit(X, y)
    with pytest.raises(ValueError, match=r"modalities \['image'\] were missing in every row"):
        modality_importance(model, X, y, method="ablation")


def test_works_on_a_fitted_grid_search_and_after_pickling(noise_and_signal, fusion_model_class):
    X_train, y_train, X_test, y_test = noise_and_signal
    search = GridSearchCV(fusion_model_class(), {"C": [0.1, 1.0]}, cv=2).fit(X_train, y_train)
    search = pickle.loads(pickle.dumps(search))
    result = modality_importance(search, X_test, y_test, method="ablation")
    assert result.importances_mean[1] > 0.2 > abs(result.importances_mean[0])


def test_n_jobs_gives_the_same_result():
    X, y = make_multimodal_classification(
        n_samples=100, informativeness={"image": 1.0, "table": 0.5}, image_shape=(4, 4),
        random_state=0)
    model = _image_model().fit(X, y)
    one = modality_importance(model, X, y, n_repeats=2, random_state=0, n_jobs=1)
    two = modality_importance(model, X, y, n_repeats=2, random_state=0, n_jobs=2)
    np.testing.assert_allclose(one.importances, two.importances)


def test_bad_input_gets_clear_errors(fitted_fusion, noise_and_signal):
    _, _, X_test, y_test = noise_and_signal
    with pytest.raises(ValueError, match="method must be one of"):
        modality_importance(fitted_fusion, X_test, y_test, method="lofo")
    with pytest.raises(ValueError, match="n_repeats must be a positive integer"):
        modality_importance(fitted_fusion, X_test, y_test, n_repeats=0)
    with pytest.raises(ValueError, match="y has 5 samples but X has 120"):
        modality_importance(fitted_fusion, X_test, y_test[:5])
    with pytest.raises(TypeError, match="expects a skfusion.ModalityDict"):
        modality_importance(fitted_fusion, X_test["table"], y_test)
    with pytest.raises(ValueError, match="needs modality 'image'"):
        modality_importance(fitted_fusion, {"table": X_test["table"]}, y_test)
    with pytest.raises(ValueError, match="scoring must name one metric .*got list"):
        modality_importance(fitted_fusion, X_test, y_test, scoring=["accuracy", "f1_macro"])


def test_unfitted_estimator_is_refused(fusion_model_class, noise_and_signal):
    from sklearn.exceptions import NotFittedError

    _, _, X_test, y_test = noise_and_signal
    with pytest.raises(NotFittedError, match="This MeanOfMembers instance is not fitted"):
        modality_importance(fusion_model_class(), X_test, y_test)


def test_too_many_modalities_for_exact_shapley(fusion_model_class):
    rng = np.random.RandomState(0)
    X = ModalityDict({f"m{i}": rng.normal(size=(30, 1)) for i in range(11)})
    y = np.arange(30) % 2
    model = fusion_model_class().fit(X, y)
    with pytest.raises(ValueError, match="2047 scorings"):
        modality_importance(model, X, y, method="shapley")


def test_late_fusion_classifier_importance_and_shapley(noise_and_signal):
    late = pytest.importorskip("skfusion.late")
    X_train, y_train, X_test, y_test = noise_and_signal
    model = late.LateFusionClassifier([
        ("image", make_pipeline(FunctionTransformer(_flatten), LogisticRegression(C=0.01)),
         "image"),
        ("table", LogisticRegression(), "table"),
    ], fusion="mean").fit(X_train, y_train)
    for method in ("permutation", "ablation", "shapley"):
        result = modality_importance(model, X_test, y_test, method=method, n_repeats=3,
                                     random_state=0)
        image, table = result.importances_mean
        assert abs(image) < 0.08 and table > 0.3, method
    assert result.null_score == pytest.approx(1 / 3, abs=0.02)  # balanced 3 classes
    assert result.importances.sum() == pytest.approx(result.baseline_score - result.null_score)
