"""File-backed data stays honest: cache keys follow file contents, paths stay inside
root, entries that are not files are refused, and lazy data checks its files."""

import copy
import os
import pickle

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skfusion import LateFusionClassifier, ModalityDict, make_early_fusion
from skfusion.datasets import load_multimodal_files

pd = pytest.importorskip("pandas")
Image = pytest.importorskip("PIL.Image")
sf = pytest.importorskip("soundfile")

N = 40
Y = np.arange(N) % 2
SIGNAL = (2 * Y - 1) * 0.3 + np.random.RandomState(0).normal(0, 0.05, N)


# -- 1. cache keys follow the files' contents ---------------------------------------
def _row_means(X):
    """One feature per sample: the mean of its values (ragged waveforms included)."""
    if getattr(X, "dtype", None) == object:
        return np.array([[np.mean(item)] for item in np.asarray(X)])
    X = np.asarray(X, dtype=float)
    return X.reshape(len(X), -1).mean(axis=1, keepdims=True)


def _write(kind, folder, sign):
    """N files (or one .npy for the memory map) whose values follow ``sign * SIGNAL``."""
    values = sign * SIGNAL
    if kind == "memmap":
        table = np.repeat(values[:, None], 3, axis=1) + np.linspace(0, 0.01, 3)
        np.save(folder / "table.npy", table)  # in place: same file, same size
        return None
    names = []
    for i, value in enumerate(values):
        if kind == "image":
            name = f"{i}.png"
            Image.fromarray(np.full((4, 5), 128 + 300 * value, dtype=np.uint8)).save(
                folder / name)
        elif kind == "audio":
            name = f"{i}.wav"
            sf.write(folder / name, np.full(50 + i, value), 8000, subtype="FLOAT")
        else:
            name = f"{i}.npy"
            np.save(folder / name, np.full(3, value))
        names.append(name)
    return names


def _load(kind, folder, names):
    if kind == "memmap":
        f = np.load(folder / "table.npy", mmap_mode="r")
    else:
        f = load_multimodal_files({"f": names}, root=folder, lazy=True).data["f"]
    return ModalityDict(f=f, t=np.random.RandomState(1).normal(size=(N, 2)))


def _late(memory, several):
    one = make_pipeline(FunctionTransformer(_row_means), LogisticRegression())
    members = [("one", one, "f")]
    if several:
        both = make_pipeline(
            make_early_fusion((FunctionTransformer(_row_means), "f"), (StandardScaler(), "t")),
            LogisticRegression())
        members = [("both", both, ["f", "t"])]
    return LateFusionClassifier(members + [("t", LogisticRegression(), "t")], memory=memory)


@pytest.mark.parametrize("several", [False, True], ids=["one_modality", "several"])
@pytest.mark.parametrize("kind", ["memmap", "npy", "image", "audio"])
def test_cache_serves_the_new_contents_after_files_are_rewritten(tmp_path, kind, several):
    cache, folder = tmp_path / "cache", tmp_path / "data"
    folder.mkdir()
    names = _write(kind, folder, +1)
    old = _late(cache, several).fit(_load(kind, folder, names), Y)
    old_proba = old.predict_proba(_load(kind, folder, names))  # cached predictions
    _write(kind, folder, -1)  # the same names and shapes, the opposite signal
    X = _load(kind, folder, names)
    # fit: the member comes from the new contents, as a fit without a cache gives
    refit = _late(cache, several).fit(X, Y)
    fresh = _late(None, several).fit(X, Y)
    np.testing.assert_allclose(refit.predict_proba(X), fresh.predict_proba(X))
    coef = refit.estimators_[0][-1].coef_.ravel()[0]
    assert coef < 0  # the old members had it the other way round
    assert old.estimators_[0][-1].coef_.ravel()[0] > 0
    # predict: the old fitted members, on the new contents, without stale cached output
    uncached = copy.deepcopy(old)
    uncached.memory = None
    np.testing.assert_allclose(old.predict_proba(X), uncached.predict_proba(X))
    assert np.abs(old.predict_proba(X) - old_proba).max() > 0.1


