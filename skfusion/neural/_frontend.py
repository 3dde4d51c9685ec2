"""A log-mel spectrogram front-end computed inside the net, on the batch's device.

Raw clips (ragged waveforms) reach the net padded with zeros to one length,
with their lengths beside them. :class:`LogMelSpectrogram` turns such a batch
into log-mel energies in dB, as :class:`skfusion.features.LogMelFeatures`
computes them clip by clip (peak normalisation, ``torch.stft`` with a Hann
window, a Slaney mel filter bank, ``10 log10`` with a floor ``top_db`` under
each clip's peak), and returns the number of valid frames of each clip; the
frames that cover only padding are set to the clip's floor. A 1-D CNN over the
frames (:class:`SpectrogramEncoder`) is the default encoder of waveform
modalities: a few dozen frames per clip instead of thousands of samples.
"""

import math
import numbers

import numpy as np
import torch
from torch import nn

from ..features._audio import _auto_n_fft
from ._encoders import SequenceConvEncoder

__all__ = ["LogMelSpectrogram", "SpectrogramEncoder", "mel_filter_bank"]

_AMIN = 1e-10  # power floor of the dB conversion (librosa's ``amin``)


def mel_filter_bank(sr, n_fft, n_mels, fmin=0.0, fmax=None):
    """Slaney-style mel filter bank, as ``librosa.filters.mel`` builds it by default.

    Triangular filters evenly spaced on the Slaney mel scale (linear below
    1 kHz, logarithmic above), each normalised to unit area
    (``norm="slaney"``).

    Parameters
    ----------
    sr : int
        Sample rate in Hz.
    n_fft : int
        FFT length.
    n_mels : int
        Number of mel bands.
    fmin : float, default=0.0
        Lowest frequency in Hz.
    fmax : float, default=None
        Highest frequency in Hz; None means ``sr / 2``.

    Returns
    -------
    weights : ndarray of shape (n_mels, 1 + n_fft // 2)
        Filter weights (float64) over the FFT bins.

    Examples
    --------
    >>> from skfusion.neural import mel_filter_bank
    >>> mel_filter_bank(8000, 256, 32).shape
    (32, 129)
    """
    fmax = sr / 2.0 if fmax is None else float(fmax)
    fft_freqs = np.linspace(0.0, sr / 2.0, 1 + n_fft // 2)
    mel_edges = _mel_to_hz(np.linspace(_hz_to_mel(fmin), _hz_to_mel(fmax), n_mels + 2))
    widths = np.diff(mel_edges)
    ramps = mel_edges[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    return weights * (2.0 / (mel_edges[2:] - mel_edges[:-2]))[:, None]


_F_SP = 200.0 / 3  # Slaney mel scale: linear part, Hz per mel
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOG_STEP = math.log(6.4) / 27.0


def _hz_to_mel(hz):
    hz = np.asarray(hz, dtype=np.float64)
    log_part = _MIN_LOG_MEL + np.log(np.maximum(hz, _MIN_LOG_HZ) / _MIN_LOG_HZ) / _LOG_STEP
    return np.where(hz >= _MIN_LOG_HZ, log_part, hz / _F_SP)


def _mel_to_hz(mel):
    mel = np.asarray(mel, dtype=np.float64)
    log_part = _MIN_LOG_HZ * np.exp(_LOG_STEP * (np.maximum(mel, _MIN_LOG_MEL) - _MIN_LOG_MEL))
    return np.where(mel >= _MIN_LOG_MEL, log_part, _F_SP * mel)


class LogMelSpectrogram(nn.Module):
    """Log-mel energies (dB) of a batch of padded waveforms, on the batch's device.

    The same analysis as :class:`skfusion.features.LogMelFeatures` (with
    ``trim_db=None`` and the same ``hop_length``): each clip, over its own samples only, loses its DC
    offset and is scaled to a peak of 1 (``normalize="peak"``); windows of
    ``n_fft`` samples every ``hop_length`` (Hann window, centered frames,
    zeros beyond the ends) give a power spectrum that a Slaney mel filter
    bank reduces to ``n_mels`` bands; energies become dB
    (``10 log10(max(power, 1e-10))``) floored ``top_db`` under the clip's
    peak. A clip of ``L`` samples has ``1 + max(L, n_fft) // hop_length``
    frames, exactly the frames ``LogMelFeatures`` computes for it alone,
    whatever the padding around it: the frames after them are set to the
    clip's floor. No parameters are learned; the filter bank and the window
    are buffers that follow the module to its device.

    Parameters
    ----------
    sr : int, default=8000
        Sample rate of the clips in Hz (that of the bundled AV-Digits and
        AV-MNIST recordings). A wrong rate shifts the mel bands: pass your
        data's rate.
    n_mels : int, default=32
        Number of mel bands.
    n_fft : int, default=None
        Window length in samples; None picks the power of two nearest to
        30 ms (256 at 8 kHz, 512 at 16 kHz), as ``LogMelFeatures`` does.
    hop_length : int, default=None
        Step between windows in samples; None means 20 ms (``LogMelFeatures``
        steps 10 ms): half the frames for the network, and on AV-Digits
        (audio alone, 3 folds over held-out voices) 0.992 against 0.981 for
        10 ms at 0.6 against 0.9 seconds an epoch.
    fmin : float, default=0.0
        Lowest frequency of the mel bands.
    fmax : float, default=None
        Highest frequency of the mel bands; None means ``sr / 2``.
    top_db : float or None, default=60.0
        Floor of the log energies, in dB under each clip's peak, so that
        silence and padding sit at the floor rather than at -100 dB; None
        keeps the full range down to -100 dB.
    normalize : {"peak", None}, default="peak"
        Remove each clip's DC offset and scale it to a peak of 1 first, so
        that the recording level does not change the energies; None
        analyses the batch as it comes.

    Attributes
    ----------
    n_fft_ : int
        The window length used.
    hop_length_ : int
        The hop length used.

    See Also
    --------
    SpectrogramEncoder : This front-end followed by a 1-D CNN over the frames.
    skfusion.features.LogMelFeatures : The same energies, clip by clip, with librosa.

    Examples
    --------
    >>> import torch
    >>> from skfusion.neural import LogMelSpectrogram
    >>> frontend = LogMelSpectrogram(sr=8000, n_mels=32)
    >>> waves = torch.randn(2, 1, 4000)  # (batch, 1, samples), padded
    >>> lengths = torch.tensor([4000, 1600])
    >>> mel, frames = frontend(waves, lengths)
    >>> mel.shape, frames.tolist()
    (torch.Size([2, 32, 26]), [26, 11])
    >>> float(mel[1].amax() - mel[1].amin())  # floored 60 dB under the peak
    60.0
    """

    def __init__(self, sr=8000, *, n_mels=32, n_fft=None, hop_length=None, fmin=0.0,
                 fmax=None, top_db=60.0, normalize="peak"):
        super().__init__()
        _check_options(sr, n_mels, n_fft, hop_length, top_db, normalize)
        self.sr = sr
        self.n_mels = n_mels
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.fmin = fmin
        self.fmax = fmax
        self.top_db = top_db
        self.normalize = normalize
        basis = mel_filter_bank(sr, self.n_fft_, n_mels, fmin, fmax)
        self.register_buffer("mel_basis", torch.as_tensor(basis, dtype=torch.float32),
                             persistent=False)
        self.register_buffer("window", torch.hann_window(self.n_fft_), persistent=False)

    @property
    def n_fft_(self):
        """The window length in samples."""
        return self.n_fft or _auto_n_fft(self.sr)

    @property
    def hop_length_(self):
        """The step between windows in samples."""
        return self.hop_length or max(1, self.sr // 50)

    def n_frames(self, n_samples):
        """Frames of a clip of ``n_samples`` samples.

        Parameters
        ----------
        n_samples : int or torch.Tensor of int
            Clip lengths in samples.

        Returns
        -------
        n_frames : int or torch.Tensor
            ``1 + max(n_samples, n_fft_) // hop_length_``.
        """
        if isinstance(n_samples, torch.Tensor):
            return 1 + n_samples.clamp(min=self.n_fft_) // self.hop_length_
        return 1 + max(int(n_samples), self.n_fft_) // self.hop_length_

    def forward(self, x, lengths=None):
        """Log-mel energies of each clip.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, 1, samples) or (batch, samples)
            Waveforms, each padded with anything after its length.
        lengths : torch.Tensor of shape (batch,), default=None
            Valid samples per clip; None: all.

        Returns
        -------
        mel : torch.Tensor of shape (batch, n_mels, frames)
            dB energies; frames past a clip's own sit at its floor.
        frames : torch.Tensor of shape (batch,)
            Valid frames per clip (int64).
        """
        if x.ndim == 3:
            if x.shape[1] != 1:
                raise ValueError(
                    f"LogMelSpectrogram takes mono waveforms (batch, 1, samples); got "
                    f"{x.shape[1]} channels"
                )
            x = x[:, 0]
        n_samples = x.shape[-1]
        if lengths is None:
            lengths = torch.full((x.shape[0],), n_samples, dtype=torch.int64, device=x.device)
        valid = (torch.arange(n_samples, device=x.device) < lengths[:, None]).to(x.dtype)
        x = x * valid  # zeros beyond each clip's end, as librosa pads
        if self.normalize == "peak":
            x = _peak_normalize(x, valid, lengths)
        if n_samples < self.n_fft_:  # as LogMelFeatures pads a short clip
            x = nn.functional.pad(x, (0, self.n_fft_ - n_samples))
        spectrum = torch.stft(x, self.n_fft_, self.hop_length_, window=self.window,
                              center=True, pad_mode="constant", return_complex=True)
        power = torch.view_as_real(spectrum).square().sum(dim=-1)
        db = 10.0 * torch.log10(torch.clamp(self.mel_basis @ power, min=_AMIN))
        frames = self.n_frames(lengths)
        in_clip = torch.arange(db.shape[-1], device=x.device) < frames[:, None]
        peak = db.masked_fill(~in_clip[:, None, :], -math.inf).amax(dim=(1, 2), keepdim=True)
        floor = (peak - self.top_db if self.top_db is not None
                 else torch.full_like(peak, 10.0 * math.log10(_AMIN)))
        return torch.where(in_clip[:, None, :], torch.maximum(db, floor), floor), frames

    def extra_repr(self):
        """The settings in use, for the module's repr."""
        return (f"sr={self.sr}, n_mels={self.n_mels}, n_fft={self.n_fft_}, "
                f"hop_length={self.hop_length_}, top_db={self.top_db}")


def _peak_normalize(x, valid, lengths):
    """Per clip, over its valid samples (``x`` is zero elsewhere): remove the mean, peak 1."""
    mean = x.sum(dim=1, keepdim=True) / lengths[:, None].clamp(min=1).to(x.dtype)
    x = (x - mean) * valid
    peak = x.abs().amax(dim=1, keepdim=True)
    # silence stays silent (no division by zero, no data-dependent branch)
    return x / torch.where(peak > 0, peak, torch.ones_like(peak))


def _check_options(sr, n_mels, n_fft, hop_length, top_db, normalize):
    for name, value, low in [("sr", sr, 1), ("n_mels", n_mels, 1), ("n_fft", n_fft, 2),
                             ("hop_length", hop_length, 1)]:
        if value is None and name in ("n_fft", "hop_length"):
            continue
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
            raise ValueError(
                f"LogMelSpectrogram's {name} must be an int >= {low}, got {value!r}"
            )
    if top_db is not None and not (isinstance(top_db, numbers.Real) and top_db > 0):
        raise ValueError(f"LogMelSpectrogram's top_db must be a positive number or None, "
                         f"got {top_db!r}")
    if normalize not in ("peak", None):
        raise ValueError(f"LogMelSpectrogram's normalize must be 'peak' or None, "
                         f"got {normalize!r}")


class SpectrogramEncoder(nn.Module):
    """Waveforms ``(batch, 1, samples)`` to a log-mel spectrogram, then a 1-D CNN over frames.

    The default encoder of waveform modalities (ragged mono clips). The
    front-end's dB energies are shifted so that each clip's floor (silence,
    padding) is 0 and scaled to about one unit per 20 dB, then go through a
    :class:`SequenceConvEncoder` that pools over each clip's own frames.

    Parameters
    ----------
    out_features : int
        Size of the encoding.
    frontend : LogMelSpectrogram, default=None
        The front-end; None means ``LogMelSpectrogram()`` (8 kHz clips).
    channels : tuple of int, default=(32, 64)
        Output channels of the convolution blocks.
    kernel_size : int, default=5
        Width of the convolutions, in frames.
    batch_norm : bool, default=True
        Batch normalisation after each convolution, with statistics over
        the samples that have the modality (``forward``'s ``present``).

    Examples
    --------
    >>> import torch
    >>> from skfusion.neural import LogMelSpectrogram, SpectrogramEncoder
    >>> encoder = SpectrogramEncoder(8, LogMelSpectrogram(sr=16000, n_mels=40))
    >>> encoder(torch.randn(3, 1, 8000), torch.tensor([8000, 3000, 200])).shape
    torch.Size([3, 8])
    """

    def __init__(self, out_features, frontend=None, channels=(32, 64), *, kernel_size=5,
                 batch_norm=True):
        super().__init__()
        self.frontend = LogMelSpectrogram() if frontend is None else frontend
        self.sequence = SequenceConvEncoder(self.frontend.n_mels, out_features, channels,
                                            kernel_size=kernel_size, batch_norm=batch_norm)
        self.out_features = out_features

    def forward(self, x, lengths=None, present=None):
        """Encode a batch.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, 1, samples)
            Waveforms, padded.
        lengths : torch.Tensor of shape (batch,), default=None
            Valid samples per clip; None: all.
        present : torch.Tensor of shape (batch,), default=None
            Nonzero where the sample has the modality: only those samples
            enter the batch normalisation statistics. None: all do.

        Returns
        -------
        encoding : torch.Tensor of shape (batch, out_features)
        """
        mel, frames = self.frontend(x, lengths)
        floor = mel.amin(dim=(1, 2), keepdim=True)
        return self.sequence((mel - floor) / 20.0, frames, present=present)
