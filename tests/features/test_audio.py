"""MFCCFeatures and LogMelFeatures on ragged int16 clips, very short clips and silence."""

import pickle

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skfusion import ModalityDict, ModalitySelector
from skfusion.features import LogMelFeatures, MFCCFeatures

pytest.importorskip("librosa")

SR = 8000


def _clips(lengths, seed=0, dtype=np.int16):
    rng = np.random.RandomState(seed)
    t = np.arange(max(lengths)) / SR
    out = np.empty(len(lengths), dtype=object)
    for i, n in enumerate(lengths):
        tone = np.sin(2 * np.pi * (300 + 100 * i) * t[:n]) + 0.1 * rng.randn(n)
        out[i] = (tone * 8000).astype(dtype)
    return out


@pytest.fixture
def ragged():
    """Clips of 1 s, 0.3 s, 10 samples (shorter than a window) and 0.5 s of silence."""
    clips = _clips([8000, 2400, 10, 4000])
    clips[3] = np.zeros(4000, dtype=np.int16)
    return clips


@pytest.mark.parametrize("Features", [MFCCFeatures, LogMelFeatures])
@pytest.mark.parametrize("pooling, width", [("stats", 2), ("segments", 4), ("stats+segments", 6)])
def test_pooled_output_is_fixed_length_and_finite(Features, pooling, width, ragged):
    est = Features(sr=SR, pooling=pooling, n_segments=4, deltas=1)
    features = est.fit_transform(ragged)
    rows = 2 * (13 if Features is MFCCFeatures else 40)
    assert features.shape == (4, rows * width)
    assert np.isfinite(features).all()
    assert est.get_feature_names_out().shape == (rows * width,)


@pytest.mark.parametrize("Features", [MFCCFeatures, LogMelFeatures])
def test_stats_plus_segments_is_stats_then_segments(Features, ragged):
    def pooled(pooling):
        return Features(sr=SR, pooling=pooling, n_segments=3).fit_transform(ragged)

    np.testing.assert_allclose(pooled("stats+segments"),
                               np.hstack([pooled("stats"), pooled("segments")]))


def test_int16_and_float_clips_give_the_same_features():
    clips = _clips([3000, 5000])
    as_float = np.empty(2, dtype=object)
    as_float[:] = [c / 32768.0 for c in clips]
    est = MFCCFeatures(sr=SR).fit(clips)
    np.testing.assert_allclose(est.transform(clips), est.transform(as_float), atol=1e-3)


