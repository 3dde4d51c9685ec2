"""ImageAugmenter, AudioAugmenter and TextAugmenter on real shapes."""

import numpy as np
import pytest
from scipy import ndimage

from skfusion.augment import AudioAugmenter, BaseAugmenter, ImageAugmenter, TextAugmenter

SR = 8000


@pytest.fixture
def digits():
    images = np.zeros((5, 28, 28), dtype=np.uint8)
    images[:, 10:18, 12:16] = 255
    return images


def test_image_augmenter_without_jitter_is_the_identity(digits):
    still = ImageAugmenter(rotation=0, shift=0, zoom=0, noise=0)
    np.testing.assert_array_equal(still.augment(digits, random_state=0), digits)


def test_image_shift_moves_the_center_of_mass_within_bounds(digits):
    moved = ImageAugmenter(rotation=0, zoom=0, shift=0.1).augment(digits, random_state=0)
    assert moved.dtype == np.uint8 and moved.shape == digits.shape
    before = np.array(ndimage.center_of_mass(digits[0].astype(float)))
    offsets = np.array([ndimage.center_of_mass(m.astype(float)) for m in moved]) - before
    assert np.abs(offsets).max() <= 0.1 * 28 + 0.5
    assert np.abs(offsets).max() > 0.5  # something moved
    # the bright mass is kept (nothing pushed out of the frame)
    np.testing.assert_allclose(moved.sum(axis=(1, 2)), digits.sum(axis=(1, 2)), rtol=0.1)


def test_image_rotation_turns_a_bar(digits):
    turned = ImageAugmenter(rotation=90, shift=0, zoom=0).augment(digits, random_state=3)
    # a vertical bar rotated by a large angle is wider than it was
    width = lambda img: np.ptp(np.nonzero(img > 127)[1])  # noqa: E731
    assert max(width(t) for t in turned) > width(digits[0]) + 3


@pytest.fixture
def float_images():
    return np.random.RandomState(0).rand(4, 16, 16)


def test_image_rotation_equals_scipy_rotate_by_the_drawn_angle(float_images):
    out = ImageAugmenter(rotation=30, shift=0, zoom=0).augment(float_images, random_state=5)
    angles = np.random.RandomState(5).uniform(-30, 30, size=4)  # one draw per image
    # scipy turns the other way round (positive angles: counter-clockwise on screen)
    expected = [ndimage.rotate(image, -angle, reshape=False, order=1, mode="constant")
                for image, angle in zip(float_images, angles)]
    np.testing.assert_allclose(out, expected, atol=1e-12)


def test_image_shift_equals_scipy_shift_by_the_drawn_offsets(float_images):
    out = ImageAugmenter(rotation=0, shift=0.2, zoom=0).augment(float_images, random_state=5)
    # two draws per image, (rows, columns), each a share of the side in [-0.2, 0.2]
    offsets = np.random.RandomState(5).uniform(-0.2, 0.2, size=(4, 2)) * 16
    expected = [ndimage.shift(image, offset, order=1, mode="constant")
                for image, offset in zip(float_images, offsets)]
    np.testing.assert_allclose(out, expected, atol=1e-12)


def test_image_zoom_scales_about_the_centre(float_images):
    out = ImageAugmenter(rotation=0, shift=0, zoom=0.3).augment(float_images, random_state=5)
    scales = 1 + np.random.RandomState(5).uniform(-0.3, 0.3, size=4)
    centre = (16 - 1) / 2
    # output pixel o shows input pixel centre + (o - centre) / scale
    expected = [ndimage.affine_transform(image, np.eye(2) / scale,
                                         offset=centre - centre / scale, order=1)
                for image, scale in zip(float_images, scales)]
    np.testing.assert_allclose(out, expected, atol=1e-12)
    # a magnified image shows less of its border: the centre pixel stays put
    np.testing.assert_allclose(out[:, 7:9, 7:9].mean(), float_images[:, 7:9, 7:9].mean(),
                               atol=0.1)


def test_image_augmenter_is_reproducible_and_keeps_rgb_channels_together():
    rng = np.random.RandomState(0)
    gray = rng.randint(0, 256, (4, 16, 16)).astype(np.uint8)
    rgb = np.repeat(gray[..., None], 3, axis=3)
    aug = ImageAugmenter(noise=0.0)
    out = aug.augment(rgb, random_state=7)
    np.testing.assert_array_equal(out, aug.augment(rgb, random_state=7))
    assert not np.array_equal(out, aug.augment(rgb, random_state=8))
    np.testing.assert_array_equal(out[..., 0], out[..., 2])
    np.testing.assert_array_equal(out[..., 0], aug.augment(gray, random_state=7))


