#!/usr/bin/env python3
"""Headless Chromium check of the running service.

Starts `duban serve --demo` on a free port over a fresh SQLite file, reads the demo admin's
password from its output, logs in through the login form, opens tasks until one shows
highlighted evidence (<mark>), and saves screenshots. Then a unit account applies to close
one of its tasks out with an evidence file chosen in the file input, and the admin approves
it from the close-out queue (办结销号). Exits non-zero on any failure.

Environment:
  DUBAN_SERVE_CMD  the server command, with {port} and {db} placeholders
                   (default: target/release/duban serve --demo --bind 127.0.0.1:{port}
                   --database-url sqlite://{db})
  DUBAN_SHOTS      where screenshots go (default: target/browser)
"""
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
DEFAULT_CMD = ("target/release/duban serve --demo --bind 127.0.0.1:{port} "
               "--database-url sqlite://{db}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fail(msg):
    print(f"browser check FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def start_server(port, db):
    cmd = os.environ.get("DUBAN_SERVE_CMD", DEFAULT_CMD).format(port=port, db=db)
    print(f"starting: {cmd}")
    proc = subprocess.Popen(shlex.split(cmd), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines = []
    threading.Thread(target=lambda: [lines.append(l) for l in proc.stdout], daemon=True).start()
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            fail("server exited early:\n" + "".join(lines))
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.read() == b"ok":
                    return proc, lines
        except OSError:
            pass
        time.sleep(0.3)
    proc.kill()
    fail("server did not answer /healthz within 120 s:\n" + "".join(lines))


def password_of(lines, user):
    for l in lines:
        m = re.search(r"用户名 " + re.escape(user) + r"\s+密码 (\S+)", l)
        if m:
            return m.group(1)
    fail(f"the server did not print the demo {user}'s password:\n" + "".join(lines))


def admin_password(lines):
    return password_of(lines, "admin")


def login(driver, base, user, password):
    """Logs in through the form in a fresh session; returns where it landed."""
    driver.delete_all_cookies()
    driver.get(base + "/login")
    driver.find_element(By.NAME, "username").send_keys(user)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form[action='/login'] button[type=submit]").click()
    # click() returns before the POST's redirect is followed (password hashing takes a
    # moment): wait for the navigation, then read the address once.
    try:
        WebDriverWait(driver, 20).until(lambda d: "/login" not in d.current_url)
    except Exception:
        pass
    return driver.current_url


def first_page_with(driver, links, selector):
    """Opens the links in turn; returns the first whose page has `selector`, or None."""
    for href in links:
        driver.get(href)
        if driver.find_elements(By.CSS_SELECTOR, selector):
            return href
    return None


def close_out(driver, base, lines, shots, tmp):
    """A unit applies to close a task out with a PDF; the office approves it."""
    landed = login(driver, base, "unit1", password_of(lines, "unit1"))
    if "/login" in landed:
        fail(f"unit1 could not log in: {landed}")
    driver.get(base + "/tasks")
    links = [a.get_attribute("href") for a in
             driver.find_elements(By.CSS_SELECTOR, "table.tasks a[href^='/tasks/']")]
    task = first_page_with(driver, links, "form#closeout-form")
    if task is None:
        fail(f"none of unit1's {len(links)} tasks offers the close-out form")
    evidence = os.path.join(tmp, "竣工验收报告.pdf")
    with open(evidence, "wb") as f:
        f.write(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    form = driver.find_element(By.CSS_SELECTOR, "form#closeout-form")
    form.find_element(By.NAME, "narrative").send_keys("已全部完成，竣工验收合格。")
    form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(evidence)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 20).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#closeout .closeout[data-status=pending]"))
    listed = driver.find_elements(By.CSS_SELECTOR, "#closeout a[href^='/files/']")
    if not any(a.text == "竣工验收报告.pdf" for a in listed):
        fail(f"{task}: the uploaded file is not listed under the application")
    driver.save_screenshot(os.path.join(shots, "closeout-applied.png"))

    login(driver, base, "admin", admin_password(lines))
    driver.get(base + "/admin/closeouts")
    rows = driver.find_elements(By.CSS_SELECTOR, "form.closeout-decide")
    if not rows:
        fail("the office's close-out queue is empty")
    rows[0].find_element(By.CSS_SELECTOR, "button[value=approve]").click()
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.ID, "closed-on"))
    closed = driver.find_element(By.ID, "closed-on").text
    if "已办结" not in closed:
        fail(f"{driver.current_url}: no closing date after approval ({closed!r})")
    driver.save_screenshot(os.path.join(shots, "closeout-approved.png"))
    print(f"ok: {task} closed out with its evidence file ({closed})")


def no_sideways_scroll(driver, what):
    """The page itself must not scroll sideways; wide tables scroll inside their card."""
    wide = driver.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth];")
    if wide[0] > wide[1]:
        fail(f"{what}: the page scrolls sideways at {wide[1]} px ({wide[0]} px wide)")