def test_peak_normalization_makes_features_level_invariant():
    clips = _clips([3000, 5000])
    quiet = np.empty(2, dtype=object)
    quiet[:] = [(c // 20).astype(np.int16) for c in clips]
    normalized = MFCCFeatures(sr=SR).fit(clips)
    np.testing.assert_allclose(normalized.transform(quiet), normalized.transform(clips),
                               rtol=0.02, atol=0.5)
    as_recorded = MFCCFeatures(sr=SR, normalize=None).fit(clips)
    # 20 times quieter is 26 dB lower: c0 (the level) drops by far more than 1
    assert (as_recorded.transform(clips)[:, 0] - as_recorded.transform(quiet)[:, 0]).min() > 50


def test_silence_and_tone_are_told_apart(ragged):
    mel = LogMelFeatures(sr=SR, n_mels=20).fit_transform(ragged)
    means = mel[:, :20]
    # the silent clip sits at the floor (-100 dB) in every band; the tone is far above
    np.testing.assert_allclose(means[3], -100.0)
    assert means[0].max() > -40


def test_segments_keep_the_order_of_sounds():
    """A rising and a falling chirp have the same stats but opposite segment means."""
    t = np.arange(8000) / SR
    rising = np.sin(2 * np.pi * (200 + 1500 * t) * t)
    clips = np.empty(2, dtype=object)
    clips[:] = [rising, rising[::-1].copy()]
    stats = LogMelFeatures(sr=SR, deltas=0).fit_transform(clips)
    np.testing.assert_allclose(stats[0], stats[1], atol=1.5)
    segments = LogMelFeatures(sr=SR, deltas=0, pooling="segments", n_segments=2)
    seg = segments.fit_transform(clips).reshape(2, 2, 40)  # (clip, segment, band)
    np.testing.assert_allclose(seg[0, 0], seg[1, 1], atol=1.5)
    assert np.abs(seg[0, 0] - seg[0, 1]).max() > 10


def test_missing_clips_give_nan_rows(ragged):
    ragged[1] = None
    features = MFCCFeatures(sr=SR).fit(ragged).transform(ragged)
    assert np.isnan(features[1]).all()
    assert np.isfinite(features[[0, 2, 3]]).all()


def test_matrix_output_pads_and_crops_to_fixed_frames(ragged):
    est = LogMelFeatures(sr=SR, n_mels=32, output="matrix").fit(ragged)
    assert est.n_frames_ == 1 + 8000 // est.hop_length_
    matrices = est.transform(ragged)
    assert matrices.shape == (4, 32, est.n_frames_)
    # the 0.3 s clip is centered: silence on both sides, sound in the middle
    short = matrices[1].mean(axis=0)
    middle = est.n_frames_ // 2
    assert short[middle] > short[0] + 30 and short[middle] > short[-1] + 30
    cropped = LogMelFeatures(sr=SR, n_mels=32, output="matrix", n_frames=20).fit_transform(ragged)
    assert cropped.shape == (4, 32, 20)
    with pytest.raises(ValueError, match="no feature names"):
        est.get_feature_names_out()


def test_mfcc_matrix_with_deltas_stacks_coefficients(ragged):
    import librosa

    est = MFCCFeatures(sr=SR, n_mfcc=13, deltas=2, output="matrix", n_frames=30)
    matrices = est.fit_transform(ragged)
    assert matrices.shape == (4, 39, 30)
    base = MFCCFeatures(sr=SR, n_mfcc=13, deltas=0, output="matrix", n_frames=30)
    mfcc = base.fit_transform(ragged)
    np.testing.assert_allclose(matrices[:, :13], mfcc, atol=1e-5)
    # rows 13-25: regression deltas over +-2 frames (librosa's, edges repeated);
    # rows 26-38: the deltas of those deltas
    for clip in (0, 1):
        delta = librosa.feature.delta(mfcc[clip], width=5, order=1, mode="nearest")
        np.testing.assert_allclose(matrices[clip, 13:26], delta, atol=1e-4)
        delta2 = librosa.feature.delta(delta, width=5, order=1, mode="nearest")
        np.testing.assert_allclose(matrices[clip, 26:], delta2, atol=1e-4)


def _reference_log_mel(clip, n_mels, normalize, top_db=None, pad=0):
    """librosa directly: int16 / 32768, optional DC removal and peak 1, ``pad`` zeros on
    both sides, 256/80 STFT, dB (thresholded ``top_db`` under the peak by librosa)."""
    import librosa

    y = clip.astype(np.float32) / 32768
    if normalize:
        y = y - y.mean()
        y = y / np.abs(y).max()
    y = np.pad(y, pad)
    power = librosa.feature.melspectrogram(
        y=y, sr=SR, n_fft=256, hop_length=80, center=True, pad_mode="constant", power=2.0,
        n_mels=n_mels)
    return librosa.power_to_db(power, ref=1.0, amin=1e-10, top_db=top_db)


@pytest.fixture
def tone_and_chirp():
    """Two 0.99 s int16 clips (100 frames of 10 ms): a tone with a DC offset, a chirp."""
    rng = np.random.RandomState(0)
    t = np.arange(7920) / SR
    clips = np.empty(2, dtype=object)
    clips[0] = (6000 * np.sin(2 * np.pi * 500 * t) + 800 * rng.randn(len(t)) + 2000).astype(
        np.int16)
    clips[1] = (3000 * np.sin(2 * np.pi * (300 + 900 * t) * t) + 500 * rng.randn(len(t))).astype(
        np.int16)
    return clips


@pytest.mark.parametrize("normalize", [None, "peak"])
def test_mfcc_stats_equal_librosa_computed_directly(tone_and_chirp, normalize):
    import librosa

    est = MFCCFeatures(sr=SR, n_mfcc=13, deltas=1, pooling="stats", trim_db=None,
                       normalize=normalize).fit(tone_and_chirp)
    assert (est.n_fft_, est.hop_length_) == (256, 80)  # ~30 ms and 10 ms at 8 kHz
    features = est.transform(tone_and_chirp)
    for row, clip in zip(features, tone_and_chirp):
        mfcc = librosa.feature.mfcc(S=_reference_log_mel(clip, 26, normalize), n_mfcc=13)
        assert mfcc.shape == (13, 100)
        delta = librosa.feature.delta(mfcc, width=5, order=1, mode="nearest")
        expected = np.concatenate([mfcc.mean(axis=1), delta.mean(axis=1),
                                   mfcc.std(axis=1), delta.std(axis=1)])
        np.testing.assert_allclose(row, expected, atol=1e-4)


def test_log_mel_segments_with_cmvn_equal_librosa_computed_directly(tone_and_chirp):
    est = LogMelFeatures(sr=SR, n_mels=20, pooling="segments", n_segments=4, cmvn="meanvar")
    features = est.fit_transform(tone_and_chirp)
    assert features.shape == (2, 4 * 20)
    names = est.get_feature_names_out()
    assert names[0].endswith("seg0") and names[20].endswith("seg1"), names[[0, 20]]
    for row, clip in zip(features, tone_and_chirp):
        bands = _reference_log_mel(clip, 20, normalize=True)
        bands = (bands - bands.mean(axis=1, keepdims=True)) / bands.std(axis=1, keepdims=True)
        # 100 frames in 4 segments of 25; the row is segment by segment, band by band
        expected = np.concatenate([part.mean(axis=1) for part in np.split(bands, 4, axis=1)])
        np.testing.assert_allclose(row, expected, atol=1e-4)


def test_top_db_thresholds_log_mel_as_librosa_does(tone_and_chirp):
    est = LogMelFeatures(sr=SR, n_mels=20, output="matrix", top_db=30)
    matrices = est.fit_transform(tone_and_chirp)
    assert matrices.shape == (2, 20, 100)  # 0.99 s clips: no padding, no cropping
    for matrix, clip in zip(matrices, tone_and_chirp):
        expected = _reference_log_mel(clip, 20, normalize=True, top_db=30)
        np.testing.assert_allclose(matrix, expected, atol=1e-4)
        # the floor is exactly 30 dB under the clip's own peak, and it is reached
        assert matrix.min() == matrix.max() - 30
        assert 0.1 < np.mean(matrix == matrix.min()) < 0.5
        unfloored = _reference_log_mel(clip, 20, normalize=True)
        above = matrix > matrix.min()
        np.testing.assert_allclose(matrix[above], unfloored[above], atol=1e-4)


def test_top_db_floors_the_padded_frames_of_the_matrix_output():
    clips = _clips([2400, 6000])
    clips[1] = np.zeros(6000, dtype=np.int16)  # silence: its own peak, nothing to floor
    clips = np.append(clips, None)
    plain = LogMelFeatures(sr=SR, n_mels=20, output="matrix", n_frames=60)
    floored = LogMelFeatures(sr=SR, n_mels=20, output="matrix", n_frames=60, top_db=50)
    before, after = plain.fit_transform(clips), floored.fit_transform(clips)
    # the 0.3 s clip is centered in 59 hops of 80 samples: 1160 zeros each side
    np.testing.assert_allclose(
        after[0], _reference_log_mel(clips[0], 20, normalize=True, top_db=50, pad=1160),
        atol=1e-4)
    padding = np.r_[0:8, 52:60]  # frames whose window sees only the padding
    np.testing.assert_allclose(before[0][:, padding], -100.0, atol=1e-4)  # log10(1e-10)
    np.testing.assert_array_equal(after[0][:, padding], after[0].max() - 50)
    np.testing.assert_array_equal(after[1], before[1])
    assert np.isnan(after[2]).all()


def test_mfcc_top_db_thresholds_the_log_mel_before_the_cosine_transform(tone_and_chirp):
    import librosa

    est = MFCCFeatures(sr=SR, n_mfcc=13, deltas=0, pooling="stats", trim_db=None, top_db=30)
    features = est.fit_transform(tone_and_chirp)
    for row, clip in zip(features, tone_and_chirp):
        mfcc = librosa.feature.mfcc(S=_reference_log_mel(clip, 26, True, top_db=30), n_mfcc=13)
        np.testing.assert_allclose(row, np.r_[mfcc.mean(axis=1), mfcc.std(axis=1)], atol=1e-3)
    unfloored = est.set_params(top_db=None).transform(tone_and_chirp)
    assert np.abs(features - unfloored).max() > 1


def test_names_match_columns_and_pandas_output():
    clips = _clips([3000, 4000, 5000])
    est = MFCCFeatures(sr=SR, n_mfcc=3, deltas=1, pooling="stats").fit(clips)
    assert est.get_feature_names_out().tolist() == [
        "mfcc0_mean", "mfcc1_mean", "mfcc2_mean", "mfcc0_d1_mean", "mfcc1_d1_mean",
        "mfcc2_d1_mean", "mfcc0_std", "mfcc1_std", "mfcc2_std", "mfcc0_d1_std",
        "mfcc1_d1_std", "mfcc2_d1_std",
    ]
    as_array = est.transform(clips)
    frame = est.set_output(transform="pandas").transform(clips)
    assert frame.shape == (3, 12)
    assert frame.columns.tolist() == est.get_feature_names_out().tolist()
    np.testing.assert_array_equal(frame.to_numpy(), as_array)
    # the names say which column is which: the std of mfcc0 is a standard deviation
    assert (frame["mfcc0_std"] > 0).all()


def test_deterministic_parallel_and_picklable():
    from joblib import parallel_config

    clips = _clips([3000, 200, 5000, 7000, 900])
    est = MFCCFeatures(sr=SR, pooling="stats+segments").fit(clips)
    first = est.transform(clips)
    np.testing.assert_array_equal(first, est.transform(clips))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).transform(clips), first)
    with parallel_config(backend="threading"):
        parallel = est.set_params(n_jobs=2).transform(clips)
    np.testing.assert_array_equal(parallel, first)


