"""RandomShift with one largest shift per trailing axis (spectrograms: bands and frames)."""

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from skfusion import ModalityDict  # noqa: E402
from skfusion.neural import FusionNetClassifier, RandomShift  # noqa: E402

META = torch.device("meta")


def _coded(n_samples, n_bands, n_frames):
    """Spectrogram-shaped batch whose every entry names its own (band, frame)."""
    bands = torch.arange(n_bands)[:, None] * 1000
    frames = torch.arange(n_frames)[None, :]
    return (1 + bands + frames).float().expand(n_samples, n_bands, n_frames).clone()


def _recover_shifts(original, shifted):
    """Each sample's (band, frame) shift, read off a coded batch; checks the zero fill too."""
    found = []
    for before, after in zip(original, shifted):
        band, frame = map(int, torch.nonzero(after)[0])
        source = int(after[band, frame]) - 1
        shift = (band - source // 1000, frame - source % 1000)
        expected = np.zeros(before.shape, dtype=np.float32)
        n_bands, n_frames = before.shape
        db, df = shift
        expected[max(0, db):n_bands + min(0, db), max(0, df):n_frames + min(0, df)] = \
            before.numpy()[max(0, -db):n_bands - max(0, db), max(0, -df):n_frames - max(0, df)]
        np.testing.assert_array_equal(after.numpy(), expected)
        found.append(shift)
    return np.array(found)


def test_tuple_shifts_each_trailing_axis_by_up_to_its_own_maximum():
    batch = _coded(900, 6, 20)
    torch.manual_seed(0)
    shifts = _recover_shifts(batch, RandomShift((1, 4))(batch))
    bands, frames = shifts[:, 0], shifts[:, 1]
    assert set(bands) == {-1, 0, 1} and set(frames) == set(range(-4, 5))
    # uniform: 300 expected per band shift, 100 per frame shift
    assert np.bincount(bands + 1).min() > 240 and np.bincount(frames + 4).min() > 65
    # independent draws: every pair of shifts occurs
    assert len(set(map(tuple, shifts))) == 27


def test_a_zero_keeps_an_axis_still_and_a_short_tuple_leaves_leading_axes():
    batch = _coded(200, 6, 20)
    for shift in [RandomShift((0, 3)), RandomShift((3,))]:
        shifts = _recover_shifts(batch, shift(batch))
        assert set(shifts[:, 0]) == {0} and set(shifts[:, 1]) == set(range(-3, 4))
    images = torch.arange(1.0, 1 + 100 * 4 * 5).reshape(100, 1, 4, 5)
    shifted = RandomShift((2,))(images)  # the last axis (width) only
    assert torch.equal(shifted.sum(dim=3) != 0, images.sum(dim=3) != 0)
    assert not torch.equal(shifted, images)


def test_tuple_draws_like_a_time_shift_then_a_band_shift():
    """RandomShift((b, f)) == RandomShift(f) in time, then RandomShift(b) across bands."""
    batch = torch.randn(64, 8, 30)
    torch.manual_seed(3)
    in_time = RandomShift(4)(batch)
    expected = RandomShift(1)(in_time.transpose(1, 2)).transpose(1, 2)
    torch.manual_seed(3)
    assert torch.equal(RandomShift((1, 4))(batch), expected)


def test_an_int_keeps_todays_draws():
    """An int: one draw of shape (n_samples, n_plane_axes), as before tuples existed."""
    images = torch.randn(32, 1, 6, 6)
    torch.manual_seed(5)
    by_int = RandomShift(2)(images)
    torch.manual_seed(5)
    shifts = torch.randint(-2, 3, (32, 2))
    expected = torch.zeros_like(images)
    for i, (dy, dx) in enumerate(shifts.tolist()):
        expected[i, :, max(0, dy):6 + min(0, dy), max(0, dx):6 + min(0, dx)] = \
            images[i, :, max(0, -dy):6 - max(0, dy), max(0, -dx):6 - max(0, dx)]
    assert torch.equal(by_int, expected)


@pytest.mark.parametrize("max_shift, shape", [((1, 4), (8, 32, 48)), ((1, 2, 2), (8, 3, 6, 6))])
def test_tuple_shift_stays_on_the_batch_device(max_shift, shape):
    out = RandomShift(max_shift)(torch.empty(shape, device=META))
    assert out.shape == shape and out.device == META


def test_clear_errors():
    with pytest.raises(ValueError, match=r"3 largest shifts.*shape \(8, 5, 12\) has only 2 axes"):
        RandomShift((1, 2, 3))(torch.zeros(8, 5, 12))
    for bad in [(1, -1), (), 1.5, -2, (1, 2.0), True]:
        with pytest.raises(ValueError, match="non-negative int or a non-empty tuple"):
            RandomShift(bad)(torch.zeros(8, 5, 12))


def test_spectrogram_shift_in_a_fusion_net():
    """Log-mel-shaped audio (n, bands, frames) through the 1-D CNN, shifted in both axes."""
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1], 30)
    audio = rng.randn(60, 8, 16).astype(np.float32)
    audio[y == 1, 2:4, 6:10] += 3.0  # class 1: energy in bands 2-3, frames 6-9
    X = ModalityDict(audio=audio)
    augment = RandomShift((1, 3))
    clf = FusionNetClassifier(encoders={"audio": "cnn1d"}, augment={"audio": augment},
                              max_epochs=8, batch_size=16, lr=5e-3, random_state=0)
    clf.fit(X, y)
    assert clf.score(X, y) > 0.9
    assert repr(augment) == "RandomShift(max_shift=(1, 3))"
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))
    too_long = FusionNetClassifier(encoders={"audio": "cnn1d"},
                                   augment={"audio": RandomShift((1, 1, 3))}, max_epochs=1)
    with pytest.raises(ValueError, match="3 largest shifts"):
        too_long.fit(X, y)