def phone_round(driver, base, lines, shots):
    """A unit's round on a phone: no sideways scroll, the folded menu opens, and the live
    check updates as the unit types, before anything is saved."""
    driver.set_window_size(390, 844)
    try:
        landed = login(driver, base, "unit1", password_of(lines, "unit1"))
        if "/login" in landed:
            fail(f"unit1 could not log in on a phone: {landed}")
        driver.get(base + "/my")
        no_sideways_scroll(driver, "/my")
        menu = driver.find_element(By.CSS_SELECTOR, "label.menu-button")
        nav = driver.find_element(By.CSS_SELECTOR, "header nav")
        if not menu.is_displayed() or nav.is_displayed():
            fail("on a phone the menu should be folded behind 菜单")
        menu.click()
        if not nav.is_displayed():
            fail("菜单 does not open the menu")
        driver.save_screenshot(os.path.join(shots, "phone-menu.png"))
        menu.click()
        forms = [a.get_attribute("href") for a in
                 driver.find_elements(By.CSS_SELECTOR, "a.button[href*='/report']")]
        target = first_page_with(driver, forms, "form[data-check] textarea[name=narrative]")
        if target is None:
            fail(f"none of unit1's {len(forms)} report links opens an editable form")
        no_sideways_scroll(driver, target)
        box = driver.find_element(By.CSS_SELECTOR, "form[data-check] textarea[name=narrative]")
        if box.size["width"] < 250:
            fail(f"{target}: the text box is {box.size['width']} px wide on a phone")
        phrase = "本月完成项目主体工程验收"
        box.clear()
        box.send_keys("已完成。" + phrase)
        WebDriverWait(driver, 20).until(
            lambda d: phrase in d.find_element(By.CSS_SELECTOR, "#livecheck p.progress").text)
        status = driver.find_element(By.ID, "livecheck-status").text
        if "已按当前输入核对" not in status:
            fail(f"{target}: the live check did not say it checked the typed text ({status!r})")
        driver.execute_script(
            "document.getElementById('livecheck').scrollIntoView({block: 'start'});")
        driver.save_screenshot(os.path.join(shots, "phone-livecheck.png"))
        driver.execute_script("window.scrollTo(0, 0);")
        driver.save_screenshot(os.path.join(shots, "phone-form.png"))
        no_sideways_scroll(driver, target + " after the live check")
        print(f"ok: {target} usable at 390 px; the live check followed the typing unsaved")
    finally:
        driver.set_window_size(1366, 768)