def test_trimming_ignores_leading_silence():
    clip = _clips([4000])[0]
    padded = np.concatenate([np.zeros(6000, dtype=np.int16), clip])
    clips = np.empty(2, dtype=object)
    clips[:] = [clip, padded]
    means = MFCCFeatures(sr=SR, trim_db=30, deltas=0).fit_transform(clips)[:, :13]
    np.testing.assert_allclose(means[0], means[1], rtol=0.05, atol=2.0)
    untrimmed = MFCCFeatures(sr=SR, deltas=0, trim_db=None).fit_transform(clips)[:, :13]
    assert np.abs(untrimmed[0] - untrimmed[1]).max() > 50


def test_clear_errors():
    clips = _clips([3000, 3000])
    with pytest.raises(ValueError, match=r"sample rate.*sr=8000"):
        MFCCFeatures().fit(clips)
    stereo = np.empty(2, dtype=object)
    stereo[:] = [np.zeros((100, 2)), np.zeros(100)]
    with pytest.raises(ValueError, match="clip 0 has dtype float64 and shape"):
        MFCCFeatures(sr=SR).fit(stereo)
    words = np.array(["one", "two"], dtype=object)
    with pytest.raises(ValueError, match="clip 0 has dtype <U3"):
        LogMelFeatures(sr=SR).fit(words)
    for Features in (LogMelFeatures, MFCCFeatures):
        with pytest.raises(ValueError, match="'top_db' parameter"):
            Features(sr=SR, top_db=0).fit(clips)


