"""``gencanvas models list|add|remove``: the user's model files from the command line.

The same identification and file handling as the model manager window
(``gencanvas.models.sd.manage``); nothing here imports torch or Qt.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gencanvas.core.settings import load_settings
from gencanvas.models.sd.manage import ModelFileError, add_model, find_in_folder, remove_model
from gencanvas.models.sd.scan import scan_folders

EXIT_OK, EXIT_FAILED = 0, 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gencanvas models", description="List, add and remove your own models.")
    sub = parser.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list", help="one line per model: kind, base model, file name")
    listing.add_argument("--skipped", action="store_true", help="also list the files passed over, and why")
    add = sub.add_parser("add", help="identify a file or diffusers folder and copy it into the models folder")
    add.add_argument("path", type=Path)
    add.add_argument("--link", action="store_true", help="link to the file where it is instead of copying it")
    remove = sub.add_parser("remove", help="delete a model from the models folder")
    remove.add_argument("name", help="file name, or name without suffix")
    remove.add_argument("--yes", action="store_true", help="do not ask")
    return parser


def cmd_models(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    settings = load_settings()
    models_dir = Path(settings.models_dir).expanduser()
    try:
        if args.command == "list":
            result = scan_folders(settings.model_folders(), settings.allow_ckpt)
            for info in result.models:
                print(f"{info.kind_label}  {info.base}  {info.path.name}")
            if args.skipped:
                for skipped in result.skipped:
                    print(f"skipped  {skipped.path}: {skipped.reason}")
            elif result.skipped:
                print(f"({len(result.skipped)} files skipped; 'gencanvas models list --skipped' says why)")
            return EXIT_OK
        if args.command == "add":
            target = add_model(args.path, models_dir, allow_ckpt=settings.allow_ckpt, link=args.link)
            print(f"{'Linked' if args.link else 'Copied'} to {target}")
            return EXIT_OK
        info = find_in_folder(args.name, scan_folders(settings.model_folders(), settings.allow_ckpt).models, models_dir)
        if not args.yes:
            answer = input(f"Delete {info.path}? [y/N] ").strip().lower()
            if answer not in ("y", "yes"):
                print("Nothing deleted.")
                return EXIT_FAILED
        remove_model(info, models_dir)
        print(f"Deleted {info.path}")
        return EXIT_OK
    except (ModelFileError, OSError) as exc:
        print(f"gencanvas models: {exc}", file=sys.stderr)
        return EXIT_FAILED
