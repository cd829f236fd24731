"""The author's preview: the learner's pages for a version, with the preview's own links."""

import re

import pytest

COURSE = "policy-basics"
MODULES = ["say-who-you-are", "keep-secrets"]
LANGUAGES = ["en", "he", "zh_Hans"]


def main_of(response) -> str:
    """The page's own content, without the site navigation around it."""
    assert response.status_code == 200, response.request.path
    return response.get_data(as_text=True).split("<main", 1)[1].split("</main>", 1)[0]


def links_in(html: str) -> list[str]:
    return [link.replace("&amp;", "&") for link in re.findall(r'(?:href|action)="([^"]*)"', html)]


# The parts of a module page that a preview must show exactly as a learner sees them.
MODULE_PARTS = {
    "text": r"<article.*?</article>",
    "crumbs": r'<ol class="breadcrumb">.*?</ol>',
    "position": r'<div class="progress-line">.*?</div>',
    "previous": r'<a [^>]*rel="prev".*?</a>',
}


def parts(html: str, patterns: dict[str, str]) -> dict[str, str | None]:
    found = {name: re.search(pattern, html, re.S) for name, pattern in patterns.items()}
    return {name: same_page(match.group(0)) if match else None for name, match in found.items()}


def same_page(html: str) -> str:
    """Learner and preview links to the same page written alike, and the first crumb
    ("My training", a link only for a learner) left out."""
    html = re.sub(r"\?lang=\w+", "", html.replace("&amp;", "&"))
    html = html.replace(f"/author/{COURSE}/preview", f"/training/{COURSE}")
    return re.sub(
        r'(<ol class="breadcrumb">\s*)<li class="breadcrumb-item">.*?</li>',
        r"\1",
        html,
        count=1,
        flags=re.S,
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_preview_link_stays_in_the_preview_and_opens(author, lang):
    """From the course page, follow every link of every preview page: each one is a
    preview page in the same language, and none leads to the learner's /training pages."""
    start = f"/author/{COURSE}/preview?lang={lang}"
    seen, todo = set(), [start]
    while todo:
        url = todo.pop()
        seen.add(url)
        response = author.get(url)
        assert "/training/" not in response.get_data(as_text=True), url
        for link in links_in(main_of(response)):
            assert link.startswith(f"/author/{COURSE}"), (url, link)
            if "/preview" in link:
                assert link.endswith(f"lang={lang}"), (url, link)
                todo += [] if link in seen else [link]
    assert f"/author/{COURSE}/preview/quiz?lang={lang}" in seen
    assert {f"/author/{COURSE}/preview/modules/{m}?lang={lang}" for m in MODULES} <= seen


def test_the_preview_shows_what_a_learner_sees(author, auth, client, make_user):
    """The same text, language, order and previous/next as the learner's own pages, for a
    Hebrew reader (right to left; the second module falls back to English)."""
    auth.login(make_user(preferred_language="he"))
    learner = client
    author.post("/language", data={"lang": "he"})  # the same interface language
    texts = []
    for module_id in MODULES:
        theirs = parts(
            main_of(learner.get(f"/training/{COURSE}/modules/{module_id}")), MODULE_PARTS
        )
        ours = parts(
            main_of(author.get(f"/author/{COURSE}/preview/modules/{module_id}?lang=he")),
            MODULE_PARTS,
        )
        assert ours == theirs and ours["position"], module_id
        texts.append(ours["text"])
    assert 'lang="he" dir="rtl"' in texts[0] and 'lang="en" dir="ltr"' in texts[1]
    listing = {"modules": r'<ol class="list-group.*?</ol>'}
    assert parts(main_of(author.get(f"/author/{COURSE}/preview?lang=he")), listing) == parts(
        main_of(learner.get(f"/training/{COURSE}")), listing
    )


def test_the_learner_only_parts_are_absent_from_the_preview(author):
    course = main_of(author.get(f"/author/{COURSE}/preview?lang=en"))
    assert "Preview of the published version 1.0" in course
    assert "Progress in" not in course and "Due " not in course
    assert 'method="post"' not in course
    first = main_of(author.get(f"/author/{COURSE}/preview/modules/{MODULES[0]}?lang=en"))
    assert 'method="post"' not in first and "Done, next module" not in first
    assert f'href="/author/{COURSE}/preview/modules/{MODULES[1]}?lang=en" rel="next"' in first
    last = main_of(author.get(f"/author/{COURSE}/preview/modules/{MODULES[1]}?lang=en"))
    assert 'rel="next"' not in last and "Module 2 of 2" in last


def test_the_quiz_preview_is_the_learners_introduction_then_the_answer_key(
    author, auth, employee, client
):
    quiz = main_of(author.get(f"/author/{COURSE}/preview/quiz?lang=en"))
    for fact in ("3 questions", "Pass mark: 80%", "2 attempts every 24 hours"):
        assert fact in quiz
    assert "used)" not in quiz and "Start the quiz" not in quiz
    assert "Correct answer" in quiz  # the author's view of the key, as before
    assert 'name="q-' not in quiz and 'method="post"' not in quiz  # nothing to submit
    auth.login(employee)
    learner = main_of(client.get(f"/training/{COURSE}/quiz"))
    assert "3 questions" in learner and "Correct answer" not in learner


def test_an_unknown_module_is_not_found_in_the_preview(author):
    assert author.get(f"/author/{COURSE}/preview/modules/nope?lang=en").status_code == 404
    assert author.get("/author/no-such-course/preview").status_code == 404