def office_day(driver, base, lines, shots):
    """The office's 待办 and review queue: batch accept with its confirmation, the success
    message, and a failed 督办单 form that keeps what was typed."""
    login(driver, base, "admin", admin_password(lines))
    driver.get(base + "/todo")
    if not driver.find_elements(By.CSS_SELECTOR, "nav.todo-counts a"):
        fail("/todo shows no counts")
    driver.save_screenshot(os.path.join(shots, "office-todo.png"))
    queues = [a.get_attribute("href") for a in
              driver.find_elements(By.CSS_SELECTOR, "#reviews a.button[href$='/review']")]
    queue = first_page_with(driver, queues, "input[name=ids]")
    if queue is None:
        fail(f"none of {len(queues)} review queues on /todo has a report to accept")
    driver.save_screenshot(os.path.join(shots, "review-queue.png"))
    boxes = driver.find_elements(By.CSS_SELECTOR, "input[name=ids]")
    before = len(boxes)
    for box in boxes[:2]:
        box.click()
    button = driver.find_element(By.XPATH, "//button[text()='批量通过']")
    button.click()
    # Without the confirmation ticked the browser itself refuses to send the form.
    if driver.find_elements(By.ID, "batch-outcome") or "已通过" in driver.page_source:
        fail("批量通过 was sent without its confirmation")
    driver.find_element(By.CSS_SELECTOR, "input[name=confirm]").click()
    driver.find_element(By.XPATH, "//button[text()='批量通过']").click()
    WebDriverWait(driver, 20).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".flash"))
    said = driver.find_element(By.CSS_SELECTOR, ".flash").text
    if "通过" not in said:
        fail(f"{queue}: no success message after 批量通过 ({said!r})")
    after = len(driver.find_elements(By.CSS_SELECTOR, "input[name=ids]"))
    if after > before - 1:
        fail(f"{queue}: {before} reports before the batch accept, {after} after")
    driver.save_screenshot(os.path.join(shots, "review-batch-accepted.png"))
    print(f"ok: {queue} batch-accepted ({before} → {after} waiting): {said}")

    driver.get(base + "/tasks")
    tasks = [a.get_attribute("href") for a in
             driver.find_elements(By.CSS_SELECTOR, "table.tasks a[href^='/tasks/']")]
    task = first_page_with(driver, tasks, "form[action$='/notices'] textarea[name=text]")
    if task is None:
        fail("no task page offers the 督办单 form")
    form = driver.find_element(By.CSS_SELECTOR, "form[action$='/notices']")
    typed = "请于三日内报送整改方案并说明滞后原因"
    form.find_element(By.NAME, "text").send_keys(typed)
    # A missing reply date is a person's mistake: the form must come back with the text.
    driver.execute_script("arguments[0].value = '';", form.find_element(By.NAME, "deadline"))
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 20).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "[aria-invalid=true]"))
    kept = driver.find_element(
        By.CSS_SELECTOR, "form[action$='/notices'] textarea[name=text]").get_attribute("value")
    if kept != typed:
        fail(f"{task}: the failed 督办单 form lost its text ({kept!r})")
    bad = driver.find_element(By.CSS_SELECTOR, "[aria-invalid=true]")
    described = bad.get_attribute("aria-describedby")
    if not described or not driver.find_element(By.ID, described).text.strip():
        fail(f"{task}: the invalid field names no message")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", bad)
    driver.save_screenshot(os.path.join(shots, "notice-form-kept.png"))
    print(f"ok: {task}: the failed 督办单 form kept its text and marked the field")


def people(driver, base, lines, shots, tmp):
    """Accounts for every unit at once with their sheet, a first login that must change the
    password, and two units merged."""
    from openpyxl import load_workbook

    login(driver, base, "admin", admin_password(lines))
    downloads = os.path.join(tmp, "downloads")
    os.makedirs(downloads, exist_ok=True)
    driver.execute_cdp_cmd("Page.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": downloads})
    driver.get(base + "/admin/users")
    button = driver.find_elements(By.CSS_SELECTOR, "form[action$='/admin/users/batch'] button")
    if not button:
        fail("/admin/users offers no batch creation (every unit already has an account?)")
    driver.save_screenshot(os.path.join(shots, "users-batch.png"))
    button[0].click()
    deadline = time.time() + 30
    sheets = []
    while time.time() < deadline and not sheets:
        sheets = [f for f in os.listdir(downloads) if f.endswith(".xlsx")]
        time.sleep(0.3)
    if not sheets:
        fail("批量建号 gave no .xlsx sheet")
    time.sleep(0.5)
    ws = load_workbook(os.path.join(downloads, sheets[0])).active
    rows = [[c for c in r] for r in ws.iter_rows(values_only=True)]
    header = next((i for i, r in enumerate(rows) if "用户名" in r and "初始密码" in r), None)
    if header is None or header + 1 >= len(rows):
        fail(f"the credentials sheet has no 用户名/初始密码 rows: {rows[:3]}")
    cols = rows[header]
    first = rows[header + 1]
    user, password = first[cols.index("用户名")], first[cols.index("初始密码")]
    print(f"ok: 批量建号 gave {len(rows) - header - 1} accounts in {sheets[0]}")

    landed = login(driver, base, user, password)
    if "/password" not in landed:
        fail(f"{user}'s first login was not sent to change the password: {landed}")
    new = "Xin-mima-2026-dw!"
    driver.find_element(By.NAME, "current").send_keys(password)
    driver.find_element(By.NAME, "new").send_keys(new)
    driver.find_element(By.NAME, "confirm").send_keys(new)
    driver.find_element(By.CSS_SELECTOR, "form[action$='/password'] button[type=submit]").click()
    WebDriverWait(driver, 20).until(lambda d: "/password" not in d.current_url)
    driver.get(base + "/my")
    if "/password" in driver.current_url or "/login" in driver.current_url:
        fail(f"{user} cannot work after changing the password: {driver.current_url}")
    print(f"ok: {user} changed the sheet's password at first login and reached 我的任务")

    login(driver, base, "admin", admin_password(lines))
    driver.get(base + "/admin/units/merge")
    values = [o.get_attribute("value") for o in
              driver.find_elements(By.CSS_SELECTOR, "select[name=into] option") if o.get_attribute("value")]
    merged = None
    # Units that both reported on one task in one round cannot merge: try a few pairs.
    for a, b in zip(values[-6:], values[-5:]):
        driver.get(base + "/admin/units/merge")
        Select(driver.find_element(By.NAME, "into")).select_by_value(a)
        Select(driver.find_element(By.NAME, "from")).select_by_value(b)
        driver.find_element(By.NAME, "confirm").click()
        driver.find_element(By.CSS_SELECTOR, "form[action$='/admin/units/merge'] button").click()
        WebDriverWait(driver, 20).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "p.notice, #merge-error"))
        done = driver.find_elements(By.CSS_SELECTOR, "p.notice")
        if done:
            merged = done[0].text
            break
    if merged is None:
        fail("no pair of units could be merged")
    driver.save_screenshot(os.path.join(shots, "units-merged.png"))
    print(f"ok: {merged}")


