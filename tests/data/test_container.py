"""ModalityDict: construction, row indexing, missing modalities, bad input."""

import pickle

import numpy as np
import pytest

from skfusion import ModalityDict


def _ragged(n, rng):
    return [rng.randint(-300, 300, size=rng.randint(5, 40)).astype(np.int16) for _ in range(n)]


@pytest.fixture
def X():
    rng = np.random.RandomState(0)
    n = 12
    return ModalityDict(
        image=np.arange(n * 8 * 8, dtype=float).reshape(n, 8, 8),
        audio=_ragged(n, rng),
        text=[f"sample number {i}" for i in range(n)],
        table=rng.normal(size=(n, 3)),
    )


def test_construction_converts_lists(X):
    assert X["image"].shape == (12, 8, 8)
    assert X["audio"].dtype == object and X["audio"].shape == (12,)
    assert all(isinstance(a, np.ndarray) and a.dtype == np.int16 for a in X["audio"])
    assert X["text"].dtype == object and X["text"][3] == "sample number 3"
    assert X.modalities == ("image", "audio", "text", "table")


def test_mapping_and_keyword_construction_agree():
    x = np.arange(6.0).reshape(3, 2)
    a = ModalityDict({"x": x}, y=["a", "b", "c"])
    b = ModalityDict(x=x, y=["a", "b", "c"])
    assert a.modalities == b.modalities == ("x", "y") and len(a) == len(b) == 3
    for X in (a, b):
        np.testing.assert_array_equal(X["x"], x)
        assert X["y"].dtype == object and X["y"].tolist() == ["a", "b", "c"]


def test_equal_length_numeric_lists_become_numeric_arrays():
    X = ModalityDict(audio=[np.ones(4), np.zeros(4)])
    assert X["audio"].shape == (2, 4) and X["audio"].dtype == float
    np.testing.assert_array_equal(X["audio"], [[1, 1, 1, 1], [0, 0, 0, 0]])


def test_len_and_shape_count_samples(X):
    assert len(X) == 12
    assert X.shape == (12,)
    assert X.n_samples == 12


@pytest.mark.parametrize(
    "key, expected",
    [
        (np.array([3, 0, 7]), [3, 0, 7]),
        ([11, 2], [11, 2]),
        (slice(2, 6), [2, 3, 4, 5]),
        (np.arange(12) % 5 == 0, [0, 5, 10]),
        ((np.array([4, 1]), Ellipsis), [4, 1]),
        (np.array([-1]), [11]),
    ],
)
def test_row_indexing_keeps_modalities_aligned(X, key, expected):
    sub = X[key]
    assert isinstance(sub, ModalityDict)
    assert len(sub) == len(expected)
    np.testing.assert_array_equal(sub["image"], X["image"][expected])
    np.testing.assert_array_equal(sub["table"], X["table"][expected])
    assert list(sub["text"]) == [f"sample number {i % 12}" for i in expected]
    for got, i in zip(sub["audio"], expected):
        np.testing.assert_array_equal(got, X["audio"][i])


def test_empty_row_selection_keeps_modalities(X):
    sub = X[np.array([], dtype=int)]
    assert len(sub) == 0 and sub.modalities == X.modalities


def test_asarray_raises_with_advice(X):
    with pytest.raises(TypeError, match=r"select one with X\[name\].*'image'"):
        np.asarray(X)


def test_repr_shows_samples_shapes_dtypes(X):
    text = repr(X)
    assert text.startswith("ModalityDict(n_samples=12, ")
    assert "image=float64(12, 8, 8)" in text
    assert "audio=object(12,) ragged" in text
    assert "text=object(12,) str" in text


def test_pickle_round_trip(X):
    back = pickle.loads(pickle.dumps(X))
    assert isinstance(back, ModalityDict) and back.modalities == X.modalities
    np.testing.assert_array_equal(back["image"], X["image"])
    assert list(back["text"]) == list(X["text"])


def test_missing_entries_and_masks():
    X = ModalityDict(
        audio=[np.ones(3), None, np.ones(5), None],
        image=np.array([[[1.0]], [[np.nan]], [[2.0]], [[3.0]]]),
        text=["a", None, "b", "c"],
    )
    np.testing.assert_array_equal(X.is_missing("audio"), [False, True, False, True])
    np.testing.assert_array_equal(X.is_missing("image"), [False, True, False, False])
    np.testing.assert_array_equal(X.is_missing("text"), [False, True, False, False])
    sub = X[[3, 1, 0]]
    np.testing.assert_array_equal(sub.is_missing("audio"), [True, True, False])
    np.testing.assert_array_equal(sub.is_missing("image"), [False, True, False])


