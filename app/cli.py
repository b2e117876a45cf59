"""The ``gencanvas`` command: the GUI by default, plus headless ``generate`` and ``plugins``.

``generate`` and ``plugins`` never import Qt: they run the same JobRunner as the GUI
worker, on the same plugins, and write the same PNG metadata. ``--param`` values are
completed by the panel's own mechanism (``gencanvas.core.param_values``), so a model's
own defaults apply on the command line exactly as when it is chosen in the panel.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from gencanvas import __version__
from gencanvas.core import expand
from gencanvas.core.animation import EXPORT_SUFFIXES, export_sequence, frames_of_result
from gencanvas.core.image_io import SUPPORTED_SAVE_SUFFIXES, ImageLoadError, load_image, load_mask_alpha, save_image
from gencanvas.core.jobs import Job, JobRunner, check_inputs, job_for, user_message, validate_params
from gencanvas.core.metadata import GenerationMetadata
from gencanvas.core.param_values import resolve_values
from gencanvas.core.params import parse_cli_pairs, reroll_seed, seed_field_name
from gencanvas.core.plugin_api import (
    InputKind,
    JobCancelled,
    MissingInputError,
    Plugin,
    PluginError,
    PluginInputs,
    Region,
    missing_message,
)
from gencanvas.core.registry import PluginRegistry, default_registry
from gencanvas.core.settings import load_settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
CLI_INPUT_HINTS = {
    InputKind.IMAGE: "give one with --image",
    InputKind.SKETCH: "give one with --sketch (dark strokes on white)",
    InputKind.MASK: "give one with --mask (white where it should work)",
}


def _gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gencanvas",
        description="GenCanvas: offline generative image editing.",
        epilog="Subcommands: 'gencanvas generate --help', 'gencanvas plugins', 'gencanvas plugin new NAME'.",
    )
    parser.add_argument("image", nargs="?", help="image to open as the photo layer")
    parser.add_argument("--self-test", action="store_true", help="build the window offscreen, run every plugin once")
    parser.add_argument("--exit-when-shown", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--version", action="version", version=f"gencanvas {__version__}")
    return parser


def _generate_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gencanvas generate", description="Run one plugin headless and write a PNG.")
    parser.add_argument("--plugin", required=True, help="plugin id (see 'gencanvas plugins')")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="a parameter; repeatable")
    parser.add_argument("--image", type=Path, help="photo layer")
    parser.add_argument("--sketch", type=Path, help="sketch layer (strokes on white or transparent)")
    parser.add_argument("--mask", type=Path, help="mask: white where the plugin should paint")
    parser.add_argument(
        "--region",
        action="append",
        default=[],
        metavar="PROMPT=MASK",
        help='a regional prompt and its mask file (white where it applies), e.g. "a red hat=hat.png"; repeatable',
    )
    parser.add_argument("--size", default="512x512", help="canvas WxH when no --image is given")
    parser.add_argument(
        "--expand", metavar="L,T,R,B", help="outpaint: grow the canvas by these pixels per side and mask the new area"
    )
    parser.add_argument("--device", choices=["auto", "cuda", "mps", "cpu"], help="overrides the setting")
    parser.add_argument(
        "-o", "--output", type=Path, required=True, help="output image (.png, .jpg, .webp; .gif animates)"
    )
    parser.add_argument(
        "--animate",
        action="store_true",
        help="write the result's frames (e.g. vae-interpolate) as an animated .gif/.webp or a .png strip",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    return parser


def _read_inputs(args: argparse.Namespace) -> PluginInputs:
    image = load_image(args.image).rgb if args.image else None
    if image is not None:
        height, width = image.shape[:2]
    else:
        try:
            width, height = (int(v) for v in args.size.lower().split("x"))
        except ValueError:
            raise PluginError(f"--size expects WxH such as 512x512, got {args.size!r}") from None
        if not (8 <= width <= 4096 and 8 <= height <= 4096):
            raise PluginError(f"--size must be between 8 and 4096 pixels a side, got {args.size}")
    sketch = mask = alpha = None
    if args.sketch:
        sketch = _sketch_from(load_image(args.sketch).rgba)
    if args.mask:
        alpha = load_mask_alpha(args.mask)
        mask = alpha > 0
    for name, layer in (("sketch", sketch), ("mask", mask)):
        if layer is not None and layer.shape[:2] != (height, width):
            raise PluginError(f"The {name} is {layer.shape[1]}×{layer.shape[0]} but the canvas is {width}×{height}.")
    regions = tuple(_region(spec, width, height) for spec in args.region)
    return PluginInputs(width, height, image, sketch, mask, mask_alpha=alpha, regions=regions or None)


def _region(spec: str, width: int, height: int) -> Region:
    """``--region "PROMPT=MASK_FILE"`` as a Region at the canvas size (the prompt may hold '=', the file not)."""
    prompt, equals, path = spec.rpartition("=")
    if not equals or not prompt.strip() or not path.strip():
        raise PluginError(f'--region expects PROMPT=MASK_FILE such as "a red hat=hat.png", got {spec!r}')
    mask = load_mask_alpha(Path(path.strip()))  # soft masks keep their grey levels
    if mask.shape != (height, width):
        raise PluginError(
            f"The mask of the region '{prompt.strip()}' is {mask.shape[1]}×{mask.shape[0]} "
            f"but the canvas is {width}×{height}."
        )
    return Region(prompt.strip(), mask)


def _sketch_from(rgba: np.ndarray) -> np.ndarray:
    """Strokes on white become strokes on transparent, like the canvas's sketch layer."""
    sketch = rgba.copy()
    ink = 255 - rgba[..., :3].min(axis=2)
    sketch[..., 3] = np.minimum(rgba[..., 3], np.where(ink > 8, 255, 0)).astype(np.uint8)
    return sketch


