"""The skorch net behind the FusionNet estimators: augmentation and auxiliary losses."""

import re
import sys

import torch
from skorch import NeuralNet
from skorch.callbacks import PrintLog
from skorch.utils import to_tensor

__all__ = ["FusionSkorchNet"]


class FusionSkorchNet(NeuralNet):
    """A skorch ``NeuralNet`` that trains a :class:`FusionModule` on dict batches.

    Adds two hooks to skorch's training step: on-the-fly augmentation of
    training batches, and per-modality auxiliary losses when the module
    returns per-modality outputs.

    Parameters
    ----------
    *args, **kwargs
        As for :class:`skorch.NeuralNet`.
    augment : dict, default=None
        Modality name mapped to a callable applied to each training batch
        of that modality (a tensor on the net's device), returning a tensor
        of the same shape.
    aux_loss_weight : float, default=0.0
        Weight of the mean per-modality loss added to the fused loss.
    """

    def __init__(self, *args, augment=None, aux_loss_weight=0.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.augment = augment
        self.aux_loss_weight = aux_loss_weight

    @property
    def _default_callbacks(self):
        # skorch's table, without colour codes where stdout is not a terminal
        return [(name, _PrintLog() if name == "print_log" else callback)
                for name, callback in super()._default_callbacks]

    def infer(self, x, **fit_params):
        if self.augment and self.module_.training:
            x = to_tensor(x, device=self.device)
            x = {key: (self.augment[key](value) if key in self.augment else value)
                 for key, value in x.items()}
        return super().infer(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if not isinstance(y_pred, tuple):
            return super().get_loss(y_pred, y_true, X=X, training=training)
        output, aux, present = y_pred
        loss = super().get_loss(output, y_true, X=X, training=training)
        y_true = to_tensor(y_true, device=self.device)
        return loss + self.aux_loss_weight * self._aux_loss(aux, y_true, present)

    def _aux_loss(self, aux, y_true, present):
        """Mean over the modalities in the batch of each one's loss on the rows that have it.

        Masked arithmetic instead of boolean row selection: no data-dependent
        shapes, hence no host-device synchronisation per batch on a GPU.
        """
        losses = torch.stack([self._per_row_loss(aux[:, i], y_true)
                              for i in range(aux.shape[1])], dim=1)
        present = present.to(losses.dtype)
        rows = present.sum(dim=0)
        per_modality = (losses * present).sum(dim=0) / rows.clamp(min=1)
        in_batch = (rows > 0).to(losses.dtype)
        return (per_modality * in_batch).sum() / in_batch.sum().clamp(min=1)

    def _per_row_loss(self, output, target):
        """The criterion of each row (averaged over a row's targets for regression)."""
        reduction = self.criterion_.reduction
        self.criterion_.reduction = "none"
        try:
            loss = self.criterion_(output, target)
        finally:
            self.criterion_.reduction = reduction
        return loss.reshape(len(loss), -1).mean(dim=1)

    def predict(self, X):
        """Class indices for a classification criterion, else the outputs.

        skorch's scoring callbacks (``EpochScoring("accuracy")``) call this
        with the integer-encoded classes the net trains on.
        """
        output = self.predict_proba(X)
        if isinstance(self.criterion_, torch.nn.CrossEntropyLoss):
            return output.argmax(axis=1)
        return output

    def train_step_single(self, batch, **fit_params):
        step = super().train_step_single(batch, **fit_params)
        if isinstance(step["y_pred"], tuple):
            # callbacks see the fused output only
            step["y_pred"] = step["y_pred"][0]
        return step


class _PrintLog(PrintLog):
    """skorch's ``PrintLog``; the best values are coloured only on a terminal.

    A log file, a notebook's captured output or a CI log shows the plain
    table instead of ANSI escape codes.
    """

    def format_row(self, row, key, color):
        text = super().format_row(row, key, color)
        isatty = getattr(sys.stdout, "isatty", None)
        if self.sink is print and isatty is not None and isatty():
            return text
        return _ANSI.sub("", text) if isinstance(text, str) else text


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