def test_nan_entries_of_object_modalities_are_missing():
    X = ModalityDict(text=np.array(["a", np.nan, None, "nan"], dtype=object))
    np.testing.assert_array_equal(X.is_missing("text"), [False, True, True, False])


def test_with_missing_on_dataframe_and_sparse_modalities():
    pd = pytest.importorskip("pandas")
    from scipy import sparse

    table = pd.DataFrame({"u": [1.0, 2.0, 3.0], "v": [4, 5, 6]}, index=[5, 6, 7])
    X = ModalityDict(table=table, counts=sparse.csr_matrix(np.eye(3)))
    Y = X.with_missing("table", [1])
    np.testing.assert_array_equal(Y.is_missing("table"), [False, True, False])
    assert Y["table"].index.tolist() == [5, 6, 7] and Y["table"]["u"].tolist()[0] == 1.0
    assert not X.is_missing("table").any()  # a copy: X keeps its rows
    with pytest.raises(TypeError, match="modality 'counts' is sparse and cannot hold missing"):
        X.with_missing("counts", [0])


def test_partially_nan_row_is_not_missing():
    image = np.ones((2, 2, 2))
    image[0, 0, 0] = np.nan
    X = ModalityDict(image=image)
    np.testing.assert_array_equal(X.is_missing("image"), [False, False])


@pytest.mark.parametrize("shape", [(40, 5), (40, 3, 4), (40, 1), (40, 0)])
def test_all_nan_rows_agree_with_a_full_scan(shape):
    """The mask reads past the first entry only of rows that start with NaN."""
    rng = np.random.RandomState(0)
    value = rng.normal(size=shape).astype(np.float32)
    flat = value.reshape(40, -1)
    if flat.shape[1]:
        flat[::3, 0] = np.nan  # starts with NaN, not all NaN (unless one column)
        flat[[4, 11, 30]] = np.nan  # all NaN
        flat[[5, 17], 1:] = np.nan  # all NaN but the first entry
    X = ModalityDict(image=value)
    expected = np.isnan(flat).all(axis=1) & (flat.shape[1] > 0)  # 0 features: not missing
    np.testing.assert_array_equal(X.is_missing("image"), expected)


def test_with_missing_returns_a_marked_copy(X):
    Y = X.with_missing("image", [1, 4])
    np.testing.assert_array_equal(np.flatnonzero(Y.is_missing("image")), [1, 4])
    assert not X.is_missing("image").any()
    Z = X.with_missing("audio", np.arange(12) < 2)
    assert list(np.flatnonzero(Z.is_missing("audio"))) == [0, 1]
    assert Z["audio"][2] is X["audio"][2]


def test_with_missing_casts_integers_to_float():
    X = ModalityDict(pixels=np.arange(6, dtype=np.uint8).reshape(3, 2))
    Y = X.with_missing("pixels", [0])
    assert Y["pixels"].dtype.kind == "f"
    np.testing.assert_array_equal(Y.is_missing("pixels"), [True, False, False])
    np.testing.assert_array_equal(Y["pixels"][1:], [[2, 3], [4, 5]])


def test_with_missing_keeps_float64_precision():
    precise = np.array([[1 + 1e-12, 2.0], [3.0, 4.0], [5.0, 6.0]])
    Y = ModalityDict(table=precise).with_missing("table", [2])
    assert Y["table"].dtype == np.float64
    np.testing.assert_array_equal(Y["table"][:2], precise[:2])


def test_dataframe_row_is_missing_only_when_every_column_is():
    pd = pytest.importorskip("pandas")
    table = pd.DataFrame({"u": [1.0, np.nan, np.nan], "v": ["a", "b", None]})
    X = ModalityDict(table=table, series=pd.Series([1.0, np.nan, 3.0]))
    np.testing.assert_array_equal(X.is_missing("table"), [False, False, True])
    np.testing.assert_array_equal(X.is_missing("series"), [False, True, False])


