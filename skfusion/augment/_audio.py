"""Audio augmentation: time shift, gain, noise at a given SNR, speed and pitch."""

import numbers

import numpy as np

from ..data import is_missing_entry
from ..utils._sklearn_compat import Interval
from ..utils.arrays import object_array
from ..utils.validation import check_waveform
from ._base import BaseAugmenter, symmetric

__all__ = ["AudioAugmenter"]


class AudioAugmenter(BaseAugmenter):
    """Random speed, pitch, shift, gain and noise for ragged waveforms.

    Takes the audio modality as stored: a 1-D object array of 1-D waveforms
    (int16 or float; ``None`` for missing), or a 2-D array of equal-length
    clips (then ``speed`` must be 0, since it changes lengths). Applied in
    this order to each clip, each with its own random draw:

    1. speed: resampled by a factor in ``[1 - speed, 1 + speed]`` (faster and
       higher, or slower and lower, like tape; the clip's length changes);
    2. pitch: shifted by up to ``pitch`` semitones at constant duration
       (librosa; needs ``sr``);
    3. shift: delayed or advanced by up to ``shift`` of its length, filling
       with silence;
    4. gain: scaled by up to ``gain_db`` decibels up or down;
    5. noise: white noise at a signal-to-noise ratio drawn from ``snr_db``.

    The dtype is kept (int16 is rounded and clipped).

    Parameters
    ----------
    speed : float, default=0.1
        Largest relative change of speed; 0 turns it off.
    pitch : float, default=0.0
        Largest pitch shift in semitones; 0 turns it off. Needs ``sr`` and
        librosa (``pip install skfusion[audio]``); slower than ``speed``.
    shift : float, default=0.05
        Largest time shift as a fraction of the clip's length.
    gain_db : float, default=6.0
        Largest gain change in dB.
    snr_db : float or (float, float), default=None
        Signal-to-noise ratio of the added noise in dB, fixed or drawn
        uniformly from a range; None adds no noise.
    sr : int, default=None
        Sample rate in Hz, needed only for ``pitch``.

    See Also
    --------
    ModalityAugmenter : Adds augmented copies to a training set (``fit_resample``).
    AugmentedEstimator : Augments the training data inside ``fit`` only.

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion.augment import AudioAugmenter
    >>> clips = np.empty(2, dtype=object)
    >>> clips[:] = [np.full(8000, 1000, dtype=np.int16), np.full(500, -50, dtype=np.int16)]
    >>> out = AudioAugmenter(speed=0.2, snr_db=20).augment(clips, random_state=0)
    >>> [clip.dtype for clip in out], [len(clip) for clip in out]
    ([dtype('int16'), dtype('int16')], [7847, 523])
    """

    _parameter_constraints = {
        "speed": [Interval(numbers.Real, 0, 1, closed="left")],
        "pitch": [Interval(numbers.Real, 0, None, closed="left")],
        "shift": [Interval(numbers.Real, 0, 1, closed="left")],
        "gain_db": [Interval(numbers.Real, 0, None, closed="left")],
        "snr_db": [numbers.Real, tuple, None],
        "sr": [Interval(numbers.Integral, 1, None, closed="left"), None],
    }

    def __init__(self, *, speed=0.1, pitch=0.0, shift=0.05, gain_db=6.0, snr_db=None, sr=None):
        self.speed = speed
        self.pitch = pitch
        self.shift = shift
        self.gain_db = gain_db
        self.snr_db = snr_db
        self.sr = sr

    def _check_values(self, values):
        if self.pitch and self.sr is None:
            raise ValueError("AudioAugmenter(pitch=...) needs the sample rate: pass sr=...")
        if isinstance(values, (list, tuple)):
            values = object_array(values)
        values = np.asarray(values) if not isinstance(values, np.ndarray) else values
        if values.ndim == 2 and values.dtype.kind in "iuf":
            if self.speed:
                raise ValueError(
                    "AudioAugmenter(speed=...) changes clip lengths, so it needs a 1-D object "
                    "array of clips; got a 2-D array of equal-length clips"
                )
            return values
        if values.ndim != 1 or values.dtype != object:
            raise ValueError(
                "AudioAugmenter expects a 1-D object array of 1-D waveforms (or a 2-D "
                f"numeric array); got dtype {values.dtype} and shape {values.shape}"
            )
        for i, clip in enumerate(values):
            if not is_missing_entry(clip):
                check_waveform(clip, index=i, who="AudioAugmenter")
        return values

    def _augment_one(self, clip, rng):
        clip = np.asarray(clip)
        y = clip.astype(np.float64)
        if self.speed:
            y = _change_speed(y, 1.0 + symmetric(rng, self.speed))
        if self.pitch:
            y = self._shift_pitch(y, symmetric(rng, self.pitch))
        if self.shift:
            y = _time_shift(y, int(round(symmetric(rng, self.shift) * len(y))))
        y = y * 10.0 ** (symmetric(rng, self.gain_db) / 20.0)
        if self.snr_db is not None:
            y = y + self._noise(y, rng)
        return _restore_dtype(y, clip.dtype)

    def _shift_pitch(self, y, n_steps):
        import librosa

        if len(y) < 64:
            return y
        n_fft = min(512, 2 ** int(np.log2(len(y))))
        return librosa.effects.pitch_shift(y, sr=self.sr, n_steps=n_steps, n_fft=n_fft)

    def _noise(self, y, rng):
        low, high = (self.snr_db, self.snr_db) if np.isscalar(self.snr_db) else self.snr_db
        power = np.mean(y ** 2) if len(y) else 0.0
        snr = rng.uniform(low, high)
        return rng.normal(0.0, np.sqrt(power / 10.0 ** (snr / 10.0)), size=y.shape)


def _change_speed(y, factor):
    n_out = max(1, int(round(len(y) / factor)))
    positions = np.arange(n_out) * factor
    return np.interp(positions, np.arange(len(y)), y)


def _time_shift(y, samples):
    out = np.zeros_like(y)
    if samples >= 0:
        out[samples:] = y[: len(y) - samples]
    else:
        out[:samples] = y[-samples:]
    return out


def _restore_dtype(y, dtype):
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return np.clip(np.rint(y), info.min, info.max).astype(dtype)
    return y.astype(dtype)