def test_image_noise_and_missing_rows():
    images = np.full((3, 8, 8), 0.5)
    images[1] = np.nan
    out = ImageAugmenter(rotation=0, shift=0, zoom=0, noise=0.1, mode="nearest").augment(
        images, random_state=0)
    assert np.isnan(out[1]).all()
    assert 0.07 < out[[0, 2]].std() < 0.13


def test_image_noise_is_a_share_of_the_integer_range():
    images = np.full((4, 16, 16), 128, dtype=np.uint8)
    out = ImageAugmenter(rotation=0, shift=0, zoom=0, noise=0.05).augment(images,
                                                                          random_state=0)
    assert out.dtype == np.uint8
    noise = out.astype(float) - 128
    assert abs(noise.mean()) < 1.0
    assert 0.05 * 255 * 0.9 < noise.std() < 0.05 * 255 * 1.1  # about 12.75 grey levels


def test_image_augmenter_rejects_flat_input():
    with pytest.raises(ValueError, match="ImageAugmenter expects numeric images"):
        ImageAugmenter().augment(np.zeros((3, 64)))


def _tone(n, freq=440.0, amplitude=8000):
    t = np.arange(n) / SR
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def _clips(*clips):
    out = np.empty(len(clips), dtype=object)
    out[:] = list(clips)
    return out


def test_audio_speed_changes_length_within_range():
    clips = _clips(_tone(8000), _tone(1000), None)
    out = AudioAugmenter(speed=0.2, shift=0, gain_db=0).augment(clips, random_state=0)
    assert out[2] is None
    for before, after in zip(clips[:2], out[:2]):
        assert after.dtype == np.int16
        assert len(before) / 1.2 - 1 <= len(after) <= len(before) / 0.8 + 1
    assert len(out[0]) != 8000


@pytest.mark.parametrize("seed", [4, 7])  # draws of +0.19 and -0.17
def test_audio_speed_scales_the_pitch_and_the_length_by_the_drawn_factor(seed):
    out = AudioAugmenter(speed=0.2, shift=0, gain_db=0).augment(_clips(_tone(8000)),
                                                                random_state=seed)[0]
    factor = 1 + np.random.RandomState(seed).uniform(-0.2, 0.2)
    assert abs(factor - 1) > 0.1
    assert len(out) == round(8000 / factor)
    spectrum = np.abs(np.fft.rfft(out.astype(float)))
    peak = np.fft.rfftfreq(len(out), 1 / SR)[spectrum.argmax()]
    assert peak == pytest.approx(440 * factor, abs=2.0)  # faster playback, higher tone


def test_audio_gain_stays_within_db_bounds():
    clips = _clips(*[_tone(4000) for _ in range(20)])
    out = AudioAugmenter(speed=0, shift=0, gain_db=6).augment(clips, random_state=0)
    rms = lambda c: np.sqrt(np.mean(c.astype(float) ** 2))  # noqa: E731
    gains = np.array([20 * np.log10(rms(a) / rms(b)) for a, b in zip(out, clips)])
    assert np.all(np.abs(gains) <= 6.01)
    assert gains.std() > 1
    # each clip gets the gain of its own draw, in dB (int16 rounding aside)
    np.testing.assert_allclose(gains, np.random.RandomState(0).uniform(-6, 6, size=20),
                               atol=0.01)


def test_audio_noise_is_added_at_the_requested_snr():
    clip = _tone(16000).astype(np.float32) / 32768
    out = AudioAugmenter(speed=0, shift=0, gain_db=0, snr_db=10).augment(
        _clips(clip), random_state=0)[0]
    noise = out - clip
    snr = 10 * np.log10(np.mean(clip ** 2) / np.mean(noise ** 2))
    assert out.dtype == np.float32
    assert abs(snr - 10) < 0.3


def test_audio_shift_fills_with_silence():
    clip = np.ones(1000)
    out = AudioAugmenter(speed=0, gain_db=0, shift=0.2).augment(_clips(clip), random_state=0)[0]
    assert len(out) == 1000
    silent = int((out == 0).sum())
    assert 0 < silent <= 200
    assert out[0] == 0 or out[-1] == 0


