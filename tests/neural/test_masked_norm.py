"""Batch normalisation in the built-in encoders ignores rows that lack the modality.

The converter fills a missing row with zeros; those rows must not enter the
batch statistics nor the running statistics used at prediction.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from skorch.callbacks import Callback  # noqa: E402
from torch import nn  # noqa: E402

from skfusion.datasets import make_multimodal_classification  # noqa: E402
from skfusion.neural import FusionModule, FusionNetClassifier, make_encoder  # noqa: E402
from skfusion.neural._norm import (  # noqa: E402
    _MaskedBatchNorm,
    _MaskedBatchNorm1d,
    _MaskedBatchNorm2d,
)

META = torch.device("meta")
# torch layer, masked layer, batch shape: vectors, sequences, images
LAYOUTS = {
    "vector": (nn.BatchNorm1d, _MaskedBatchNorm1d, (20, 4)),
    "sequence": (nn.BatchNorm1d, _MaskedBatchNorm1d, (20, 4, 9)),
    "image": (nn.BatchNorm2d, _MaskedBatchNorm2d, (20, 4, 5, 6)),
}
SPECS = {  # one modality per built-in encoder with batch norm
    "image": {"layout": "image", "shape": (1, 8, 8)},
    "table": {"layout": "vector", "shape": (5,)},
    "audio": {"layout": "sequence", "shape": (3, 12)},
}
KIND = {"image": "cnn", "table": "mlp", "audio": "cnn1d"}


def _pair(layout, **options):
    """A torch batch norm and a masked one with the same (non-trivial) affine parameters."""
    torch_cls, masked_cls, shape = LAYOUTS[layout]
    reference, masked = torch_cls(shape[1], **options), masked_cls(shape[1], **options)
    if reference.affine:
        with torch.no_grad():
            reference.weight.uniform_(0.5, 2.0)
            reference.bias.uniform_(-1.0, 1.0)
    masked.load_state_dict(reference.state_dict())
    return reference, masked


def _missing_rows(n, fraction=0.4, seed=0):
    missing = np.zeros(n, dtype=bool)
    missing[np.random.RandomState(seed).permutation(n)[:round(fraction * n)]] = True
    return missing


def _numpy_stats(x, present):
    """Biased and unbiased variance and mean per channel over the present rows (numpy)."""
    values = np.moveaxis(x[present], 1, 0).reshape(x.shape[1], -1)
    return values.mean(axis=1), values.var(axis=1), values.var(axis=1, ddof=1)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("options", [{}, {"momentum": None}, {"affine": False},
                                     {"track_running_stats": False}])
def test_masked_batch_norm_is_torch_batch_norm_when_every_row_is_present(layout, options):
    reference, masked = _pair(layout, **options)
    shape = LAYOUTS[layout][2]
    torch.manual_seed(0)
    for step in range(3):  # running statistics accumulate over batches
        x = (torch.randn(shape) * (step + 1) + step).requires_grad_()
        x_masked = x.detach().clone().requires_grad_()
        out = reference.train()(x)
        out_masked = masked.train()(x_masked, torch.ones(shape[0]))
        torch.testing.assert_close(out_masked, out, rtol=1e-6, atol=1e-6)
        weights = torch.randn(shape)  # a loss that weighs every output differently
        (out * weights).sum().backward()
        (out_masked * weights).sum().backward()
        torch.testing.assert_close(x_masked.grad, x.grad, rtol=1e-5, atol=1e-5)
        for name, buffer in reference.named_buffers():
            torch.testing.assert_close(dict(masked.named_buffers())[name], buffer,
                                       rtol=1e-6, atol=1e-6)
    if reference.track_running_stats:
        assert masked.num_batches_tracked.item() == 3
    if reference.affine:
        torch.testing.assert_close(masked.weight.grad, reference.weight.grad,
                                   rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(masked.bias.grad, reference.bias.grad)
    x = torch.randn(shape)
    torch.testing.assert_close(masked.eval()(x, torch.ones(shape[0])), reference.eval()(x),
                               rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(masked(x), reference(x), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_running_statistics_come_from_the_present_rows_only(layout):
    reference, masked = _pair(layout)
    shape = LAYOUTS[layout][2]
    rng = np.random.RandomState(1)
    expected_mean, expected_var = np.zeros(shape[1]), np.ones(shape[1])
    for seed in range(2):
        x = (rng.normal(size=shape) * 2 + 3).astype(np.float32)
        present = ~_missing_rows(shape[0], 0.4, seed)
        x[~present] = 0  # the converter's fill
        out = masked.train()(torch.from_numpy(x), torch.from_numpy(present.astype(np.float32)))
        reference.train()(torch.from_numpy(x))
        mean, var, unbiased = _numpy_stats(x, present)
        expected_mean = 0.9 * expected_mean + 0.1 * mean
        expected_var = 0.9 * expected_var + 0.1 * unbiased
        # the present rows are normalised with their own statistics
        per_channel = (1, -1) + (1,) * (len(shape) - 2)
        normalised = (x - mean.reshape(per_channel)) / np.sqrt(var.reshape(per_channel) + 1e-5)
        affine = (normalised * masked.weight.detach().numpy().reshape(per_channel)
                  + masked.bias.detach().numpy().reshape(per_channel))
        np.testing.assert_allclose(out.detach().numpy()[present], affine[present],
                                   rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(masked.running_mean.numpy(), expected_mean, rtol=1e-5)
    np.testing.assert_allclose(masked.running_var.numpy(), expected_var, rtol=1e-5)
    # torch's layer, as the encoders had it, drifts towards the zero rows
    assert np.abs(reference.running_mean.numpy() - expected_mean).min() > 0.05
    assert np.abs(reference.running_var.numpy() - expected_var).min() > 0.05


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("n_present", [0, 1, 3])
def test_masked_batch_norm_gradient_is_the_derivative_of_its_output(layout, affine, n_present):
    """The hand-written backward against finite differences (float64)."""
    _, masked = _pair(layout, affine=affine)
    masked = masked.double().train()
    shape = (5, *LAYOUTS[layout][2][1:])
    present = torch.zeros(5, dtype=torch.float64)
    present[:n_present] = 1
    x = torch.randn(shape, dtype=torch.float64, requires_grad=True)
    inputs = (x, masked.weight, masked.bias) if affine else (x,)

    def normalise(x, *parameters):
        return masked(x, present)

    assert torch.autograd.gradcheck(normalise, inputs)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_a_batch_without_present_rows_keeps_the_running_statistics(layout):
    _, masked = _pair(layout)
    shape = LAYOUTS[layout][2]
    masked.train()(torch.randn(shape) + 2, torch.ones(shape[0]))
    before = {name: b.clone() for name, b in masked.named_buffers()}
    x = torch.randn(shape, requires_grad=True)
    out = masked(x, torch.zeros(shape[0]))
    for name, buffer in masked.named_buffers():
        torch.testing.assert_close(buffer, before[name], rtol=0, atol=0)
    # normalised with the running statistics instead, finite, gradients too
    torch.testing.assert_close(out, masked.eval()(x.detach()))
    out.sum().backward()
    assert torch.isfinite(x.grad).all() and torch.isfinite(masked.weight.grad).all()


def test_one_present_vector_row_is_normalised_with_the_running_statistics():
    _, masked = _pair("vector")
    masked.train()(torch.randn(20, 4) + 2, torch.ones(20))
    before = masked.running_var.clone()
    x = torch.randn(20, 4)
    present = torch.zeros(20)
    present[3] = 1  # one value per channel: no batch variance
    out = masked(x, present)
    torch.testing.assert_close(masked.running_var, before, rtol=0, atol=0)
    torch.testing.assert_close(out, masked.eval()(x))
    assert masked.num_batches_tracked.item() == 1


def test_an_encoder_takes_a_one_sample_training_batch_without_a_mask():
    encoder = make_encoder("table", "mlp", SPECS["table"], 4).train()
    x = torch.randn(1, 5)
    torch.testing.assert_close(encoder(x), encoder.eval()(x))


def _encoder_batch(name, n, missing, fill):
    rng = torch.Generator().manual_seed(0)
    x = torch.randn((n, *SPECS[name]["shape"]), generator=rng)
    x[torch.from_numpy(missing)] = fill
    return x


@pytest.mark.parametrize("name", sorted(SPECS))
def test_an_encoder_ignores_what_fills_the_missing_rows(name):
    missing = _missing_rows(20)
    present = torch.from_numpy(~missing).float()
    torch.manual_seed(0)
    initial = make_encoder(name, KIND[name], SPECS[name], 8).state_dict()
    runs = []
    for fill in [0.0, 7.0]:  # zeros as the converter's fill, or anything else
        masked, plain = (make_encoder(name, KIND[name], SPECS[name], 8) for _ in range(2))
        masked.load_state_dict(initial)
        plain.load_state_dict(initial)
        x = _encoder_batch(name, 20, missing, fill)
        runs.append((masked.train()(x, present=present)[~missing], masked.state_dict(),
                     plain.train()(x)[~missing]))
    (out_zero, state_zero, plain_zero), (out_fill, state_fill, plain_fill) = runs
    torch.testing.assert_close(out_fill, out_zero)
    for key, value in state_zero.items():
        torch.testing.assert_close(state_fill[key], value)
    # without the mask the present rows' encodings depend on the fill
    assert not torch.allclose(plain_fill, plain_zero, atol=1e-3)


def _module_batch(n, missing, fill):
    batch = {name: _encoder_batch(name, n, missing[name], fill) for name in SPECS}
    batch["_lengths_audio"] = torch.full((n,), 12)
    batch["_present"] = torch.from_numpy(
        np.column_stack([~missing[name] for name in SPECS])).float()
    return batch


def test_fusion_module_training_step_ignores_what_fills_the_missing_rows():
    """Missing rows in every modality; modality dropout and aux heads on: same step."""
    missing = {name: _missing_rows(24, 0.4, seed) for seed, name in enumerate(SPECS)}
    missing["image"][~(missing["table"] | missing["audio"])] = True  # more missing images
    missing["image"][missing["table"] & missing["audio"]] = False  # every row has one
    torch.manual_seed(0)
    initial = FusionModule(SPECS, 3, embed_dim=8, hidden_dim=8, modality_dropout=0.3,
                           aux_heads=True, dropout=0.0).state_dict()
    states = []
    for fill in [0.0, -5.0]:
        module = FusionModule(SPECS, 3, embed_dim=8, hidden_dim=8, modality_dropout=0.3,
                              aux_heads=True, dropout=0.0)
        module.load_state_dict(initial)
        optimizer = torch.optim.SGD(module.parameters(), lr=0.1)
        torch.manual_seed(1)  # the same modality dropout
        output, aux, present = module.train()(**_module_batch(24, missing, fill))
        (output.square().sum() + (aux * present[..., None]).square().sum()).backward()
        optimizer.step()
        states.append(module.state_dict())
    assert set(states[0]) == set(states[1])
    for key, value in states[0].items():
        torch.testing.assert_close(states[1][key], value, msg=key)


class _RecordImageBatchNorm(Callback):
    """Records the first image batch norm's input and the batch's presence mask."""

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.inputs_, self.present_ = [], []
        module = net.module_
        encoder = module.encoders[str(module.names.index("image"))]
        self.norm_ = next(m for m in encoder.modules() if isinstance(m, _MaskedBatchNorm))
        self._hooks = [
            module.register_forward_pre_hook(self._record_present, with_kwargs=True),
            self.norm_.register_forward_pre_hook(self._record_input),
        ]

    def _record_present(self, module, args, kwargs):
        self.present_.append(kwargs["_present"][:, module.names.index("image")].numpy())

    def _record_input(self, norm, args):
        self.inputs_.append(args[0].detach().numpy().copy())

    def on_train_end(self, net, X=None, y=None, **kwargs):
        for hook in self._hooks:
            hook.remove()


def test_fit_with_40_percent_of_images_missing_keeps_their_zeros_out_of_batch_norm():
    X, y = make_multimodal_classification(
        50, informativeness={"image": 1.0, "table": 0.5}, random_state=0)
    missing = _missing_rows(50)
    X = X.with_missing("image", np.flatnonzero(missing))
    clf = FusionNetClassifier(  # one epoch of one batch; modality dropout on top
        max_epochs=1, batch_size=64, modality_dropout=0.5, random_state=0,
        callbacks=[("record", _RecordImageBatchNorm())], module__embed_dim=8)
    clf.fit(X, y)
    record = dict(clf.net_.callbacks_)["record"]
    assert len(record.inputs_) == len(record.present_) == 1
    x, present = record.inputs_[0], record.present_[0] > 0
    assert x.shape == (50, 32, 8, 8) and present.sum() == 30
    mean, _, unbiased = _numpy_stats(x, present)
    norm = record.norm_
    np.testing.assert_allclose(norm.running_mean.numpy(), 0.1 * mean, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(norm.running_var.numpy(), 0.9 + 0.1 * unbiased, rtol=1e-5)
    # over all rows, the zero-filled images would have moved the statistics
    all_rows = _numpy_stats(x, np.ones(50, dtype=bool))
    assert not np.allclose(0.1 * all_rows[0], norm.running_mean.numpy(), atol=1e-4)
    assert not np.allclose(0.9 + 0.1 * all_rows[2], norm.running_var.numpy(), atol=1e-4)
    assert clf.predict_proba(X).shape == (50, 2)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_masked_batch_norm_trains_on_meta(layout):
    _, masked = _pair(layout)
    masked = masked.to(META).train()
    shape = LAYOUTS[layout][2]
    x = torch.empty(shape, device=META, requires_grad=True)
    out = masked(x, torch.empty(shape[0], device=META))
    assert out.shape == shape and out.device == META
    out.sum().backward()
    assert x.grad.device == META and masked.weight.grad.device == META
    assert masked.running_mean.device == META
