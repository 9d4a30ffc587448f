"""What a reader cannot read on a page: text cut by its box, chart tick labels printed over each
other. Used by the browser layout tests at projector and desktop sizes."""

from __future__ import annotations

from playwright.sync_api import Page

# Text that must be shown whole: metric values and labels, titles, table headers, tab names,
# widget labels. An element counts as cut when its content is wider (or taller) than its box.
_CUT_TEXT = """() => {
    const selectors = [
        '[data-testid="stMetricValue"]', '[data-testid="stMetricLabel"]', '[data-testid="stMetricDelta"]',
        '[data-testid="stMain"] h1', '[data-testid="stMain"] h2', '[data-testid="stMain"] h3',
        '[data-testid="stTab"]', '[role="tablist"]', '[data-testid="stWidgetLabel"]', 'th', '.gtitle',
    ];
    const cut = [];
    for (const element of document.querySelectorAll(selectors.join(', '))) {
        if (!element.offsetParent && element.tagName !== 'text') continue;  // hidden (other tab)
        const boxes = [element, ...element.querySelectorAll('div, p, span')];
        for (const box of boxes) {
            if (box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 2) {
                const style = getComputedStyle(box);
                if (style.overflow === 'visible' && style.textOverflow !== 'ellipsis') continue;
                cut.push(element.innerText || element.textContent);
                break;
            }
        }
    }
    // Plotly titles: a title wider than its chart runs off the right edge.
    for (const chart of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
        const frame = chart.getBoundingClientRect();
        for (const title of chart.querySelectorAll('.gtitle, .g-xtitle text, .g-ytitle text, .legendtext')) {
            const box = title.getBoundingClientRect();
            if (box.width > 0 && (box.left < frame.left - 1 || box.right > frame.right + 1)) {
                cut.push(title.textContent);
            }
        }
    }
    return cut;
}"""

# Tick labels of one axis whose boxes overlap, and legend entries drawn over each other.
_OVERLAPS = """() => {
    const overlaps = [];
    const intersect = (a, b) =>
        a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
    for (const chart of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
        for (const axis of chart.querySelectorAll('.xaxislayer-above, .yaxislayer-above')) {
            const labels = [...axis.querySelectorAll('.xtick text, .ytick text')]
                .filter((label) => label.textContent.trim() !== '')
                .map((label) => [label.textContent, label.getBoundingClientRect()]);
            for (let i = 1; i < labels.length; i++) {
                for (let j = 0; j < i; j++) {
                    if (intersect(labels[i][1], labels[j][1])) overlaps.push(labels[j][0] + ' / ' + labels[i][0]);
                }
            }
        }
    }
    return overlaps;
}"""


def cut_texts(page: Page) -> list[str]:
    """Texts on the page that do not fit their box (values, labels, titles, headers)."""
    return list(page.evaluate(_CUT_TEXT))


def overlapping_ticks(page: Page) -> list[str]:
    """Pairs of tick labels of one chart axis printed over each other."""
    return list(page.evaluate(_OVERLAPS))


def add_layout_problems(page: Page, problems: dict[str, list[str]]) -> dict[str, list[str]]:
    """``problems`` with what the page shows now added: texts cut by their box, chart tick labels
    printed over each other."""
    problems.setdefault("cut", []).extend(cut_texts(page))
    problems.setdefault("overprinted", []).extend(overlapping_ticks(page))
    return problems
