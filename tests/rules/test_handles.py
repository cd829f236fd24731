"""One written form per account: however a handle is typed, it reduces to the same key."""

import pytest

from lms.rules.handles import HandleProblem
from lms.rules.handles import normalise


@pytest.mark.parametrize(
    ("platform", "typed", "key"),
    [
        ("x", "@Foo", "foo"),
        ("x", "foo", "foo"),
        ("x", "  @FOO ", "foo"),
        ("x", "https://x.com/Foo", "foo"),
        ("x", "https://twitter.com/foo?s=20", "foo"),
        ("x", "x.com/Foo/", "foo"),
        ("x", "https://www.x.com/Foo/status/123", "foo"),
        ("linkedin", "https://www.linkedin.com/in/Ana-Silva-123/", "ana-silva-123"),
        ("linkedin", "linkedin.com/company/Acme", "acme"),
        ("instagram", "https://instagram.com/ana.silva", "ana.silva"),
        ("facebook", "https://m.facebook.com/profile.php?id=1000123", "1000123"),
        ("tiktok", "https://www.tiktok.com/@Ana_Silva", "ana_silva"),
        ("youtube", "https://youtube.com/@AnaSilva", "anasilva"),
        ("youtube", "https://www.youtube.com/c/AnaSilva", "anasilva"),
        ("threads", "https://www.threads.net/@ana", "ana"),
        ("bluesky", "https://bsky.app/profile/Ana.bsky.social", "ana.bsky.social"),
        ("bluesky", "@ana.bsky.social", "ana.bsky.social"),
        ("mastodon", "@Ana@Mastodon.Social", "ana@mastodon.social"),
        ("mastodon", "https://mastodon.social/@Ana", "ana@mastodon.social"),
        ("weibo", "https://weibo.com/u/123456", "123456"),
        ("wechat", "Ana_Silva", "ana_silva"),
        ("other", "Straße", "strasse"),  # case-folded, like any comparison without case
        ("x", "@ÄnaΣ", "änaσ"),  # letters of any script
    ],
)
def test_each_way_of_writing_a_handle_gives_one_key(platform, typed, key):
    assert normalise(platform, typed) == key


@pytest.mark.parametrize(
    ("platform", "typed", "problem"),
    [
        ("myspace", "foo", "platform"),
        ("x", "   ", "empty"),
        ("x", "@", "empty"),
        ("x", "a" * 101, "too_long"),
        ("x", "https://instagram.com/foo", "url"),  # another platform's profile
        ("x", "https://x.com/", "url"),
        ("other", "https://example.com/foo", "url"),
        ("mastodon", "@ana", "characters"),  # which server?
        ("x", "two words", "characters"),
        ("x", "foo<script>", "characters"),
        ("x", "@foo@bar.com", "characters"),
    ],
)
def test_what_cannot_be_a_handle_is_refused_with_its_reason(platform, typed, problem):
    with pytest.raises(HandleProblem) as refused:
        normalise(platform, typed)
    assert refused.value.code == problem
