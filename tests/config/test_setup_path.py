"""The README's two commands do all the set-up, from a clean clone in a temporary folder.

The clone is the work tree as `git clone` would give it plus the files not committed yet, with
no .venv and no .local. `make run` there creates the environment (uv when it can be had,
else pip), starts the embedded PostgreSQL and Redis in the clone's own .local/, migrates,
loads the demo data and serves pages, saying what it does in one line a step with the time
each took; Ctrl-C stops all of it. `make test` checks for the browser tests' Chromium before
anything else and, where it cannot install it, stops with one sentence and the command to run.
A missing Chromium is simulated with TANDEM_CHROMIUM naming a file that does not exist, and
"cannot install" with TANDEM_APT_GET, so nothing is uninstalled and apt-get never runs.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from config.embedded import BASE_DIR
from demo.agencies import DEMO_PASSWORD
from scripts import ensure_chromium
from scripts.ensure_chromium import DEBIAN_CHROMIUM, reason_not_to_install

MAKE = shutil.which("make") or "make"
DEMO_SOCIAL_WORKER = "practitioner@csc.demo.tandem.example"
GIT = shutil.which("git") or "git"
# A new user's shell is this machine's (proxies, certificates, pip's settings) without what
# this test session set for itself (its servers, its settings, its clock) or inherited from a
# `make test` around it.
SESSION_ENVIRONMENT = {"DATABASE_URL", "REDIS_URL", "CACHE_KEY_PREFIX", "XDG_RUNTIME_DIR", "VIRTUAL_ENV", "PORT"}
SESSION_PREFIXES = ("DJANGO_", "TANDEM_", "PYTEST_", "MAKE", "MFLAGS")
# A new user's first `make run`, in order: each a line with the time it took. The web server
# is said to answer only once the demo data is all in, and the worker and beat start after it.
FIRST_RUN_LINES = [
    r"\[tandem\] creating the virtual environment \((uv|venv)\) … [\d.]+ s",
    r"\[tandem\] installing pinned packages \((uv|pip)\) … [\d.]+ s",
    r"\[tandem\] starting embedded PostgreSQL \(first run: creating \.local/pgdata\) … [\d.]+ s",
    r"\[tandem\] starting embedded Redis … [\d.]+ s",
    r"\[tandem\] applying migrations … [\d.]+ s",
    r"\[tandem\] loading demo data … [\d.]+ s",
    r"  Demo casework loaded on \d+ cases\.",
    r"\[tandem\] web server answering after [\d.]+ s",
    r"\[tandem\] starting worker and beat",
    r"Tandem is running at ",
]


def clean_clone(target: Path) -> Path:
    """The work tree's files that git would carry (committed or not yet), without .venv or .local."""
    listed = subprocess.run(
        [GIT, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=BASE_DIR,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = BASE_DIR / name
        if source.is_file():  # listed but deleted in the work tree
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    target.chmod(0o755)  # the embedded PostgreSQL runs as its own system user when we are root
    return target


def new_user_environment(**overrides: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in SESSION_ENVIRONMENT and not name.startswith(SESSION_PREFIXES)
    }
    # Not this checkout's virtual environment, should it be on PATH.
    env["PATH"] = os.pathsep.join(
        entry for entry in env.get("PATH", "").split(os.pathsep) if not entry.startswith(str(BASE_DIR))
    )
    env.update(overrides)
    return env


def signed_in_page(base: str, email: str, password: str, path: str) -> str:
    """The page at ``path`` as ``email`` sees it after signing in through the sign-in form."""
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with browser.open(f"{base}/accounts/login/", timeout=10) as response:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.read().decode())
    assert token, "no CSRF token on the sign-in page"
    form = {"csrfmiddlewaretoken": token.group(1), "username": email, "password": password}
    with browser.open(f"{base}/accounts/login/", data=urllib.parse.urlencode(form).encode(), timeout=30) as response:
        assert not response.url.startswith(f"{base}/accounts/login/"), "the sign-in was refused"
    with browser.open(f"{base}{path}", timeout=10) as response:
        assert response.url == f"{base}{path}", f"sent to {response.url}"
        return str(response.read().decode())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], bool], process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, f"make run exited with code {process.returncode}"
        assert time.monotonic() < deadline, f"not there after {timeout} s"
        time.sleep(0.5)


