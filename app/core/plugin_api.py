"""The contract between GenCanvas and every generator.

A plugin is a small class: it declares what it needs from the canvas (``inputs``), its
parameters as a pydantic model (``Params``, which drives both validation and the panel
form), whether it re-runs live (``interactive``), and one method ``run`` that turns
inputs into an RGB image while streaming intermediate frames through ``ctx.emit``.

Nothing here imports Qt or torch: plugins run headless from the CLI as well as in the
GUI worker, and torch is only touched when a plugin asks ``ctx`` for a device.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:  # pragma: no cover - typing only
    import torch


class InputKind(str, enum.Enum):
    """Canvas layers a plugin can ask for."""

    IMAGE = "image"  # the photo layer, RGB uint8 (H, W, 3)
    SKETCH = "sketch"  # the sketch layer, RGBA uint8 (H, W, 4); transparent where nothing is drawn
    MASK = "mask"  # the inpainting mask, bool (H, W); True where the plugin should paint


class PluginError(Exception):
    """An error whose message is meant for the artist, not a traceback."""


class MissingInputError(PluginError):
    """The canvas lacks a layer the plugin needs (for example an empty mask)."""


class JobCancelled(Exception):
    """Raised inside ``run`` by ``ctx.emit``/``ctx.check_cancelled`` once the user cancels."""


@dataclass(frozen=True)
class PluginInputs:
    """What the canvas hands a plugin: only the layers it declared, as numpy arrays."""

    width: int
    height: int
    image: np.ndarray | None = None
    sketch: np.ndarray | None = None
    mask: np.ndarray | None = None

    def require(self, kind: InputKind) -> np.ndarray:
        """Return the layer or raise a message the artist can act on."""
        value = getattr(self, kind.value)
        if value is None:
            raise MissingInputError(f"This plugin needs the {kind.value} layer, and the canvas has none.")
        if kind is InputKind.MASK and not np.any(value):
            raise MissingInputError("The mask is empty: paint the area to fill with the mask brush (M) first.")
        if kind is InputKind.SKETCH and not np.any(value[..., 3]):
            raise MissingInputError("The sketch layer is empty: draw something with the brush (B) first.")
        return value


class ParamsBase(BaseModel):
    """Base of every plugin's parameter schema: unknown keys and wrong types are errors."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ModelCache(Protocol):
    """Loaded models live here, owned by the worker, so a second job does not reload them."""

    def get(self, key: tuple[Any, ...], load: Callable[[], Any]) -> Any: ...


class FrameSink(Protocol):
    def __call__(self, frame: np.ndarray, step: int, total: int) -> None: ...


@dataclass
class RunContext:
    """Everything a running plugin may use besides its inputs and parameters.

    ``emit`` streams a frame and is also the cancellation point: after the user presses
    Cancel the next ``emit`` (or ``check_cancelled``) raises :class:`JobCancelled`, so a
    plugin that emits every step is cancellable at every step without extra code, and
    any final decode after the loop is skipped.
    """

    seed: int
    models: ModelCache
    sink: FrameSink
    is_cancelled: Callable[[], bool]
    device_preference: str = "auto"
    precision_preference: str = "auto"
    notice_sink: Callable[[str], None] | None = None
    _device: Any = field(default=None, repr=False)

    def cancelled(self) -> bool:
        return self.is_cancelled()

    def check_cancelled(self) -> None:
        if self.is_cancelled():
            raise JobCancelled()

    def notify(self, message: str) -> None:
        """Tell the user something about a job that still succeeds (e.g. a lower-memory retry)."""
        if self.notice_sink is not None:
            self.notice_sink(message)

    def emit(self, frame: np.ndarray, step: int, total: int) -> None:
        """Stream an intermediate RGB uint8 frame; raises JobCancelled once cancelled."""
        self.check_cancelled()
        self.sink(frame, step, total)

    @property
    def rng(self) -> np.random.Generator:
        """A numpy generator seeded from the job's seed (fresh per access: reproducible)."""
        return np.random.default_rng(self.seed)

    @property
    def device(self) -> torch.device:
        """The torch device from the user's setting; imports torch on first use only."""
        if self._device is None:
            from gencanvas.core.devices import resolve_device

            self._device = resolve_device(self.device_preference)
        return self._device

    @property
    def dtype(self) -> torch.dtype:
        from gencanvas.core.devices import resolve_dtype

        return resolve_dtype(self.precision_preference, self.device)

    def generator(self) -> torch.Generator:
        """A torch generator on the job's device seeded with the job's seed."""
        import torch

        device = self.device
        gen_device = device if device.type == "cuda" else torch.device("cpu")
        return torch.Generator(device=gen_device).manual_seed(self.seed)


class Plugin(abc.ABC):
    """Subclass this to add a generator. See plugins/README.md for a worked example."""

    id: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str] = ""
    inputs: ClassVar[frozenset[InputKind]] = frozenset()
    Params: ClassVar[type[ParamsBase]] = ParamsBase
    interactive: ClassVar[bool] = False

    @classmethod
    def unavailable(cls) -> str | None:
        """Why this plugin cannot run on this installation (e.g. no user models), or None.

        The self-test skips such plugins instead of failing; running one still raises a
        PluginError with the same advice.
        """
        return None

    @abc.abstractmethod
    def run(self, inputs: PluginInputs, params: ParamsBase, ctx: RunContext) -> np.ndarray:
        """Return the finished RGB uint8 image (H, W, 3), emitting frames on the way."""

    @classmethod
    def live_triggers(cls, params: ParamsBase) -> frozenset[InputKind]:
        """The inputs this plugin reads with ``params``: in live mode only their edits re-run it.

        Default: every declared input. Override when a parameter decides what is read,
        e.g. StyleGAN reads the photo only with *Source: canvas image*, so on *Source:
        seed* neither a brush stroke nor a new photo re-runs it. Live mode also skips a
        request whose parameters and triggering inputs (by content) match the last run.
        """
        return cls.inputs

    @classmethod
    def linked_values(cls, edited: str, values: dict[str, Any]) -> dict[str, Any]:
        """Values other fields take when the user edits ``edited`` (the form's current ``values``).

        For settings that belong to a choice, e.g. each bundled model's own default guidance;
        the panel applies them to user edits only, never to restored parameters.
        """
        return {}

    def describe_params(self, params: ParamsBase) -> str:
        """One-line summary stored in the PNG ``parameters`` chunk; override for prompts."""
        fields = ", ".join(f"{name}: {value}" for name, value in params.model_dump(mode="json").items())
        return f"{self.title}\n{fields}"


def as_rgb_uint8(image: np.ndarray) -> np.ndarray:
    """Validate a plugin's output so a wrong shape fails loudly at the plugin boundary."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        shape = getattr(image, "shape", None)
        dtype = getattr(image, "dtype", type(image).__name__)
        raise PluginError(f"Plugin returned an image of shape {shape} and type {dtype}; expected (H, W, 3) uint8.")
    return np.ascontiguousarray(image)
