"""The one home of "missing", presence and row slicing (skfusion.data._rows)."""

import numpy as np
import pytest
from scipy import sparse

from skfusion import ModalityDict
from skfusion.data import (
    is_missing_entry,
    is_per_sample,
    missing_mask,
    presence,
    refill_rows,
    rows_of_params,
)


def _clips(*clips):
    out = np.empty(len(clips), dtype=object)
    out[:] = list(clips)
    return out


def test_missing_entry_and_mask_agree_on_every_kind_of_modality():
    wave = np.linspace(-1, 1, 50)
    partial = wave.copy()
    partial[3] = np.nan  # a NaN sample is silence, not a missing clip
    assert [is_missing_entry(e) for e in [None, np.nan, np.float32("nan"), np.full(4, np.nan),
                                         wave, partial, "", "a cat", 0.0]] == [
        True, True, True, True, False, False, False, False, False]
    assert missing_mask(_clips(wave, None, np.nan, partial)).tolist() == [
        False, True, True, False]
    images = np.ones((3, 4, 4))
    images[1] = np.nan
    images[2, 0, 0] = np.nan
    assert missing_mask(images).tolist() == [False, True, False]
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": [1.0, np.nan, np.nan], "b": [2.0, np.nan, 5.0]})
    assert missing_mask(frame).tolist() == [False, True, False]
    assert missing_mask(sparse.csr_matrix(np.eye(3))).tolist() == [False] * 3
    assert missing_mask(np.arange(3)).tolist() == [False] * 3
    X = ModalityDict(text=["a", np.nan, None], image=images)
    assert X.is_missing("text").tolist() == missing_mask(X["text"]).tolist()


def test_presence_of_a_selection():
    images = np.ones((4, 2, 2))
    images[[1, 3]] = np.nan
    X = ModalityDict(image=images, text=["a", "b", None, None], table=np.ones((4, 2)))
    assert presence(X, "image").tolist() == [True, False, True, False]
    assert presence(X, ["image", "text"]).tolist() == [True, False, False, False]
    # selections that are not by name handle missing values themselves
    assert presence(X, None).all() and presence(X, lambda X: "image").all()
    assert presence(np.ones((4, 3)), [0, 1]).all()
    with pytest.raises(KeyError, match="no modality 'audio'"):
        presence(X, "audio")


def test_refill_rows_dense_sparse_and_fill_vector():
    present = np.array([False, True, True, False])
    out = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(refill_rows(out, present, [9.0, 8.0]),
                                  [[9, 8], [1, 2], [3, 4], [9, 8]])
    full = refill_rows(out.astype(np.float32), present)
    assert full.dtype == np.float64 and np.isnan(full[[0, 3]]).all()
    refilled = refill_rows(sparse.csr_matrix(out), present, [9.0, 8.0])
    assert sparse.issparse(refilled)
    np.testing.assert_array_equal(refilled.toarray(), [[9, 8], [1, 2], [3, 4], [9, 8]])
    assert refill_rows(out, np.ones(2, dtype=bool)) is out
    with pytest.raises(ValueError, match="3 output rows for 2 present samples"):
        refill_rows(np.ones((3, 2)), present)


def test_rows_of_params_cuts_only_per_sample_metadata():
    weights, classes = np.arange(4.0), np.array([0.3, 0.7])
    params = {"sample_weight": weights, "class_weight": classes, "tag": "abcd",
              "groups": [1, 1, 2, 2], "options": {"a": 1, "b": 2, "c": 3, "d": 4}}
    out = rows_of_params(params, [0, 3], 4)
    np.testing.assert_array_equal(out["sample_weight"], [0.0, 3.0])
    np.testing.assert_array_equal(out["groups"], [1, 2])
    assert out["class_weight"] is classes and out["tag"] == "abcd" and out["options"] is params[
        "options"]
    assert not is_per_sample(None, 4) and not is_per_sample(3, 4) and is_per_sample(weights, 4)


def test_replace_returns_a_checked_copy():
    X = ModalityDict(image=np.zeros((3, 2, 2)), text=["a", "b", "c"])
    Y = X.replace(text=["x", None, "z"], size=[1.0, 2.0, 3.0])
    assert Y.modalities == ("image", "text", "size") and X.modalities == ("image", "text")
    assert Y["image"] is X["image"] and Y.is_missing("text").tolist() == [False, True, False]
    assert X["text"].tolist() == ["a", "b", "c"]
    with pytest.raises(ValueError, match="same number of samples"):
        X.replace({"text": ["a", "b"]})


def test_presence_shares_masks_and_zero_feature_rows_are_not_missing():
    X = ModalityDict(image=np.array([[1.0], [np.nan]]), table=np.empty((2, 0)))
    missing = {}
    assert presence(X, "image", missing=missing).tolist() == [True, False]
    assert list(missing) == ["image"]
    missing["image"] = np.array([True, True])  # a shared dict is read, not recomputed
    assert presence(X, ["image"], missing=missing).tolist() == [False, False]
    assert presence(X, "table").tolist() == [True, True]


@pytest.mark.parametrize("values", [
    np.array([[1.0, np.nan], [np.nan, 2.0], [3.0, 4.0]]),          # NaN, but no empty row
    np.array([[1.0, 2.0], [np.nan, np.nan]]),                       # an empty row
    np.array([np.nan, 1.0], dtype=np.float32),                     # 1-D
    np.full((3, 0), np.nan),                                       # no features
    np.zeros((2, 4, 4)),                                           # images
    np.array([[[np.nan] * 2] * 2, [[1.0] * 2] * 2]),                # an empty image
    np.array(["a cat", None], dtype=object),                       # text
    np.arange(6).reshape(3, 2),                                    # integers
    np.asfortranarray([[1.0, 2.0], [np.nan, np.nan], [3.0, 4.0]]),  # column-major
    np.array([[1.0, 9.0, 2.0], [np.nan, 9.0, np.nan]])[:, ::2],     # a strided view
    np.array([[np.inf, 1.0], [-np.inf, 2.0]]),                      # first entries sum to NaN
    np.array([[6e4, 1.0], [6e4, np.nan]], dtype=np.float16),        # they overflow to inf
    np.array([[1 + 1j, 2.0], [np.nan, np.nan]]),                    # complex
    np.array([[[np.nan, 1.0], [2.0, 3.0]], [[4.0, 5.0], [6.0, 7.0]]]),  # NaN first pixel only
])
def test_has_missing_rows_agrees_with_the_mask(values):
    from skfusion.data import has_missing_rows

    assert has_missing_rows(values) is bool(missing_mask(values).any())