def test_setitem_checks_length(X):
    X["extra"] = np.zeros(12)
    assert "extra" in X.modalities
    with pytest.raises(ValueError, match="'extra2': 5"):
        X["extra2"] = np.zeros(5)


def test_update_and_setdefault_check_lengths_and_convert(X):
    with pytest.raises(ValueError, match="'image': 12, .*'short': 4"):
        X.update(short=np.zeros(4))
    with pytest.raises(ValueError, match="'image': 12, .*'short': 3"):
        X.update({"short": [1, 2, 3]})
    with pytest.raises(ValueError, match="'image': 12, .*'short': 2"):
        X.setdefault("short", [1.0, 2.0])
    assert "short" not in X.modalities
    X.update(caption=[f"c{i}" for i in range(12)])
    assert X["caption"].dtype == object and X["caption"][11] == "c11"
    assert X.setdefault("caption", None) is X["caption"]  # present: default unused
    with pytest.raises(TypeError, match="modality 'label' must"):
        X.setdefault("label")  # absent with a None default: a scalar modality


def test_copy_is_a_shallow_modality_dict(X):
    Y = X.copy()
    assert type(Y) is ModalityDict and Y.modalities == X.modalities
    assert Y["image"] is X["image"]
    Y["image"] = np.zeros((12, 2))
    assert X["image"].shape == (12, 8, 8)


def test_concat_stacks_samples(X):
    both = ModalityDict.concat([X[[0, 1]], X[[5]]])
    assert len(both) == 3
    np.testing.assert_array_equal(both["image"], X["image"][[0, 1, 5]])
    assert list(both["text"]) == ["sample number 0", "sample number 1", "sample number 5"]
    assert both["audio"].dtype == object and len(both["audio"]) == 3
    for got, i in zip(both["audio"], [0, 1, 5]):
        np.testing.assert_array_equal(got, X["audio"][i])
    np.testing.assert_array_equal(both["table"], X["table"][[0, 1, 5]])


def test_concat_refuses_different_modalities_and_no_parts(X):
    with pytest.raises(ValueError, match=r"modalities \['image', 'audio', 'text', 'table'\] "
                                         r"and \['image'\]"):
        ModalityDict.concat([X, ModalityDict(image=X["image"])])
    with pytest.raises(ValueError, match="concat needs at least one ModalityDict"):
        ModalityDict.concat([])


def test_concat_of_dataframe_modalities_renumbers_the_rows():
    pd = pytest.importorskip("pandas")
    X = ModalityDict(table=pd.DataFrame({"v": [1.0, 2.0, 3.0]}, index=[7, 8, 9]),
                     text=["a", "b", "c"])
    both = ModalityDict.concat([X, X[[2, 0]]])
    assert both["table"]["v"].tolist() == [1.0, 2.0, 3.0, 3.0, 1.0]
    assert both["table"].index.tolist() == [0, 1, 2, 3, 4]  # no repeated labels
    assert both["text"].tolist() == ["a", "b", "c", "c", "a"]


def test_from_dataframe_groups_columns():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"caption": ["a b", None, "c"], "age": [1, 2, 3],
                       "height": [1.0, 2.0, 3.0], "label": [0, 1, 0]})
    X = ModalityDict.from_dataframe(df, {"text": "caption", "table": ["age", "height"]})
    assert list(X["text"]) == ["a b", None, "c"]
    assert list(X["table"].columns) == ["age", "height"]
    np.testing.assert_array_equal(X.is_missing("text"), [False, True, False])
    sub = X[[2, 0]]
    assert list(sub["table"]["age"]) == [3, 1]
    assert list(sub["text"]) == ["c", "a b"]


def test_from_dataframe_unknown_column():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"a": [1, 2]})
    with pytest.raises(ValueError, match=r"modality 'tab' names columns \['b'\].*\['a'\]"):
        ModalityDict.from_dataframe(df, {"tab": ["a", "b"]})


def test_dataframe_modality_rows_follow_the_others():
    pd = pytest.importorskip("pandas")
    table = pd.DataFrame({"v": [10, 11, 12, 13]}, index=[7, 3, 9, 1])
    X = ModalityDict(table=table, text=["p", "q", "r", "s"])
    sub = X[np.array([2, 0])]
    assert list(sub["table"]["v"]) == [12, 10]
    assert list(sub["text"]) == ["r", "p"]


