"""Encoders, fusion layers and the fusion module, as torch modules."""

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from skfusion.neural import (  # noqa: E402
    EmbeddingBagEncoder,
    FusionModule,
    GRUEncoder,
    MLPEncoder,
    SequenceConvEncoder,
    make_encoder,
)
from skfusion.neural._fusion import FUSION_LAYERS  # noqa: E402
from skfusion.neural._module import _drop_modalities  # noqa: E402

FUSIONS = sorted(FUSION_LAYERS)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.mark.parametrize("fusion", FUSIONS)
def test_fusion_ignores_the_encoding_of_a_missing_modality(fusion):
    layer = FUSION_LAYERS[fusion](3, 6).eval()
    encodings = torch.randn(5, 3, 6)
    present = torch.tensor([[1.0, 1.0, 1.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0],
                            [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    out = layer(encodings, present)
    assert out.shape == (5, layer.out_features)
    assert torch.isfinite(out).all()
    changed = encodings.clone()
    changed[present == 0] = 100.0  # garbage where the modality is missing
    torch.testing.assert_close(layer(changed, present), out)
    # while a present modality's encoding does change the output
    changed[0, 0] += 1.0
    assert not torch.allclose(layer(changed, present)[0], out[0])


def test_fusion_output_sizes():
    assert FUSION_LAYERS["concat"](3, 4).out_features == 15
    assert FUSION_LAYERS["tensor"](3, 4, tensor_dim=2).out_features == 27
    for name in ("sum", "gated", "lowrank", "attention"):
        assert FUSION_LAYERS[name](3, 4).out_features == 4


def test_attention_weights_a_single_present_modality_fully():
    layer = FUSION_LAYERS["attention"](2, 3)
    encodings = torch.randn(1, 2, 3)
    out = layer(encodings, torch.tensor([[0.0, 1.0]]))
    torch.testing.assert_close(out, encodings[:, 1])


def test_tensor_fusion_with_one_modality_missing_keeps_the_others_terms():
    layer = FUSION_LAYERS["tensor"](2, 4, tensor_dim=2)
    encodings = torch.randn(1, 2, 4)
    out = layer(encodings, torch.tensor([[1.0, 0.0]])).view(3, 3)
    # [z1, 1] outer [0, 0, 1]: only the last column is non-zero, and it is [z1, 1]
    torch.testing.assert_close(out[:, :2], torch.zeros(3, 2))
    assert out[2, 2] == 1.0


def test_sequence_encoders_ignore_padding():
    for encoder in (SequenceConvEncoder(2, 5), GRUEncoder(2, 5)):
        encoder.eval()
        x = torch.randn(2, 2, 12)
        lengths = torch.tensor([12, 7])
        out = encoder(x, lengths)
        padded = x.clone()
        padded[1, :, 7:] = 50.0
        torch.testing.assert_close(encoder(padded, lengths), out)
        longer = torch.cat([x, torch.randn(2, 2, 8)], dim=2)  # more padding
        torch.testing.assert_close(encoder(longer, lengths)[1], out[1], atol=1e-5, rtol=1e-5)


def test_embedding_bag_ignores_padding_tokens():
    encoder = EmbeddingBagEncoder(20, 4)
    torch.testing.assert_close(encoder(torch.tensor([[3, 5, 0, 0]])),
                               encoder(torch.tensor([[3, 5]])))


def test_mlp_encoder_trains_on_a_one_sample_batch():
    encoder = MLPEncoder(3, 2).train()
    out = encoder(torch.randn(1, 3))
    out.sum().backward()
    assert out.shape == (1, 2)


def test_user_module_is_copied_and_projected():
    user = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 7))
    encoder = make_encoder("img", user, {"layout": "image", "shape": (1, 4, 4)}, 5)
    assert encoder(torch.randn(3, 1, 4, 4)).shape == (3, 5)
    assert encoder.module is not user  # a copy: refitting never trains the user's module
    same_size = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 5))
    assert isinstance(make_encoder("img", same_size, {"layout": "image", "shape": (1, 4, 4)},
                                   5), torch.nn.Sequential)


def test_user_module_that_fails_names_the_modality():
    with pytest.raises(ValueError, match="encoder module for modality 'img' failed"):
        make_encoder("img", torch.nn.Linear(3, 2), {"layout": "image", "shape": (1, 4, 4)}, 5)


def test_unknown_encoder_and_fusion_names():
    with pytest.raises(ValueError, match="unknown encoder 'resnet' for modality 'x'"):
        make_encoder("x", "resnet", {"layout": "image", "shape": (1, 4, 4)}, 5)
    with pytest.raises(ValueError, match="unknown fusion 'mean'"):
        FusionModule({"x": {"layout": "vector", "shape": (3,)}}, 2, fusion="mean")


def test_modality_dropout_keeps_at_least_one_present_modality():
    present = torch.tensor([[1.0, 1.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 1.0]]).repeat(200, 1)
    dropped = _drop_modalities(present, 0.9)
    assert (dropped <= present).all()  # never revives a missing modality
    assert (dropped.sum(dim=1) >= 1).all()
    assert 0.05 < 1 - dropped.sum() / present.sum() < 0.95


def test_module_aux_heads_only_in_training():
    specs = {"a": {"layout": "vector", "shape": (3,)}, "b": {"layout": "vector", "shape": (2,)}}
    module = FusionModule(specs, 4, aux_heads=True, embed_dim=8)
    batch = {"a": torch.randn(6, 3), "b": torch.randn(6, 2), "_present": torch.ones(6, 2)}
    output, aux, present = module.train()(**batch)
    assert output.shape == (6, 4) and aux.shape == (6, 2, 4) and present.shape == (6, 2)
    assert module.eval()(**batch).shape == (6, 4)
