"""FusionNetClassifier / FusionNetRegressor as scikit-learn estimators."""

import pickle
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
skorch = pytest.importorskip("skorch")

from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_validate  # noqa: E402
from skorch.callbacks import EarlyStopping, EpochScoring, LRScheduler  # noqa: E402
from skorch.dataset import ValidSplit  # noqa: E402

from skfusion import ModalityDict  # noqa: E402
from skfusion.datasets import make_multimodal_classification  # noqa: E402
from skfusion.neural import (  # noqa: E402
    FusionModule,
    FusionNetClassifier,
    FusionNetRegressor,
    GaussianNoise,
    RandomShift,
)
from skfusion.utils._sklearn_compat import InvalidParameterError  # noqa: E402

SMALL = {"module__embed_dim": 16, "module__hidden_dim": 16, "batch_size": 16}


@pytest.fixture(scope="module")
def data():
    """Gray 8x8 images, fixed-length sequences and a table; 3 classes."""
    return make_multimodal_classification(
        150, n_classes=3, informativeness={"image": 1.0, "sequence": 0.6, "table": 0.4},
        sequence_length=24, random_state=0)


@pytest.fixture(scope="module")
def split(data):
    X, y = data
    return X[:100], y[:100], X[100:], y[100:]


def test_default_fit_on_numeric_modalities(split):
    X_train, y_train, X_test, y_test = split
    clf = FusionNetClassifier(random_state=0).fit(X_train, y_train)
    kinds = [type(e).__name__ for e in clf.net_.module_.encoders.values()]
    assert kinds == ["ConvEncoder", "MLPEncoder", "MLPEncoder"]
    assert clf.modalities_ == ("image", "sequence", "table")
    assert clf.device_ == "cpu"
    assert len(clf.net_.history) == 10
    proba = clf.predict_proba(X_test)
    assert proba.shape == (50, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert clf.score(X_test, y_test) > 0.8


@pytest.mark.parametrize("fusion", ["concat", "sum", "gated", "tensor", "lowrank", "attention"])
def test_every_fusion_layer_learns(split, fusion):
    X_train, y_train, X_test, y_test = split
    clf = FusionNetClassifier(fusion=fusion, max_epochs=8, random_state=0, **SMALL)
    clf.fit(X_train, y_train)
    assert type(clf.net_.module_.fusion).__name__.lower().startswith(fusion[:4])
    assert clf.score(X_test, y_test) > 0.7  # chance is 1/3


def test_ragged_sequences_text_and_string_labels():
    X, y = make_multimodal_classification(80, informativeness={"image": 0.3, "sequence": 1.0},
                                          sequence_length=(15, 40), random_state=1)
    words = np.array(["a sunny day", "rain again"], dtype=object)
    X["text"] = words[y]
    labels = np.array(["cat", "dog"])[y]
    for encoder in ("cnn1d", "gru"):
        clf = FusionNetClassifier(encoders={"sequence": encoder}, max_epochs=6,
                                  random_state=0, **SMALL).fit(X, labels)
        assert type(clf.net_.module_.encoders["2"]).__name__ == "EmbeddingBagEncoder"
        assert set(clf.predict(X)) <= {"cat", "dog"}
        assert clf.score(X, labels) > 0.9


def test_same_seed_same_net_and_global_rng_untouched(split):
    X_train, y_train, X_test, _ = split
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = FusionNetClassifier(max_epochs=2, random_state=7, modality_dropout=0.2, **SMALL)
    a.fit(X_train, y_train)
    assert torch.rand(1) == before  # fit restored torch's global random state
    proba_a = a.predict_proba(X_test)
    proba_b = clone(a).fit(X_train, y_train).predict_proba(X_test)
    np.testing.assert_array_equal(proba_a, proba_b)
    proba_c = clone(a).set_params(random_state=8).fit(X_train, y_train).predict_proba(X_test)
    assert not np.allclose(proba_a, proba_c)


def test_missing_modalities_at_predict_and_modality_dropout_helps():
    # a strong image and a weak table: without modality dropout the net leans on the image
    X, y = make_multimodal_classification(
        300, n_classes=4, informativeness={"image": 3.0, "table": 0.4}, random_state=3)
    X_train, y_train, X_test, y_test = X[:200], y[:200], X[200:], y[200:]
    no_image = X_test.with_missing("image", np.arange(100))
    scores = {0.0: [], 0.5: []}
    for p, seed in [(p, seed) for p in scores for seed in (0, 1)]:
        clf = FusionNetClassifier(modality_dropout=p, max_epochs=10, random_state=seed, **SMALL)
        clf.fit(X_train, y_train)
        assert clf.score(X_test, y_test) > 0.95
        scores[p].append(clf.score(no_image, y_test))
        # a missing entry is not the zero image: the presence mask is honoured
        zeros = X_test.copy()
        zeros["image"] = np.zeros_like(X_test["image"])
        assert not np.allclose(clf.predict_proba(no_image), clf.predict_proba(zeros))
    # measured: 0.81 against 0.60 (mean of two seeds)
    assert np.mean(scores[0.5]) > np.mean(scores[0.0]) + 0.08


@pytest.mark.parametrize("fusion", ["concat", "sum", "gated", "tensor", "lowrank", "attention"])
def test_a_dropped_modality_reaches_the_head_exactly_as_a_missing_one(fusion):
    specs = {"image": {"layout": "image", "shape": (1, 8, 8)},
             "table": {"layout": "vector", "shape": (5,)}}
    # no batch norm and no head dropout: train and eval mode differ only by the dropping
    module = FusionModule(specs, 3, fusion=fusion, embed_dim=8, hidden_dim=8, dropout=0.0,
                          modality_dropout=0.5, aux_heads=True, batch_norm=False)
    batch = {"image": torch.randn(40, 1, 8, 8), "table": torch.randn(40, 5),
             "_present": torch.ones(40, 2)}
    torch.manual_seed(0)
    output, _, present = module.train()(**batch)
    assert 0 < (present == 0).sum() < 40 and (present.sum(dim=1) >= 1).all()
    # the same rows missing at predict time, blanked as the converter blanks them
    missing = {"image": batch["image"] * present[:, 0, None, None, None],
               "table": batch["table"] * present[:, 1, None], "_present": present}
    with torch.no_grad():
        torch.testing.assert_close(module.eval()(**missing), output.detach())


def test_training_rows_may_lack_a_modality(data):
    X, y = data
    X = X.with_missing("image", np.arange(0, 150, 3))
    clf = FusionNetClassifier(max_epochs=3, random_state=0, **SMALL).fit(X, y)
    assert clf.predict(X).shape == (150,)


def test_get_set_params_and_clone_keep_prefixed_parameters():
    clf = FusionNetClassifier(fusion="gated", module__embed_dim=8, optimizer__weight_decay=0.1)
    params = clf.get_params()
    assert params["module__embed_dim"] == 8 and params["optimizer__weight_decay"] == 0.1
    clf.set_params(module__embed_dim=4, lr=0.01)
    copy = clone(clf)
    assert copy.get_params()["module__embed_dim"] == 4 and copy.lr == 0.01
    assert "module__embed_dim=4" in repr(copy)


def test_grid_search_over_fusion_module_and_lr(split):
    X_train, y_train, _, _ = split
    grid = GridSearchCV(
        FusionNetClassifier(max_epochs=3, random_state=0, module__hidden_dim=8),
        {"fusion": ["concat", "attention"], "module__embed_dim": [4, 8], "lr": [1e-3, 1e-2]},
        cv=2)
    grid.fit(X_train, y_train)
    assert len(grid.cv_results_["params"]) == 8
    best = grid.best_estimator_
    assert best.net_.module_.encoders["0"].out_features == grid.best_params_["module__embed_dim"]
    # the default cosine schedule starts the optimizer at the searched lr
    assert best.net_.optimizer_.param_groups[0]["initial_lr"] == grid.best_params_["lr"]


def test_cross_validate_and_pickle(split):
    X_train, y_train, X_test, _ = split
    result = cross_validate(FusionNetClassifier(max_epochs=3, random_state=0, **SMALL),
                            X_train, y_train, cv=2)
    assert result["test_score"].shape == (2,) and (result["test_score"] > 0.5).all()
    clf = FusionNetClassifier(max_epochs=2, random_state=0, **SMALL).fit(X_train, y_train)
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(X_test), clf.predict_proba(X_test))


