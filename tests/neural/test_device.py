"""Device correctness without a GPU: the whole net runs on torch's "meta" device.

A meta tensor has a shape and a device but no data. Any op that mixes it with
a CPU tensor fails ("Tensor on device cpu is not on the expected device
meta"), so a tensor that forward or the training step creates without the
device of its input fails here, as it would on CUDA, where CPU tests never
see it. Data-dependent Python control flow (``if mask.any():``), which costs a
host-device synchronisation on a GPU, fails here too (no values to read).
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from skfusion import ModalityDict  # noqa: E402
from skfusion.neural import (  # noqa: E402
    FusionModule,
    FusionNetClassifier,
    FusionNetRegressor,
    GaussianNoise,
    GRUEncoder,
    RandomShift,
    make_encoder,
)
from skfusion.neural._convert import ModalityConverter, lengths_key  # noqa: E402
from skfusion.neural._estimator import _torch_seed  # noqa: E402
from skfusion.neural._fusion import FUSION_LAYERS  # noqa: E402

META = torch.device("meta")
FUSIONS = sorted(FUSION_LAYERS)
BATCH = 6
# one modality of every layout the converter makes
SPECS = {
    "image": {"layout": "image", "shape": (1, 8, 8)},
    "table": {"layout": "vector", "shape": (5,)},
    "audio": {"layout": "sequence", "shape": (3, 20)},
    "text": {"layout": "tokens", "shape": (7,), "vocabulary_size": 30},
}
ENCODER_INPUTS = {  # encoder kind -> (spec, batch shape, dtype)
    "mlp": (SPECS["table"], (BATCH, 5), torch.float32),
    "cnn": (SPECS["image"], (BATCH, 1, 8, 8), torch.float32),
    "cnn1d": (SPECS["audio"], (BATCH, 3, 20), torch.float32),
    "gru": (SPECS["audio"], (BATCH, 3, 20), torch.float32),
    "embedding_bag": (SPECS["text"], (BATCH, 7), torch.int64),
}


def meta_batch():
    """The module's keyword inputs for SPECS, all on the meta device."""
    return {
        "image": torch.empty(BATCH, 1, 8, 8, device=META),
        "table": torch.empty(BATCH, 5, device=META),
        "audio": torch.empty(BATCH, 3, 20, device=META),
        lengths_key("audio"): torch.empty(BATCH, dtype=torch.int64, device=META),
        "text": torch.empty(BATCH, 7, dtype=torch.int64, device=META),
        "_present": torch.empty(BATCH, len(SPECS), device=META),
    }


def assert_all_on_meta(tensors):
    for tensor in tensors:
        assert tensor.device == META


def assert_gradients_on_meta(module):
    grads = [p.grad for p in module.parameters() if p.requires_grad]
    assert grads and all(g is not None and g.device == META for g in grads)


def test_meta_device_catches_a_tensor_created_on_the_cpu():
    # the premise of this file: mixing devices fails on meta, as on CUDA
    x = torch.empty(3, 4, device=META)
    with pytest.raises(RuntimeError, match="device"):
        x * torch.ones(3, 4)
    with pytest.raises(RuntimeError, match="device"):
        x.masked_fill(torch.zeros(3, 4, dtype=torch.bool), 0.0)


@pytest.mark.parametrize("kind", sorted(ENCODER_INPUTS))
def test_every_encoder_kind_runs_forward_and_backward_on_meta(kind):
    spec, shape, dtype = ENCODER_INPUTS[kind]
    encoder = make_encoder("x", kind, spec, 16).to(META).train()
    x = torch.empty(shape, dtype=dtype, device=META)
    if spec["layout"] == "sequence":
        # the converter's lengths; pack_padded_sequence (GRU) wants them on the CPU
        lengths = torch.full((BATCH,), 20, dtype=torch.int64)
        out = encoder(x, lengths if kind == "gru" else lengths.to(META))
        assert encoder(x, None).shape == (BATCH, 16)
    else:
        out = encoder(x)
    assert out.shape == (BATCH, 16) and out.device == META
    out.sum().backward()
    assert_gradients_on_meta(encoder)


def test_gru_takes_lengths_from_the_gpu_batch():
    # skorch moves the lengths to the net's device; the GRU brings them back itself
    encoder = GRUEncoder(2, 4)
    lengths = torch.tensor([5, 3])
    out = encoder(torch.randn(2, 2, 5), lengths)
    assert out.shape == (2, 4)


def test_a_user_module_already_on_a_device_is_probed_there():
    user = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 7)).to(META)
    encoder = make_encoder("image", user, SPECS["image"], 16)
    out = encoder.to(META)(torch.empty(BATCH, 1, 8, 8, device=META))
    assert out.shape == (BATCH, 16) and out.device == META