def test_sparse_modality_is_indexed_by_rows():
    from scipy import sparse

    counts = sparse.random(5, 7, density=0.5, format="csc", random_state=0)
    X = ModalityDict(counts=counts, ids=np.arange(5))
    sub = X[[4, 1]]
    np.testing.assert_array_equal(sub["counts"].toarray(), counts.toarray()[[4, 1]])
    assert sub["counts"].format == "csr"


# -- bad input: clear errors that name the modality ---------------------------
def test_different_lengths_list_every_modality():
    with pytest.raises(ValueError, match=r"'image': 4, 'audio': 3, 'text': 4"):
        ModalityDict(image=np.zeros((4, 2, 2)), audio=[np.ones(2)] * 3, text=list("abcd"))


def test_modality_without_samples():
    with pytest.raises(ValueError, match="modality 'audio' has no samples"):
        ModalityDict(audio=np.zeros((0, 10)))


def test_non_string_name():
    with pytest.raises(TypeError, match="modality names must be strings, got 3"):
        ModalityDict({3: np.zeros(2)})


@pytest.mark.parametrize("value", [5, 2.5, "text", None, np.float64(3.0), np.array(7)])
def test_scalar_modality(value):
    with pytest.raises(TypeError, match="modality 'image' must"):
        ModalityDict(image=value)


def test_no_modality():
    with pytest.raises(ValueError, match="at least one modality"):
        ModalityDict()


def test_unknown_modality_lists_those_that_exist(X):
    with pytest.raises(KeyError, match="no modality 'video'; the modalities are 'image', 'audio'"):
        X["video"]


def test_row_index_out_of_range(X):
    with pytest.raises(IndexError, match="row index 12 is out of range for 12 samples"):
        X[[0, 12]]
    with pytest.raises(IndexError, match="row index -13"):
        X[np.array([-13])]


def test_boolean_mask_of_wrong_length(X):
    with pytest.raises(IndexError, match=r"shape \(5,\), expected \(12,\)"):
        X[np.ones(5, dtype=bool)]


def test_scalar_row_index_is_refused_with_advice(X):
    with pytest.raises(TypeError, match=r"use X\[\[3\]\] for one row"):
        X[3]


def test_float_row_index_is_refused(X):
    with pytest.raises(IndexError, match="dtype float64"):
        X[np.array([0.0, 1.0])]


def test_memory_mapped_modality_pickles_by_reference(tmp_path):
    images = np.arange(200 * 16 * 16, dtype=np.float32).reshape(200, 16, 16)
    np.save(tmp_path / "images.npy", images)
    X = ModalityDict(image=np.load(tmp_path / "images.npy", mmap_mode="r"),
                     label=np.arange(200))
    payload = pickle.dumps(X)
    assert len(payload) < images.nbytes / 20
    back = pickle.loads(payload)
    assert isinstance(back["image"], np.memmap)
    np.testing.assert_array_equal(back["image"], images)
    # a contiguous slice stays a map of the right rows
    part = pickle.loads(pickle.dumps(X[10:30]))
    assert isinstance(part["image"], np.memmap)
    np.testing.assert_array_equal(part["image"], images[10:30])
    np.testing.assert_array_equal(part["label"], np.arange(10, 30))
    # fancy indexing reads only the rows asked for, into memory
    rows = X[[5, 199, 0]]
    assert not isinstance(rows["image"], np.memmap)
    np.testing.assert_array_equal(rows["image"], images[[5, 199, 0]])


def test_memory_map_far_into_its_file_pickles_by_reference(tmp_path):
    """A map that starts past the first page: the reference must keep the file offset."""
    images = np.arange(50 * 4 * 4, dtype=np.float64).reshape(50, 4, 4)
    header = 3 * 4096 + 64  # not a multiple of the mmap allocation granularity
    path = tmp_path / "raw.bin"
    path.write_bytes(b"\xff" * header + images.tobytes())
    mapped = np.memmap(path, dtype=np.float64, mode="r", offset=header, shape=images.shape)
    X = ModalityDict(image=mapped, label=np.arange(50))
    for rows in (slice(None), slice(10, 20), slice(45, 50)):
        back = pickle.loads(pickle.dumps(X[rows]))
        assert isinstance(back["image"], np.memmap)
        np.testing.assert_array_equal(back["image"], images[rows])