def test_early_stopping_lr_scheduler_and_adamw(split):
    X_train, y_train, _, _ = split
    clf = FusionNetClassifier(
        optimizer="adamw", optimizer__weight_decay=0.05, lr=0.01, max_epochs=40,
        train_split=ValidSplit(0.25, stratified=True, random_state=0),
        callbacks=[EpochScoring("accuracy", lower_is_better=False),
                   EarlyStopping(patience=2, threshold=0.5),
                   LRScheduler(policy="StepLR", step_size=1, gamma=0.5)],
        random_state=0, **SMALL).fit(X_train, y_train)
    assert isinstance(clf.net_.optimizer_, torch.optim.AdamW)
    assert clf.net_.optimizer_.param_groups[0]["weight_decay"] == 0.05
    assert len(clf.net_.history) < 40  # stopped early
    assert "valid_loss" in clf.net_.history[-1]
    assert 0.5 < clf.net_.history[-1, "accuracy"] <= 1.0  # skorch scoring on the valid split
    n_epochs = len(clf.net_.history)
    # your own LRScheduler replaces the default cosine schedule; skorch steps it
    # at the start of every epoch after the first
    assert clf.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(0.01 * 0.5 ** (n_epochs - 1))
    # fit trained a copy of the user's callback
    assert clf.callbacks[1].dynamic_threshold_ is None


