"""The converter: the one place a ModalityDict becomes the net's input."""

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("skorch")

from skfusion import ModalityDict  # noqa: E402
from skfusion.datasets import make_multimodal_classification  # noqa: E402
from skfusion.neural._convert import PRESENT_KEY, ModalityConverter, lengths_key  # noqa: E402


def _waveforms(lengths, seed=0):
    rng = np.random.RandomState(seed)
    out = np.empty(len(lengths), dtype=object)
    for i, n in enumerate(lengths):
        out[i] = (rng.normal(size=n) * 1000).astype(np.int16)
    return out


def test_default_layouts_from_shapes():
    rng = np.random.RandomState(0)
    X = ModalityDict(gray=rng.rand(4, 6, 5), rgb=rng.rand(4, 6, 5, 3), table=rng.rand(4, 3),
                     audio=_waveforms([9, 4, 7, 5]), text=["a cat", "the dog", "cat", "dog"])
    conv = ModalityConverter().fit(X)
    layouts = {name: spec["layout"] for name, spec in conv.specs_.items()}
    assert layouts == {"gray": "image", "rgb": "image", "table": "vector",
                       "audio": "sequence", "text": "tokens"}
    out = conv.transform(X)
    assert out["gray"].shape == (4, 1, 6, 5) and out["gray"].dtype == np.float32
    # channels-last RGB becomes channels-first, pixel for pixel
    raw = (X["rgb"][1, 2, 3] - conv._state["rgb"]["mean"][:, 0, 0]) / conv._state["rgb"]["std"][:, 0, 0]
    np.testing.assert_allclose(out["rgb"][1, :, 2, 3], raw, rtol=1e-5)
    assert out["audio"].shape == (4, 1, 9)
    np.testing.assert_array_equal(out[lengths_key("audio")], [9, 4, 7, 5])
    assert out[PRESENT_KEY].shape == (4, 5) and out[PRESENT_KEY].all()


def test_scaling_uses_present_rows_only_and_missing_rows_are_zero():
    table = np.array([[1.0, 10.0], [3.0, 30.0], [1000.0, -5.0], [2.0, 20.0]])
    X = ModalityDict(table=table, other=np.ones((4, 1))).with_missing("table", [2])
    conv = ModalityConverter().fit(X)
    out = conv.transform(X)
    present_rows = out["table"][[0, 1, 3]]
    np.testing.assert_allclose(present_rows.mean(axis=0), 0, atol=1e-6)
    np.testing.assert_allclose(present_rows.std(axis=0), 1, atol=1e-5)
    np.testing.assert_array_equal(out["table"][2], 0)
    np.testing.assert_array_equal(out[PRESENT_KEY][:, 0], [1, 1, 0, 1])


def test_scale_false_keeps_values():
    X = ModalityDict(table=np.array([[1.0, 5.0], [2.0, 7.0]]))
    out = ModalityConverter(scale=False).fit(X).transform(X)
    np.testing.assert_array_equal(out["table"], X["table"].astype(np.float32))


def test_ragged_sequences_are_padded_and_cropped_to_the_fit_length():
    X = ModalityDict(audio=_waveforms([5, 3, 8, 2]))
    conv = ModalityConverter().fit(X)
    longer = ModalityDict(audio=_waveforms([12, 1], seed=1))
    out = conv.transform(longer)
    assert out["audio"].shape == (2, 1, 8)
    np.testing.assert_array_equal(out[lengths_key("audio")], [8, 1])
    np.testing.assert_array_equal(out["audio"][1, 0, 1:], 0)


def test_fixed_length_sequences_and_spectrogram_channels():
    X, _ = make_multimodal_classification(6, informativeness={"sequence": 1.0},
                                          sequence_length=30, random_state=0)
    out = ModalityConverter({"sequence": "sequence"}).fit(X).transform(X)
    assert out["sequence"].shape == (6, 1, 30)
    mel = ModalityDict(mel=np.random.RandomState(0).rand(3, 16, 20))  # (n, bands, frames)
    out = ModalityConverter({"mel": "sequence"}).fit(mel).transform(mel)
    assert out["mel"].shape == (3, 16, 20)
    np.testing.assert_array_equal(out[lengths_key("mel")], 20)


def test_text_becomes_token_ids_with_unknown_and_padding():
    X = ModalityDict(text=np.array(["red cat", "red dog runs", None], dtype=object),
                     v=np.ones((3, 1)))
    conv = ModalityConverter().fit(X)
    assert conv.specs_["text"]["shape"] == (3,)
    out = conv.transform(ModalityDict(text=["red zebra", "dog"], v=np.ones((2, 1))))
    vocabulary = conv._state["text"]["vocabulary"]
    np.testing.assert_array_equal(out["text"], [[vocabulary["red"], 1, 0], [vocabulary["dog"], 0, 0]])
    assert conv.transform(X)[PRESENT_KEY][:, 0].tolist() == [1, 1, 0]


