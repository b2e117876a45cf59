"""Per-step previews handed to the caller without stalling a GPU, for every sampler that streams.

Reading a CUDA tensor on the host waits for every kernel queued before it, so converting each
step's preview on the spot serialises the CPU (which launches the next step) and the GPU (which
runs it): streaming cost +16 % on an H100 for the 7 M-parameter fashion model at batch 1. On CUDA a
preview is therefore copied to pinned host memory asynchronously and handed over one step later,
once that copy has landed, while the GPU already runs the next step. On CPU there is nothing to
overlap, and each preview is handed over at once. The own diffusion sampler relays its x0
estimates through this; the Stable Diffusion path relays its rendered frames (``LaggedFrames``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

StepCallback = Callable[[int, int, torch.Tensor], None]


class PreviewRelay:
    """Calls ``on_step(step, total, x0)`` for every pushed preview, in order; ``flush`` at the end.

    A callback that raises (the caller's way to cancel) stops the sampler at its next push.
    """

    def __init__(self, on_step: StepCallback | None) -> None:
        self.on_step = on_step
        self._pending: tuple[int, int, torch.Tensor, Callable[[], None]] | None = None

    def push(self, step: int, total: int, x0: torch.Tensor) -> None:
        if self.on_step is None:
            return
        if not self._deferred(x0):
            self.on_step(step, total, x0)
            return
        host, wait = self._stage(x0)
        self.flush()  # the previous preview: its copy was queued a whole step ago
        self._pending = (step, total, host, wait)

    def flush(self) -> None:
        """Hand over the preview still in flight, if any (call once the loop is done)."""
        if self._pending is None or self.on_step is None:  # nothing pushed (push skips without on_step)
            return
        step, total, host, wait = self._pending
        self._pending = None
        wait()
        self.on_step(step, total, host)

    def _deferred(self, x0: torch.Tensor) -> bool:
        return x0.is_cuda

    def _stage(self, x0: torch.Tensor) -> tuple[torch.Tensor, Callable[[], None]]:
        """Start the device-to-host copy; return the host tensor and how to wait for it."""
        host = torch.empty(x0.shape, dtype=x0.dtype, pin_memory=True)  # pinned blocks are cached by torch
        host.copy_(x0, non_blocking=True)
        copied = torch.cuda.Event()
        copied.record(torch.cuda.current_stream(x0.device))
        return host, copied.synchronize
