"""The UI in a real headless browser (Debian's chromium): sign in, add a task, see it, complete it, sign out;
and the chat beside the task list: turns that add and complete tasks, their tool calls, a failed turn and
its retry, the conversation's history after a reload. Screenshots in the artifacts directory."""

from __future__ import annotations

import os
import re
import shutil
import uuid

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select
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


def sign_in(browser, wait: WebDriverWait, stack, user: str) -> None:
    browser.get(stack.frontend + "/")
    wait.until(lambda d: d.find_element(By.ID, "user-id").is_displayed())
    browser.find_element(By.ID, "user-id").send_keys(user)
    browser.find_element(By.ID, "sign-in-button").click()
    wait.until(lambda d: d.find_element(By.ID, "current-user").text == user)


def replies(browser) -> list:
    """The assistant's answers shown in the chat (not the placeholder of a turn in flight)."""
    return browser.find_elements(By.CSS_SELECTOR, "#chat-log li.message.assistant:not(.pending)")


def shown_messages(browser) -> list[tuple[str, str]]:
    """(who, text) of every message the chat shows, top to bottom."""
    return [("user" if "user" in m.get_attribute("class").split() else "assistant", m.find_element(By.CLASS_NAME,
             "text").text) for m in browser.find_elements(By.CSS_SELECTOR, "#chat-log li.message")]