def _check_output(args: argparse.Namespace) -> None:
    """Refuse an output the writers cannot make before the job runs, not after minutes of work."""
    suffix = args.output.suffix.lower()
    animated = args.animate or suffix == ".gif"
    allowed = EXPORT_SUFFIXES if animated else SUPPORTED_SAVE_SUFFIXES
    if suffix not in allowed:
        listed = ", ".join(allowed)
        hint = "" if animated else " (or .gif/.webp with --animate)"
        raise ValueError(f"cannot write {str(args.output)!r}: the output must end in {listed}{hint}")


def _device_line(device: str) -> None:
    """Say so when the requested accelerator is absent and the job will run on the CPU."""
    from gencanvas.core.devices import fallback_notice

    notice = fallback_notice(device)
    if notice:
        print(f"gencanvas: {notice}", file=sys.stderr)


def _build_job(plugin_type: type[Plugin[Any]], pairs: list[str], inputs: PluginInputs) -> Job:
    given = parse_cli_pairs(pairs)
    values = resolve_values(plugin_type, given)
    seed_name = seed_field_name(plugin_type.params_for(values))
    if seed_name and seed_name not in given:
        values[seed_name] = reroll_seed()
    job = job_for(plugin_type(), validate_params(plugin_type, values), inputs)
    try:
        check_inputs(job.plugin, inputs)  # a missing layer is a usage error, said before any model loads
    except MissingInputError as exc:
        hows = [CLI_INPUT_HINTS[kind] for kind in exc.kinds]
        raise MissingInputError(missing_message(plugin_type.title, list(exc.kinds), hows), exc.kinds) from None
    return job


