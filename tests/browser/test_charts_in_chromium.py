"""The participation charts as Chromium draws them: a long label is read whole, never cut at the chart's edge."""

from __future__ import annotations

from vallokal.web.charts import bar_chart

LABELS = {
    "Ändrade ett val på granskningssidan": (3, "3"),
    "Avbrutna innan rösten lades": (12, "12"),
    "Affisch på bibliotek, skola, fritidsgård eller lapp hemma": (None, "under 10"),
    "Ja": (40, "40"),
}


def test_every_label_and_number_lies_inside_the_chart(page):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.set_content(f'<!doctype html><html lang="sv"><body style="font: 16px sans-serif">'
                     f'<style>svg.chart text {{ font-size: 14px; }}</style>{bar_chart(LABELS, "Test")}</body></html>')
    boxes = page.evaluate("""() => { const svg = document.querySelector('svg.chart'); const width = svg.viewBox.baseVal.width;
        return [...svg.querySelectorAll('text')].map(text => { const box = text.getBBox();
            return {text: text.textContent, left: box.x, right: box.x + box.width, width}; }); }""")
    assert len(boxes) == 2 * len(LABELS)
    for box in boxes:
        assert box["left"] >= 0 and box["right"] <= box["width"], box
