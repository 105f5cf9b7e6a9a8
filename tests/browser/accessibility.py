"""Walking every voter page in a given language, colour theme and text size, for the accessibility tests."""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable, Iterator
from typing import Any

from playwright.sync_api import Page
from vallokal.election import coverage
from vallokal.election.languages import CODES
from vallokal.web.i18n import html_lang

LANGUAGES = list(CODES)
CONTRASTS = ["default", "light", "dark"]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def choose_display(page: Page, url: str, language: str, text_size: str = "normal", contrast: str = "default") -> None:
    """What a voter sets with the buttons on the welcome page, sent the same way, from the page itself: a request
    from Playwright's own client could read the cookie jar before the browser has stored the page's session cookie,
    and then be refused for a missing CSRF token."""
    page.goto(url + "/")
    status = page.evaluate(
        """async (choice) => {
             const body = new URLSearchParams(choice);
             body.set("csrf_token", document.querySelector("input[name=csrf_token]").value);
             const answer = await fetch("/settings", { method: "POST", body: body, credentials: "same-origin" });
             return answer.status; }""",
        {"language": language, "text_size": text_size, "contrast": contrast, "next": "/"},
    )
    assert status == 200, f"/settings answered {status} to {language}, {text_size}, {contrast}"
    page.goto(url + "/")
    shown = page.evaluate("document.documentElement.lang")
    assert shown == html_lang(language), f"{url}: the welcome page is in {shown} right after choosing {language}"


def multilingual(document: dict[str, Any]) -> dict[str, Any]:
    """The demo package with every one of its texts in all six languages (titles in each language's words, the rest marked English)."""
    extra = {
        "ar": ("الميزانية التشاركية تينستا 2026", "تينستا وهولستا", "مشروع"),
        "so": ("Miisaaniyadda muwaadiniinta Tensta 2026", "Tensta iyo Hjulsta", "Mashruuc"),
        "fi": ("Osallistuva budjetointi Tensta 2026", "Tensta ja Hjulsta", "Hanke"),
        "sv-easy": ("Medborgarbudget Tensta 2026", "Tensta och Hjulsta", "Förslag"),
    }
    document = dict(document)
    document["languages"] = ["sv", "en", "ar", "so", "fi", "sv-easy"]
    document["title"] = {**document["title"], **{language: texts[0] for language, texts in extra.items()}}
    document["area"] = {**document["area"], "name": {**document["area"]["name"], **{language: texts[1] for language, texts in extra.items()}}}
    document["projects"] = [
        {**project, "title": {**project["title"], **{language: f"{texts[2]} {number}: {project['title']['en']}" for language, texts in extra.items()}}}
        for number, project in enumerate(document["projects"], 1)
    ]
    document = copy.deepcopy(document)
    for _, text in coverage.texts(document):
        for language, texts in extra.items():
            text.setdefault(language, f"{texts[2]}: {text.get('en', text['sv'])}")
    return document


def voter_pages(page: Page, url: str) -> Iterator[str]:
    """Walk a whole open-check-in vote, yielding at each page; leaves the page on the receipt."""
    page.goto(url + "/")
    yield "welcome"
    page.goto(url + "/help")
    yield "help"
    page.goto(url + "/")
    page.locator("form.start button").click()
    page.wait_for_url(url + "/eligibility")
    yield "eligibility"
    page.locator("#confirm").check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(url + "/ballot")
    yield "ballot"
    page.locator("#choose-bankar").check()
    page.locator("#choose-odling").check()
    page.goto(url + "/project/bankar")
    yield "project"
    page.goto(url + "/ballot")
    page.locator("#choose-bankar").check()
    page.locator("#choose-odling").check()
    page.locator("button[value=review]").click()
    page.wait_for_url(url + "/review")
    yield "review"
    page.locator("form.cast-form button").click()
    page.wait_for_url(url + "/receipt")
    yield "receipt"
    page.goto(url + "/no-such-page")
    yield "not found"


def each_page_of_every_check_in(page: Page, urls: dict[str, str], check: Callable[[str], None], **display: str) -> None:
    """Every voter page: the whole vote on the open station, and the code and staff check-in pages."""
    choose_display(page, urls["open"], **display)
    for name in voter_pages(page, urls["open"]):
        check(name)
    for mode, path in (("code", "/code"), ("staff", "/activate")):
        choose_display(page, urls[mode], **display)
        page.goto(urls[mode] + path)
        check(mode)


CONTRAST_OF_TEXT = """() => {
  const parse = (colour) => {
    const match = colour.match(/rgba?\\(([^)]+)\\)/);
    if (!match) { return null; }
    const parts = match[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
  };
  const luminance = ({ r, g, b }) => {
    const channel = (value) => { value /= 255; return value <= 0.03928 ? value / 12.92 : Math.pow((value + 0.055) / 1.055, 2.4); };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const backgroundOf = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour && colour.a > 0) { return colour; }
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.trim();
    const element = walker.currentNode.parentElement;
    if (!text || element.closest("[hidden], script, style, .visually-hidden, [aria-hidden=true]")) { continue; }
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    if (style.visibility === "hidden" || style.display === "none" || box.width < 2 || box.height < 2) { continue; }
    let opacity = 1;
    for (let node = element; node; node = node.parentElement) { opacity *= Number(getComputedStyle(node).opacity); }
    const foreground = luminance(parse(style.color));
    const background = luminance(backgroundOf(element));
    const ratio = (Math.max(foreground, background) + 0.05) / (Math.min(foreground, background) + 0.05);
    found.push({ text: text.slice(0, 50), ratio: Math.round(ratio * 100) / 100, opacity });
  }
  return found;
}"""

TARGETS = """() => {
  const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex='-1'])";
  return [...document.querySelectorAll(selector)]
    .filter((element) => !element.closest("[hidden], .visually-hidden") && !element.classList.contains("skip-link"))
    .map((element) => {
      const box = element.getBoundingClientRect();
      return { html: element.outerHTML.slice(0, 90), left: box.left, top: box.top, right: box.right, bottom: box.bottom,
               width: box.width, height: box.height };
    })
    .filter((box) => box.width > 0 && box.height > 0);
}"""


def too_small(targets: list[dict], minimum: float = 48.0) -> list[str]:
    return [f"{round(box['width'])}x{round(box['height'])} {box['html']}" for box in targets if box["width"] < minimum - 0.5 or box["height"] < minimum - 0.5]


def too_close(targets: list[dict], minimum: float = 10.0) -> list[str]:
    close = []
    for first, second in itertools.combinations(targets, 2):
        across = max(0.0, max(first["left"] - second["right"], second["left"] - first["right"]))
        down = max(0.0, max(first["top"] - second["bottom"], second["top"] - first["bottom"]))
        if (across ** 2 + down ** 2) ** 0.5 < minimum - 0.5:
            close.append(f"{first['html']} / {second['html']}")
    return close