def cmd_generate(argv: list[str]) -> int:
    from tqdm import tqdm

    args = _generate_parser().parse_args(argv)
    try:
        _check_output(args)
        plugin_type = default_registry().get(args.plugin)
        if args.region and InputKind.REGIONS not in plugin_type.canvas_inputs():
            raise PluginError(f"{plugin_type.title} does not follow regional prompts: leave out --region.")
        inputs = _read_inputs(args)
        if args.expand:
            inputs = expand.expand_inputs(inputs, expand.parse_margins(args.expand))
        job = _build_job(plugin_type, args.param, inputs)
    except (KeyError, ValueError, PluginError, ImageLoadError) as exc:
        print(f"gencanvas: {exc.args[0] if isinstance(exc, KeyError) else exc}", file=sys.stderr)
        return EXIT_USAGE
    settings = load_settings()
    runner = JobRunner(args.device or settings.device, settings.precision)
    _device_line(runner.device)
    with tqdm(desc=plugin_type.title, unit="step", disable=args.quiet, file=sys.stderr) as bar:

        def sink(frame: np.ndarray, step: int, total: int) -> None:
            bar.total = total
            bar.update(step - bar.n)

        try:
            pixels = runner.run(job, sink)
        except KeyboardInterrupt:
            job.cancel()
            return EXIT_INTERRUPTED
        except JobCancelled:
            return EXIT_INTERRUPTED
        except PluginError as exc:
            print(f"gencanvas: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except Exception as exc:
            print(f"gencanvas: {user_message(exc, job.plugin)}", file=sys.stderr)
            return EXIT_FAILED
    params = job.params.model_dump(mode="json")
    metadata = GenerationMetadata(plugin_type.id, params, job.plugin.describe_params(job.params), __version__)
    try:
        if args.animate or args.output.suffix.lower() == ".gif":
            export_sequence(args.output, frames_of_result(pixels, params), metadata=metadata)
        else:
            save_image(args.output, pixels, metadata)
    except (OSError, ValueError) as exc:
        print(f"gencanvas: could not write {args.output}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(
        json.dumps(
            {"output": str(args.output), "plugin": plugin_type.id, "params": params, "frames_sent": job.frames_sent}
        )
    )
    return EXIT_OK


def plugin_listing(registry: PluginRegistry) -> dict[str, dict[str, Any]]:
    """Every registered plugin, loaded or failed, as ``plugins --json`` prints it."""
    plugins = registry.load_all()
    listing: dict[str, dict[str, Any]] = {}
    for plugin_id in registry.ids():
        source = registry.source(plugin_id)
        entry: dict[str, Any] = {"package": source.package, "version": source.version, "target": source.target}
        plugin_type = plugins.get(plugin_id)
        if plugin_type is None:
            refused = registry.refused.get(plugin_id)  # None when it could not even be imported
            entry |= {
                "status": "failed",
                "error": registry.failures.get(plugin_id, "unknown error"),
                "title": getattr(refused, "title", None),
                "description": getattr(refused, "description", None),
                "api_version": getattr(refused, "api_version", None),
            }
        else:
            entry |= {
                "status": "ok",
                "error": None,
                "title": plugin_type.title,
                "description": plugin_type.description,
                "api_version": plugin_type.api_version,
                "inputs": sorted(k.value for k in plugin_type.inputs),
                "optional_inputs": sorted(k.value for k in plugin_type.optional_inputs),
                "interactive": plugin_type.interactive,
                "params": plugin_type.params_for({}).model_json_schema(),
            }
        listing[plugin_id] = entry
    for name, why in registry.failures.items():  # plugins-folder entries that never got an id
        listing.setdefault(name, {"package": None, "version": None, "target": None, "status": "failed", "error": why})
    return listing


def cmd_plugins(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="gencanvas plugins", description="List plugins and their parameters.")
    parser.add_argument("--json", action="store_true", help="machine-readable output, failed plugins included")
    args = parser.parse_args(argv)
    registry = default_registry()
    if args.json:
        print(json.dumps(plugin_listing(registry), indent=2))
        return EXIT_OK
    plugins = registry.load_all()
    for plugin_id, plugin_type in plugins.items():
        inputs = ", ".join(sorted(k.value for k in plugin_type.inputs)) or "none"
        optional = ", ".join(sorted(k.value for k in plugin_type.optional_inputs))
        inputs += f"; optional: {optional}" if optional else ""
        interactive = ", interactive" if plugin_type.interactive else ""
        print(f"{plugin_id}  —  {plugin_type.title} (inputs: {inputs}{interactive})")
        params_type = plugin_type.params_for({})
        for name, info in params_type.model_fields.items():
            schema = params_type.model_json_schema()["properties"][name]
            kind = schema.get("enum") or schema.get("type", "")
            bounds = f" [{schema.get('minimum')}..{schema.get('maximum')}]" if "minimum" in schema else ""
            print(f"    {name}={info.default!r}  {kind}{bounds}  {info.description or ''}")
    for plugin_id, why in registry.failures.items():
        print(f"{plugin_id}  —  failed to load: {why}", file=sys.stderr)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "generate":
        return cmd_generate(argv[1:])
    if argv and argv[0] == "plugins":
        return cmd_plugins(argv[1:])
    if argv and argv[0] == "models":
        from gencanvas.models_cli import cmd_models

        return cmd_models(argv[1:])
    if argv and argv[0] == "plugin":
        from gencanvas.plugin_scaffold import cmd_plugin

        return cmd_plugin(argv[1:])
    args = _gui_parser().parse_args(argv)
    if args.self_test:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from gencanvas.qt.selftest import run_self_test

        return run_self_test()
    from gencanvas.qt.app import run_gui

    return run_gui(args.image, exit_when_shown=args.exit_when_shown)


if __name__ == "__main__":
    sys.exit(main())
