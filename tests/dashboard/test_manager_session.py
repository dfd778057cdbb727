"""A manager signs in, sees that they are signed in (and so that internal indicators are shown), and signs out,
with the keyboard only. Before, no page said who was signed in and none offered to sign out (/auth/logout
took a POST no page made): a manager on a shared computer left internal indicators open to the next user."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import Page, serving

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)

MANAGER = ("performance.lead", "a-long-test-password")


@pytest.fixture(scope="module")
def manager_server(demo_config, demo_release):
    """The demo dashboard with manager accounts (access.mode: accounts), served on a free port."""
    from core import accounts
    from dashboard.app import create_app

    access = demo_config.access.model_copy(update={"mode": "accounts", "secret_key": "k" * 32})
    config = demo_config.model_copy(update={"access": access})
    accounts.add_account(accounts.connect(config.catalogue), *MANAGER)
    with serving(create_app(config).server) as url:
        yield url


def tab_to(tab: Page, selector: str, limit: int = 40) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        tab.page.keyboard.press("Tab")
        if tab.page.evaluate("s => document.activeElement === document.querySelector(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_a_manager_sees_who_is_signed_in_and_signs_out_with_the_keyboard(browser, manager_server):
    tab = Page(browser, manager_server)
    try:
        tab.open("/")
        assert tab.page.locator("#signed-in").count() == 0
        assert tab.page.get_by_role("link", name="Manager sign-in").count() == 1

        tab.page.goto(manager_server + "/auth/login")
        tab_to(tab, "#username")
        tab.page.keyboard.type(MANAGER[0])
        tab.page.keyboard.press("Tab")
        tab.page.keyboard.type(MANAGER[1])
        tab.page.keyboard.press("Enter")
        tab.page.wait_for_url(manager_server + "/")
        tab.settle()
        tab.errors.clear()  # the sign-in form (dashboard/api) has no icon: the browser's /favicon.ico is a 404
        signed = tab.page.locator("#signed-in")
        assert signed.count() == 1 and MANAGER[0] in signed.inner_text()
        assert "internal indicators" in signed.inner_text()
        assert tab.page.get_by_role("link", name="Manager sign-in").count() == 0
        assert "Staff sickness absence" in tab.page.inner_text("main")  # the internal indicator is shown

        tab_to(tab, "#sign-out")
        tab.page.keyboard.press("Enter")
        tab.page.wait_for_url(manager_server + "/")
        tab.settle()
        assert tab.page.locator("#signed-in").count() == 0
        assert "Staff sickness absence" not in tab.page.inner_text("main")
        assert tab.page.get_by_role("link", name="Manager sign-in").count() == 1
        assert tab.axe() == []
        assert not tab.errors, tab.errors
    finally:
        tab.close()


def test_behind_a_sign_in_proxy_the_footer_does_not_link_a_sign_in_form_that_is_not_there(demo_config):
    """With access.mode: proxy_header the footer linked 'Manager sign-in' to /auth/login, which answers 404
    there (the proxy signs managers in); a user the proxy names is told they are signed in."""
    from dashboard.app import create_app

    access = demo_config.access.model_copy(update={"mode": "proxy_header"})
    client = create_app(demo_config.model_copy(update={"access": access})).server.test_client()
    assert client.get("/auth/login").status_code == 404
    public = client.get("/_dash-layout").get_data(as_text=True)
    assert "Manager sign-in" not in public and "signed-in" not in public
    named = client.get("/_dash-layout", headers={"X-Forwarded-User": "performance.lead"}).get_data(as_text=True)
    assert "performance.lead" in named and "Sign out" not in named


def test_what_a_signed_in_manager_is_shown_is_not_stored_by_browsers_or_caches(demo_config, demo_release):
    """The dashboard's layout and callback answers to a signed-in manager (internal indicators included)
    carried no Cache-Control: after signing out, Back or a shared cache could show them again."""
    import re

    from core import accounts
    from dashboard.app import create_app

    access = demo_config.access.model_copy(update={"mode": "accounts", "secret_key": "c" * 32})
    config = demo_config.model_copy(update={"access": access})
    accounts.add_account(accounts.connect(config.catalogue), *MANAGER)
    client = create_app(config).server.test_client()
    callback = {"output": "area-detail.children", "outputs": {"id": "area-detail", "property": "children"},
                "inputs": [{"id": "area-indicator", "property": "value", "value": "sickness_absence"}],
                "changedPropIds": ["area-indicator.value"],
                "state": [{"id": "area-code", "property": "data", "value": "VL1"},
                          {"id": "release-id", "property": "data", "value": None}]}
    public = client.get("/_dash-layout")
    assert "no-store" not in public.headers.get("Cache-Control", "")

    form = client.get("/auth/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    assert client.post("/auth/login", data={"csrf": csrf, "username": MANAGER[0],
                                            "password": MANAGER[1]}).status_code == 303
    for resp in (client.get("/_dash-layout"), client.get("/?area=VL1"),
                 client.post("/_dash-update-component", json=callback)):
        assert resp.status_code == 200 and resp.headers["Cache-Control"] == "private, no-store"
    assert "Staff sickness absence" in client.post("/_dash-update-component", json=callback).get_data(as_text=True)
    api = client.get("/api/v1/indicators")
    assert api.headers["Cache-Control"] == "private, no-cache"  # the API's own header is left as it is
