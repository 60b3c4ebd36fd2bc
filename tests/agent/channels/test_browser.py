"""The pages in a real headless Chromium: sign in, ask for a seat, approve it, see it done, confirm
a purge. Skipped (saying why) only when Chromium is absent and CI is not set; in CI they must run.
A failing test leaves a screenshot in $DSADMIN_SCREENSHOT_DIR (default /tmp/dsadmin-screenshots)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
if not (CHROMIUM and CHROMEDRIVER) and not os.environ.get("CI"):
    pytest.skip(
        "Chromium and chromedriver are not installed (apt-get install chromium chromium-driver); "
        "CI installs them and runs these tests",
        allow_module_level=True,
    )

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service as DriverService  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
)


@pytest.fixture
def browser(request):
    profile = tempfile.mkdtemp(prefix="dsadmin-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=DriverService(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(120)
    driver.implicitly_wait(30)  # a loaded machine: wait for the next page's elements
    yield driver
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        folder = Path(os.environ.get("DSADMIN_SCREENSHOT_DIR", "/tmp/dsadmin-screenshots"))
        folder.mkdir(parents=True, exist_ok=True)
        shot = folder / f"{request.node.name}.png"
        driver.save_screenshot(str(shot))
        print(f"screenshot of the failure: {shot}")
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def sign_in(driver, base: str, email: str, page: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{base}{page}")
    assert "Sign in to dsadmin" in driver.page_source  # the identity provider's page, not ours
    driver.find_element(By.ID, f"signin-{email}").click()
    assert driver.find_element(By.ID, "whoami").text.startswith(email)
    assert driver.current_url.startswith(f"{base}{page}")


def ask(driver, text: str):
    driver.find_element(By.ID, "text").send_keys(text)
    driver.find_element(By.ID, "send").click()
    return driver.find_element(By.ID, "reply")


def test_seat_request_approved_in_the_inbox_and_shown_done(service, browser):
    base = service.base
    sign_in(browser, base, "sam.lee@acme.com", "/chat")
    reply = ask(browser, "Please give me a DocuSign Viewer seat on EMEA")
    assert reply.get_attribute("data-outcome") == "pending_approval"
    approval_id = browser.find_element(By.CSS_SELECTOR, "#approval code").text
    browser.get(f"{base}/requests")
    assert browser.find_element(By.CSS_SELECTOR, f"#request-{approval_id} .status").text == "pending"
    assert 'id="nav-inbox"' not in browser.page_source  # an employee has no inbox

    sign_in(browser, base, "approver@acme.com", "/inbox")
    section = browser.find_element(By.ID, f"approval-{approval_id}")
    assert "sam.lee@acme.com" in section.text
    assert "EMEA" in section.find_element(By.CLASS_NAME, "summary").text
    assert '"permission_profile": "DocuSign Viewer"' in section.find_element(By.CLASS_NAME, "call").text
    section.find_element(By.NAME, "reason").send_keys("standard seat")
    section.find_element(By.CLASS_NAME, "approve").click()
    assert browser.find_element(By.ID, "outcome").get_attribute("data-outcome") == "done"

    sign_in(browser, base, "sam.lee@acme.com", "/requests")
    row = browser.find_element(By.ID, f"request-{approval_id}")
    assert row.find_element(By.CLASS_NAME, "status").text == "executed"
    assert "standard seat" in row.text
    sam = next(u for u in service.state()["users"] if u["email"] == "sam.lee@acme.com")
    assert sam["memberships"]["EMEA"]["permission_profile"] == "DocuSign Viewer"


def test_approving_again_from_a_stale_inbox_tab_says_where_the_request_stands(service, browser):
    base = service.base
    sign_in(browser, base, "sam.lee@acme.com", "/chat")
    ask(browser, "Please give me a DocuSign Viewer seat on EMEA")
    approval_id = browser.find_element(By.CSS_SELECTOR, "#approval code").text
    sign_in(browser, base, "approver@acme.com", "/inbox")
    stale = browser.current_window_handle
    browser.switch_to.new_window("tab")
    browser.get(f"{base}/inbox")
    browser.find_element(By.ID, f"approval-{approval_id}").find_element(By.CLASS_NAME, "approve").click()
    assert browser.find_element(By.ID, "outcome").get_attribute("data-outcome") == "done"
    browser.switch_to.window(stale)  # the page loaded before: its Approve button is still there
    browser.find_element(By.ID, f"approval-{approval_id}").find_element(By.CLASS_NAME, "approve").click()
    outcome = browser.find_element(By.ID, "outcome")  # the inbox again, not a bare line of text
    assert outcome.get_attribute("data-outcome") == "refused"
    assert "executed, not pending" in outcome.text and "nothing more was done" in outcome.text
    assert browser.find_element(By.ID, "whoami").text.startswith("approver@acme.com")
    assert len(service.rt.approvals.list("executed")) == 1  # ran once


def test_admin_confirms_a_purge_in_the_chat_page(service, browser):
    sign_in(browser, service.base, "admin@acme.com", "/chat")
    reply = ask(browser, "Purge tom.baker@acme.com")
    assert reply.get_attribute("data-outcome") == "needs_confirmation"
    assert "tom.baker@acme.com" in reply.text  # the gate's preview of the exact call
    assert service.rt.approvals.list() == []
    browser.find_element(By.ID, "confirm-yes").click()
    outcome = browser.find_element(By.ID, "outcome")
    assert outcome.get_attribute("data-outcome") in ("done", "pending_approval")
    if outcome.get_attribute("data-outcome") == "pending_approval":  # the policy also wants an approver
        [waiting] = service.rt.approvals.list("pending")
        assert waiting.target == "tom.baker@acme.com" and waiting.requester == "admin@acme.com"


def test_a_form_without_the_csrf_token_is_refused(service, browser):
    sign_in(browser, service.base, "admin@acme.com", "/chat")
    browser.execute_script("document.querySelector('#ask-form input[name=csrf]').value = 'forged'")
    browser.find_element(By.ID, "text").send_keys("Purge tom.baker@acme.com")
    browser.find_element(By.ID, "send").click()
    WebDriverWait(browser, 30).until(lambda d: "did not come from this site" in d.page_source)
    assert service.rt.audit.tail(5, kind="user_message") == []
    cookie = browser.get_cookie("dsadmin_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