def test_memory_map_key_follows_its_bytes_and_reopening_checks_the_file(tmp_path):
    path = tmp_path / "a.npy"
    np.save(path, np.arange(6.0).reshape(3, 2))
    X = ModalityDict(a=np.load(path, mmap_mode="r"))
    key = joblib.hash(X)
    assert joblib.hash(ModalityDict(a=np.load(path, mmap_mode="r"))) == key
    payload = pickle.dumps(X)
    np.save(path, -np.arange(6.0).reshape(3, 2))
    assert joblib.hash(ModalityDict(a=np.load(path, mmap_mode="r"))) != key
    with pytest.raises(ValueError, match=r"a\.npy changed since this data was pickled"):
        pickle.loads(payload)


def test_lazy_key_follows_the_files_and_is_stable_while_they_stay(tmp_path):
    names = _write("npy", tmp_path, +1)
    lazy = load_multimodal_files({"f": names}, root=tmp_path, lazy=True).data["f"]
    key = joblib.hash(lazy)
    assert joblib.hash(lazy) == key
    assert joblib.hash(pickle.loads(pickle.dumps(lazy))) == key
    np.save(tmp_path / "3.npy", np.full(3, 9.0))
    assert joblib.hash(lazy) != key  # the same object, its file rewritten


# -- 3. symbolic links do not escape root --------------------------------------------
@pytest.fixture
def linked(tmp_path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "img").mkdir(parents=True)
    outside.mkdir()
    for folder in (root / "img", outside):
        Image.fromarray(np.zeros((3, 3), dtype=np.uint8)).save(folder / "a.png")
    try:
        os.symlink(outside / "a.png", root / "linked.png")
    except (OSError, NotImplementedError):
        pytest.skip("symbolic links cannot be made here")
    os.symlink(outside, root / "linked_dir")
    os.symlink(outside / "a.png", root / "img" / "b.png")
    os.symlink(root / "img" / "a.png", root / "inside.png")
    return root


@pytest.mark.parametrize("entry", ["linked.png", "linked_dir/a.png"])
def test_symbolic_links_leading_outside_root_are_refused(linked, entry):
    with pytest.raises(ValueError, match=rf"'{entry}' escapes root .* through a symbolic "
                                         r"link \(it resolves to .*outside/a\.png\)"):
        load_multimodal_files({"image": ["img/a.png", entry]}, root=linked)


def test_a_link_inside_a_folder_modality_is_refused(linked):
    with pytest.raises(ValueError, match=r"'img/b\.png' escapes root .* symbolic link"):
        load_multimodal_files({"id": ["a", "b"]}, root=linked, modalities=["img"],
                              id_column="id")


def test_links_that_stay_inside_root_are_read(linked):
    data = load_multimodal_files({"image": ["inside.png", "img/a.png"]}, root=linked).data
    assert data["image"].shape == (2, 3, 3)


# -- 4. entries that are not local file names ---------------------------------------
@pytest.mark.parametrize("entry, message", [
    ("http://example.com/b.png", r"'http://example\.com/b\.png' is a URL; skfusion reads "
                                 "local files only"),
    ("file:///etc/b.png", r"'file:///etc/b\.png' is a URL"),
    ("img/b\0.png", "holds a NUL byte"),
    pytest.param("img\\b.png", r"holds a backslash; write paths with '/'",
                 marks=pytest.mark.skipif(os.sep != "/", reason="a separator on Windows")),
    ("../../etc/passwd", r"the path '\.\./\.\./etc/passwd' escapes root"),
])
def test_entries_that_are_not_local_files_get_an_error_naming_them(tmp_path, entry, message):
    Image.fromarray(np.zeros((3, 3), dtype=np.uint8)).save(tmp_path / "a.png")
    with pytest.raises(ValueError, match=rf"modality 'image', sample 1: .*{message}"):
        load_multimodal_files({"image": ["a.png", entry]}, root=tmp_path)


def test_a_named_reader_checks_the_path_too(tmp_path):
    with pytest.raises(ValueError, match=r"'\.\./\.\./etc/passwd' escapes root"):
        load_multimodal_files({"note": ["../../etc/passwd"]}, root=tmp_path,
                              readers={"note": "text"})


