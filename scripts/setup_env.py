"""`make`'s first step: the virtual environment with the pinned packages.

    python3 -m scripts.setup_env --venv .venv --requirements requirements/dev.txt

uv creates the environment and installs the pins in about a second from a warm cache, where
pip takes tens of seconds, so uv does it when it can be had: the ``uv`` on PATH, or else a
copy of uv ``UV_VERSION`` that this script fetches once with pip into the user's cache
(``~/.cache/tandem/``) and reuses for every clone. When uv cannot be had, or fails, pip does
the same job; ``TANDEM_INSTALLER=pip`` (or ``uv``) insists on one. Each step prints one line
with the time it took (scripts/progress.py); an installer's own output is shown only when it
fails. Standard library only: this runs before the environment exists.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from scripts.progress import say, step

UV_VERSION = "0.13.9"
MINIMUM_PYTHON = (3, 11)
# Lines of a failed installer's output worth showing: the error is at the end.
SHOWN_OUTPUT_LINES = 25


class SetupFailed(Exception):
    def __init__(self, summary: str, output: str = "") -> None:
        super().__init__(summary)
        self.output = output

    def tail(self) -> str:
        return "\n".join(self.output.strip().splitlines()[-SHOWN_OUTPUT_LINES:])


def run(command: list[str]) -> None:
    """Run an installer quietly; its output is kept for when it fails."""
    env = {**os.environ, "PIP_ROOT_USER_ACTION": "ignore", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    if result.returncode != 0:
        # `python -m pip …` is pip to the reader.
        name = command[2] if command[1:2] == ["-m"] else Path(command[0]).name
        raise SetupFailed(f"{name} exited with code {result.returncode}", result.stdout + result.stderr)


def user_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tandem"


def find_uv() -> str | None:
    """uv from PATH, or the pinned copy in the user's cache, fetched with pip the first time."""
    on_path = shutil.which("uv")
    if on_path:
        return on_path
    home = user_cache() / f"uv-{UV_VERSION}"
    uv = home / "bin" / "uv"
    if os.access(uv, os.X_OK):
        return str(uv)
    try:
        with step(f"fetching uv {UV_VERSION} with pip (once for this machine, kept in {home.parent})"):
            home.parent.mkdir(parents=True, exist_ok=True)
            # Into a fresh folder first, then renamed: a half-finished copy is never taken for a whole one.
            partial = Path(tempfile.mkdtemp(prefix=f"uv-{UV_VERSION}-", dir=home.parent))
            try:
                run([sys.executable, "-m", "pip", "install", "--quiet", "--target", str(partial), f"uv=={UV_VERSION}"])
                # Another make may have finished first; its copy is as good as ours.
                with contextlib.suppress(OSError):
                    partial.rename(home)
            finally:
                shutil.rmtree(partial, ignore_errors=True)
    except (SetupFailed, OSError) as error:
        say(f"uv could not be fetched ({error}); pip will install the packages instead")
        return None
    return str(uv) if os.access(uv, os.X_OK) else None


def has_python(venv: Path) -> bool:
    return os.access(venv / "bin" / "python", os.X_OK)


def install_with_uv(uv: str, venv: Path, requirements: Path) -> None:
    if not has_python(venv):
        with step("creating the virtual environment (uv)"):
            run([uv, "venv", "--quiet", "--clear", "--python", sys.executable, str(venv)])
    with step("installing pinned packages (uv)"):
        run([uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), "-r", str(requirements)])


def install_with_pip(venv: Path, requirements: Path) -> None:
    python = str(venv / "bin" / "python")
    if not has_python(venv):
        with step("creating the virtual environment (venv)"):
            run([sys.executable, "-m", "venv", "--clear", str(venv)])
    elif subprocess.run([python, "-m", "pip", "--version"], capture_output=True, check=False).returncode != 0:  # noqa: S603
        # uv makes environments without pip.
        with step("adding pip to the virtual environment"):
            run([python, "-m", "ensurepip", "--default-pip"])
    with step("installing pinned packages (pip)"):
        run([python, "-m", "pip", "install", "--quiet", "-r", str(requirements)])


def set_up(venv: Path, requirements: Path, installer: str) -> None:
    uv = find_uv() if installer in ("auto", "uv") else None
    if uv is None and installer == "uv":
        raise SetupFailed("TANDEM_INSTALLER=uv, but uv is not on PATH and could not be fetched")
    if uv is not None:
        try:
            install_with_uv(uv, venv, requirements)
            return
        except SetupFailed as error:
            if installer == "uv":
                raise
            print(error.tail(), file=sys.stderr)
            say(f"uv failed ({error}; its last lines are above); pip will install the packages instead")
    install_with_pip(venv, requirements)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--venv", type=Path, default=Path(".venv"))
    parser.add_argument("--requirements", type=Path, default=Path("requirements/dev.txt"))
    args = parser.parse_args(argv)
    if sys.version_info < MINIMUM_PYTHON:
        found = ".".join(map(str, sys.version_info[:3]))
        print(
            f"Tandem needs Python 3.11 or newer and {sys.executable} is {found}: "
            "run make with PYTHON=python3.11 (or newer), e.g. `make run PYTHON=python3.11`.",
            file=sys.stderr,
        )
        return 2
    installer = os.environ.get("TANDEM_INSTALLER", "auto")
    if installer not in ("auto", "uv", "pip"):
        print(f"TANDEM_INSTALLER must be uv, pip or unset, not {installer!r}.", file=sys.stderr)
        return 2
    try:
        set_up(args.venv, args.requirements, installer)
    except SetupFailed as error:
        shown = error.tail()
        if shown:
            print(shown, file=sys.stderr)
        where = "; its last lines are above" if shown else ""
        print(f"Setting up {args.venv} failed ({error}{where}): fix that and run make again.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