def test_cosine_lr_schedule_by_default_and_constant_on_request(split):
    X_train, y_train, _, _ = split
    cosine = FusionNetClassifier(lr=0.01, max_epochs=4, random_state=0, **SMALL)
    cosine.fit(X_train, y_train)
    # the lr each epoch trained with: half a cosine from lr down to zero
    expected = [0.01 * (1 + np.cos(np.pi * epoch / 4)) / 2 for epoch in range(4)]
    np.testing.assert_allclose(cosine.net_.history[:, "event_lr"], expected)
    assert cosine.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(0.0)
    assert cosine.callbacks is None  # the schedule is added to the fitted net only

    constant = FusionNetClassifier(lr=0.01, max_epochs=4, lr_schedule="constant",
                                   random_state=0, **SMALL).fit(X_train, y_train)
    assert "event_lr" not in constant.net_.history[-1]
    assert constant.net_.optimizer_.param_groups[0]["lr"] == 0.01
    with pytest.raises(InvalidParameterError, match="lr_schedule"):
        FusionNetClassifier(lr_schedule="linear").fit(X_train, y_train)


class CountingNoise(GaussianNoise):
    calls = 0

    def __call__(self, batch):
        CountingNoise.calls += 1
        return super().__call__(batch)


def test_augmentation_runs_on_training_batches_only(split):
    X_train, y_train, X_test, _ = split
    CountingNoise.calls = 0
    clf = FusionNetClassifier(augment={"table": CountingNoise(0.5), "image": RandomShift(1)},
                              max_epochs=2, random_state=0,
                              **{**SMALL, "batch_size": 50})
    clf.fit(X_train, y_train)
    assert CountingNoise.calls == 4  # 2 epochs x 2 batches
    clf.predict(X_test)
    assert CountingNoise.calls == 4