@pytest.mark.parametrize("seed", [0, 2])
def test_audio_shift_moves_the_samples_by_the_drawn_amount(seed):
    ramp = np.arange(1, 1001, dtype=float)
    out = AudioAugmenter(speed=0, gain_db=0, shift=0.2).augment(_clips(ramp),
                                                                random_state=seed)[0]
    lag = int(round(np.random.RandomState(seed).uniform(-0.2, 0.2) * 1000))
    expected = np.zeros(1000)
    if lag >= 0:  # later: silence first
        expected[lag:] = ramp[:1000 - lag]
    else:  # earlier: silence last
        expected[:lag] = ramp[-lag:]
    np.testing.assert_array_equal(out, expected)


def test_audio_pitch_shift_moves_the_tone_by_the_drawn_semitones():
    pytest.importorskip("librosa")
    clip = _tone(8000).astype(np.float32) / 32768
    out = AudioAugmenter(speed=0, pitch=4, shift=0, gain_db=0, sr=SR).augment(
        _clips(clip), random_state=0)[0]
    steps = np.random.RandomState(0).uniform(-4, 4)  # the one draw the augmenter makes
    assert len(out) == len(clip)
    spectrum = np.abs(np.fft.rfft(out))
    peak = np.fft.rfftfreq(len(out), 1 / SR)[spectrum.argmax()]
    assert peak == pytest.approx(440 * 2 ** (steps / 12), rel=0.02)


def test_audio_int16_is_clipped_not_wrapped():
    loud = _clips(np.full(500, 30000, dtype=np.int16))
    out = AudioAugmenter(speed=0, shift=0, gain_db=12).augment(loud, random_state=1)[0]
    assert out.dtype == np.int16 and out.min() > 0


def test_audio_augmenter_errors():
    with pytest.raises(ValueError, match="pitch=.*needs the sample rate"):
        AudioAugmenter(pitch=2).augment(_clips(_tone(100)))
    with pytest.raises(ValueError, match="speed=.*changes clip lengths"):
        AudioAugmenter(speed=0.1).augment(np.zeros((3, 100)))
    stereo = r"1-D numeric \(mono\) waveform; clip 0 has dtype float64 and shape \(10, 2\)"
    with pytest.raises(ValueError, match=stereo):
        AudioAugmenter().augment(_clips(np.zeros((10, 2))))


def test_text_augmenter():
    texts = np.array(["a b c d", "one", None], dtype=object)
    np.testing.assert_array_equal(TextAugmenter(dropout=0, swap=0).augment(texts), texts)
    swapped = TextAugmenter(dropout=0, swap=1).augment(texts, random_state=0)
    assert swapped.tolist() == ["b c d a", "one", None]
    dropped = TextAugmenter(dropout=0.99, swap=0).augment(texts, random_state=0)
    assert len(dropped[0].split()) == 1 and dropped[0] in "a b c d".split()
    with pytest.raises(TypeError, match="entry 0 is a int"):
        TextAugmenter().augment(np.array([1, "a"], dtype=object))


def test_custom_augmenter_from_the_base_class():
    class Negate(BaseAugmenter):
        def _augment_one(self, value, rng):
            return -value

    values = np.array([[1.0, 2.0], [np.nan, np.nan]])
    out = Negate().augment(values)
    np.testing.assert_array_equal(out[0], [-1.0, -2.0])
    assert np.isnan(out[1]).all()


def test_augmenters_leave_what_modality_dict_calls_missing_missing():
    # one definition of "missing": the entries ModalityDict.is_missing flags pass through
    from skfusion import ModalityDict

    texts = np.array(["the quick brown fox", np.nan, None, "a dog"], dtype=object)
    assert ModalityDict(text=texts).is_missing("text").tolist() == [False, True, True, False]
    out = TextAugmenter(dropout=0.5, swap=0).augment(texts, random_state=0)
    assert np.isnan(out[1]) and out[2] is None
    assert set(out[0].split()) <= set(texts[0].split()) and out[3] in ("a dog", "a", "dog")
    clips = np.empty(3, dtype=object)
    clips[:] = [np.sin(np.arange(800) / 5.0), np.nan, np.full(800, np.nan)]
    assert ModalityDict(audio=clips).is_missing("audio").tolist() == [False, True, True]
    out = AudioAugmenter(shift=0, speed=0, pitch=0, gain_db=6).augment(clips, random_state=0)
    assert np.isnan(out[1]) and np.isnan(out[2]).all()
    assert not np.allclose(out[0], clips[0]) and out[0].shape == (800,)
