"""Whatever passes the content check renders for learners and authors, in every language
(Hypothesis, derandomized: the same examples on every run, on both databases).

Naughty strings (the Big List, random text with surrogates and control characters) go
into a module's title and body in one of the course's languages, the course title and a
quiz answer. The editor's preview always answers a page; when the check passes, the
course is published and read through the learner's pages in each of the 8 interface
languages and through the author's preview.
"""

import json
from pathlib import Path

import yaml
from hypothesis import HealthCheck
from hypothesis import Phase
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from lms.config import LANGUAGES
from lms.extensions import db
from lms.queries import workspaces
from lms.services import authoring
from lms.services import content_store
from tests.helpers import COURSE
from tests.helpers import COURSE_YML
from tests.helpers import EN_QUIZ
from tests.helpers import edit_url
from tests.helpers import sign_in

BLNS = json.loads(
    (Path(__file__).parents[1] / "data" / "strings" / "blns.json").read_text(encoding="utf-8")
)
ANY_CHARACTER = st.characters(exclude_categories=())  # surrogates (Cs) included
naughty = st.one_of(
    st.sampled_from(BLNS),
    st.text(ANY_CHARACTER, max_size=20),
    st.builds(str.__add__, st.sampled_from(BLNS), st.sampled_from(BLNS)),
)
MODULE_ID = "say-who-you-are"
ANSWER = "- [ ] Post it without saying anything."


def yaml_value(text: str, how: str) -> str:
    if how == "json":  # an emoji becomes a surrogate pair, as naive generators write it
        return json.dumps(text)
    if how == "pyyaml":
        return yaml.safe_dump(text, default_style='"', width=10_000).removesuffix("\n...\n").strip()
    return text


def draft(files, lang, title, body, answer, how) -> tuple[dict[str, bytes], str, str]:
    """The course's files with the strings in; the module's path and text."""
    path = f"courses/{COURSE}/{lang}/01-{MODULE_ID}.md"
    text = f'---\ntitle: {yaml_value(title, how)}\n---\n\n{body}\n\n!!! tip "{title}"\n    {body}\n'
    course_yml = (
        files[COURSE_YML]
        .decode()
        .replace("  he: יסודות המדיניות", f"  he: {yaml_value(title, how)}")
    )
    quiz = files[EN_QUIZ].decode().replace(ANSWER, f"- [ ] {answer}")
    changed = {path: text, COURSE_YML: course_yml, EN_QUIZ: quiz}
    encoded = {p: t.encode("utf-8", "surrogatepass") for p, t in changed.items()}
    return {**files, **encoded}, path, text


def test_what_passes_the_check_renders_for_learners_and_authors(app, author, employee):
    learner = app.test_client()
    sign_in(learner, employee)
    base = workspaces.workspace(COURSE).files
    assert ANSWER.encode() in base[EN_QUIZ]
    published = []

    # No shrinking: each example publishes a version, and derandomized runs repeat the
    # failing example anyway.
    @settings(
        max_examples=15,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    @given(
        title=naughty,
        body=naughty,
        answer=naughty,
        lang=st.sampled_from(["en", "he", "zh_Hans"]),
        how=st.sampled_from(["json", "pyyaml", "plain"]),
    )
    def check(title, body, answer, lang, how):
        files, path, text = draft(base, lang, title, body, answer, how)
        typed = text.encode("utf-8", "replace").decode()  # a browser sends no surrogate
        preview = author.post(edit_url(path), data={"text": typed, "preview": "Preview"})
        assert preview.status_code == 200
        course, problems = authoring.check(COURSE, files)
        if course is None:
            assert any(p.severity == "error" for p in problems)
            return
        assert content_store.publish(course, files=files) is not None
        published.append(lang)
        for ui in LANGUAGES:
            employee.preferred_language = ui
            db.session.commit()
            for url in (f"/training/{COURSE}", f"/training/{COURSE}/modules/{MODULE_ID}"):
                response = learner.get(url)
                assert response.status_code == 200, (ui, url)
        for url in (
            f"/author/{COURSE}",
            f"/author/{COURSE}/preview?lang={lang}",
            f"/author/{COURSE}/preview/modules/{MODULE_ID}?lang={lang}",
            f"/author/{COURSE}/preview/quiz?lang=en",
        ):
            assert author.get(url).status_code == 200, url

    check()
    assert len(published) >= 4, "too few examples passed the check to test anything"