def stop_leftover_postgres(data_dir: Path) -> None:
    """Only if `make run` failed to stop its own server: stop that one server, by its id."""
    postmaster = data_dir / "postmaster.pid"
    if postmaster.exists():
        with contextlib.suppress(ValueError, OSError):
            os.kill(int(postmaster.read_text().split()[0]), signal.SIGINT)  # PostgreSQL's fast shutdown


@pytest.fixture
def clone_dir() -> Iterator[Path]:
    """A folder outside pytest's own: every pytest session that starts makes pytest's base folder
    private again, and the embedded PostgreSQL (its own system user when we are root) would lose
    its way to its binaries and time zones midway."""
    with tempfile.TemporaryDirectory(prefix="tandem-clean-clone-", ignore_cleanup_errors=True) as folder:
        yield Path(folder)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_make_run_on_a_clean_clone_creates_the_environment_starts_the_servers_and_serves_a_page(tmp_path, clone_dir):
    clone = clean_clone(clone_dir / "clone")
    assert not (clone / ".venv").exists()
    assert not (clone / ".local").exists()
    port = free_port()
    log = tmp_path / "make-run.log"
    with log.open("wb") as output:
        make = subprocess.Popen(
            [MAKE, "run"],
            cwd=clone,
            env=new_user_environment(PORT=str(port)),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, for the Ctrl-C below
        )
    try:
        # The demo sign-ins' last line: everything is up.
        wait_until(lambda: "Press Ctrl-C to stop." in log.read_text(errors="replace"), make, timeout=480)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            assert response.status == 200
            assert json.load(response)["status"] == "ok"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=10) as response:
            assert "Sign in" in response.read().decode()
        # The demo is all there: its social worker signs in with the demo password and sees their cases.
        cases = signed_in_page(f"http://127.0.0.1:{port}", DEMO_SOCIAL_WORKER, DEMO_PASSWORD, "/cases/")
        assert re.search(r"TDM-\d{4}-\d{6}", cases), cases[-3000:]
    finally:
        with contextlib.suppress(ProcessLookupError):  # gone already, if it failed
            os.killpg(make.pid, signal.SIGINT)  # Ctrl-C at the terminal reaches the whole group
            time.sleep(0.5)
            os.killpg(make.pid, signal.SIGINT)  # and again, as an impatient person presses it
        try:
            make.wait(timeout=90)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(make.pid, signal.SIGKILL)
            make.wait()
        stop_leftover_postgres(clone / ".local" / "pgdata")
    printed = log.read_text(errors="replace")
    position = 0
    for line in FIRST_RUN_LINES:
        found = re.compile(line).search(printed, position)
        assert found, f"no line like {line!r} after position {position} in:\n{printed[-6000:]}"
        position = found.end()
    assert f"Tandem is running at http://localhost:{port}/" in printed
    assert os.access(clone / ".venv" / "bin" / "python", os.X_OK)
    assert (clone / ".venv" / ".installed").exists()
    assert (clone / ".local" / "pgdata" / "PG_VERSION").exists()
    # Ctrl-C stopped everything, the embedded servers included.
    assert "Stopped." in printed
    assert "Traceback" not in printed.split("Stopping web, worker and beat")[-1]
    assert not (clone / ".local" / "pgdata" / "postmaster.pid").exists()


