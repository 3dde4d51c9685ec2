"""load_av_digits: the embedded default data set and its generation script."""

import shutil
import subprocess

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import GroupKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import SVC

from skfusion import ModalityDict, ModalitySelector
from skfusion.datasets import _av_digits, load_av_digits


def _load_generator():
    """maint_tools/generate_av_digits.py, which is not part of the package."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "maint_tools" / "generate_av_digits.py"
    spec = importlib.util.spec_from_file_location("generate_av_digits", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_generate_av_digits = _load_generator()


@pytest.fixture(scope="module")
def av_digits():
    return load_av_digits()


def _spectral_stats(audio):
    """Mean and std over time of 24 log band energies (a numpy stand-in for MFCCs)."""
    rows = []
    for wave in audio:
        x = wave.astype(np.float64) / 32768
        frames = np.lib.stride_tricks.sliding_window_view(x, 256)[::80] * np.hanning(256)
        power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
        bands = np.log(np.add.reduceat(power, np.linspace(1, 128, 25).astype(int)[:-1], axis=1)
                       + 1e-8)
        rows.append(np.concatenate([bands.mean(axis=0), bands.std(axis=0)]))
    return np.array(rows)


def test_shapes_dtypes_and_the_sklearn_digits(av_digits):
    X = av_digits.data
    assert isinstance(X, ModalityDict) and X.modalities == ("image", "audio")
    digits = load_digits()
    assert X["image"].shape == (1797, 8, 8) and X["image"].dtype == np.float64
    np.testing.assert_array_equal(X["image"], digits.images)
    np.testing.assert_array_equal(av_digits.target, digits.target)
    assert X["audio"].dtype == object and X["audio"].shape == (1797,)
    assert all(isinstance(w, np.ndarray) and w.dtype == np.int16 and w.ndim == 1
               for w in X["audio"])
    seconds = np.array([len(w) for w in X["audio"]]) / av_digits.sample_rate
    assert av_digits.sample_rate == 8000
    assert 0.15 < seconds.min() < 0.3 and 0.3 < seconds.mean() < 0.6 and seconds.max() < 1.0
    peaks = np.array([np.abs(w.astype(int)).max() for w in X["audio"]])
    assert 5000 < peaks.min() and peaks.max() <= 32767
    assert not X.is_missing("audio").any()
    assert av_digits.target_names.tolist() == list(range(10))
    assert "CC BY 4.0" in av_digits.DESCR and "GPL-3.0" in av_digits.DESCR


def test_groups_are_voices_and_clips_stay_within_one_voice_and_digit(av_digits):
    groups, clip, target = av_digits.groups, av_digits.clip, av_digits.target
    assert groups.shape == (1797,) and set(groups) == set(av_digits.voices)
    assert len(av_digits.voices) == 60
    engines = {voice.split("/")[0] for voice in av_digits.voices}
    assert engines == {"espeak-ng", "flite"}
    for voice in av_digits.voices[[0, 29, 59]]:
        assert sorted(set(target[groups == voice])) == list(range(10))
    # 600 clips, each heard with 2-4 images, all of one digit and one voice
    counts = np.bincount(clip)
    assert len(counts) == 600 and counts.min() >= 2 and counts.max() <= 4
    for c in (0, 123, 599):
        assert len(set(target[clip == c])) == 1 and len(set(groups[clip == c])) == 1
        waves = av_digits.data["audio"][clip == c]
        assert all(np.array_equal(w, waves[0]) for w in waves)


def test_loading_is_deterministic_and_returns_independent_waveforms(av_digits):
    again = load_av_digits()
    np.testing.assert_array_equal(again.groups, av_digits.groups)
    np.testing.assert_array_equal(again.clip, av_digits.clip)
    assert all(np.array_equal(a, b) for a, b in zip(again.data["audio"], av_digits.data["audio"]))
    # two samples that share a clip do not share memory
    first, second = np.flatnonzero(again.clip == again.clip[0])[:2]
    again.data["audio"][first][:] = 0
    assert np.abs(again.data["audio"][second].astype(int)).max() > 0


def test_return_X_y(av_digits):
    X, y = load_av_digits(return_X_y=True)
    assert isinstance(X, ModalityDict) and len(X) == len(y) == 1797
    np.testing.assert_array_equal(y, av_digits.target)
    np.testing.assert_array_equal(X["image"], av_digits.data["image"])


def test_audio_is_learnable_across_unseen_voices_but_harder_than_images(av_digits):
    X, y, groups = av_digits.data, av_digits.target, av_digits.groups
    cv = GroupKFold(n_splits=3)
    audio = make_pipeline(ModalitySelector("audio"), FunctionTransformer(_spectral_stats),
                          StandardScaler(), SVC())
    image = make_pipeline(ModalitySelector("image"),
                          FunctionTransformer(lambda images: images.reshape(len(images), -1)),
                          StandardScaler(), SVC())
    audio_scores = cross_validate(audio, X, y, groups=groups, cv=cv, return_indices=True)
    image_scores = cross_validate(image, X, y, groups=groups, cv=cv)
    for train, test in zip(*audio_scores["indices"].values()):
        assert not set(groups[train]) & set(groups[test])
    audio_accuracy = audio_scores["test_score"].mean()
    image_accuracy = image_scores["test_score"].mean()
    assert 0.5 < audio_accuracy < image_accuracy - 0.03, (audio_accuracy, image_accuracy)
    assert image_accuracy > 0.95


def test_stored_pairing_is_checked_against_sklearn_digits(monkeypatch, tmp_path):
    with np.load(_av_digits.DATA_FILE) as stored:
        arrays = dict(stored)
    arrays["pairing"] = np.roll(arrays["pairing"], 1)
    broken = tmp_path / "av_digits.npz"
    np.savez(broken, **arrays)
    monkeypatch.setattr(_av_digits, "DATA_FILE", broken)
    with pytest.raises(ValueError, match="does not match scikit-learn's digits"):
        load_av_digits()


def test_mu_law_round_trip_keeps_quiet_and_loud_samples():
    wave = np.concatenate([np.linspace(-1, 1, 2001), 0.001 * np.sin(np.arange(500))])
    decoded = _av_digits.mu_law_decode(_generate_av_digits.mu_law_encode(wave)) / 32767
    error = np.abs(decoded - wave)
    assert error.max() < 0.03
    assert error[2001:].max() < 3e-4  # mu-law: fine steps near zero


def test_trim_silence_keeps_the_word_and_a_short_pad():
    rate = _generate_av_digits.SAMPLE_RATE
    word = np.sin(np.arange(rate // 2) * 0.3)
    wave = np.concatenate([np.zeros(rate), word, 1e-4 * np.ones(rate)])
    trimmed = _generate_av_digits.trim_silence(wave, pad_s=0.02)
    assert len(word) <= len(trimmed) <= len(word) + 2 * 0.03 * rate
    assert np.abs(trimmed).max() == np.abs(word).max()


def test_pair_images_deals_clips_of_the_same_digit_evenly():
    target = np.repeat(np.arange(3), [7, 5, 9])
    clip_digit = np.tile(np.arange(3), 2)  # two clips per digit
    pairing = _generate_av_digits.pair_images(target, clip_digit, np.random.RandomState(0))
    np.testing.assert_array_equal(clip_digit[pairing], target)
    for digit in range(3):
        counts = np.bincount(pairing[target == digit], minlength=6)[clip_digit == digit]
        assert counts.max() - counts.min() <= 1


def _tool_version(tool):
    if shutil.which(tool) is None:
        return ""
    return subprocess.run([tool, "--version"], capture_output=True, text=True).stdout


@pytest.mark.parametrize("clip, tool, version", [
    (0, "espeak-ng", "1.51"),  # the first clip: espeak-ng's first voice saying "zero"
    (599, "flite", "flite-2.2"),  # the last clip: flite/slt saying "nine"
])
def test_the_script_reproduces_the_stored_clips(clip, tool, version, tmp_path):
    if version not in _tool_version(tool):
        pytest.skip(f"needs {tool} {version}, the version that made the stored clips")
    gen = _generate_av_digits
    rng = np.random.RandomState(gen.SEED)
    voices = gen.choose_voices(rng)
    for _ in range(clip):  # the takes of the clips before this one
        gen.draw_take(rng)
    voice, digit = divmod(clip, len(gen.WORDS))
    codes = gen.make_clip(voices[voice], gen.WORDS[digit], gen.draw_take(rng), tmp_path)
    with np.load(_av_digits.DATA_FILE) as stored:
        assert stored["voices"][stored["clip_voice"][clip]] == voices[voice]
        assert stored["clip_digit"][clip] == digit
        start, stop = stored["offsets"][clip : clip + 2]
        np.testing.assert_array_equal(codes, stored["audio_mu_law"][start:stop])
