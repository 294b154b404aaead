from __future__ import annotations

import pytest

from dendro.agent.install import INSTALLER_URL, SETUP_SCRIPT_URL, plan_install, render_plan


def _which(*present: str):  # type: ignore[no-untyped-def]
    return lambda name: f"/usr/bin/{name}" if name in present else None


@pytest.mark.parametrize(
    ("present", "manager", "last_step"),
    [
        (("apt-get",), "apt-get", ("apt-get", "install", "-y", "vector")),
        (("dnf", "yum"), "dnf", ("dnf", "install", "-y", "vector")),
        (("yum",), "yum", ("yum", "install", "-y", "vector")),
        (("apk",), "apk", ("apk", "add", "vector")),
        (("brew",), "brew", ("brew", "install", "vector")),
        (("apt-get", "brew"), "apt-get", ("apt-get", "install", "-y", "vector")),
    ],
)
def test_plan_follows_the_package_manager(present, manager, last_step) -> None:  # type: ignore[no-untyped-def]
    plan = plan_install(_which(*present))

    assert plan.manager == manager
    assert plan.steps[-1].argv == last_step


def test_repository_managers_first_run_the_official_setup_script() -> None:
    plan = plan_install(_which("apt-get"))

    assert plan.steps[0].script_url == SETUP_SCRIPT_URL
    assert render_plan(plan)[0].endswith(f"curl --proto '=https' --tlsv1.2 -sSfL {SETUP_SCRIPT_URL} | bash")


def test_no_package_manager_falls_back_to_the_official_installer() -> None:
    plan = plan_install(_which())

    assert plan.manager == "none"
    assert plan.steps[0].script_url == INSTALLER_URL
    assert "| bash -s -- -y" in render_plan(plan)[0]