def test_a_csv_manifest_without_root_keeps_its_paths_in_its_folder(tmp_path):
    root = tmp_path / "set"
    root.mkdir()
    for folder in (root, tmp_path):
        Image.fromarray(np.zeros((3, 3), dtype=np.uint8)).save(folder / "a.png")
    for entry, message in [("../a.png", r"'\.\./a\.png' escapes root"),
                           (str(tmp_path / "a.png"), "absolute path .* is refused")]:
        pd.DataFrame({"image": ["a.png", entry]}).to_csv(root / "m.csv", index=False)
        with pytest.raises(ValueError, match=message):
            load_multimodal_files(root / "m.csv")
    # the opt-out: read the CSV yourself, and its paths may go anywhere
    frame = pd.read_csv(root / "m.csv")
    assert load_multimodal_files(frame).data["image"].shape == (2, 3, 3)


# -- 5. a modality none of whose files exists ------------------------------------------
def test_a_modality_with_every_file_absent_is_an_error(tmp_path):
    Image.fromarray(np.zeros((3, 3), dtype=np.uint8)).save(tmp_path / "a.png")
    wrong = tmp_path / "elsewhere"
    wrong.mkdir()
    with pytest.raises(ValueError, match=rf"modality 'image': none of its 2 files exists under "
                                         rf"{wrong}; the first is 'a\.png'"):
        load_multimodal_files({"image": ["a.png", "b.png", None]}, root=wrong)
    with pytest.warns(UserWarning, match=r"modality 'image': 2 of its 3 files are absent"):
        bunch = load_multimodal_files({"image": ["a.png", "b.png", "c.png"]}, root=tmp_path)
    assert bunch.n_missing == {"image": 2}
    (tmp_path / "img").mkdir()
    Image.fromarray(np.zeros((3, 3), dtype=np.uint8)).save(tmp_path / "img" / "a.png")
    with pytest.raises(ValueError, match=r"none of the files in .*img is named after a "
                                         r"sample id \(ids such as 'x'"):
        load_multimodal_files({"id": ["x", "y"]}, root=tmp_path, modalities=["img"],
                              id_column="id")


# -- 6. a truncated WAV -------------------------------------------------------------
@pytest.fixture
def truncated(tmp_path):
    sf.write(tmp_path / "whole.wav", np.zeros(800), 8000, subtype="PCM_16")
    payload = (tmp_path / "whole.wav").read_bytes()
    (tmp_path / "cut.wav").write_bytes(payload[:44 + 2 * 50])  # 50 of 800 frames
    return tmp_path


@pytest.mark.parametrize("lazy", [False, True])
def test_a_truncated_wav_raises_naming_it_or_is_missing(truncated, lazy):
    manifest = {"audio": ["whole.wav", "cut.wav"]}
    with pytest.raises(ValueError, match=r"cut\.wav .*truncated: its header says 800 frames, "
                                         "it holds 50"):
        load_multimodal_files(manifest, root=truncated, lazy=lazy)
    bunch = load_multimodal_files(manifest, root=truncated, lazy=lazy, on_error="missing")
    assert list(bunch.data.is_missing("audio")) == [False, True]
    assert bunch.errors[0]["file"].endswith("cut.wav")
    assert len(np.asarray(bunch.data["audio"])[0]) == 800


# -- 7. lazy files that change after loading -------------------------------------------
def test_a_recording_rewritten_after_lazy_loading_is_an_error(tmp_path):
    for name in ("a.wav", "b.wav"):
        sf.write(tmp_path / name, np.zeros(80), 8000, subtype="FLOAT")
    bunch = load_multimodal_files({"audio": ["a.wav", "b.wav"]}, root=tmp_path, lazy=True)
    sf.write(tmp_path / "b.wav", np.zeros(80), 16000, subtype="FLOAT")  # same size
    with pytest.raises(ValueError, match=r"b\.wav changed on disk since it was loaded "
                                         r"\(modification time .*\); load the data again"):
        np.asarray(bunch.data["audio"])
    assert len(np.asarray(bunch.data["audio"][:1])[0]) == 80  # the other file still reads


def test_a_change_the_stamp_misses_is_caught_by_the_header(tmp_path):
    sf.write(tmp_path / "a.wav", np.zeros(80), 8000, subtype="FLOAT")
    bunch = load_multimodal_files({"audio": ["a.wav"]}, root=tmp_path, lazy=True)
    stat = os.stat(tmp_path / "a.wav")
    sf.write(tmp_path / "a.wav", np.zeros(80), 16000, subtype="FLOAT")
    os.utime(tmp_path / "a.wav", ns=(stat.st_atime_ns, stat.st_mtime_ns))  # time put back
    with pytest.raises(ValueError, match=r"a\.wav changed on disk .*it now reads as "
                                         r"\(16000,\), it was \(8000,\)"):
        np.asarray(bunch.data["audio"])