def test_auxiliary_losses_add_per_modality_heads(split):
    X_train, y_train, X_test, y_test = split
    clf = FusionNetClassifier(aux_loss_weight=0.5, max_epochs=6, random_state=0, **SMALL)
    clf.fit(X_train, y_train)
    assert len(clf.net_.module_.aux_heads) == 3
    plain = FusionNetClassifier(max_epochs=6, random_state=0, **SMALL).fit(X_train, y_train)
    # the same first batch, more loss terms
    assert clf.net_.history[0, "batches", 0, "train_loss"] > \
        plain.net_.history[0, "batches", 0, "train_loss"]
    assert clf.score(X_test, y_test) > 0.7


def test_user_encoder_module(split):
    X_train, y_train, X_test, y_test = split
    user = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 12), torch.nn.ReLU())
    clf = FusionNetClassifier(encoders={"image": user}, max_epochs=6, random_state=0, **SMALL)
    clf.fit(X_train, y_train)
    assert clf.net_.module_.encoders["0"].module[1].in_features == 64
    assert user[1].weight.grad is None  # the user's own module was copied, not trained
    assert clf.score(X_test, y_test) > 0.7


def test_verbose_prints_the_epoch_table(split, capsys, monkeypatch):
    X_train, y_train, _, _ = split
    FusionNetClassifier(max_epochs=2, verbose=1, **SMALL).fit(X_train, y_train)
    out = capsys.readouterr().out
    assert "train_loss" in out and out.count("\n") >= 4
    # captured output is no terminal: no colour codes around the best values
    assert "\x1b[" not in out
    # on a terminal skorch's colours stay
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    FusionNetClassifier(max_epochs=2, verbose=1, **SMALL).fit(X_train, y_train)
    assert "\x1b[36m" in capsys.readouterr().out


@pytest.mark.parametrize("cls", [FusionNetClassifier, FusionNetRegressor])
def test_a_misspelled_keyword_is_refused_at_construction(cls):
    # as Python refuses it for any scikit-learn estimator, before any fit
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'fusoin'\. Did you "
                                        r"mean 'fusion'\? Valid parameters are: \[.*'lr'"):
        cls(fusoin="sum")
    with pytest.raises(TypeError, match="'warm_start'.*prefixed with module__\\*, "
                                        "criterion__\\*, optimizer__\\*"):
        cls(warm_start=True)  # a skorch argument FusionNet does not forward
    with pytest.raises(TypeError, match="'modul__embed_dim'"):
        cls(modul__embed_dim=8)
    # set_params refuses an unknown name with scikit-learn's own error
    with pytest.raises(ValueError, match="Invalid parameter 'fusoin'"):
        cls().set_params(fusoin="sum")


def test_every_skorch_prefix_reaches_the_net(split):
    X_train, y_train, _, _ = split
    seen = []
    clf = FusionNetClassifier(
        max_epochs=2, random_state=0, module__embed_dim=8, criterion__label_smoothing=0.2,
        optimizer__weight_decay=0.01, iterator_train__drop_last=True,
        iterator_valid__batch_size=7, callbacks__print_log__sink=seen.append,
        dataset__length=None, verbose=1)
    assert set(clone(clf).get_params()) >= {"criterion__label_smoothing", "dataset__length",
                                            "callbacks__print_log__sink"}
    clf.fit(X_train, y_train)
    net = clf.net_
    assert net.module_.encoders["0"].out_features == 8
    assert net.criterion_.label_smoothing == 0.2
    assert net.optimizer_.param_groups[0]["weight_decay"] == 0.01
    assert net.iterator_train__drop_last and net.iterator_valid__batch_size == 7
    assert net.dataset__length is None
    assert any("train_loss" in line for line in seen)  # the table went to the sink
    assert all("\x1b[" not in line for line in seen)
    # 100 rows in batches of 64 with drop_last: one batch an epoch
    assert [len(epoch["batches"]) for epoch in net.history] == [1, 1]


def test_plain_array_is_one_modality(split):
    X_train, y_train, X_test, y_test = split
    clf = FusionNetClassifier(max_epochs=5, random_state=0, **SMALL)
    clf.fit(X_train["image"], y_train)
    assert clf.modalities_ == ("X",)
    assert clf.score(X_test["image"], y_test) > 0.6


