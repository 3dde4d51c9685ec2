"""load_multimodal_files: real image, audio and text files built on the fly, eager and lazy."""

import pickle
import re

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, cross_val_predict, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skfusion import ModalityDict, ModalitySelector
from skfusion.datasets import load_multimodal_files
from skfusion.datasets._lazy import LazyFileArray
from skfusion.datasets._readers import AudioReader, ImageReader

pd = pytest.importorskip("pandas")
Image = pytest.importorskip("PIL.Image")
sf = pytest.importorskip("soundfile")
resample_poly = pytest.importorskip("scipy.signal").resample_poly


# -- real files, built on the fly ---------------------------------------------
def _image(path, mode, size=(12, 16), seed=0, fmt=None):
    """An image file of ``size`` (height, width) in ``mode``; returns its path."""
    rng = np.random.RandomState(seed)
    pixels = rng.randint(0, 256, size=(*size, 3), dtype=np.uint8)
    image = Image.fromarray(pixels, "RGB")
    image = image.quantize(8) if mode == "P" else image.convert(mode)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format=fmt)
    return path


def _wave(path, rate, n_frames, channels=1, seed=0, subtype="PCM_16"):
    rng = np.random.RandomState(seed)
    data = rng.uniform(-0.5, 0.5, size=(n_frames, channels))
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, data, rate, subtype=subtype)
    return path


@pytest.fixture
def media(tmp_path):
    """A root folder of mixed files and a manifest naming them (4 samples)."""
    root = tmp_path / "root"
    _image(root / "img" / "a.png", "RGB", seed=1)
    _image(root / "img" / "b.jpg", "L", seed=2, fmt="JPEG")
    _image(root / "img" / "c.png", "P", seed=3)
    _image(root / "img" / "small.png", "RGB", size=(6, 8), seed=4)
    _image(tmp_path / "outside.png", "RGB", seed=5)
    _wave(root / "snd" / "a.wav", 8000, 800, seed=1)
    _wave(root / "snd" / "b.wav", 16000, 1600, channels=2, seed=2)
    _wave(root / "snd" / "c.wav", 8000, 1200, seed=3, subtype="FLOAT")
    (root / "txt").mkdir()
    (root / "txt" / "a.txt").write_text("café au lait\n", encoding="utf-8")
    (root / "txt" / "b.txt").write_text("a dog", encoding="utf-8")
    (root / "txt" / "broken.txt").write_bytes(b"ok \xff\xfe not utf-8")
    (root / "img" / "corrupt.png").write_bytes(b"this is not a png at all")
    (root / "snd" / "corrupt.wav").write_bytes(b"RIFF\x00\x00garbage")
    frame = pd.DataFrame({
        "id": ["s0", "s1", "s2", "s3"],
        "image": ["img/a.png", "img/b.jpg", "img/c.png", "img/absent.png"],
        "audio": ["snd/a.wav", "snd/b.wav", "snd/c.wav", ""],
        "note": ["txt/a.txt", "txt/b.txt", None, "txt/a.txt"],
        "caption": ["red", "blue", "green", "pink"],
        "age": [1.5, 2.5, 3.5, 4.5],
        "label": [0, 1, 0, 1],
    })
    return root, frame


def _expected_image(path, mode):
    with Image.open(path) as image:
        return np.asarray(image.convert(mode))