@pytest.mark.parametrize("fusion", FUSIONS)
def test_fusion_module_trains_on_meta_with_every_layout(fusion):
    """All encoders, the fusion layer, modality dropout and aux heads, off the CPU."""
    module = FusionModule(SPECS, 3, fusion=fusion, embed_dim=8, hidden_dim=8,
                          modality_dropout=0.5, aux_heads=True, rank=2, tensor_dim=2)
    module = module.to(META).train()
    output, aux, present = module(**meta_batch())
    assert output.shape == (BATCH, 3) and aux.shape == (BATCH, len(SPECS), 3)
    assert present.shape == (BATCH, len(SPECS))
    assert_all_on_meta([output, aux, present])
    (output.sum() + aux.sum()).backward()
    assert_gradients_on_meta(module)
    prediction = module.eval()(**meta_batch())
    assert prediction.shape == (BATCH, 3) and prediction.device == META


@pytest.mark.parametrize("dtype", [torch.int64, torch.bool])
def test_an_integer_or_boolean_presence_mask_works_as_a_float_one(dtype):
    specs = {"a": SPECS["table"], "b": SPECS["image"]}
    module = FusionModule(specs, 3, fusion="gated", embed_dim=8, modality_dropout=0.5,
                          aux_heads=True)
    batch = {"a": torch.randn(BATCH, 5), "b": torch.randn(BATCH, 1, 8, 8),
             "_present": torch.tensor([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]] * 2)}
    expected = module.eval()(**batch)
    torch.testing.assert_close(module(**{**batch, "_present": batch["_present"].to(dtype)}),
                               expected)
    torch.manual_seed(0)
    output, _, present = module.train()(**batch)
    torch.manual_seed(0)
    output_as_dtype, _, present_as_dtype = module(
        **{**batch, "_present": batch["_present"].to(dtype)})
    torch.testing.assert_close(output_as_dtype, output)  # modality dropout alike
    assert present_as_dtype.dtype == torch.float32
    torch.testing.assert_close(present_as_dtype, present)


@pytest.mark.parametrize("fusion", FUSIONS)
def test_fusion_layer_on_meta(fusion):
    layer = FUSION_LAYERS[fusion](3, 4).to(META)
    out = layer(torch.empty(BATCH, 3, 4, device=META), torch.empty(BATCH, 3, device=META))
    assert out.shape == (BATCH, layer.out_features) and out.device == META


@pytest.mark.parametrize("augment", [RandomShift(2), GaussianNoise(0.1)])
def test_augmentations_stay_on_the_batch_device(augment):
    for shape in [(BATCH, 1, 8, 8), (BATCH, 3, 20)]:
        out = augment(torch.empty(shape, device=META))
        assert out.shape == shape and out.device == META


def _shift_one_by_one(batch, shifts):
    """Reference: shift each sample in a Python loop with slices."""
    out = torch.zeros_like(batch)
    axes = range(batch.ndim - shifts.shape[1], batch.ndim)
    for i, sample_shifts in enumerate(shifts.tolist()):
        dst, src = [i], [i]
        for axis, s in zip(axes, sample_shifts):
            size = batch.shape[axis]
            dst += [slice(None)] * (axis - len(dst))
            src += [slice(None)] * (axis - len(src))
            dst.append(slice(max(0, s), size - max(0, -s)))
            src.append(slice(max(0, -s), size - max(0, s)))
        out[tuple(dst)] = batch[tuple(src)]
    return out


@pytest.mark.parametrize("shape", [(40, 2, 6, 5), (40, 3, 9)])
def test_random_shift_moves_each_sample_by_its_own_shift(shape):
    batch = torch.randn(shape)
    torch.manual_seed(1)
    shifted = RandomShift(3)(batch)
    torch.manual_seed(1)
    spatial = 2 if len(shape) == 4 else 1
    shifts = torch.randint(-3, 4, (shape[0], spatial))
    assert len(set(map(tuple, shifts.tolist()))) > 5  # samples move differently
    torch.testing.assert_close(shifted, _shift_one_by_one(batch, shifts), rtol=0, atol=0)


def _data(n=24, seed=0):
    """Images, a ragged sequence, a table and text, with missing entries."""
    rng = np.random.RandomState(seed)
    X = ModalityDict(
        image=rng.randint(0, 255, size=(n, 8, 8)).astype(np.uint8),
        audio=np.array([rng.normal(size=(3, rng.randint(8, 20))).astype(np.float32)
                        for _ in range(n)] + [None], dtype=object)[:-1],
        table=rng.normal(size=(n, 5)),
        text=np.array([f"word{i % 4} other{i % 3} more" for i in range(n)], dtype=object),
    )
    X = X.with_missing("image", [0, 1]).with_missing("audio", [2]).with_missing("text", [3])
    return X, rng.randint(0, 3, size=n)


def _meta_net(estimator, X, n_outputs):
    """The estimator's skorch net, built on the meta device (no fitting: no values)."""
    estimator.converter_ = ModalityConverter(estimator._layouts(X)).fit(X)
    return estimator._build_net(n_outputs).initialize()