def test_regressor_single_and_multi_output():
    rng = np.random.RandomState(0)
    X = ModalityDict(a=rng.normal(size=(120, 4)), b=rng.normal(size=(120, 6, 6)))
    y = 50 * X["a"][:, 0] + 20 * X["b"][:, 2, 3] + 1000
    reg = FusionNetRegressor(max_epochs=30, random_state=0, **SMALL).fit(X[:90], y[:90])
    assert reg.predict(X[90:]).shape == (30,)
    assert abs(reg.predict(X).mean() - 1000) < 30  # targets mapped back from scaled units
    assert reg.score(X[90:], y[90:]) > 0.6
    Y = np.c_[y, -y]
    reg = FusionNetRegressor(fusion="sum", max_epochs=5, random_state=0, **SMALL).fit(X, Y)
    assert reg.predict(X).shape == (120, 2)


def test_errors_name_the_problem(split):
    X_train, y_train, X_test, _ = split
    with pytest.raises(ValueError, match="names modality 'audio', which X lacks"):
        FusionNetClassifier(encoders={"audio": "cnn1d"}).fit(X_train, y_train)
    with pytest.raises(ValueError, match="unknown encoder 'resnet' for modality 'image'"):
        FusionNetClassifier(encoders={"image": "resnet"}).fit(X_train, y_train)
    with pytest.raises(InvalidParameterError, match="fusion"):
        FusionNetClassifier(fusion="mean").fit(X_train, y_train)
    with pytest.raises(TypeError, match="unexpected keyword argument 'max_epoch__s'"):
        FusionNetClassifier(max_epoch__s=3)
    with pytest.raises(ValueError, match="'module__fusion' is set by FusionNetClassifier"):
        FusionNetClassifier(module__fusion="sum").fit(X_train, y_train)
    with pytest.raises(ValueError, match="X has 100 samples but y has 99"):
        FusionNetClassifier().fit(X_train, y_train[:-1])
    with pytest.raises(ValueError, match="one class"):
        FusionNetClassifier().fit(X_train, np.zeros(100))
    clf = FusionNetClassifier(max_epochs=1, **SMALL).fit(X_train, y_train)
    with pytest.raises(ValueError, match="needs modality 'table', which X lacks"):
        clf.predict(ModalityDict(image=X_test["image"], sequence=X_test["sequence"]))


def test_import_skfusion_does_not_import_torch():
    code = "import sys, skfusion; skfusion.ModalityDict; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_member_of_late_fusion(split):
    late = pytest.importorskip("skfusion.late")
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X_train, y_train, X_test, y_test = split
    flatten = FunctionTransformer(lambda a: a.reshape(len(a), -1))
    ensemble = late.LateFusionClassifier([
        ("net", FusionNetClassifier(max_epochs=5, random_state=0, **SMALL), ["image", "sequence"]),
        ("table", make_pipeline(flatten, LogisticRegression()), "table"),
    ], fusion="product")
    ensemble.fit(X_train, y_train)
    assert ensemble.predict_proba(X_test).shape == (50, 3)
    assert ensemble.score(X_test, y_test) > 0.7
    assert ensemble.named_estimators_["net"].modalities_ == ("image", "sequence")


cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


@cuda
def test_gpu_fit_and_load_on_a_cpu_only_process(split, tmp_path):
    X_train, y_train, X_test, _ = split
    clf = FusionNetClassifier(device="cuda", max_epochs=2, random_state=0, **SMALL)
    clf.fit(X_train, y_train)
    assert clf.device_ == "cuda"
    path = tmp_path / "net.pkl"
    path.write_bytes(pickle.dumps((clf, X_test)))
    code = ("import os, pickle, sys, torch; assert not torch.cuda.is_available(); "
            f"clf, X = pickle.loads(open({str(path)!r}, 'rb').read()); "
            "assert clf.device_ == 'cpu'; print(clf.predict_proba(X).sum())")
    env = {**__import__("os").environ, "CUDA_VISIBLE_DEVICES": ""}
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                         capture_output=True, text=True).stdout
    assert float(out.split()[-1]) == pytest.approx(50, rel=1e-4)


