"""The displays: they render headless to PNG and draw what the functions compute."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skfusion import ModalitySelector
from skfusion.inspection import (
    MemberCalibrationDisplay,
    ModalityImportanceDisplay,
    RobustnessDisplay,
    modality_importance,
    modality_robustness,
)

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _save_png(display, tmp_path, name):
    path = tmp_path / f"{name}.png"
    display.figure_.savefig(path)
    image = plt.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    assert image[..., :3].std() > 0.01  # something was drawn
    return path


def _flatten(values):
    values = np.asarray(values, dtype=float)
    return values.reshape(len(values), -1)


def test_importing_inspection_imports_neither_matplotlib_nor_torch():
    code = ("import sys, skfusion.inspection; "
            "print('matplotlib' in sys.modules, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False False"


# -- ModalityImportanceDisplay ---------------------------------------------------------

def test_importance_display_draws_the_function_values(fitted_fusion, noise_and_signal, tmp_path):
    _, _, X_test, y_test = noise_and_signal
    expected = modality_importance(fitted_fusion, X_test, y_test, n_repeats=3, random_state=0)
    display = ModalityImportanceDisplay.from_estimator(
        fitted_fusion, X_test, y_test, n_repeats=3, random_state=0)
    np.testing.assert_allclose(display.importances, expected.importances)
    assert list(display.modalities) == ["image", "table"]
    widths = [bar.get_width() for bar in display.bars_]
    np.testing.assert_allclose(widths, expected.importances_mean)
    assert [t.get_text() for t in display.ax_.get_yticklabels()] == ["image", "table"]
    assert display.ax_.get_xlabel() == "drop in accuracy when shuffled"
    assert display.ax_.get_title() == "MeanOfMembers"
    _save_png(display, tmp_path, "importance_bar")


def test_importance_display_box_kind_and_shapley_label(fitted_fusion, noise_and_signal, tmp_path):
    _, _, X_test, y_test = noise_and_signal
    result = modality_importance(fitted_fusion, X_test, y_test, method="shapley")
    display = ModalityImportanceDisplay(result.importances, result.modalities,
                                        method="shapley", score_name="accuracy")
    fig, ax = plt.subplots()
    assert display.plot(ax=ax, kind="box") is display
    assert display.ax_ is ax and display.bars_ is None
    medians = [line.get_xdata()[0] for line in display.boxplot_["medians"]]
    np.testing.assert_allclose(medians, result.importances[:, 0])
    assert display.ax_.get_xlabel() == "Shapley value (accuracy)"
    _save_png(display, tmp_path, "importance_box")


def test_importance_display_rejects_bad_arguments():
    display = ModalityImportanceDisplay(np.zeros((3, 2)), ["a", "b"])
    with pytest.raises(ValueError, match=r"shape \(n_modalities, n_repeats\) = \(2, n_repeats\)"):
        display.plot()
    with pytest.raises(ValueError, match="kind must be one of"):
        ModalityImportanceDisplay(np.zeros((2, 2)), ["a", "b"]).plot(kind="pie")


# -- RobustnessDisplay ------------------------------------------------------------------

def test_robustness_display_several_estimators_on_one_axis(
        fitted_fusion, noise_and_signal, tmp_path):
    X_train, y_train, X_test, y_test = noise_and_signal
    table_only = make_pipeline(ModalitySelector("table"), LogisticRegression()).fit(
        X_train, y_train)
    image_only = make_pipeline(ModalitySelector("image"), FunctionTransformer(_flatten),
                               LogisticRegression()).fit(X_train, y_train)
    models = {"fusion": fitted_fusion, "table only": table_only}
    display = RobustnessDisplay.from_estimator(
        models, X_test, y_test, modality="table", corruption="gaussian",
        levels=[0, 0.5, 1, 2], n_repeats=2, random_state=0)
    for name, model in models.items():
        expected = modality_robustness(model, X_test, y_test, modality="table",
                                       corruption="gaussian", levels=[0, 0.5, 1, 2],
                                       n_repeats=2, random_state=0)
        np.testing.assert_allclose(display.scores[name], expected.scores)
        np.testing.assert_allclose(display.lines_[name].get_ydata(), expected.scores_mean)
        np.testing.assert_allclose(display.lines_[name].get_xdata(), [0, 0.5, 1, 2])
    assert set(display.bands_) == {"fusion", "table only"}
    # a third curve added to the same axes, sklearn style
    more = RobustnessDisplay.from_estimator(image_only, X_test, y_test, modality="table",
                                            corruption="gaussian", levels=[0, 0.5, 1, 2],
                                            name="image only", ax=display.ax_)
    assert more.ax_ is display.ax_ and len(display.ax_.get_lines()) == 3
    np.testing.assert_allclose(more.lines_["image only"].get_ydata(),
                               image_only.score(X_test, y_test))  # never reads the table
    labels = display.ax_.get_legend_handles_labels()[1]
    assert labels == ["fusion", "table only", "image only"]
    assert display.ax_.get_xlabel() == "'table': Gaussian noise (x std)"
    assert display.ax_.get_ylabel() == "accuracy"
    _save_png(display, tmp_path, "robustness")


def test_robustness_display_puts_a_clean_snr_first(tmp_path):
    display = RobustnessDisplay([np.inf, 20, 10, 0], {"audio model": [0.9, 0.85, 0.7, 0.4]},
                                modality="audio", corruption="snr", level_name="SNR (dB)")
    display.plot()
    x = display.lines_["audio model"].get_xdata()
    np.testing.assert_allclose(x, [30, 20, 10, 0])
    assert display.ax_.xaxis_inverted()
    ticks = [t.get_text() for t in display.ax_.get_xticklabels()]
    assert ticks == ["clean", "20", "10", "0"]
    _save_png(display, tmp_path, "robustness_snr")


def test_robustness_display_missing_curve_from_the_function(fitted_fusion, noise_and_signal):
    _, _, X_test, y_test = noise_and_signal
    result = modality_robustness(fitted_fusion, X_test, y_test, modality="table",
                                 n_repeats=2, random_state=0)
    display = RobustnessDisplay(result.levels, {"fusion": result.scores},
                                modality=result.modality, corruption=result.corruption,
                                level_name=result.level_name).plot()
    np.testing.assert_allclose(display.lines_["fusion"].get_ydata(), result.scores_mean)
    assert display.ax_.get_xlabel() == "'table': share of rows missing"
    with pytest.raises(ValueError, match="scores of 'bad' must have shape"):
        RobustnessDisplay([0, 1], {"bad": [0.5, 0.4, 0.3]}).plot()


# -- MemberCalibrationDisplay ----------------------------------------------------------

def test_calibration_binary_curve_matches_sklearn(tmp_path):
    rng = np.random.RandomState(0)
    calibrated = rng.uniform(size=2000)
    y = (rng.uniform(size=2000) < calibrated).astype(int)
    overconfident = np.where(calibrated > 0.5, 0.99, 0.01)
    display = MemberCalibrationDisplay.from_predictions(
        y, {"image": calibrated, "audio": overconfident}, n_bins=8)
    prob_true, prob_pred = calibration_curve(y, calibrated, n_bins=8)
    np.testing.assert_allclose(display.prob_true["image"], prob_true)
    np.testing.assert_allclose(display.prob_pred["image"], prob_pred)
    np.testing.assert_allclose(display.lines_["image"].get_ydata(), prob_true)
    assert display.pos_label == 1
    assert "positive class: 1" in display.ax_.get_xlabel()
    assert display.calibration_error["image"] < 0.05 < 0.2 < display.calibration_error["audio"]
    _save_png(display, tmp_path, "calibration_binary")


def test_calibration_top_label_by_hand():
    y = np.array(["cat", "dog", "dog", "cat", "cat"])
    proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [np.nan, np.nan]])
    display = MemberCalibrationDisplay.from_predictions(y, {"m": proba}, n_bins=2)
    # usable rows 0-3: confidences .9 .8 .7 .6, right in rows 0, 2, 3; all in bin [0.5, 1]
    np.testing.assert_allclose(display.prob_pred["m"], [0.75])
    np.testing.assert_allclose(display.prob_true["m"], [0.75])
    assert display.calibration_error["m"] == pytest.approx(0.0)
    assert display.pos_label is None
    assert display.ax_.get_xlabel() == "confidence (probability of the top class)"


def test_calibration_error_weights_the_bins_by_their_rows():
    y = np.array(["a", "b", "a", "a"])
    proba = np.array([[0.6, 0.4], [0.6, 0.4], [0.4, 0.6], [0.9, 0.1]])
    display = MemberCalibrationDisplay.from_predictions(y, {"m": proba}, n_bins=4)
    # bin [0.5, 0.75): three rows at 0.6, one right; bin [0.75, 1]: one row at 0.9, right
    np.testing.assert_allclose(display.prob_true["m"], [1 / 3, 1.0])
    np.testing.assert_allclose(display.prob_pred["m"], [0.6, 0.9])
    expected = (3 * abs(1 / 3 - 0.6) + 1 * abs(1.0 - 0.9)) / 4  # 0.225, not the plain mean
    assert display.calibration_error["m"] == pytest.approx(expected)


def test_calibration_quantile_bins_match_sklearn():
    rng = np.random.RandomState(1)
    proba = rng.beta(2, 5, size=600)  # skewed: uniform and quantile bins differ
    y = (rng.uniform(size=600) < proba).astype(int)
    display = MemberCalibrationDisplay.from_predictions(y, {"m": proba}, n_bins=5,
                                                        strategy="quantile")
    prob_true, prob_pred = calibration_curve(y, proba, n_bins=5, strategy="quantile")
    np.testing.assert_allclose(display.prob_true["m"], prob_true)
    np.testing.assert_allclose(display.prob_pred["m"], prob_pred)
    assert len(prob_true) == 5


def test_calibration_from_member_triples_leaves_out_missing_rows(noise_and_signal, tmp_path):
    X_train, y_train, X_test, y_test = noise_and_signal
    members = [(name, make_pipeline(FunctionTransformer(_flatten), LogisticRegression(C=0.1))
                .fit(X_train[name], y_train), name) for name in ("image", "table")]
    X_test = X_test.with_missing("table", np.arange(40))
    display = MemberCalibrationDisplay.from_estimator(members, X_test, y_test, n_bins=5)
    table_proba = np.full((len(y_test), 3), np.nan)
    table_proba[40:] = members[1][1].predict_proba(X_test["table"][40:])
    expected = MemberCalibrationDisplay.from_predictions(
        y_test, {"image": members[0][1].predict_proba(X_test["image"]), "table": table_proba},
        n_bins=5)
    for name in ("image", "table"):
        np.testing.assert_allclose(display.prob_true[name], expected.prob_true[name])
        np.testing.assert_allclose(display.prob_pred[name], expected.prob_pred[name])
        assert display.calibration_error[name] == expected.calibration_error[name]
    # the member fitted on noise is more confident than right; the table member is sure and right
    assert np.all(display.prob_true["image"] < 0.5)
    assert display.calibration_error["image"] > 0.05 > display.calibration_error["table"]
    assert display.prob_true["table"][-1] > 0.9
    _save_png(display, tmp_path, "calibration_members")


def test_calibration_from_a_late_fusion_classifier(noise_and_signal, tmp_path):
    late = pytest.importorskip("skfusion.late")
    X_train, y_train, X_test, y_test = noise_and_signal
    labels = np.array(["ant", "bee", "cow"])
    flat = FunctionTransformer(_flatten)
    model = late.LateFusionClassifier([
        ("img", make_pipeline(flat, LogisticRegression()), "image"),
        ("tab", LogisticRegression(), "table"),
    ], fusion="product").fit(X_train, labels[y_train])
    X_test = X_test.with_missing("image", np.arange(30))
    display = MemberCalibrationDisplay.from_estimator(model, X_test, labels[y_test], n_bins=5)
    assert list(display.lines_) == ["img", "tab"]
    search = GridSearchCV(model, {"fusion": ["mean", "product"]}, cv=2).fit(
        X_train, labels[y_train])
    searched = MemberCalibrationDisplay.from_estimator(search, X_test, labels[y_test],
                                                       n_bins=5)
    np.testing.assert_allclose(searched.prob_true["tab"], display.prob_true["tab"])
    # the same as the members' own probabilities (no temperature), on their present rows
    img = make_pipeline(flat, LogisticRegression()).fit(X_train["image"], y_train)
    proba = np.full((len(y_test), 3), np.nan)
    proba[30:] = img.predict_proba(X_test["image"][30:])
    expected = MemberCalibrationDisplay.from_predictions(y_test, {"img": proba}, n_bins=5)
    np.testing.assert_allclose(display.prob_true["img"], expected.prob_true["img"])
    np.testing.assert_allclose(display.prob_pred["img"], expected.prob_pred["img"])
    _save_png(display, tmp_path, "calibration_late_fusion")


def test_calibration_of_a_binary_stacking_fusion_reads_its_transform(noise_and_signal):
    # the display reads the public transform (StackingClassifier's: the
    # positive class's probability when binary), not private members
    late = pytest.importorskip("skfusion.late")
    X_train, y_train, X_test, y_test = noise_and_signal
    keep_train, keep_test = y_train < 2, y_test < 2
    X_train, y_train, X_test, y_test = (X_train[keep_train], y_train[keep_train],
                                        X_test[keep_test], y_test[keep_test])
    flat = FunctionTransformer(_flatten)
    model = late.LateFusionClassifier([
        ("img", make_pipeline(flat, LogisticRegression()), "image"),
        ("off", "drop", "image"),
        ("tab", LogisticRegression(), "table"),
    ], fusion="stacking", cv=3).fit(X_train, y_train)
    X_test = X_test.with_missing("table", np.arange(10))
    display = MemberCalibrationDisplay.from_estimator(model, X_test, y_test, n_bins=4)
    assert list(display.lines_) == ["img", "tab"]
    tab = model.named_estimators_["tab"]
    proba = np.full((len(y_test), 2), np.nan)
    proba[10:] = tab.predict_proba(X_test["table"][10:])
    expected = MemberCalibrationDisplay.from_predictions(y_test, {"tab": proba}, n_bins=4)
    np.testing.assert_allclose(display.prob_true["tab"], expected.prob_true["tab"])
    np.testing.assert_allclose(display.prob_pred["tab"], expected.prob_pred["tab"])
    voting = model.set_params(fusion="vote").fit(X_train, y_train)
    with pytest.raises(TypeError, match="fusion='vote'"):
        MemberCalibrationDisplay.from_estimator(voting, X_test, y_test)


def test_calibration_bad_input(fitted_fusion, noise_and_signal):
    _, _, X_test, y_test = noise_and_signal
    with pytest.raises(TypeError, match="LateFusionClassifier or a list of"):
        MemberCalibrationDisplay.from_estimator(fitted_fusion, X_test, y_test)
    with pytest.raises(ValueError, match=r"members must be \(name, fitted estimator, "
                                         r"modality\) triples, got \('a', MeanOfMembers"):
        MemberCalibrationDisplay.from_estimator([("a", fitted_fusion)], X_test, y_test)
    with pytest.raises(ValueError, match=r"member 'm' has probabilities of shape \(120, 2\)"):
        MemberCalibrationDisplay.from_predictions(y_test, {"m": np.zeros((120, 2))})
    with pytest.raises(ValueError, match="mixes 1-D"):
        MemberCalibrationDisplay.from_predictions(
            y_test % 2, {"a": np.zeros(120), "b": np.zeros((120, 2))})
    with pytest.raises(ValueError, match="strategy must be one of"):
        MemberCalibrationDisplay.from_predictions(y_test, {"m": np.full((120, 3), 1 / 3)},
                                                  strategy="kmeans")