@pytest.mark.parametrize("fusion", FUSIONS)
def test_skorch_training_step_on_meta(fusion):
    """skorch's own step: batch to device, augmentation, forward, aux loss, backward."""
    X, y = _data()
    clf = FusionNetClassifier(
        fusion=fusion, device="meta", aux_loss_weight=1.0, modality_dropout=0.5,
        augment={"image": RandomShift(1), "audio": RandomShift(2), "table": GaussianNoise()},
        module__embed_dim=8, module__hidden_dim=8, module__tensor_dim=2)
    net = _meta_net(clf, X, n_outputs=3)
    batch = (clf.converter_.transform(X), y.astype(np.int64))
    step = net.train_step_single(batch)
    assert step["loss"].shape == () and step["loss"].device == META
    assert step["y_pred"].shape == (len(y), 3)
    assert_gradients_on_meta(net.module_)
    assert net.evaluation_step(batch).device == META


def test_regressor_training_step_on_meta():
    X, _ = _data()
    y = np.random.RandomState(0).normal(size=(len(X), 2)).astype(np.float32)
    reg = FusionNetRegressor(device="meta", aux_loss_weight=0.5, module__embed_dim=8)
    net = _meta_net(reg, X, n_outputs=2)
    step = net.train_step_single((reg.converter_.transform(X), y))
    assert step["loss"].shape == () and step["loss"].device == META
    assert_gradients_on_meta(net.module_)


def _aux_loss_by_row_selection(criterion, aux, y, present):
    """The auxiliary loss with boolean row selection (a host sync per modality on a GPU)."""
    losses = [criterion(aux[rows, i], y[rows]) for i in range(aux.shape[1])
              if (rows := present[:, i] > 0).any()]
    return torch.stack(losses).mean()


@pytest.mark.parametrize("estimator, target", [
    (FusionNetClassifier, lambda rng: rng.randint(0, 4, size=9)),
    (FusionNetRegressor, lambda rng: rng.normal(size=(9, 4)).astype(np.float32)),
])
def test_masked_aux_loss_equals_the_loss_on_the_rows_that_have_the_modality(estimator,
                                                                           target):
    rng = np.random.RandomState(0)
    X = ModalityDict(a=rng.normal(size=(9, 3)), b=rng.normal(size=(9, 2)))
    y = target(rng)
    model = estimator(aux_loss_weight=1.0, device="cpu")
    model.converter_ = ModalityConverter().fit(X)
    net = model._build_net(4).initialize()
    aux = torch.randn(9, 3, 4)
    present = torch.tensor([[1.0, 0.0, 1.0]] * 5 + [[0.0, 0.0, 1.0]] * 4)  # b: in no row
    y_true = torch.as_tensor(y)
    expected = _aux_loss_by_row_selection(net.criterion_, aux, y_true, present)
    torch.testing.assert_close(net._aux_loss(aux, y_true, present), expected)
    assert net.criterion_.reduction == "mean"  # restored


@pytest.fixture
def fake_cuda(monkeypatch):
    """Pretend one CUDA device exists; record what touches its random state."""
    calls = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "get_rng_state",
                        lambda device="cuda": calls.append(("get", device)) or "state")
    monkeypatch.setattr(torch.cuda, "set_rng_state",
                        lambda state, device="cuda": calls.append(("set", device)))
    monkeypatch.setattr(torch.cuda, "manual_seed_all", lambda seed: calls.append(("seed",)))
    return calls


def test_cpu_fit_seeds_and_restores_only_the_cpu_generator(fake_cuda):
    before = torch.get_rng_state()
    with _torch_seed(0, "cpu"):
        first = torch.rand(3)
    assert fake_cuda == []  # CUDA neither initialised nor reseeded
    torch.testing.assert_close(torch.get_rng_state(), before)
    with _torch_seed(0, "cpu"):
        torch.testing.assert_close(torch.rand(3), first)


def test_cuda_fit_seeds_and_restores_the_cuda_generators(fake_cuda):
    with _torch_seed(0, "cuda"):
        pass
    assert fake_cuda == [("get", 0), ("seed",), ("set", 0)]
    fake_cuda.clear()
    with _torch_seed(None, "cuda"):
        pass
    assert fake_cuda == []


DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("encoders", [None, {"audio": "gru"}])
def test_fit_and_predict_with_every_layout_and_training_option(device, encoders):
    """The whole estimator on each available device: runs on CUDA where the tests see one."""
    import pickle

    X, y = _data(40)
    clf = FusionNetClassifier(
        encoders=encoders, fusion="lowrank", device=device, aux_loss_weight=1.0,
        modality_dropout=0.3, augment={"image": RandomShift(1), "table": GaussianNoise()},
        max_epochs=2, batch_size=16, random_state=0, module__embed_dim=8)
    clf.fit(X, y)
    assert clf.device_ == device
    assert {p.device.type for p in clf.net_.module_.parameters()} == {device}
    proba = clf.predict_proba(X.with_missing("table", [5, 6]))
    assert proba.shape == (40, 3) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(clf)).predict_proba(X),
                               clf.predict_proba(X), rtol=1e-5, atol=1e-6)
