"""AutoFusionClassifier / AutoFusionRegressor: detection, choice, leaderboard, estimator API."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_val_score
from sklearn.pipeline import make_pipeline

from skfusion import AutoFusionClassifier, AutoFusionRegressor, ModalityDict
from skfusion.auto._detect import frame_to_modalities

from .conftest import make_reviews

pd = pytest.importorskip("pandas")


def _fast(**params):
    return AutoFusionClassifier(cv=3, text_chars=False, **params)


@pytest.fixture(scope="module")
def fitted(reviews):
    X, y = reviews
    return _fast().fit(X, y)


def test_kinds_members_and_leaderboard(fitted):
    assert fitted.modality_kinds_ == {"text": "text", "table": "table"}
    assert [name for name, _, _ in fitted.members_] == ["text", "table", "early_fusion"]
    results = fitted.cv_results_
    assert results["candidate"] == ["text", "table", "early_fusion", "mean", "weighted",
                                    "product", "max", "min", "median", "stacking"]
    assert results["kind"][:3] == ["modality (text)", "modality (table)", "early fusion"]
    frame = pd.DataFrame(results)
    assert list(frame.columns) == ["candidate", "kind", "members", "score", "fit_time",
                                   "rank_score"]
    assert (frame["fit_time"] > 0).all()
    # the rules fuse the modalities' members, stacking also the early fusion;
    # each costs at least its members
    assert frame["members"][3] == ["text", "table"]
    assert frame["members"][9] == ["text", "table", "early_fusion"]
    assert (frame["fit_time"][3:9] >= frame["fit_time"][:2].sum()).all()
    assert frame["fit_time"][9] >= frame["fit_time"][:3].sum()
    assert sorted(frame["rank_score"]) == list(range(1, 11))
    best = frame.loc[frame["rank_score"] == 1]
    assert best["candidate"].item() == fitted.best_candidate_
    assert best["score"].item() == fitted.best_score_ == frame["score"].max()


def test_noise_table_never_beats_the_text(reviews, fitted):
    """The table is noise: the text alone scores about the noise ceiling (0.85)."""
    scores = dict(zip(fitted.cv_results_["candidate"], fitted.cv_results_["score"]))
    assert 0.4 < scores["table"] < 0.65
    assert scores["text"] > 0.75
    assert fitted.best_score_ >= scores["text"]
    X_test, y_test = make_reviews(300, random_state=1)
    accuracy = np.mean(fitted.predict(X_test) == y_test)
    text_alone = np.mean(fitted.predict(X_test) == y_test)
    assert accuracy > 0.75 and accuracy >= text_alone - 0.02
    # on clean test texts the noisy labels no longer cap accuracy
    X_clean, y_clean = make_reviews(300, noise=0.0, random_state=2)
    assert np.mean(fitted.predict(X_clean) == y_clean) > 0.95


def test_single_member_choice_keeps_a_fallback(reviews):
    X, y = reviews
    clf = _fast(scoring="balanced_accuracy").fit(X, y)
    estimator = clf.estimator_
    if clf.cv_results_["kind"][clf.cv_results_["candidate"].index(clf.best_candidate_)] \
            != "late fusion":
        weights = dict(zip([n for n, _, _ in clf.members_], estimator.weights_))
        assert weights[clf.best_candidate_] > 0.99
    X_lost = X[:10].with_missing("text", [0, 1, 2])
    proba = clf.predict_proba(X_lost)
    assert proba.shape == (10, 2) and np.allclose(proba.sum(axis=1), 1)


def test_missing_modality_at_predict(fitted):
    X, y = make_reviews(40, random_state=3)
    X_no_text = X.with_missing("text", np.arange(20))
    pred = fitted.predict(X_no_text)
    assert pred.shape == (40,) and set(pred) <= {0, 1}
    # rows with text are predicted exactly as before
    np.testing.assert_array_equal(pred[20:], fitted.predict(X)[20:])


def test_clone_pickle_and_refit_give_the_same_predictions(reviews, fitted):
    X, y = reviews
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_allclose(again.predict_proba(X[:30]), fitted.predict_proba(X[:30]))
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params()
    assert not hasattr(copy, "estimator_")


def test_grid_search_and_pipeline(reviews):
    X, y = reviews
    search = GridSearchCV(_fast(), {"scoring": ["accuracy", "neg_log_loss"]}, cv=2)
    search.fit(X[:120], y[:120])
    assert set(search.cv_results_["param_scoring"]) == {"accuracy", "neg_log_loss"}
    assert search.best_score_ > 0.7
    pipe = make_pipeline(_fast())
    assert cross_val_score(pipe, X[:120], y[:120], cv=2).mean() > 0.7


def test_cv_and_groups_are_honoured(reviews):
    X, y = reviews
    groups = np.arange(len(y)) % 4
    clf = AutoFusionClassifier(cv=GroupKFold(4), text_chars=False).fit(X, y, groups=groups)
    assert clf.best_score_ > 0.7
    with pytest.raises(ValueError, match="groups"):
        AutoFusionClassifier(cv=GroupKFold(4), text_chars=False).fit(X, y)


def test_dataframe_columns_detected_as_text_categorical_numeric(reviews):
    X, y = reviews
    frame = X["table"].copy()
    frame["review"] = X["text"]
    frame["size"] = np.where(y == 1, "M", "S")  # a short string column: categorical
    frame.loc[3, "review"] = None
    split, columns = frame_to_modalities(frame)
    assert columns == {"text": ["review"], "categorical": ["department", "size"],
                       "numeric": ["age", "feedback"]}
    assert split.modalities == ("review", "table") and split["review"][3] is None
    assert str(split["table"]["size"].dtype) == "category"
    clf = _fast().fit(frame, y)
    assert clf.modality_kinds_ == {"review": "text", "table": "table"}
    # "size" gives the label away: the table alone is perfect
    assert clf.best_score_ == 1.0
    np.testing.assert_array_equal(clf.predict(frame.iloc[:20]), y[:20])


def test_images_audio_and_their_kinds():
    rng = np.random.RandomState(0)
    n = 60
    y = np.repeat([0, 1], n // 2)
    images = rng.rand(n, 8, 8)
    images[y == 1, 2:6, 2:6] += 2.0
    audio = np.empty(n, dtype=object)
    for i in range(n):
        audio[i] = np.sin(np.arange(800 + 10 * i) * (0.2 + 0.3 * y[i])) \
            + 0.1 * rng.randn(800 + 10 * i)
    X = ModalityDict(image=images, audio=audio)
    clf = AutoFusionClassifier(cv=3, sample_rate=8000).fit(X, y)
    assert clf.modality_kinds_ == {"image": "image", "audio": "audio"}
    assert clf.best_score_ == 1.0
    assert np.mean(clf.predict(X) == y) == 1.0


def test_regressor_picks_the_informative_modality():
    rng = np.random.RandomState(0)
    n = 150
    table = rng.normal(size=(n, 3))
    y = 2 * table[:, 0] + rng.normal(scale=0.1, size=n)
    words = np.array(["red", "blue", "green", "fine", "cloth"], dtype=object)
    text = np.array([" ".join(rng.choice(words, 5)) for _ in range(n)], dtype=object)
    reg = AutoFusionRegressor(cv=3, text_chars=False).fit(ModalityDict(text=text,
                                                                      table=table), y)
    scores = dict(zip(reg.cv_results_["candidate"], reg.cv_results_["score"]))
    assert scores["text"] < 0.1 < 0.9 < scores["table"]
    assert set(reg.cv_results_["candidate"][3:]) == {"mean", "weighted", "median", "stacking"}
    assert reg.best_score_ >= scores["table"] and reg.score(
        ModalityDict(text=text, table=table), y) > 0.9


def test_regressor_scores_the_rules_on_the_rows_each_member_holds():
    # the table is missing in 40% of the rows: there, the mean rule is the text
    # member's prediction alone, not an average with a placeholder
    from sklearn.metrics import r2_score
    from sklearn.model_selection import KFold

    rng = np.random.RandomState(1)
    n = 240
    table = rng.normal(size=(n, 2))
    y = table[:, 0] + rng.normal(scale=0.3, size=n)
    levels = np.array(["low", "mid", "high"], dtype=object)[np.digitize(y, [-0.5, 0.5])]
    text = np.array([f"{word} item {word}" for word in levels], dtype=object)
    table[rng.rand(n) < 0.4] = np.nan
    X = ModalityDict(text=text, table=table)
    folds = list(KFold(3, shuffle=True, random_state=0).split(table))
    reg = AutoFusionRegressor(cv=folds).fit(X, y)
    present = {"text": np.ones(n, bool), "table": ~np.isnan(table[:, 0])}
    oof = {}
    for name, member, modality in reg.members_:
        if name == "early_fusion":
            continue
        oof[name] = np.full(n, np.nan)
        for train, test in folds:
            train, test = (rows[present[modality][rows]] for rows in (train, test))
            fitted = clone(member).fit(X[modality][train], y[train])
            oof[name][test] = fitted.predict(X[modality][test])
    expected = r2_score(y, np.nanmean([oof["text"], oof["table"]], axis=0))
    scores = dict(zip(reg.cv_results_["candidate"], reg.cv_results_["score"]))
    assert scores["mean"] == pytest.approx(expected, rel=1e-9)
    assert reg.predict(ModalityDict(text=text[:5], table=np.full((5, 2), np.nan))).shape == (5,)


def test_time_budget_skips_the_later_members(reviews):
    X, y = reviews
    clf = AutoFusionClassifier(cv=3, time_budget=1e-3).fit(X, y)
    assert clf.cv_results_["candidate"] == ["text"]
    assert clf.best_candidate_ == "text"


def test_verbose_reports_progress(reviews, capsys):
    X, y = reviews
    _fast(verbose=1).fit(X[:90], y[:90])
    out = capsys.readouterr().out
    assert "[AutoFusionClassifier] member 'text': score" in out
    assert "late fusion 'stacking'" in out and "best:" in out


@pytest.mark.parametrize("X, match", [
    (np.zeros((10, 3)), "ModalityDict, a mapping of modalities or a DataFrame"),
    ({"clips": np.array([{"a": 1}] * 10, dtype=object)}, "modality 'clips' holds dict"),
    ({"video": np.zeros((10, 2, 3, 4, 5))}, "modality 'video' is a numeric array of shape"),
    ({"text": np.array([None] * 10, dtype=object)}, "modality 'text' is missing for every"),
])
def test_bad_input_names_the_modality(X, match):
    with pytest.raises((TypeError, ValueError), match=match):
        _fast().fit(X, np.arange(10) % 2)


def test_predict_checks_modalities(fitted):
    X, _ = make_reviews(10, random_state=4)
    with pytest.raises(ValueError, match="table"):
        fitted.predict(ModalityDict(text=X["text"]))


def test_parameters_are_validated(reviews):
    X, y = reviews
    with pytest.raises(ValueError, match="time_budget"):
        AutoFusionClassifier(time_budget=-1).fit(X, y)
    with pytest.raises(ValueError, match="single class"):
        _fast().fit(X, np.zeros(len(y)))


def test_text_chars_adds_a_member(reviews):
    X, y = reviews
    clf = AutoFusionClassifier(cv=3, text_chars=True).fit(X[:120], y[:120])
    assert [name for name, _, _ in clf.members_] == ["text", "table", "early_fusion",
                                                     "text_chars"]
    assert clf.cv_results_["kind"][3] == "modality (text)"


def test_on_the_clothing_reviews():
    """3,000 real reviews (T1): the weak table never drags the choice below the text."""
    import os
    from pathlib import Path

    from skfusion.datasets import load_clothing_reviews

    home = Path(os.environ.get("SKFUSION_DATA",
                               Path(__file__).resolve().parents[3] / "shared" / "data"))
    if not (home / "reviews" / "splits.npz").is_file():
        pytest.skip(f"clothing reviews not found in {home}")
    data = load_clothing_reviews(task="T1", data_home=home)
    train, test = data.splits[0]
    X, y = data.data, data.target
    clf = AutoFusionClassifier(cv=3).fit(X[train[:3000]], y[train[:3000]])
    assert clf.modality_kinds_ == {"text": "text", "table": "table"}
    scores = dict(zip(clf.cv_results_["candidate"], clf.cv_results_["score"]))
    # the table alone is about the majority class (0.82), the text far better
    assert scores["table"] < 0.84 < scores["text"]
    assert clf.best_score_ >= scores["text"]
    accuracy = clf.score(X[test[:1500]], y[test[:1500]])
    assert accuracy > 0.87


def test_ties_go_to_the_simplest_candidate():
    from skfusion.auto._auto import _best, _results_table

    def row(candidate, kind, score):
        return {"candidate": candidate, "kind": kind, "members": [], "score": score,
                "fit_time": 1.0}

    rows = [row("image", "modality (image)", 0.97), row("audio", "modality (audio)", 0.93),
            row("mean", "late fusion", 0.9995), row("product", "late fusion", 0.9995),
            row("median", "late fusion", 0.9995), row("stacking", "late fusion", 0.9995),
            row("max", "late fusion", 0.99)]
    assert rows[_best(rows)]["candidate"] == "product"
    table = _results_table(rows)
    assert table["rank_score"] == [6, 7, 2, 1, 3, 4, 5]
    # a member alone beats a rule of equal score
    rows[0]["score"] = 0.9995
    assert rows[_best(rows)]["candidate"] == "image"
