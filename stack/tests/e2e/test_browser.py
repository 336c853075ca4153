"""The UI in a real headless browser (Debian's chromium): sign in, add a task, see it, complete it, sign out."""

from __future__ import annotations

import os
import shutil
import uuid

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.support.ui import WebDriverWait

from .conftest import ARTIFACTS


@pytest.fixture()
def browser():
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1000,760", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager download anything
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def test_add_list_complete(stack, browser):
    suffix = uuid.uuid4().hex[:6]
    title, other, doomed = f"Write the report {suffix}", f"Review the chart {suffix}", f"Throw away {suffix}"
    # The list is re-rendered after every change: look elements up afresh rather than keep them.
    wait = WebDriverWait(browser, 20, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException))
    user = f"browser-{suffix}"
    browser.get(stack.frontend + "/")
    # Signed out at first: only the (lab) sign-in form shows.
    wait.until(lambda d: d.find_element(By.ID, "user-id").is_displayed())
    assert not browser.find_element(By.ID, "new-title").is_displayed()
    browser.find_element(By.ID, "user-id").send_keys(user)
    browser.find_element(By.ID, "sign-in-button").click()
    wait.until(lambda d: d.find_element(By.ID, "current-user").text == user)
    wait.until(lambda d: d.find_element(By.ID, "backend-version").text not in ("", "…"))
    assert browser.execute_script("return JSON.parse(sessionStorage.getItem('todo.session')).user_id") == user

    def add(text: str) -> str:
        box = browser.find_element(By.ID, "new-title")
        box.send_keys(text)
        browser.find_element(By.ID, "add-button").click()
        row = f"//ul[@id='task-list']/li[span[@class='title' and text()='{text}']]"
        return wait.until(lambda d: d.find_element(By.XPATH, row).get_attribute("data-id"))

    def click(task_id: str, button: str) -> None:
        def attempt(d) -> bool:
            d.find_element(By.CSS_SELECTOR, f"#task-list li[data-id='{task_id}'] .{button}").click()
            return True
        wait.until(attempt)

    task_id, other_id, doomed_id = add(title), add(other), add(doomed)
    click(task_id, "complete-button")
    wait.until(lambda d: "completed" in d.find_element(
        By.CSS_SELECTOR, f"#task-list li[data-id='{task_id}']").get_attribute("class"))
    click(doomed_id, "delete-button")
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, f"#task-list li[data-id='{doomed_id}']"))

    version = browser.find_element(By.ID, "backend-version").text
    assert version.startswith(stack.version), version
    assert browser.find_element(By.ID, "error").is_displayed() is False
    assert "completed" not in browser.find_element(
        By.CSS_SELECTOR, f"#task-list li[data-id='{other_id}']").get_attribute("class")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "todo-ui.png"))

    # Stored as the signed-in user's tasks.
    auth = stack.auth(user)
    stored = httpx.get(f"{stack.frontend}/api/{user}/tasks/{task_id}", headers=auth, timeout=5).json()
    assert stored["title"] == title and stored["completed"] is True and stored["user_id"] == user
    assert httpx.get(f"{stack.frontend}/api/{user}/tasks/{doomed_id}", headers=auth, timeout=5).status_code == 404

    # A reload keeps the session (sessionStorage); signing out forgets it.
    browser.refresh()
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, f"#task-list li[data-id='{task_id}']"))
    browser.find_element(By.ID, "sign-out-button").click()
    wait.until(lambda d: d.find_element(By.ID, "user-id").is_displayed())
    assert browser.execute_script("return sessionStorage.getItem('todo.session')") is None
    assert not browser.find_elements(By.CSS_SELECTOR, "#task-list li")