def test_make_test_without_chromium_and_no_way_to_install_it_stops_first_with_one_sentence(tmp_path, clone_dir):
    clone = clean_clone(clone_dir / "clone")
    missing = tmp_path / "nowhere" / "chromium"
    result = subprocess.run(
        [MAKE, "test"],
        cwd=clone,
        env=new_user_environment(TANDEM_CHROMIUM=str(missing), TANDEM_APT_GET=""),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    said = [line for line in result.stderr.splitlines() if not line.startswith("make")]
    assert said == [
        f"The browser tests need Chromium and there is none at {missing}, nor an apt-get to install it with: "
        "install Chromium, then run `TANDEM_CHROMIUM=/path/to/chromium make test`."
    ]
    # It stopped before anything else: no environment made, no test run.
    assert result.stdout == ""
    assert not (clone / ".venv").exists()


def test_chromium_check_never_runs_apt_get_for_a_chromium_it_would_not_put_there(tmp_path):
    # apt-get installs Debian's Chromium at /usr/bin/chromium, not where TANDEM_CHROMIUM points.
    ran = tmp_path / "apt-get-ran"
    apt_get = tmp_path / "apt-get"
    apt_get.write_text(f"#!/bin/sh\ntouch {ran}\n")
    apt_get.chmod(0o755)
    missing = tmp_path / "nowhere" / "chromium"
    result = subprocess.run(
        [sys.executable, "-m", "scripts.ensure_chromium"],
        cwd=BASE_DIR,
        env=new_user_environment(TANDEM_CHROMIUM=str(missing), TANDEM_APT_GET=str(apt_get)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1
    assert str(missing) in result.stderr
    assert not ran.exists()


def test_chromium_check_is_silent_when_chromium_is_there(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "scripts.ensure_chromium"],
        cwd=BASE_DIR,
        env=new_user_environment(TANDEM_CHROMIUM=sys.executable, TANDEM_APT_GET=""),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_chromium_is_installed_only_by_root_with_apt_get_and_for_debians_path():
    assert reason_not_to_install(DEBIAN_CHROMIUM, root=True, apt_get="/usr/bin/apt-get") is None
    not_root = reason_not_to_install(DEBIAN_CHROMIUM, root=False, apt_get="/usr/bin/apt-get")
    assert not_root is not None
    assert "`sudo apt-get install -y chromium`" in not_root
    no_apt = reason_not_to_install(DEBIAN_CHROMIUM, root=True, apt_get=None)
    assert no_apt is not None
    assert "TANDEM_CHROMIUM=/path/to/chromium" in no_apt


def test_set_up_falls_back_to_pip_when_uv_fails(tmp_path):
    broken = tmp_path / "bin"
    broken.mkdir()
    (broken / "uv").write_text("#!/bin/sh\necho 'uv: broken on purpose' >&2\nexit 3\n")
    (broken / "uv").chmod(0o755)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# nothing to install: the fallback is what is tested\n")
    env = new_user_environment()
    env["PATH"] = f"{broken}{os.pathsep}{env['PATH']}"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts.setup_env",
            "--venv",
            str(tmp_path / "venv"),
            "--requirements",
            str(requirements),
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    assert "uv: broken on purpose" in result.stderr
    assert "[tandem] uv failed (uv exited with code 3; its last lines are above); pip will install" in result.stderr
    assert re.search(r"\[tandem\] creating the virtual environment \(venv\) … [\d.]+ s", result.stderr)
    assert re.search(r"\[tandem\] installing pinned packages \(pip\) … [\d.]+ s", result.stderr)
    assert os.access(tmp_path / "venv" / "bin" / "python", os.X_OK)


def test_missing_debian_chromium_is_installed_by_root_with_apt_get_saying_so(tmp_path, monkeypatch, capfd):
    # Debian's path stands in a temporary folder, and apt-get is a stand-in that "installs" it there.
    debian_chromium = tmp_path / "usr" / "bin" / "chromium"
    calls = tmp_path / "apt-get-calls"
    apt_get = tmp_path / "apt-get"
    apt_get.write_text(
        "#!/bin/sh\n"
        f'echo "$DEBIAN_FRONTEND $*" >> {calls}\n'
        f'if [ "$1" = install ]; then mkdir -p {debian_chromium.parent}; '
        f"printf '#!/bin/sh\\n' > {debian_chromium}; chmod +x {debian_chromium}; fi\n"
    )
    apt_get.chmod(0o755)
    monkeypatch.setattr(ensure_chromium, "DEBIAN_CHROMIUM", str(debian_chromium))
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.delenv("TANDEM_CHROMIUM", raising=False)
    monkeypatch.setenv("TANDEM_APT_GET", str(apt_get))

    assert ensure_chromium.main() == 0

    assert calls.read_text().splitlines() == ["noninteractive update -qq", "noninteractive install -y -qq chromium"]
    said = capfd.readouterr().err.strip().splitlines()
    assert len(said) == 1
    assert re.fullmatch(
        r"\[tandem\] installing Debian's Chromium for the browser tests \(apt-get install -y chromium\) … [\d.]+ s",
        said[0],
    )
