"""`make test`'s check before pytest starts: the browser tests' Chromium is there, or this run
installs it, or the run stops at once with one sentence saying what to run.

    python3 -m scripts.ensure_chromium

``TANDEM_CHROMIUM`` names the Chromium the browser tests drive (default: Debian's,
``/usr/bin/chromium``). When Debian's is missing and we are root with apt-get, it is installed
(``apt-get install -y chromium``) with one line saying so. Otherwise nothing is installed and
the check exits non-zero with one sentence and the command to run, so no test starts only to
fail for want of a browser. ``TANDEM_APT_GET`` names the apt-get to use (default: the one on
PATH); empty means never install. Standard library only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from scripts.progress import step

DEBIAN_CHROMIUM = "/usr/bin/chromium"
INSTALL_COMMAND = "apt-get install -y chromium"
SHOWN_OUTPUT_LINES = 25


def chromium_path() -> str:
    """The Chromium the browser tests drive."""
    return os.environ.get("TANDEM_CHROMIUM") or DEBIAN_CHROMIUM


def is_present(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_apt_get() -> str | None:
    if "TANDEM_APT_GET" in os.environ:
        named = os.environ["TANDEM_APT_GET"]
        return named if named and is_present(named) else None
    return shutil.which("apt-get")


def reason_not_to_install(chromium: str, *, root: bool, apt_get: str | None) -> str | None:
    """The one sentence for a missing Chromium that this run will not install, or None when it will."""
    if apt_get is None:
        return (
            f"The browser tests need Chromium and there is none at {chromium}, nor an apt-get to install it with: "
            "install Chromium, then run `TANDEM_CHROMIUM=/path/to/chromium make test`."
        )
    if not root:
        also = " and unset TANDEM_CHROMIUM" if chromium != DEBIAN_CHROMIUM else ""
        return (
            f"The browser tests need Chromium and there is none at {chromium}: "
            f"run `sudo {INSTALL_COMMAND}`{also}, then `make test` again."
        )
    if chromium != DEBIAN_CHROMIUM:
        # apt-get would put Debian's at /usr/bin/chromium, not where TANDEM_CHROMIUM points.
        return (
            f"The browser tests need Chromium and TANDEM_CHROMIUM names {chromium}, which does not exist: "
            f"point it at a Chromium, or unset it and `make test` will run `{INSTALL_COMMAND}` itself."
        )
    return None


def install(apt_get: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # A fresh machine has no package lists yet; without them apt-get cannot find chromium.
    update = subprocess.run([apt_get, "update", "-qq"], capture_output=True, text=True, env=env, check=False)  # noqa: S603
    if update.returncode != 0:
        return update
    return subprocess.run(  # noqa: S603
        [apt_get, "install", "-y", "-qq", "chromium"], capture_output=True, text=True, env=env, check=False
    )


def main() -> int:
    chromium = chromium_path()
    if is_present(chromium):
        return 0
    apt_get = find_apt_get()
    reason = reason_not_to_install(chromium, root=os.geteuid() == 0, apt_get=apt_get)
    if reason is not None or apt_get is None:
        print(reason, file=sys.stderr)
        return 1
    with step(f"installing Debian's Chromium for the browser tests ({INSTALL_COMMAND})"):
        result = install(apt_get)
    if result.returncode != 0 or not is_present(chromium):
        output = (result.stdout + result.stderr).strip().splitlines()[-SHOWN_OUTPUT_LINES:]
        print("\n".join(output), file=sys.stderr)
        print(
            f"Installing Chromium failed (apt-get exited with code {result.returncode}; its last lines are above): "
            f"fix that, run `{INSTALL_COMMAND}`, then `make test` again.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