def browser():
    opts = Options()
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-dev-shm-usage", "--window-size=1366,768", "--lang=zh-CN"):
        opts.add_argument(flag)
    opts.binary_location = "/usr/bin/chromium"
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


def main():
    shots = os.path.abspath(os.environ.get("DUBAN_SHOTS", os.path.join(ROOT, "target", "browser")))
    os.makedirs(shots, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="duban-browser-")
    port = free_port()
    proc, lines = start_server(port, os.path.join(tmp, "demo.db"))
    base = f"http://127.0.0.1:{port}"
    driver = None
    try:
        password = admin_password(lines)
        driver = browser()
        driver.set_page_load_timeout(30)
        driver.get(base + "/")
        if "/login" not in driver.current_url:
            fail(f"anonymous visit was not sent to the login page: {driver.current_url}")
        driver.save_screenshot(os.path.join(shots, "login.png"))
        landed = login(driver, base, "admin", password)
        # The office lands on its 待办; the overview is one click away.
        if landed != base + "/todo":
            fail(f"the office's login did not land on 待办: {landed}")
        driver.get(base + "/")
        if not driver.find_elements(By.CSS_SELECTOR, "svg.chart"):
            fail("the overview shows no chart")
        driver.save_screenshot(os.path.join(shots, "overview.png"))

        driver.get(base + "/tasks")
        links = [a.get_attribute("href") for a in
                 driver.find_elements(By.CSS_SELECTOR, "table.tasks a[href^='/tasks/']")]
        if not links:
            fail("the task list is empty")
        driver.save_screenshot(os.path.join(shots, "tasks.png"))
        for href in links:
            driver.get(href)
            marks = driver.find_elements(By.CSS_SELECTOR, "p.progress mark")
            if marks:
                text = marks[0].text.strip()
                if not text:
                    fail(f"{href}: the <mark> is empty")
                if not marks[0].is_displayed():
                    fail(f"{href}: the <mark> is not visible")
                driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", marks[0])
                path = os.path.join(shots, "task-evidence.png")
                driver.save_screenshot(path)
                print(f"ok: {href} highlights “{text}”; screenshots in {shots}")
                break
        else:
            fail(f"none of {len(links)} tasks shows highlighted evidence (<mark>) in its progress text")
        close_out(driver, base, lines, shots, tmp)
        office_day(driver, base, lines, shots)
        people(driver, base, lines, shots, tmp)
        phone_round(driver, base, lines, shots)
    finally:
        if driver is not None:
            driver.quit()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
