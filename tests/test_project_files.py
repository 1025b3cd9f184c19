"""The files a new team reads first agree with each other."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_license_file_matches_the_declared_license() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "Apache-2.0" and project["license-files"] == ["LICENSE"]  # SPDX (PEP 639)
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
    assert "[LICENSE](LICENSE)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_says_where_the_demo_keeps_its_data() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "var/demo.db" in readme
    assert "DATABASE_URL=sqlite:///var/demo.db" in readme


def test_the_docker_image_gets_every_package_the_project_installs() -> None:
    """The layers add top-level packages (services/, salesbridge/, dashboard/ …): the image must copy each."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {name.rstrip("*") for name in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]}
    copied = {
        line.split()[1]
        for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
        if line.startswith("COPY ")
    }
    assert packages <= copied, packages - copied