def test_audio_pipeline_on_real_recordings(av_mnist):
    """MFCC + SVC on unseen speakers of the real FSDD recordings, far above chance (0.1)."""
    X, y, groups = av_mnist.data, av_mnist.target, av_mnist.groups
    rng = np.random.RandomState(0)
    train = rng.permutation(np.flatnonzero(~np.isin(groups, ["george", "jackson"])))[:300]
    test = rng.permutation(np.flatnonzero(groups == "george"))[:100]
    model = make_pipeline(
        ModalitySelector("audio"),
        MFCCFeatures(sr=av_mnist.sample_rate, n_mfcc=13, pooling="stats+segments", trim_db=30),
        StandardScaler(), SVC(),
    )
    model.fit(X[train], y[train])
    assert model.score(X[test], y[test]) > 0.5


def test_grid_search_tunes_a_feature_parameter():
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1], 12)
    clips = np.empty(24, dtype=object)
    t = np.arange(2000) / SR
    for i, label in enumerate(y):
        clips[i] = np.sin(2 * np.pi * (400 if label else 1200) * t) + 0.3 * rng.randn(2000)
    X = ModalityDict(audio=clips, image=np.zeros((24, 8, 8)))
    model = make_pipeline(ModalitySelector("audio"), LogMelFeatures(sr=SR), SVC())
    search = GridSearchCV(model, {"logmelfeatures__n_mels": [16, 32]}, cv=3).fit(X, y)
    np.testing.assert_array_equal(search.cv_results_["mean_test_score"], [1.0, 1.0])
    # the searched value reached the fitted extractor: 2 stats x n_mels columns
    best = search.best_estimator_
    assert best[1].n_mels == search.best_params_["logmelfeatures__n_mels"] == 16
    assert best[:2].transform(X).shape == (24, 2 * 16)
    assert search.best_score_ == 1.0


def test_verbose_shows_progress_over_the_clips(capsys):
    pytest.importorskip("tqdm")
    clips = _clips([3000] * 300)
    quiet = MFCCFeatures(sr=SR).fit_transform(clips)
    loud = MFCCFeatures(sr=SR, verbose=1).fit_transform(clips)
    np.testing.assert_array_equal(loud, quiet)
    err = capsys.readouterr().err
    assert "MFCCFeatures" in err and "300/300" in err