@cuda
def test_auto_device_picks_cuda(split):
    X_train, y_train, _, _ = split
    clf = FusionNetClassifier(max_epochs=1, **SMALL).fit(X_train, y_train)
    assert clf.device_ == "cuda"
    assert next(clf.net_.module_.parameters()).is_cuda


def test_feature_step_before_the_net_in_a_pipeline():
    pytest.importorskip("librosa")
    from sklearn.pipeline import make_pipeline

    from skfusion import ModalityTransformer
    from skfusion.features import LogMelFeatures

    X, y = make_multimodal_classification(
        80, informativeness={"image": 1.0, "sequence": 1.0}, sequence_length=(300, 500),
        random_state=0)
    X["sequence"] = np.array([(s * 3000).astype(np.int16) for s in X["sequence"]] + [None],
                             dtype=object)[:-1]  # ragged int16 "waveforms"
    X = X.with_missing("sequence", [0, 1, 2])
    pipe = make_pipeline(
        ModalityTransformer([("mel", LogMelFeatures(sr=8000, n_mels=16, output="matrix",
                                                    n_frames=6), "sequence")]),
        FusionNetClassifier(encoders={"mel": "cnn1d"}, max_epochs=3, random_state=0, **SMALL))
    pipe.fit(X, y)
    net = pipe[-1]
    assert net.modalities_ == ("image", "mel")
    assert net.converter_.specs_["mel"] == {"shape": (16, 6), "layout": "sequence"}
    assert pipe.predict(X).shape == (80,)


def test_plain_inputs_sparse_one_dimensional_and_unfitted():
    from scipy import sparse
    from sklearn.exceptions import NotFittedError

    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] > 0).astype(int)
    for fmt in ("csr", "dok"):  # a DOK matrix is a dict, yet one modality
        clf = FusionNetClassifier(max_epochs=2, random_state=0, **SMALL)
        clf.fit(sparse.random(60, 4, density=0.5, format=fmt, random_state=0), y)
        assert clf.modalities_ == ("X",)
    with pytest.raises(ValueError, match="1-D numeric array.*Reshape your data"):
        FusionNetClassifier().fit(X[:, 0], y)
    with pytest.raises(NotFittedError):
        FusionNetClassifier().predict(X)
    assert FusionNetRegressor().__sklearn_tags__().target_tags.multi_output


@pytest.mark.parametrize("cls", [FusionNetClassifier, FusionNetRegressor])
def test_no_samples_or_no_features_raise_sklearns_value_error(cls, split):
    """0 samples or 0 features: scikit-learn's check_array message, naming the modality."""
    from scipy import sparse
    from sklearn.utils import check_array

    X_train, y_train, X_test, _ = split
    name = cls.__name__
    # a plain array: word for word what check_array says
    with pytest.raises(ValueError) as sklearn_error:
        check_array(np.empty((0, 3)), estimator=cls())
    with pytest.raises(ValueError) as ours:
        cls().fit(np.empty((0, 3)), [])
    assert str(ours.value) == str(sklearn_error.value)
    with pytest.raises(ValueError, match=r"^Found array with 0 feature\(s\) \(shape=\(12, 0\)\) "
                                         rf"while a minimum of 1 is required by {name}\.$"):
        cls().fit(np.empty((12, 0)), np.arange(12) % 2)
    with pytest.raises(ValueError, match=r"0 sample\(s\) \(shape=\(0, 4\)\)"):
        cls().fit(sparse.csr_matrix((0, 4)), [])
    # a ModalityDict whose row selection kept nothing (X[mask] of an all-False mask)
    none = X_train[np.zeros(len(X_train), dtype=bool)]
    with pytest.raises(ValueError, match=r"^modality 'image' of X has 0 sample\(s\) "
                                         r"\(shape=\(0, 8, 8\)\) while a minimum of 1 is "
                                         rf"required by {name}\.$"):
        cls().fit(none, y_train[:0])
    with pytest.raises(ValueError, match=r"modality 'image' of X has 0 sample\(s\)"):
        cls().fit({k: v[:0] for k, v in X_train.items()}, [])  # a plain dict, too
    # a modality without features (a column selection that selected nothing)
    empty_table = ModalityDict(image=X_train["image"], table=X_train["table"][:, :0])
    with pytest.raises(ValueError, match=r"modality 'table' of X has 0 feature\(s\) "
                                         r"\(shape=\(100, 0\)\)"):
        cls().fit(empty_table, y_train)
    # and at prediction
    fitted = cls(max_epochs=1, **SMALL).fit(X_train, y_train)
    with pytest.raises(ValueError, match=r"modality 'image' of X has 0 sample\(s\)"):
        fitted.predict(X_test[[]])