# -- 8. lazy, on_error="missing", a file deleted after loading --------------------------
def test_a_file_deleted_after_lazy_loading_is_missing_for_late_fusion(tmp_path):
    for i in range(N):
        sf.write(tmp_path / f"{i}.wav", np.full(40 + i, SIGNAL[i]), 8000, subtype="FLOAT")
    manifest = {"audio": [f"{i}.wav" for i in range(N)]}
    X = load_multimodal_files(manifest, root=tmp_path, lazy=True, on_error="missing").data
    X["t"] = SIGNAL[:, None] + 0.1
    os.remove(tmp_path / "3.wav")
    assert np.flatnonzero(X.is_missing("audio")).tolist() == [3]
    with pytest.warns(UserWarning, match=r"3\.wav .*no longer exists"):
        assert np.asarray(X["audio"])[3] is None
    members = [("audio", make_pipeline(FunctionTransformer(_row_means), LogisticRegression()),
                "audio"),
               ("t", LogisticRegression(), "t")]
    clf = LateFusionClassifier(members).fit(X, Y)
    assert clf.score(X, Y) > 0.9
    strict = load_multimodal_files({"audio": ["2.wav", "4.wav"]}, root=tmp_path, lazy=True)
    os.remove(tmp_path / "4.wav")
    assert not strict.data.is_missing("audio").any()  # on_error="raise": decoding says
    with pytest.raises(ValueError, match=r"4\.wav .*no longer exists.*load with "
                                         "on_error='missing'"):
        np.asarray(strict.data["audio"])


# -- 9. strings from .npy files ------------------------------------------------------
def test_a_missing_string_from_npy_is_none(tmp_path):
    np.save(tmp_path / "a.npy", np.array("cat"))
    np.save(tmp_path / "b.npy", np.array("dog"))
    np.save(tmp_path / "c2.npy", np.array(["x", "y"]))
    for lazy in (False, True):
        data = load_multimodal_files({"s": ["a.npy", "absent.npy", "b.npy"]}, root=tmp_path,
                                     lazy=lazy).data
        values = np.asarray(data["s"])
        assert values.dtype == object and list(values) == ["cat", None, "dog"]
        assert data.is_missing("s").tolist() == [False, True, False]
    pairs = load_multimodal_files({"s": ["c2.npy", "absent.npy"]}, root=tmp_path).data
    assert pairs["s"].tolist() == [["x", "y"], [None, None]]
    assert pairs.is_missing("s").tolist() == [False, True]


# -- 11. a caption that ends in a file extension ----------------------------------------
def test_a_caption_ending_in_a_file_name_keeps_its_column_values(tmp_path):
    captions = ["a red fox", "see attached dog.jpg", "two cats"]
    data = load_multimodal_files({"caption": captions}, root=tmp_path).data
    assert list(data["caption"]) == captions


def test_a_file_found_broken_when_decoded_is_missing_from_then_on(tmp_path):
    for i in range(3):
        pixels = np.random.RandomState(i).randint(0, 256, (40, 40), dtype=np.uint8)
        pixels[0, 0] = 50 * i
        Image.fromarray(pixels).save(tmp_path / f"{i}.png")
    payload = (tmp_path / "1.png").read_bytes()
    (tmp_path / "1.png").write_bytes(payload[: len(payload) // 2])  # header fine, data cut
    manifest = {"image": ["0.png", "1.png", "2.png", "absent.png"]}
    data = load_multimodal_files(manifest, root=tmp_path, lazy=True, on_error="missing").data
    assert data.is_missing("image").tolist() == [False, False, False, True]
    with pytest.warns(UserWarning, match=r"1\.png .*treated as missing"):
        images = np.asarray(data["image"][:2])
    assert np.isnan(images[1]).all() and images[0, 0, 0] == 0 and len(images) == 2
    # every selection of the same loaded modality now knows it
    assert data.is_missing("image").tolist() == [False, True, False, True]
    assert data[[1, 2]].is_missing("image").tolist() == [True, False]