def test_chat_beside_the_task_list(stack, browser):
    """Chat to add and complete a task, see the tool calls and the task list follow, survive a failing model
    provider with one retry, and get the conversation back after a reload."""
    browser.set_window_size(1280, 900)
    wait = WebDriverWait(browser, 30, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException))
    user = f"chat-{uuid.uuid4().hex[:6]}"
    auth = stack.auth(user)
    stack.model_faults(clear=True)
    sign_in(browser, wait, stack, user)

    # A wide screen shows the task list and the chat side by side.
    tasks, chat = browser.find_element(By.ID, "todo").rect, browser.find_element(By.ID, "chat").rect
    assert chat["x"] >= tasks["x"] + tasks["width"] and abs(chat["y"] - tasks["y"]) < 10, (tasks, chat)
    assert browser.find_element(By.ID, "chat-empty").is_displayed()
    box = browser.find_element(By.ID, "chat-input")
    send = browser.find_element(By.ID, "chat-send-button")

    # Shift+Enter makes a new line and sends nothing.
    box.send_keys("hello", Keys.SHIFT, Keys.ENTER, Keys.SHIFT, "world")
    assert box.get_attribute("value") == "hello\nworld"
    assert not browser.find_elements(By.CSS_SELECTOR, "#chat-log li.message")
    box.clear()

    def say(text: str):
        """Sends ``text`` with Enter and answers the assistant's reply to it."""
        before = len(replies(browser))
        browser.find_element(By.ID, "chat-input").send_keys(text, Keys.ENTER)
        wait.until(lambda d: len(replies(d)) > before)
        return replies(browser)[-1]

    def tool_lines(reply) -> list[str]:
        return [line.text for line in reply.find_elements(By.CSS_SELECTOR, ".tool-call")]

    def task_row(task_id: str):
        return browser.find_element(By.CSS_SELECTOR, f"#task-list li[data-id='{task_id}']")

    # While a turn is in flight (the model service holds it) Send is disabled and Enter sends nothing more.
    stack.model_faults({"hang": True})
    box.send_keys("add buy milk", Keys.ENTER)
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#chat-log li.pending").is_displayed())
    assert not send.is_enabled() and not browser.find_element(By.ID, "new-conversation-button").is_enabled()
    box.send_keys("list my tasks", Keys.ENTER)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#chat-log li.message.user")) == 1
    box.clear()
    stack.model_faults(clear=True)  # releases the held request: it answers normally
    wait.until(lambda d: replies(d))
    reply = replies(browser)[-1]
    match = re.fullmatch(r"Added task (\d+): buy milk\.", reply.find_element(By.CLASS_NAME, "text").text)
    assert match, reply.text
    milk = match.group(1)
    assert tool_lines(reply) == [f'add_task {{"title": "buy milk"}} → task {milk} created']
    wait.until(lambda d: send.is_enabled())
    # The task list refreshed by itself.
    wait.until(lambda d: task_row(milk).find_element(By.CLASS_NAME, "title").text == "buy milk")
    # The user's message on the right, the assistant's on the left.
    mine = browser.find_element(By.CSS_SELECTOR, "#chat-log li.message.user").rect
    assert mine["x"] > reply.rect["x"] + 20, (mine, reply.rect)

    reply = say(f"complete task {milk}")
    assert reply.find_element(By.CLASS_NAME, "text").text == f"Marked task {milk} as done: buy milk."
    assert tool_lines(reply) == [f'complete_task {{"task_id": {milk}}} → task {milk} completed']
    wait.until(lambda d: "completed" in task_row(milk).get_attribute("class").split())

    # Text is shown as text, never as markup.
    reply = say("add <i>oat</i> milk")
    assert "Added task" in reply.text and "<i>oat</i> milk" in reply.text, reply.text
    assert not browser.find_elements(By.CSS_SELECTOR, "#chat-log i, #task-list i")
    oat = re.search(r"task (\d+)", reply.text).group(1)
    wait.until(lambda d: task_row(oat).find_element(By.CLASS_NAME, "title").text == "<i>oat</i> milk")

    # The provider fails every call: the backend answers 502 with Retry-After, the UI tries the same turn
    # once more after it, then says what failed and offers "Try again" (the same key again).
    stack.model_faults({"error_rate": 1})
    browser.find_element(By.ID, "chat-input").send_keys("add eggs", Keys.ENTER)
    error = browser.find_element(By.ID, "chat-error-text")
    wait.until(lambda d: error.is_displayed())
    assert error.text.startswith("Model provider error: the model provider failed (HTTP 500)"), error.text
    # The UI sent the turn twice: each attempt is one model call and the backend's own retry of it
    # (MODEL_MAX_RETRIES 1), so the model service counted four requests.
    counted = stack.model_faults()
    assert (counted["requests"], counted["injected"]["error"]) == (4, 4), counted
    unanswered = browser.find_elements(By.CSS_SELECTOR, "#chat-log li.message.user.unanswered")
    assert [m.find_element(By.CLASS_NAME, "text").text for m in unanswered] == ["add eggs"]
    assert send.is_enabled()
    retry = browser.find_element(By.ID, "chat-retry-button")
    assert retry.is_displayed()
    stack.model_faults(clear=True)
    before = len(replies(browser))
    retry.click()
    wait.until(lambda d: len(replies(d)) > before)
    reply = replies(browser)[-1]
    assert re.fullmatch(r"Added task \d+: eggs\.", reply.find_element(By.CLASS_NAME, "text").text), reply.text
    assert not error.is_displayed() and not browser.find_elements(By.CSS_SELECTOR, "#chat-log li.unanswered")
    wait.until(lambda d: [t.text for t in d.find_elements(By.CSS_SELECTOR, "#task-list .title")]
               == ["buy milk", "<i>oat</i> milk", "eggs"])

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "todo-chat.png"))
    token = browser.execute_script("return JSON.parse(sessionStorage.getItem('todo.session')).token")
    assert token not in browser.page_source

    # Stored as the user's: one task per title (the failed turn and its retries made one "eggs").
    stored = httpx.get(f"{stack.frontend}/api/{user}/tasks", headers=auth, timeout=5).json()["items"]
    assert sorted(t["title"] for t in stored) == sorted(["buy milk", "<i>oat</i> milk", "eggs"]), stored
    conversations = httpx.get(f"{stack.frontend}/api/{user}/conversations", headers=auth, timeout=5).json()["items"]
    assert len(conversations) == 1, conversations
    conversation = str(conversations[0]["id"])
    # The list shows it, selected: the conversation on screen.
    wait.until(lambda d: Select(d.find_element(By.ID, "conversation-select")).first_selected_option
               .get_attribute("value") == conversation)

    # After a reload the chat starts empty; picking the conversation from the list brings its history back.
    shown = shown_messages(browser)
    browser.refresh()
    wait.until(lambda d: d.find_element(By.ID, "current-user").text == user)
    assert not browser.find_elements(By.CSS_SELECTOR, "#chat-log li.message")
    wait.until(lambda d: len(Select(d.find_element(By.ID, "conversation-select")).options) == 2)
    picker = Select(browser.find_element(By.ID, "conversation-select"))
    assert picker.options[1].text.startswith(f"Conversation {conversation} · ")
    picker.select_by_value(conversation)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#chat-log li.message")) == len(shown))
    assert shown_messages(browser) == shown
    assert shown == [("user", "add buy milk"), ("assistant", f"Added task {milk}: buy milk."),
                     ("user", f"complete task {milk}"), ("assistant", f"Marked task {milk} as done: buy milk."),
                     *shown[4:]] and len(shown) == 8, shown

    # A narrow screen stacks them: the chat under the task list.
    browser.set_window_size(600, 900)
    tasks, chat = browser.find_element(By.ID, "todo").rect, browser.find_element(By.ID, "chat").rect
    assert chat["y"] >= tasks["y"] + tasks["height"], (tasks, chat)
