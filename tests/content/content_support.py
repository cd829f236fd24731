"""Shared fixture data for the content tests: a valid course as a dict of path -> text."""

from __future__ import annotations

from pathlib import Path

from lms.content import revision_of

COURSE = "social-media-policy"

COURSE_YML = """\
id: social-media-policy
version: "1.0"
source_language: en
title:
  en: Social media policy
  zh_Hans: 社交媒体政策
  he: מדיניות הרשתות החברתיות
description:
  en: What you may say about the company online, and how.
required: true
pass_mark: 80
validity_days: 365
"""

EN_MODULES = {
    "01-why-it-matters.md": "---\ntitle: Why it matters\n---\n\nEvery employee is a voice.\n",
    "02-what-to-share.md": (
        "---\ntitle: What to share\n---\n\n!!! tip \"Before you post\"\n"
        "    Ask yourself.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    ),
    "10-checklist.md": "---\ntitle: Checklist\n---\n\n## Check {#check}\n\n- one\n- two\n",
}
HE_BODIES = ["כל עובד הוא קול.", "שאל את עצמך.", "רשימה."]
ZH_BODIES = ["每位员工都是公司的声音。", "发帖之前先问问自己。", "清单。"]

EN_QUIZ = """\
---
title: Social media policy quiz
pool: 2
---

## A friend asks when the phone ships. What do you answer? {#launch-date .single}

Optional scenario text.

- [ ] Give the date.
  > Unannounced dates are confidential.
- [x] Say you cannot talk about it.
  > Right.
- [ ] Ignore the question.

> The explanation.

## Which must you never post? {#never-post .multiple}

- [x] A customer's order details.
- [x] Unpublished sales figures.
- [ ] The published annual report.

## A disclaimer lets you share secrets. {#disclaimer-limits .true-false}

- [ ] True
- [x] False
"""

ZH_QUIZ_BODY = """
## 朋友问新手机什么时候发货？ {#launch-date .single}

- [ ] 告诉日期。
- [x] 说你不能谈论。
- [ ] 不理会。

## 哪些绝不能发布？ {#never-post .multiple}

- [x] 客户订单。
- [x] 未公布的销售数字。
- [ ] 已公布的年报。

## 免责声明可以分享机密。 {#disclaimer-limits .true-false}

- [ ] 对
- [x] 错
"""


def valid_files() -> dict[str, str]:
    """A valid course: en (source) and he modules, zh_Hans modules and quiz; he has no quiz."""
    base = f"courses/{COURSE}"
    files = {f"{base}/course.yml": COURSE_YML, f"quizzes/{COURSE}/en.md": EN_QUIZ}
    for (name, text), he, zh in zip(EN_MODULES.items(), HE_BODIES, ZH_BODIES, strict=True):
        files[f"{base}/en/{name}"] = text
        rev = revision_of(text.encode())
        files[f"{base}/he/{name}"] = f"---\ntitle: כותרת\ntranslation_of: {rev}\n---\n\n{he}\n"
        files[f"{base}/zh_Hans/{name}"] = f"---\ntitle: 标题\ntranslation_of: {rev}\n---\n\n{zh}\n"
    rev = revision_of(EN_QUIZ.encode())
    files[f"quizzes/{COURSE}/zh_Hans.md"] = (
        f"---\ntitle: 测验\npool: 2\ntranslation_of: {rev}\n---\n{ZH_QUIZ_BODY}"
    )
    return files


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``files`` (relative path -> text or bytes) under ``root``; returns ``root``."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content if isinstance(content, bytes) else content.encode()
        path.write_bytes(data)
    return root




def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    return next(i for i, line in enumerate(text.split("\n"), 1) if needle in line)
