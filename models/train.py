"""Training CLI: ``python -m gencanvas.models.train diffusion|vae|pix2pix|stylegan --data fashion-mnist|emoji|DIR ...``.

Works under ``accelerate launch`` unchanged (multi-GPU); ``--time-limit`` stops and
checkpoints before a short GPU session ends, and a rerun with the same ``--run-dir`` resumes.
This module only wires the subcommands: each model family's ``command.py`` owns its flags
and its run, and every trainer runs in the one loop of models/training_loop.py.
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys

from gencanvas.models.diffusion import command as diffusion_command
from gencanvas.models.pix2pix import command as pix2pix_command
from gencanvas.models.stylegan import command as stylegan_command
from gencanvas.models.training_args import IncompatibleModel
from gencanvas.models.vae import command as vae_command

COMMANDS = {  # in the order ``--help`` lists them
    "diffusion": diffusion_command,
    "vae": vae_command,
    "pix2pix": pix2pix_command,
    "stylegan": stylegan_command,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gencanvas.models.train", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="model", required=True)
    for command in COMMANDS.values():
        command.add_parser(sub)
    args = parser.parse_args(argv)
    args.command = "python -m gencanvas.models.train " + shlex.join(sys.argv[1:] if argv is None else argv)
    if args.init_from is not None and not args.init_from.is_dir():
        parser.error(f"--init-from {args.init_from}: no such folder")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        return COMMANDS[args.model].run(args)
    except (IncompatibleModel, FileNotFoundError) as error:
        parser.exit(2, f"error: {error}\n")


if __name__ == "__main__":
    sys.exit(main())