def test_partial_nan_rows_are_rejected_naming_the_modality():
    table = np.ones((3, 2))
    table[1, 0] = np.nan
    with pytest.raises(ValueError, match="modality 'table' has NaN .* 1 sample"):
        ModalityConverter().fit(ModalityDict(table=table))


def test_shape_mismatch_at_transform_names_the_modality():
    conv = ModalityConverter().fit(ModalityDict(image=np.zeros((2, 8, 8)), v=np.zeros((2, 3))))
    with pytest.raises(ValueError, match="modality 'image' has images of shape"):
        conv.transform(ModalityDict(image=np.zeros((2, 9, 8)), v=np.zeros((2, 3))))
    with pytest.raises(ValueError, match="modality 'v' has 4 features per sample"):
        conv.transform(ModalityDict(image=np.zeros((2, 8, 8)), v=np.zeros((2, 4))))


def test_sample_without_any_modality_is_rejected():
    X = ModalityDict(a=np.ones((3, 2)), b=np.ones((3, 2)))
    X = X.with_missing("a", [1]).with_missing("b", [1])
    conv = ModalityConverter().fit(X)
    with pytest.raises(ValueError, match=r"sample\(s\) \[1\] have none of the modalities"):
        conv.transform(X)


def test_modality_missing_everywhere_is_rejected():
    X = ModalityDict(a=np.ones((3, 2)), b=np.ones((3, 2))).with_missing("b", [0, 1, 2])
    with pytest.raises(ValueError, match="modality 'b' is missing in every training sample"):
        ModalityConverter().fit(X)


def test_object_array_of_other_things_is_a_clear_type_error():
    X = ModalityDict(meta=np.array([{"a": 1}, {"b": 2}], dtype=object))
    with pytest.raises(TypeError, match="modality 'meta' is an object array of dict"):
        ModalityConverter().fit(X)


@pytest.mark.parametrize("layout, value", [
    ("vector", np.ones((3, 2), dtype=np.complex64)),
    ("image", np.ones((3, 4, 4), dtype=np.complex128)),
    ("sequence", np.ones((3, 5), dtype=np.complex128)),
])
def test_complex_data_is_refused_at_fit_and_transform(layout, value):
    # float32 cannot hold it: refused, never cast with only a ComplexWarning
    conv = ModalityConverter({"x": layout}).fit(ModalityDict(x=value.real.copy()))
    for call in (lambda: ModalityConverter({"x": layout}).fit(ModalityDict(x=value)),
                 lambda: conv.transform(ModalityDict(x=value))):
        with pytest.raises(TypeError, match=f"modality 'x' has dtype {value.dtype}; the "
                                            "neural net takes real numbers"):
            call()


def test_a_complex_or_string_clip_is_refused_naming_the_sample():
    clips = _waveforms([9, 4, 7])
    conv = ModalityConverter().fit(ModalityDict(audio=clips))
    for bad, dtype in [(clips[1].astype(np.complex128), "complex128"),
                       (np.array(["a", "b"]), "<U1")]:
        X = ModalityDict(audio=np.array([clips[0], bad, clips[2]], dtype=object))
        with pytest.raises(TypeError, match=f"modality 'audio': sample 1 has dtype {dtype}"):
            conv.transform(X)


def test_an_empty_sequence_is_an_error_and_a_missing_one_is_none():
    clips, table = _waveforms([9, 4, 7]), np.ones((3, 2))
    conv = ModalityConverter().fit(ModalityDict(audio=clips, table=table))
    empty = np.array([clips[0], np.zeros(0, np.int16), clips[2]], dtype=object)
    for call in (lambda: conv.transform(ModalityDict(audio=empty, table=table)),
                 lambda: ModalityConverter().fit(ModalityDict(audio=empty, table=table))):
        with pytest.raises(ValueError, match="modality 'audio': sample 1 is empty "
                                             r"\(0 time steps\); mark a missing sample with None"):
            call()
    missing = np.array([clips[0], None, clips[2]], dtype=object)
    out = conv.transform(ModalityDict(audio=missing, table=table))
    assert out[PRESENT_KEY][:, 0].tolist() == [1, 0, 1]
    assert not out["audio"][1].any()


def test_a_table_of_strings_is_a_type_error_that_asks_for_a_feature_step():
    X = ModalityDict(table=np.array([["a", "b"], ["c", "d"]], dtype=object))
    with pytest.raises(TypeError, match="modality 'table' is a 2-D object array .* add a "
                                        "feature step that turns it into numbers"):
        ModalityConverter().fit(X)
