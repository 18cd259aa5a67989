"""Pin every package, with hashes, from the dependencies ``pyproject.toml`` declares (`make lock`).

One resolution, three layers: ``requirements/dev.txt`` is the lock (everything a developer's
machine and CI install: the runtime, the embedded servers and Faker, the test and lint tools);
``requirements/local.txt`` (runtime and the ``local`` extra: what `make run` needs) and
``requirements/runtime.txt`` (what the production image installs) are resolved under it as a
constraint, so a package has the same version in all three. Each pin carries the hashes of
its files, so pip and uv refuse anything else. A pin already in the lock is kept unless
``pyproject.toml`` asks for another version (uv prefers the versions of the file it writes).

    python3 -m scripts.lock
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scripts.setup_env import find_uv

ROOT = Path(__file__).resolve().parent.parent
LOCK = Path("requirements/dev.txt")
# (file, extras), the lock first: the others are resolved under it.
LAYERS = (
    (LOCK, ("--all-extras",)),
    (Path("requirements/local.txt"), ("--extra", "local")),
    (Path("requirements/runtime.txt"), ()),
)
PYTHON = "3.11"


def main() -> int:
    uv = find_uv()
    if uv is None:
        print("make lock needs uv (on PATH, or fetched by scripts.setup_env)", file=sys.stderr)
        return 1
    for output, extras in LAYERS:
        constraint = ("--constraint", str(LOCK)) if output != LOCK else ()
        command = [
            uv,
            "pip",
            "compile",
            "pyproject.toml",
            *extras,
            *constraint,
            "--generate-hashes",
            "--python-version",
            PYTHON,
            "--quiet",
            "--output-file",
            str(output),
        ]
        subprocess.run(command, cwd=ROOT, check=True)  # noqa: S603
        print(f"[lock] {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
