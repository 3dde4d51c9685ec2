"""The log-mel front-end inside the net: numbers, padding, devices, and raw clips end to end."""

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.model_selection import GroupShuffleSplit  # noqa: E402

from skfusion import ModalityDict  # noqa: E402
from skfusion.datasets import load_av_digits  # noqa: E402
from skfusion.neural import (  # noqa: E402
    FusionModule,
    FusionNetClassifier,
    LogMelSpectrogram,
    MLPEncoder,
    SequenceConvEncoder,
    SpectrogramEncoder,
    make_encoder,
    mel_filter_bank,
)

META = torch.device("meta")


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def av_digits():
    return load_av_digits()


@pytest.fixture(scope="module")
def ragged_clips(av_digits):
    """Real AV-Digits clips (int16, 8 kHz) of very different lengths, plus short ones."""
    clips = av_digits.data["audio"]
    lengths = np.array([len(c) for c in clips])
    picks = [int(np.argmin(lengths)), int(np.argmax(lengths)), 3, 250, 999]
    rng = np.random.RandomState(0)
    extra = [(rng.randn(n) * 2000).astype(np.int16) for n in (200, 256, 300)]  # < 1 window
    out = np.empty(len(picks) + len(extra), dtype=object)
    out[:] = [clips[i] for i in picks] + extra
    return out


def padded_batch(clips, length=None, fill=0.0):
    """(batch, 1, samples) float32 waveforms (int16 / 32768), padded with ``fill``."""
    length = length or max(len(c) for c in clips)
    batch = torch.full((len(clips), 1, length), fill)
    for i, clip in enumerate(clips):
        batch[i, 0, :len(clip)] = torch.from_numpy(clip.astype(np.float32) / 32768)
    return batch, torch.tensor([len(c) for c in clips])


@pytest.mark.parametrize("sr, n_fft, n_mels, fmin, fmax",
                         [(8000, 256, 32, 0.0, None), (16000, 512, 40, 50.0, 7000.0),
                          (22050, 1024, 128, 0.0, None)])
