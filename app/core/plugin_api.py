"""The contract between GenCanvas and every generator.

A plugin is a small class: it declares what it needs from the canvas (``inputs``, and
``optional_inputs`` it uses when present), its parameters as a pydantic model (``Params``,
which drives both validation and the panel form; ``params_for`` when the form depends on a
choice such as the model), whether it re-runs live (``interactive``), and one method
``run`` that turns inputs into an RGB image while streaming frames through ``ctx.emit``.

Nothing here imports Qt or torch: plugins run headless from the CLI as well as in the
GUI worker, and torch is only touched when a plugin asks ``ctx`` for a device.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

if TYPE_CHECKING:  # pragma: no cover - typing only
    import torch

API_VERSION = "1.1"  # semantic: a minor release only adds to the API, a major one may break plugins


class InputKind(str, enum.Enum):
    """Canvas layers a plugin can ask for."""

    IMAGE = "image"  # the photo layer, RGB uint8 (H, W, 3)
    SKETCH = "sketch"  # the sketch layer, RGBA uint8 (H, W, 4); transparent where nothing is drawn
    MASK = "mask"  # the inpainting mask, bool (H, W); True where the plugin should paint
    REGIONS = "regions"  # regional prompts, a tuple of Region (since 1.1); read ``inputs.regions``


class PluginError(Exception):
    """An error whose message is meant for the artist, not a traceback."""


class MissingInputError(PluginError):
    """The canvas lacks a layer the plugin needs (for example an empty mask); ``kinds`` says which."""

    def __init__(self, message: str, kinds: tuple[InputKind, ...] = ()) -> None:
        super().__init__(message)
        self.kinds = kinds


class JobCancelled(Exception):
    """Raised inside ``run`` by ``ctx.emit``/``ctx.check_cancelled`` once the user cancels."""


@dataclass(frozen=True)
class Region:
    """A part of the canvas with its own prompt (regional prompting, since API 1.1).

    ``mask`` is float32 (H, W) in [0, 1], the canvas size: 1 where ``prompt`` describes the
    picture, fractions on a soft edge. Regions may overlap; where none covers a pixel the
    plugin's own prompt applies.
    """

    prompt: str
    mask: np.ndarray


@dataclass(frozen=True)
class PluginInputs:
    """What the canvas hands a plugin: only the layers it declared, as numpy arrays."""

    width: int
    height: int
    image: np.ndarray | None = None
    sketch: np.ndarray | None = None
    mask: np.ndarray | None = None
    regions: tuple[Region, ...] | None = None  # None when the canvas has no region with a prompt
    # Since 1.1: the mask's painted coverage, float32 (H, W) in [0, 1] (a soft brush's edge is
    # fractional); ``mask`` is True exactly where it is > 0. None whenever ``mask`` is None.
    mask_alpha: np.ndarray | None = None

    def require(self, kind: InputKind) -> np.ndarray:
        """Return the layer or raise a message the artist can act on."""
        value = self.get(kind)
        if value is None:
            raise MissingInputError(missing_message("This plugin", [kind]), (kind,))
        return value

    def get(self, kind: InputKind) -> np.ndarray | None:
        """The layer, or None when the canvas has none or it is empty (an empty mask or sketch)."""
        if kind is InputKind.REGIONS:
            raise TypeError("regions are a tuple of Region: read inputs.regions")
        value: np.ndarray | None = getattr(self, kind.value)
        if value is None or (kind is InputKind.MASK and not np.any(value)):
            return None
        if kind is InputKind.SKETCH and not np.any(value[..., 3]):
            return None
        return value


def _present(inputs: PluginInputs, kind: InputKind) -> bool:
    """Whether the canvas has a non-empty layer (or at least one region) of this kind."""
    if kind is InputKind.REGIONS:
        return bool(inputs.regions)
    return inputs.get(kind) is not None


MISSING_ADVICE = {  # what the artist lacks, and how to make it
    InputKind.IMAGE: ("a photo", "open or paste a picture"),
    InputKind.SKETCH: ("a sketch", "draw on the sketch layer with the brush (B)"),
    InputKind.MASK: ("a mask", "paint it with the mask brush (M)"),
    InputKind.REGIONS: ("a region with a prompt", "paint a region and give it a prompt in the Regions panel"),
}


def missing_message(who: str, kinds: list[InputKind], hows: list[str] | None = None) -> str:
    """One sentence naming who needs what, e.g. "Inpaint (classical) needs a mask: paint it … first."."""
    nouns = [MISSING_ADVICE[kind][0] for kind in kinds]
    hows = hows or [MISSING_ADVICE[kind][1] for kind in kinds]
    return f"{who} needs {' and '.join(nouns)}: {'; '.join(hows)} first."


class ParamsBase(BaseModel):
    """Base of every plugin's parameter schema: unknown keys and wrong types are errors.

    Fields declared with ``choice``/``model_choice`` hold a ``str`` whose allowed values are
    known only at run time (the installed models); they are checked here, so the annotation
    stays a plain ``str`` that type-checks.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    @field_validator("*", mode="after")
    @classmethod
    def _one_of_the_choices(cls, value: Any, info: ValidationInfo) -> Any:
        extra = cls.model_fields[info.field_name].json_schema_extra if info.field_name else None
        options = extra.get("enum") if isinstance(extra, dict) else None
        if isinstance(options, list) and value not in options:
            raise ValueError(f"must be one of: {', '.join(map(str, options))}")
        return value