def _expected_audio(path, sr):
    wave, rate = sf.read(path, dtype="float64", always_2d=True)
    mono = wave.mean(axis=1)
    if rate != sr:
        mono = resample_poly(mono, sr, rate) if sr > rate else resample_poly(mono, 1, rate // sr)
    return mono.astype(np.float32)


def _load(root, frame, **kwargs):
    options = dict(root=root, target="label", id_column="id", image_mode="RGB", sr=8000)
    return load_multimodal_files(frame, **{**options, **kwargs})


def _assert_same_column(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    if a.dtype == object:
        for x, y in zip(a, b):
            assert (x is None and y is None) or np.array_equal(x, y)
    else:
        np.testing.assert_array_equal(a, b)


# -- eager loading -------------------------------------------------------------
def test_eager_load_decodes_every_kind_in_manifest_order(media):
    root, frame = media
    bunch = _load(root, frame)
    X = bunch.data
    assert X.modalities == ("image", "audio", "note", "caption", "age")
    assert X["image"].shape == (4, 12, 16, 3) and X["image"].dtype == np.float32
    for row, name in enumerate(["a.png", "b.jpg", "c.png"]):
        np.testing.assert_array_equal(X["image"][row],
                                      _expected_image(root / "img" / name, "RGB"))
    assert np.isnan(X["image"][3]).all()
    assert [len(w) for w in X["audio"][:3]] == [800, 800, 1200]
    for row, name in enumerate(["a.wav", "b.wav", "c.wav"]):
        np.testing.assert_allclose(X["audio"][row], _expected_audio(root / "snd" / name, 8000),
                                   atol=1e-6)
        assert X["audio"][row].dtype == np.float32
    assert X["audio"][3] is None
    assert list(X["note"]) == ["café au lait\n", "a dog", None, "café au lait\n"]
    assert list(X["caption"]) == ["red", "blue", "green", "pink"]
    np.testing.assert_array_equal(X["age"], [1.5, 2.5, 3.5, 4.5])
    np.testing.assert_array_equal(bunch.target, [0, 1, 0, 1])
    assert list(bunch.ids) == ["s0", "s1", "s2", "s3"]
    assert bunch.n_missing == {"image": 1, "audio": 1, "note": 1, "caption": 0, "age": 0}
    np.testing.assert_array_equal(X.is_missing("image"), [False, False, False, True])
    assert bunch.sample_rates == {"audio": 8000}
    assert bunch.files["image"][0] == str(root / "img" / "a.png")
    assert bunch.files["image"][3] is None
    assert bunch.errors == []
    assert "image: image files; 1 missing" in bunch.DESCR

    reordered = _load(root, frame.iloc[[2, 0, 3, 1]])
    assert list(reordered.ids) == ["s2", "s0", "s3", "s1"]
    for name in X.modalities:
        _assert_same_column(reordered.data[name], X[[2, 0, 3, 1]][name])


def test_return_X_y_and_csv_manifest_relative_to_its_folder(media):
    root, frame = media
    frame.to_csv(root / "manifest.csv", index=False)
    X, y = load_multimodal_files(root / "manifest.csv", modalities=["image", "note"],
                                 target="label", image_mode="L", return_X_y=True)
    assert X["image"].shape == (4, 12, 16)
    np.testing.assert_array_equal(X["image"][1], _expected_image(root / "img" / "b.jpg", "L"))
    assert X["note"][1] == "a dog"
    np.testing.assert_array_equal(y, [0, 1, 0, 1])


# -- lazy loading --------------------------------------------------------------
def _count_reads(monkeypatch):
    calls = []
    for reader in (ImageReader, AudioReader):
        original = reader.read

        def counted(self, path, _original=original):
            calls.append(path)
            return _original(self, path)

        monkeypatch.setattr(reader, "read", counted)
    return calls


def test_lazy_load_decodes_nothing_until_rows_are_used(media, monkeypatch):
    root, frame = media
    calls = _count_reads(monkeypatch)
    lazy = _load(root, frame, lazy=True)
    assert calls == []
    X = lazy.data
    assert isinstance(X["image"], LazyFileArray) and isinstance(X["audio"], LazyFileArray)
    assert X["image"].shape == (4, 12, 16, 3) and X["image"].dtype == np.float32
    np.testing.assert_array_equal(X.is_missing("audio"), [False, False, False, True])
    part = X[[2, 0]]
    assert isinstance(part["image"], LazyFileArray) and calls == []
    np.asarray(part["image"])
    assert sorted(calls) == sorted([str(root / "img" / "c.png"), str(root / "img" / "a.png")])


@pytest.mark.parametrize("rows", [[3, 1, 0], slice(1, 3), np.array([True, False, True, True])])
def test_lazy_rows_equal_eager_rows(media, rows):
    root, frame = media
    eager, lazy = _load(root, frame), _load(root, frame, lazy=True)
    assert lazy.n_missing == eager.n_missing
    assert lazy.sample_rates == eager.sample_rates
    for name in eager.data.modalities:
        _assert_same_column(lazy.data[rows][name], eager.data[rows][name])
        _assert_same_column(lazy.data[name], eager.data[name])
    np.testing.assert_array_equal(lazy.data["image"][0], eager.data["image"][0])
    assert [x if x is None else x.shape for x in lazy.data["audio"]] == \
        [x if x is None else x.shape for x in eager.data["audio"]]


def test_lazy_array_decodes_to_the_dtype_asked_for(media):
    root, frame = media
    eager, lazy = _load(root, frame), _load(root, frame, lazy=True)
    as_float64 = np.asarray(lazy.data["image"], dtype=np.float64)
    assert as_float64.dtype == np.float64
    np.testing.assert_array_equal(as_float64, eager.data["image"].astype(np.float64))
    np.testing.assert_array_equal(lazy.data["image"][1], eager.data["image"][1])  # one row


def test_lazy_array_refuses_column_indexing_and_bad_masks(media):
    root, frame = media
    image = _load(root, frame, lazy=True).data["image"]
    with pytest.raises(TypeError, match=r"selects rows only \(got a tuple key\).*modality 'image'"):
        image[0, 1]
    with pytest.raises(IndexError, match="expected \\(4,\\)"):
        image[np.array([True, False])]


def test_lazy_data_pickles_paths_not_pixels(media):
    root, frame = media
    eager, lazy = _load(root, frame), _load(root, frame, lazy=True)
    payload = pickle.dumps(lazy.data)
    assert len(payload) < len(pickle.dumps(eager.data)) / 2
    restored = pickle.loads(payload)
    assert isinstance(restored["audio"], LazyFileArray)
    _assert_same_column(restored["image"], eager.data["image"])


# -- readers: sizes, modes, rates ------------------------------------------------
@pytest.mark.parametrize("lazy", [False, True])
def test_images_of_different_sizes_need_image_size(media, lazy):
    root, _ = media
    manifest = {"image": ["img/a.png", "img/small.png"]}
    with pytest.raises(ValueError, match=r"a\.png is 16x12 RGB.*small\.png is 8x6 RGB.*image_size"):
        load_multimodal_files(manifest, root=root, lazy=lazy)
    X = load_multimodal_files(manifest, root=root, lazy=lazy, image_size=(6, 8)).data
    images = np.asarray(X["image"])
    assert images.shape == (2, 6, 8, 3) and images.dtype == np.uint8
    with Image.open(root / "img" / "a.png") as a:
        expected = np.asarray(a.resize((8, 6), Image.Resampling.BILINEAR))
    np.testing.assert_array_equal(images[0], expected)
    np.testing.assert_array_equal(images[1], _expected_image(root / "img" / "small.png", "RGB"))


@pytest.mark.parametrize("lazy", [False, True])
@pytest.mark.parametrize("orientation, turn", [(1, 0), (3, 2), (6, -1), (8, 1)])
def test_exif_orientation_is_applied(tmp_path, lazy, orientation, turn):
    """A phone photo stored sideways comes out upright, in eager and lazy loading alike."""
    stored = np.random.RandomState(0).randint(0, 256, size=(12, 16, 3), dtype=np.uint8)
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(stored, "RGB").save(tmp_path / "photo.png", exif=exif)
    Image.fromarray(stored, "RGB").save(tmp_path / "plain.png")
    manifest = {"image": ["photo.png", "plain.png"]}
    if turn % 2:  # the upright photo is 16 high and 12 wide, unlike the plain image
        with pytest.raises(ValueError, match=r"photo\.png is 12x16 RGB"):
            load_multimodal_files(manifest, root=tmp_path, lazy=lazy)
        manifest = {"image": ["photo.png"]}
    images = np.asarray(load_multimodal_files(manifest, root=tmp_path, lazy=lazy).data["image"])
    # orientation 6 is shown turned 90 degrees clockwise, 8 counter-clockwise, 3 upside down
    np.testing.assert_array_equal(images[0], np.rot90(stored, k=turn))


def test_images_of_different_modes_need_image_mode(media):
    root, _ = media
    manifest = {"image": ["img/a.png", "img/b.jpg"]}
    with pytest.raises(ValueError, match=r"b\.jpg is 16x12 L.*image_mode"):
        load_multimodal_files(manifest, root=root)
    grey = load_multimodal_files(manifest, root=root, image_mode="L").data["image"]
    assert grey.shape == (2, 12, 16) and grey.dtype == np.uint8
    np.testing.assert_array_equal(grey[0], _expected_image(root / "img" / "a.png", "L"))
    palette = load_multimodal_files({"image": ["img/c.png"]}, root=root).data["image"]
    np.testing.assert_array_equal(palette[0], _expected_image(root / "img" / "c.png", "RGB"))
    with pytest.raises(ValueError, match="not a Pillow image mode"):
        load_multimodal_files(manifest, root=root, image_mode="XYZ")


@pytest.mark.parametrize("lazy", [False, True])
def test_recordings_of_different_rates_need_sr(media, lazy):
    root, _ = media
    manifest = {"audio": ["snd/a.wav", "snd/b.wav"]}
    with pytest.raises(ValueError, match=r"a\.wav is 8000 Hz.*b\.wav is 16000 Hz.*sr="):
        load_multimodal_files(manifest, root=root, lazy=lazy)
    bunch = load_multimodal_files(manifest, root=root, lazy=lazy, sr=16000, audio_dtype="float64")
    audio = np.asarray(bunch.data["audio"])
    assert bunch.sample_rates == {"audio": 16000}
    assert [len(w) for w in audio] == [1600, 1600]
    stereo, _ = sf.read(root / "snd" / "b.wav", dtype="float64")
    np.testing.assert_allclose(audio[1], stereo.mean(axis=1))


def test_int16_audio_is_exact_pcm(media):
    root, _ = media
    audio = load_multimodal_files({"audio": ["snd/a.wav"]}, root=root,
                                  audio_dtype="int16").data["audio"]
    expected, _ = sf.read(root / "snd" / "a.wav", dtype="int16")
    assert audio[0].dtype == np.int16
    np.testing.assert_array_equal(audio[0], expected)


def test_npy_arrays_stack_when_shapes_agree_and_stay_ragged_otherwise(tmp_path):
    np.save(tmp_path / "a.npy", np.arange(3, dtype=np.int64))
    np.save(tmp_path / "b.npy", np.arange(3, 6, dtype=np.int64))
    np.save(tmp_path / "long.npy", np.arange(5, dtype=np.int64))
    stacked = load_multimodal_files({"v": ["a.npy", "b.npy"]}, root=tmp_path).data["v"]
    np.testing.assert_array_equal(stacked, [[0, 1, 2], [3, 4, 5]])
    with_gap = load_multimodal_files({"v": ["a.npy", "gone.npy"]}, root=tmp_path).data["v"]
    assert with_gap.dtype == np.float64 and np.isnan(with_gap[1]).all()
    ragged = load_multimodal_files({"v": ["a.npy", "long.npy"]}, root=tmp_path).data["v"]
    assert ragged.dtype == object and [len(r) for r in ragged] == [3, 5]


# -- bad files ---------------------------------------------------------------------
@pytest.mark.parametrize("lazy", [False, True])
def test_undecodable_text_names_the_file(media, lazy):
    root, _ = media
    manifest = {"note": ["txt/a.txt", "txt/broken.txt"]}
    with pytest.raises(ValueError, match=r"broken\.txt.*not UTF-8 text: byte 0xff"):
        np.asarray(load_multimodal_files(manifest, root=root, lazy=lazy).data["note"])
    if lazy:
        bunch = load_multimodal_files(manifest, root=root, lazy=True, on_error="missing")
        with pytest.warns(UserWarning, match=r"broken\.txt.*treated as missing"):
            notes = np.asarray(bunch.data["note"])
    else:
        bunch = load_multimodal_files(manifest, root=root, on_error="missing")
        notes = bunch.data["note"]
        assert bunch.errors[0]["file"] == str(root / "txt" / "broken.txt")
        assert "UTF-8" in bunch.errors[0]["error"] and bunch.n_missing == {"note": 1}
    assert list(notes) == ["café au lait\n", None]


@pytest.mark.parametrize("lazy", [False, True])
@pytest.mark.parametrize("column, corrupt", [("image", "img/corrupt.png"),
                                             ("audio", "snd/corrupt.wav")])
def test_corrupt_file_raises_naming_it_or_becomes_missing(media, lazy, column, corrupt):
    root, frame = media
    frame.loc[1, column] = corrupt
    with pytest.raises(ValueError, match=re.escape(corrupt.split("/")[1]) + ".*on_error"):
        _load(root, frame, lazy=lazy)
    bunch = _load(root, frame, lazy=lazy, on_error="missing")
    assert [(e["modality"], e["id"]) for e in bunch.errors] == [(column, "s1")]
    assert bunch.errors[0]["file"].endswith(corrupt.split("/")[1])
    assert bunch.n_missing[column] == 2
    np.testing.assert_array_equal(bunch.data.is_missing(column), [False, True, False, True])


def test_lazy_truncated_image_found_at_decoding(media):
    root, _ = media
    payload = (root / "img" / "a.png").read_bytes()
    (root / "img" / "cut.png").write_bytes(payload[: len(payload) // 2])
    whole = {"image": ["img/a.png", "img/cut.png"]}
    lazy = load_multimodal_files(whole, root=root, lazy=True, on_error="missing")
    with pytest.raises(ValueError, match=r"cut\.png.*integer array cannot hold"):
        np.asarray(lazy.data["image"])
    gap = {"image": ["img/a.png", "img/cut.png", "img/absent.png"]}
    lazy = load_multimodal_files(gap, root=root, lazy=True, on_error="missing")
    with pytest.warns(UserWarning, match=r"cut\.png"):
        images = np.asarray(lazy.data["image"])
    assert np.isnan(images[1:]).all() and not np.isnan(images[0]).any()


def test_paths_escaping_root_are_refused(media, tmp_path):
    root, _ = media
    with pytest.raises(ValueError, match=r"sample 1: the path '\.\./outside\.png' escapes root"):
        load_multimodal_files({"image": ["img/a.png", "../outside.png"]}, root=root)
    outside = str(tmp_path / "outside.png")
    with pytest.raises(ValueError, match="absolute path .* is refused because paths are relative to root"):
        load_multimodal_files({"image": [outside]}, root=root)
    # a sibling folder whose name starts with root's is outside root too
    _image(tmp_path / "root_sibling" / "a.png", "RGB", seed=6)
    with pytest.raises(ValueError, match=r"the path '\.\./root_sibling/a\.png' escapes root"):
        load_multimodal_files({"image": ["../root_sibling/a.png"]}, root=root)
    allowed = load_multimodal_files({"image": [outside]}).data["image"]
    np.testing.assert_array_equal(allowed[0], _expected_image(outside, "RGB"))


def test_manifest_errors_are_clear(media):
    root, frame = media
    with pytest.raises(ValueError, match="'sound' is neither a manifest column"):
        _load(root, frame, modalities=["image", "sound"])
    with pytest.raises(ValueError, match="target column 'y' is not in the manifest"):
        _load(root, frame, target="y")
    with pytest.raises(ValueError, match="repeats ids, for example 's0'"):
        _load(root, frame.assign(id=["s0", "s0", "s1", "s2"]))
    with pytest.raises(ValueError, match=r"mixes \['audio', 'image'\] files"):
        load_multimodal_files({"x": ["img/a.png", "snd/a.wav"]}, root=root)
    with pytest.raises(ValueError, match="readers\\['image'\\] is 'video'"):
        _load(root, frame, readers={"image": "video"})
    with pytest.raises(ValueError, match=r"readers names \['sound'\], which are not"):
        _load(root, frame, readers={"sound": "audio"})
    with pytest.raises(ValueError, match="'age' is read as image files, but its column holds 1.5"):
        _load(root, frame, readers={"age": "image"})
    with pytest.raises(ValueError, match="without a manifest, pass root"):
        load_multimodal_files()
    with pytest.raises(ValueError, match="on_error"):
        _load(root, frame, on_error="ignore")
    as_values = _load(root, frame, modalities=["image"], readers={"image": "value"})
    assert as_values.data["image"][0] == "img/a.png"


# -- the folder convention ---------------------------------------------------------
def test_folder_convention_matches_files_by_sample_id(tmp_path):
    for i, sample_id in enumerate(["cat", "dog", "emu"]):
        _image(tmp_path / "photo" / f"{sample_id}.png", "L", size=(5, 7), seed=i)
        if sample_id != "dog":
            _wave(tmp_path / "voice" / f"{sample_id}.wav", 8000, 100 + i, seed=i)
    (tmp_path / "photo" / ".DS_Store").write_bytes(b"\x00")
    bunch = load_multimodal_files(root=tmp_path)
    assert list(bunch.ids) == ["cat", "dog", "emu"]
    assert bunch.data.modalities == ("photo", "voice")
    assert bunch.data["photo"].shape == (3, 5, 7)
    assert bunch.data["voice"][1] is None and len(bunch.data["voice"][2]) == 102
    assert bunch.n_missing == {"photo": 0, "voice": 1}

    manifest = pd.DataFrame({"name": ["emu", "cat", "dog", "yak"], "kind": [2, 0, 1, 3]})
    manifest.to_csv(tmp_path / "labels.csv", index=False)
    both = load_multimodal_files(tmp_path / "labels.csv", root=tmp_path, id_column="name",
                                 modalities=["photo", "voice"], target="kind")
    np.testing.assert_array_equal(both.target, [2, 0, 1, 3])
    np.testing.assert_array_equal(both.data["photo"][:3], bunch.data["photo"][[2, 0, 1]])
    assert both.n_missing == {"photo": 1, "voice": 2}


# -- rows never go out of line -------------------------------------------------------
def _aligned_features(X):
    """Decode X and check that every row's image, audio and id tell the same number."""
    number = np.array([int(i[2:]) for i in X["id"]])
    image = np.asarray(X["image"])
    audio = np.asarray(X["audio"])
    if not np.array_equal(image[:, 0, 0], 10 * number):
        raise ValueError("image rows out of line with the ids")
    if not np.allclose([w.mean() for w in audio], number / 100, atol=1e-3):
        raise ValueError("audio rows out of line with the ids")
    return (number % 2).reshape(-1, 1).astype(float)


@pytest.fixture
def numbered(tmp_path):
    """24 samples whose image, recording and id all encode the same number."""
    rows = np.random.RandomState(0).permutation(24)
    for k in rows:
        Image.fromarray(np.full((4, 4), 10 * k, dtype=np.uint8)).save(tmp_path / f"{k}.png")
        sf.write(tmp_path / f"{k}.wav", np.full(50 + k, k / 100), 8000, subtype="FLOAT")
    return tmp_path, pd.DataFrame({
        "id": [f"id{k}" for k in rows], "image": [f"{k}.png" for k in rows],
        "audio": [f"{k}.wav" for k in rows], "y": rows % 2,
    })


@pytest.mark.parametrize("lazy", [False, True])
def test_ids_stay_in_line_through_cross_validation(numbered, lazy):
    root, frame = numbered
    bunch = load_multimodal_files(frame, root=root, target="y", id_column="id", lazy=lazy)
    X = ModalityDict(bunch.data, id=bunch.ids)
    model = make_pipeline(FunctionTransformer(_aligned_features), LogisticRegression())
    cv = KFold(4, shuffle=True, random_state=0)
    scores = cross_validate(model, X, bunch.target, cv=cv, return_indices=True)
    np.testing.assert_array_equal(scores["test_score"], 1.0)
    predicted = cross_val_predict(clone(model), X, bunch.target, cv=cv)
    np.testing.assert_array_equal(predicted, frame["y"].to_numpy())


def test_lazy_modality_reaches_sklearn_estimators_as_arrays(tmp_path):
    rng = np.random.RandomState(0)
    vectors = rng.normal(size=(30, 4)).astype(np.float32)
    y = (vectors[:, 0] > 0).astype(int)
    for i, v in enumerate(vectors):
        np.save(tmp_path / f"{i}.npy", v)
    manifest = {"vec": [f"{i}.npy" for i in range(30)], "y": y}
    eager = load_multimodal_files(manifest, root=tmp_path, target="y")
    lazy = load_multimodal_files(manifest, root=tmp_path, target="y", lazy=True)
    model = make_pipeline(ModalitySelector("vec"), LogisticRegression())
    expected = model.fit(eager.data, y).predict_proba(eager.data)
    search = GridSearchCV(model, {"logisticregression__C": [0.1, 1.0]}, cv=3)
    search.fit(lazy.data, y)
    np.testing.assert_allclose(clone(model).fit(lazy.data, y).predict_proba(lazy.data), expected)
    best = clone(model).set_params(**search.best_params_).fit(eager.data, y)
    np.testing.assert_array_equal(search.best_estimator_.predict(lazy.data[:5]),
                                  best.predict(eager.data[:5]))


# -- parallel decoding and progress ---------------------------------------------------
def test_n_jobs_gives_the_same_data_and_verbose_shows_progress(numbered, capsys):
    root, frame = numbered
    serial = load_multimodal_files(frame, root=root, modalities=["image", "audio"])
    parallel = load_multimodal_files(frame, root=root, modalities=["image", "audio"],
                                     n_jobs=2, verbose=1)
    for name in serial.data.modalities:
        _assert_same_column(parallel.data[name], serial.data[name])
    progress = capsys.readouterr().err
    assert "image" in progress and "24/24" in progress


# -- the FSDD recordings, as fetch_av_mnist loads them -------------------------------
def test_fsdd_recordings_load_as_fetch_av_mnist_does(av_mnist, av_mnist_home, tmp_path):
    recordings = av_mnist_home / "fsdd" / "recordings"
    names = sorted(p.name for p in recordings.glob("*.wav"))
    manifest = pd.DataFrame({"audio": names, "digit": [int(n.split("_")[0]) for n in names],
                             "speaker": [n.split("_")[1] for n in names]})
    manifest.to_csv(tmp_path / "fsdd.csv", index=False)
    bunch = load_multimodal_files(tmp_path / "fsdd.csv", root=recordings, target="digit",
                                  modalities=["audio"], audio_dtype="int16")
    expected = av_mnist.data["audio"]
    assert bunch.sample_rates == {"audio": av_mnist.sample_rate}
    np.testing.assert_array_equal(bunch.target, av_mnist.target)
    assert all(a.dtype == b.dtype and np.array_equal(a, b)
               for a, b in zip(bunch.data["audio"], expected))

    folders = load_multimodal_files(root=av_mnist_home / "fsdd", lazy=True,
                                    modalities={"audio": "recordings"}, audio_dtype="int16")
    np.testing.assert_array_equal(folders.ids, [n[:-4] for n in av_mnist.file_names])
    rows = np.arange(0, 3000, 97)
    assert all(np.array_equal(a, b) for a, b in
               zip(np.asarray(folders.data["audio"][rows]), expected[rows]))


def test_file_columns_with_unreadable_names_are_not_taken_for_values(media):
    root, _ = media
    with pytest.raises(ValueError, match=r"cannot tell how to read 'img/b\.pgn' while other "
                                         r"entries are \['image'\] files"):
        load_multimodal_files({"image": ["img/a.png", "img/b.pgn"]}, root=root)
    captions = load_multimodal_files({"caption": ["a cat", "a dog"]}, root=root)
    assert list(captions.data["caption"]) == ["a cat", "a dog"]
    (root / "img" / "notes.md").write_text("# not an image")
    with pytest.raises(ValueError,
                       match=r"modality 'img': cannot tell how to read 'img/notes\.md'"):
        load_multimodal_files(root=root, modalities=["img"])


def test_lazy_data_is_predicted_batch_by_batch_decoding_each_file_once(numbered, monkeypatch):
    from skfusion.data import predict_in_batches

    root, frame = numbered
    options = dict(root=root, target="y", id_column="id")
    eager = load_multimodal_files(frame, **options)
    lazy = load_multimodal_files(frame, lazy=True, **options)
    X_eager = ModalityDict(eager.data, id=eager.ids)
    X_lazy = ModalityDict(lazy.data, id=lazy.ids)
    model = make_pipeline(FunctionTransformer(_aligned_features), LogisticRegression())
    model.fit(X_eager, eager.target)
    calls = _count_reads(monkeypatch)
    predicted = predict_in_batches(model, X_lazy, method="predict_proba", batch_size=5)
    np.testing.assert_array_equal(predicted, model.predict_proba(X_eager))
    assert len(calls) == 48 and len(set(calls)) == 48


def test_verbose_without_tqdm_falls_back_to_joblib_messages(numbered, capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    root, frame = numbered
    load_multimodal_files(frame, root=root, modalities=["image"], verbose=1)
    assert "[Parallel(n_jobs=1)]: Done" in capsys.readouterr().err