def test_an_object_array_of_numbers_is_read_as_numbers():
    """As check_array converts it: the same net as on the float array."""
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    params = dict(max_epochs=3, random_state=0, **SMALL)
    expected = FusionNetClassifier(**params).fit(X, y).predict_proba(X)
    on_objects = FusionNetClassifier(**params).fit(X.astype(object), y)
    np.testing.assert_allclose(on_objects.predict_proba(X.astype(object)), expected, rtol=1e-6)
    # a DataFrame of object columns (numbers read from text, mixed frames), in a ModalityDict
    table = pd.DataFrame(X.astype(object), columns=list("abcd"))
    images = rng.normal(size=(60, 6, 6))
    as_floats = ModalityDict(table=X, image=images)
    as_objects = ModalityDict(table=table, image=images.astype(object))
    expected = FusionNetClassifier(**params).fit(as_floats, y).predict_proba(as_floats)
    got = FusionNetClassifier(**params).fit(as_objects, y).predict_proba(as_objects)
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    # an entry that is not a number: a TypeError with numpy's reason, naming the modality
    bad = X.astype(object)
    bad[0, 0] = {"foo": "bar"}
    with pytest.raises(TypeError, match=r"modality 'X' is a 2-D object array whose entries are "
                                        r"not all numbers \(float\(\) argument must be a string "
                                        r"or a real number, not 'dict'\).*add a feature step"):
        FusionNetClassifier(**params).fit(bad, y)


@pytest.mark.parametrize("cls", [FusionNetClassifier, FusionNetRegressor])
def test_a_plain_2d_x_records_its_features_as_validate_data_does(cls):
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 4))
    y = (X[:, 0] > 0).astype(int)
    est = cls(max_epochs=1, random_state=0, **SMALL).fit(X, y)
    assert est.n_features_in_ == 4 and not hasattr(est, "feature_names_in_")
    with pytest.raises(ValueError, match=f"X has 3 features, but {cls.__name__} is expecting 4 "
                                         "features as input"):
        est.predict(X[:, :3])
    frame = pd.DataFrame(X, columns=["w", "x", "y", "z"])
    est.fit(frame, y)
    assert est.n_features_in_ == 4
    assert est.feature_names_in_.tolist() == ["w", "x", "y", "z"]
    assert est.predict(frame).shape == (40,)
    with pytest.raises(ValueError, match="Feature names must be in the same order"):
        est.predict(frame[["x", "w", "y", "z"]])  # before: predicted from swapped columns
    # modalities have no common feature count: a refit on a ModalityDict forgets both
    est.fit(ModalityDict(a=X, b=rng.normal(size=(40, 5, 5))), y)
    assert not hasattr(est, "n_features_in_") and not hasattr(est, "feature_names_in_")
    est.fit(rng.normal(size=(40, 5, 5)), y)  # images: no feature count either
    assert not hasattr(est, "n_features_in_")
