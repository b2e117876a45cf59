"""``python -m gencanvas`` and the frozen bundle's entry script (build_scripts/gencanvas.spec)."""

import multiprocessing
import sys

if __name__ == "__main__":
    # In a frozen bundle a child process started by multiprocessing re-runs this executable;
    # freeze_support() turns it into the child instead of opening a second window.
    multiprocessing.freeze_support()

    from gencanvas.cli import main

    sys.exit(main())
