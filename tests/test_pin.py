"""The pin (issue 20): a library's requirements.txt names one real version of
shelfpost; a wheel built from this checkout installs as that version and runs as it;
``check`` warns when the running shelfpost and the pin disagree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from conftest import REPO, run_cli
from shelfpost.adopt.pin import PIN_RE, REQUIREMENTS, pin_line, pin_problem, read_pin
from shelfpost.version import __version__


def test_the_pin_is_one_line_naming_this_version(tmp_path: Path) -> None:
    line = pin_line(__version__)
    assert line == f"shelfpost @ git+https://github.com/shelfpost/shelfpost@v{__version__}"
    (tmp_path / REQUIREMENTS).write_text(f"# comment\n{line}\n", encoding="utf-8")
    assert read_pin(tmp_path) == (2, __version__)
    assert pin_problem(tmp_path, __version__) is None
    assert PIN_RE.match("shelfpost==0.2.0")  # a package index pin, once it is published
    (tmp_path / REQUIREMENTS).write_text("shelfpost==0.0.9\n", encoding="utf-8")
    warning = pin_problem(tmp_path, __version__)
    assert warning and warning.startswith("requirements.txt:1:1: warning: shelfpost 0.1.0 is running")


def test_check_warns_when_the_running_shelfpost_is_not_the_pinned_one(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    env = {**os.environ, "SHELFPOST_STATE_DIR": str(tmp_path / "state")}
    assert run_cli("init", str(root), "--yes", cwd=tmp_path, env=env).returncode == 0
    quiet = run_cli("check", cwd=root, env=env)
    assert quiet.returncode == 0 and "warning" not in quiet.stderr, quiet.stderr
    (root / REQUIREMENTS).write_text(pin_line("0.0.9") + "\n", encoding="utf-8")
    loud = run_cli("check", cwd=root, env=env)
    assert loud.returncode == 0  # a warning: the site still builds
    assert f"shelfpost {__version__} is running but the library pins 0.0.9" in loud.stderr


def test_a_wheel_of_this_checkout_installs_as_the_pinned_version(tmp_path: Path) -> None:
    """Offline: the wheel is built here (no build isolation, the venv's setuptools), and
    installed without an index into a fresh venv that borrows the dependencies."""
    source = tmp_path / "source"
    for part in ("src", "pyproject.toml", "README.md"):
        copy = shutil.copytree if (REPO / part).is_dir() else shutil.copy2
        copy(REPO / part, source / part if part != "src" else source / "src")
    shutil.rmtree(source / "src/shelfpost.egg-info", ignore_errors=True)
    wheelhouse = tmp_path / "wheelhouse"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(wheelhouse), str(source)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    (wheel,) = wheelhouse.glob("shelfpost-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "shelfpost/templates/init/dot-github/workflows/publish.yml" in names  # package data ships
    assert "shelfpost/templates/init/plan/risks.yml.j2" in names

    root = tmp_path / "lib"
    env = {**os.environ, "SHELFPOST_STATE_DIR": str(tmp_path / "state")}
    assert run_cli("init", str(root), "--yes", cwd=tmp_path, env=env).returncode == 0
    pin = read_pin(root)
    assert pin is not None
    _, pinned = pin

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    python = venv / "bin/python"
    purelib = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
    )  # fmt: skip
    subprocess.run(
        [*pip, "--python", str(python), "install", "--no-index", "--no-deps", "--find-links", str(wheelhouse),
         f"shelfpost=={pinned}"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    # The dependencies come from this venv's site-packages (appended after the new
    # venv's own, so the installed wheel wins over this checkout's editable install),
    # added after the install so pip does not take the editable one as installed.
    (purelib / "borrowed-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    version = subprocess.run(
        [str(venv / "bin/shelfpost"), "--version"], check=True, capture_output=True, text=True, timeout=60
    )
    assert version.stdout.strip() == f"shelfpost, version {pinned}"
    where = subprocess.run(
        [str(python), "-c", "import shelfpost; print(shelfpost.__file__)"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert where.startswith(str(purelib))  # the wheel, not this checkout
    check = subprocess.run(
        [str(venv / "bin/shelfpost"), "check"], cwd=root, capture_output=True, text=True, env=env, timeout=120
    )
    assert check.returncode == 0 and "warning" not in check.stderr, check.stderr