P = TypeVar("P", bound=ParamsBase)


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


class Plugin(abc.ABC, Generic[P]):
    """Subclass this to add a generator: ``class Mine(Plugin[MyParams])``.

    Generic in its parameters, so ``run(self, inputs, params: MyParams, ctx)`` type-checks.
    ``inputs`` are required (no run without them, and the artist is told what is missing);
    ``optional_inputs`` arrive as None when the canvas has none or they are empty.
    See plugins/README.md for a worked example.
    """

    id: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str] = ""
    api_version: ClassVar[str] = API_VERSION  # the plugin API version the plugin was written for
    inputs: ClassVar[frozenset[InputKind]] = frozenset()
    optional_inputs: ClassVar[frozenset[InputKind]] = frozenset()
    interactive: ClassVar[bool] = False
    if TYPE_CHECKING:
        Params: type[P]  # a class attribute; a ClassVar cannot hold a type variable
    else:
        Params = ParamsBase  # a plugin without parameters

    @classmethod
    def params_for(cls, values: Mapping[str, Any]) -> type[P]:
        """The parameter schema for the form's current ``values`` (a subclass of ``Params``).

        Override when fields depend on a choice, e.g. each model's own sliders: the panel
        rebuilds its form when the returned class changes, and the CLI, validation and
        restoring stored parameters all ask here. Return the same class for the same
        choice (cache it), and never fail: unknown values fall back to the default.
        """
        return cls.Params

    @classmethod
    def model_summary(cls, values: Mapping[str, Any]) -> str | None:
        """One line on what the model chosen in ``values`` knows (domain, resolution, prompts/classes), or None.

        The panel shows it under the description and refreshes it when the form changes, so
        an artist sees before running that, say, a 64-px emoji model will not paint a photo.
        Read it from the model's own config or card, cheaply (no torch), and never fail.
        """
        return None

    @classmethod
    def canvas_inputs(cls) -> frozenset[InputKind]:
        """Every layer the canvas should hand over: the required and the optional ones."""
        return cls.inputs | cls.optional_inputs

    @classmethod
    def prepare_inputs(cls, inputs: PluginInputs) -> PluginInputs:
        """What ``run`` receives: declared layers only, empty optional ones as None.

        Raises :class:`MissingInputError` naming the plugin and every required layer the
        canvas lacks, so the artist knows what to add before anything runs.
        """
        missing = [kind for kind in sorted(cls.inputs, key=lambda k: k.value) if not _present(inputs, kind)]
        if missing:
            raise MissingInputError(missing_message(cls.title, missing), tuple(missing))
        wanted = cls.canvas_inputs()

        def layer(kind: InputKind) -> np.ndarray | None:
            return inputs.get(kind) if kind in wanted else None

        regions = inputs.regions if InputKind.REGIONS in wanted and inputs.regions else None
        mask = layer(InputKind.MASK)
        return replace(
            inputs,
            image=layer(InputKind.IMAGE),
            sketch=layer(InputKind.SKETCH),
            mask=mask,
            regions=regions,
            mask_alpha=inputs.mask_alpha if mask is not None else None,
        )

    #: Values that make a quick run of this plugin for ``gencanvas --self-test`` (e.g. few
    #: steps): the self-test checks that every plugin runs, streams and saves, not how good
    #: its defaults look, and must stay quick on a loaded CPU. Validated at load like defaults.
    self_test_values: ClassVar[dict[str, Any]] = {}

    @classmethod
    def unavailable(cls) -> str | None:
        """Why this plugin cannot run on this installation (e.g. no user models), or None.

        The self-test skips such plugins instead of failing; running one still raises a
        PluginError with the same advice.
        """
        return None

    @abc.abstractmethod
    def run(self, inputs: PluginInputs, params: P, ctx: RunContext) -> np.ndarray:
        """Return the finished RGB uint8 image (H, W, 3), emitting frames on the way."""

    @classmethod
    def live_triggers(cls, params: P) -> frozenset[InputKind]:
        """The inputs this plugin reads with ``params``: in live mode only their edits re-run it.

        Default: every declared input. Override when a parameter decides what is read,
        e.g. StyleGAN reads the photo only with *Source: canvas image*, so on *Source:
        seed* neither a brush stroke nor a new photo re-runs it. Live mode also skips a
        request whose parameters and triggering inputs (by content) match the last run.
        """
        return cls.canvas_inputs()

    @classmethod
    def linked_values(cls, edited: str, values: dict[str, Any]) -> dict[str, Any]:
        """Values other fields take when the user edits ``edited`` (the form's current ``values``).

        For settings that belong to a choice, e.g. each bundled model's own default guidance.
        The panel applies them to user edits, the CLI to every ``--param`` given (values the
        user gave explicitly win); restored parameters are applied as stored.
        """
        return {}

    def describe_params(self, params: P) -> str:
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