def test_mel_filter_bank_is_librosas(sr, n_fft, n_mels, fmin, fmax):
    librosa = pytest.importorskip("librosa")
    expected = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)
    got = mel_filter_bank(sr, n_fft, n_mels, fmin, fmax)
    assert got.shape == (n_mels, 1 + n_fft // 2)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("top_db", [60.0, None])
def test_frames_are_librosas_clip_by_clip(ragged_clips, top_db):
    librosa = pytest.importorskip("librosa")
    frontend = LogMelSpectrogram(sr=8000, n_mels=32, hop_length=80, top_db=top_db)
    batch, lengths = padded_batch(ragged_clips)
    mel, frames = frontend(batch, lengths)
    basis = librosa.filters.mel(sr=8000, n_fft=256, n_mels=32)
    for i, clip in enumerate(ragged_clips):
        y = clip.astype(np.float32) / 32768
        y = y - y.mean()
        y = y / np.abs(y).max()
        y = np.pad(y, (0, max(0, 256 - len(y))))
        power = np.abs(librosa.stft(y, n_fft=256, hop_length=80, pad_mode="constant")) ** 2
        expected = librosa.power_to_db(basis @ power, ref=1.0, amin=1e-10, top_db=top_db)
        assert frames[i] == expected.shape[1] == 1 + max(len(clip), 256) // 80
        got = mel[i, :, :frames[i]].numpy()
        # float32 arithmetic on both sides; the dB range is 60 to 100
        np.testing.assert_allclose(got, expected, atol=2e-3)


@pytest.mark.parametrize("top_db", [60, None])
def test_pooled_frames_match_log_mel_features(ragged_clips, top_db):
    pytest.importorskip("librosa")
    from skfusion.features import LogMelFeatures

    expected = LogMelFeatures(sr=8000, n_mels=32, top_db=top_db).fit_transform(ragged_clips)
    mel, frames = LogMelSpectrogram(sr=8000, n_mels=32, hop_length=80, top_db=top_db)(
        *padded_batch(ragged_clips))
    for i in range(len(ragged_clips)):
        own = mel[i, :, :frames[i]].double()
        pooled = torch.cat([own.mean(dim=1), own.std(dim=1, correction=0)]).numpy()
        np.testing.assert_allclose(pooled, expected[i], atol=1e-3)


def test_padding_does_not_change_a_clips_energies(ragged_clips):
    frontend = LogMelSpectrogram(sr=8000)
    together, frames = frontend(*padded_batch(ragged_clips))
    noise = padded_batch(ragged_clips, length=together.shape[2] * 160 + 500, fill=0.7)
    with_garbage, frames_garbage = frontend(*noise)
    assert torch.equal(frames, frames_garbage)
    for i, clip in enumerate(ragged_clips):
        alone, n = frontend(*padded_batch(ragged_clips[i:i + 1]))
        assert n.item() == frames[i]
        torch.testing.assert_close(together[i, :, :n], alone[0], atol=1e-4, rtol=0)
        torch.testing.assert_close(with_garbage[i, :, :n], alone[0], atol=1e-4, rtol=0)
        # past its own frames a clip sits at its floor, 60 dB under its peak
        floor = with_garbage[i, :, :n].max() - 60
        assert torch.all(with_garbage[i, :, n:] == floor)


def test_the_recording_level_does_not_matter_and_silence_is_finite():
    rng = np.random.RandomState(0)
    clip = rng.randn(1, 1, 3000).astype(np.float32)
    frontend = LogMelSpectrogram()
    loud, _ = frontend(torch.from_numpy(clip * 50 + 3))
    quiet, _ = frontend(torch.from_numpy(clip * 0.01))
    torch.testing.assert_close(loud, quiet, atol=1e-3, rtol=0)
    silent, frames = frontend(torch.zeros(2, 1, 1000), torch.tensor([1000, 10]))
    assert torch.isfinite(silent).all() and frames.tolist() == [7, 2]


def test_settings_and_errors():
    frontend = LogMelSpectrogram(sr=16000, n_mels=40)
    assert (frontend.n_fft_, frontend.hop_length_) == (512, 320)
    assert frontend.mel_basis.shape == (40, 257)
    assert "sr" not in frontend.state_dict() and not list(frontend.parameters())
    with pytest.raises(ValueError, match="sr must be an int >= 1"):
        LogMelSpectrogram(sr=8000.0)
    with pytest.raises(ValueError, match="top_db must be a positive number or None"):
        LogMelSpectrogram(top_db=0)
    with pytest.raises(ValueError, match="mono waveforms"):
        frontend(torch.zeros(2, 2, 1000))


def test_spectrogram_encoder_on_meta_forward_and_backward():
    encoder = SpectrogramEncoder(8, LogMelSpectrogram(n_mels=16)).to(META).train()
    assert encoder.frontend.mel_basis.device == META and encoder.frontend.window.device == META
    x = torch.empty(5, 1, 3000, device=META)
    lengths = torch.empty(5, dtype=torch.int64, device=META)
    out = encoder(x, lengths, present=torch.empty(5, device=META))
    assert out.shape == (5, 8) and out.device == META
    out.sum().backward()
    assert all(p.grad is not None and p.grad.device == META for p in encoder.parameters())


def test_make_encoder_picks_the_front_end_for_waveforms_only():
    waveform = {"layout": "sequence", "shape": (1, 6160)}
    assert isinstance(make_encoder("audio", None, waveform, 8), SpectrogramEncoder)
    # short mono sequences (a sensor trace) and multichannel ones keep the 1-D CNN
    for spec in ({"layout": "sequence", "shape": (1, 500)},
                 {"layout": "sequence", "shape": (13, 6160)}):
        assert isinstance(make_encoder("s", None, spec, 8), SequenceConvEncoder)
    mine = make_encoder("audio", LogMelSpectrogram(sr=16000, n_mels=20), waveform, 8)
    assert (mine.frontend.sr, mine.frontend.n_mels) == (16000, 20)
    with pytest.raises(ValueError, match="modality 'mfcc' takes mono waveforms"):
        make_encoder("mfcc", "logmel", {"layout": "sequence", "shape": (13, 90)}, 8)


def test_fit_on_raw_av_digits_clips(av_digits):
    X, y = av_digits.data, av_digits.target
    train, test = next(GroupShuffleSplit(1, test_size=0.3, random_state=0).split(
        np.zeros(len(y)), y, av_digits.groups))
    train, test = train[:500], test[:300]
    clf = FusionNetClassifier(max_epochs=4, random_state=0).fit(X[train], y[train])
    audio = clf.net_.module_.encoders[str(clf.modalities_.index("audio"))]
    assert isinstance(audio, SpectrogramEncoder)
    assert clf.converter_.specs_["audio"]["shape"][0] == 1
    assert clf.score(X[test], y[test]) > 0.85  # unseen voices; chance is 0.1
    # audio alone, and with clips missing at prediction
    only = FusionNetClassifier(max_epochs=4, random_state=0).fit(
        ModalityDict(audio=X["audio"][train]), y[train])
    assert only.score(ModalityDict(audio=X["audio"][test]), y[test]) > 0.6
    lost = X[test].with_missing("audio", np.arange(0, len(test), 2))
    assert clf.predict(lost).shape == (len(test),)
    # the filter bank and the window travel with a pickled net
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(loaded.predict_proba(X[test]), clf.predict_proba(X[test]))


def test_equal_length_clips_in_a_2d_array_with_a_front_end():
    rng = np.random.RandomState(0)
    t = np.arange(2048) / 8000
    y = np.repeat([0, 1], 30)
    tones = np.array([np.sin(2 * np.pi * (300 if k else 1500) * t + rng.rand())
                      + 0.1 * rng.randn(len(t)) for k in y])
    X = ModalityDict(audio=tones, table=rng.randn(60, 2))
    clf = FusionNetClassifier(encoders={"audio": LogMelSpectrogram(n_mels=16)}, max_epochs=8,
                              batch_size=10, random_state=0).fit(X, y)
    assert isinstance(clf.net_.module_.encoders["0"], SpectrogramEncoder)
    assert clf.score(X, y) == 1.0
    default = FusionNetClassifier(max_epochs=1).fit(X, y).net_.module_.encoders["0"]
    assert isinstance(default, MLPEncoder)  # the default for a 2-D array stays the MLP


def test_fusion_module_hands_lengths_and_presence_to_the_front_end_on_meta():
    specs = {"image": {"layout": "image", "shape": (1, 8, 8)},
             "audio": {"layout": "sequence", "shape": (1, 2048)}}
    module = FusionModule(specs, 3, embed_dim=8, modality_dropout=0.5, aux_heads=True)
    assert module.sequence_names == module.masked_names - {"image"} == {"audio"}
    module = module.to(META).train()
    batch = {"image": torch.empty(4, 1, 8, 8, device=META),
             "audio": torch.empty(4, 1, 2048, device=META),
             "_lengths_audio": torch.empty(4, dtype=torch.int64, device=META),
             "_present": torch.empty(4, 2, device=META)}
    output, aux, _ = module(**batch)
    assert output.shape == (4, 3) and output.device == META and aux.device == META
    (output.sum() + aux.sum()).backward()
    assert all(p.grad is not None and p.grad.device == META for p in module.parameters())
