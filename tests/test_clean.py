"""Cleaning removes boilerplate and repeats, and never an article sentence."""

from __future__ import annotations

import textwrap
from datetime import date

import pytest

from ceasefire.clean import Boilerplate, clean_html, clean_text, default_boilerplate, extract_html
from ceasefire.errors import InputError

LEAD = (
    "Syrian government forces shelled villages in the Wadi Barada valley northwest of Damascus "
    "on Thursday, a monitoring group said, in the most serious test yet of the nationwide truce "
    "brokered by Russia and Turkey."
)
SECOND = (
    "The Syrian Observatory for Human Rights said four civilians, including two children, were "
    "killed in Ain al-Fijeh, where the springs that supply the capital with most of its water "
    "are located."
)
THIRD = (
    "Rebels said they had repelled an advance by the army and Hezbollah fighters on Basima, "
    "and that the fighting went on until dawn."
)

# One example per pattern of data/boilerplate.yaml, so every pattern is exercised.
BOILERPLATE = {
    "share-bar": "Facebook Twitter WhatsApp Email",
    "navigation": "Skip to main content",
    "breadcrumb": "Home > Middle East > Syria",
    "advertisement": "Advertisement",
    "related-links": "Read more: Russia and Turkey agree to guarantee Syria truce",
    "see-also": "Watch: Aid trucks wait at the edge of the valley",
    "comments": "12 comments",
    "timestamp": "Last updated: 5 January 2017 10:32 GMT",
    "click-here": "Click here to download the monitor's full report.",
    "follow-us": "Follow us on Twitter for the latest updates from Syria.",
    "caption-label": "Photo: A man walks past a damaged building in Douma",
    "caption-bbc": "Image caption Residents of Madaya queue for bread",
    "caption-photo-credit": "Smoke rises over Ain al-Fijeh after shelling (AFP Photo)",
    "caption-agency-photographer": "Fighters take positions near Basima (Reuters/Omar Haddad)",
    "credit-line": "AFP/Getty Images",
    "views-disclaimer": (
        "The views expressed in this article are the author's own and do not necessarily "
        "reflect the editorial policy of this website."
    ),
    "disclaimer": "Disclaimer: this site is not responsible for the content of external links.",
    "republished": "This article was originally published by our partner site.",
    "all-rights-reserved": "Levant Wire 2017. All rights reserved.",
    "copyright": "© 2017 Levant Wire",
    "standards": "Our Standards: The Thomson Reuters Trust Principles.",
    "reporting-credit": "(Reporting by Lina Haddad in Beirut; Editing by Tom Reed)",
    "reporting-credit-names": "Reporting by Lina Haddad and Omar Khalil in Beirut",
    "byline": "By Lina Haddad and Omar Khalil | BEIRUT",
    "support-our-journalism": "Support our journalism. Donate today and keep us independent.",
    "donate-button": "Donate now",
    "appeal-our-journalism": "Readers like you make our journalism possible: become a supporter.",
    "appeal": "If you value our reporting from Syria, please consider a small contribution.",
    "dismiss-button": "Remind me later",
    "newsletter": "Sign up for our daily newsletter and get the news in your inbox.",
    "cookies": "We use cookies to improve your experience on our website.",
    "site-links": "Privacy Policy | Terms of Use | Contact Us",
}

# Article sentences with the words the patterns look for; every one must survive.
KEEP = [
    "Residents said they could not donate blood because the hospital in Madaya had been shelled.",
    "A photo published by activists showed the destroyed clinic in Ain al-Fijeh.",
    "Photo-journalist Omar Khalil was wounded by shrapnel in the shelling of Douma.",
    "By Tuesday, government forces had taken the village of Basima.",
    "Reporting by the Syrian Observatory suggested that 12 people died.",
    "The views expressed by the Russian envoy were rejected by the opposition delegation.",
    "Published figures showed 12 dead.",
    "Activists posted images of the victims (the images could not be verified).",
    "The UN urged donors to make a donation to the appeal for eastern Aleppo.",
    "Turkey could become a member of the monitoring commission, officials said.",
    "Rebels said the truce was 'all but dead' and called for support from Ankara.",
    "The army said it would share intelligence with Russian officers in Hmeimim.",
    "Home to 20,000 people, the town was shelled again on Friday.",
    "More than 30 rockets hit the area, the monitor said.",
]


def test_every_pattern_has_an_example() -> None:
    names = {name for name, _, _ in default_boilerplate().patterns}
    assert names == set(BOILERPLATE)


@pytest.mark.parametrize("name", sorted(BOILERPLATE))
def test_boilerplate_is_removed_from_an_article(name: str) -> None:
    line = BOILERPLATE[name]
    assert default_boilerplate().match(line) == name
    text = f"{LEAD}\n\n{line}\n\n{SECOND}"
    assert clean_text(text) == f"{LEAD}\n\n{SECOND}"


@pytest.mark.parametrize("sentence", KEEP)
def test_article_sentences_survive(sentence: str) -> None:
    assert default_boilerplate().match(sentence) is None
    assert clean_text(f"{LEAD}\n\n{sentence}\n{SECOND}") == f"{LEAD}\n\n{sentence}\n\n{SECOND}"


def test_a_long_paragraph_is_never_tested_against_short_patterns() -> None:
    paragraph = f"Share this article. {LEAD} {SECOND}"
    assert clean_text(paragraph) == paragraph


def test_paragraphs_are_separated_by_a_blank_line() -> None:
    assert (
        clean_text(f"  {LEAD}  \r\n\r\n\r\n{SECOND}\n{THIRD}\n") == f"{LEAD}\n\n{SECOND}\n\n{THIRD}"
    )


def test_a_repeated_paragraph_keeps_its_first_occurrence() -> None:
    text = f"{LEAD}\n{SECOND}\n{THIRD}\n{SECOND.upper()}"
    assert clean_text(text) == f"{LEAD}\n\n{SECOND}\n\n{THIRD}"


def test_a_caption_repeated_as_text_is_dropped() -> None:
    caption = "Four civilians were killed in Ain al-Fijeh"
    text = f"{LEAD}\n{caption}\n{SECOND}\nOfficials said {caption.lower()} on Thursday."
    assert (
        clean_text(text) == f"{LEAD}\n\n{SECOND}\n\nOfficials said {caption.lower()} on Thursday."
    )


def test_a_caption_repeated_next_to_its_credited_version_is_dropped() -> None:
    caption = "Smoke rises over Ain al-Fijeh after the shelling"
    text = f"{LEAD}\n{caption} (AFP Photo)\n{caption}\n{SECOND}"
    assert clean_text(text) == f"{LEAD}\n\n{SECOND}"


def test_a_short_heading_found_in_the_text_is_kept() -> None:
    text = f"Wadi Barada\n{LEAD}"
    assert clean_text(text) == text.replace("\n", "\n\n")


def test_hard_wrapped_text_is_reflowed_into_paragraphs() -> None:
    wrapped = "\n".join(
        [textwrap.fill(LEAD, 72), textwrap.fill(SECOND, 72), "Photo: AFP", textwrap.fill(THIRD, 72)]
    )
    assert clean_text(wrapped) == f"{LEAD}\n\n{SECOND}\n\n{THIRD}"


def test_a_word_hyphenated_across_lines_keeps_its_hyphen() -> None:
    width = next(w for w in range(50, 90) if "al-\n" in textwrap.fill(SECOND, w))
    wrapped = f"{textwrap.fill(SECOND, width)}\n{textwrap.fill(THIRD, width)}"
    assert clean_text(wrapped) == f"{SECOND}\n\n{THIRD}"


def test_one_paragraph_per_line_is_not_joined() -> None:
    lines = ["Truce tested in Wadi Barada", LEAD, THIRD]
    assert clean_text("\n".join(lines)) == "\n\n".join(lines)


def test_unicode_and_whitespace_are_normalised() -> None:
    text = "Cafe\u0301 owners in Douma\u00a0said\u200b the \u201cceasefire\u201d\tholds."
    assert clean_text(text) == "Café owners in Douma said the \u201cceasefire\u201d holds."


def test_nothing_left_gives_empty_text() -> None:
    assert clean_text("Share this article\n\nDonate\n\n   \n") == ""


PAGE = f"""<!DOCTYPE html>
<html><head><title>Truce tested in Wadi Barada | Levant Wire</title>
<meta property="og:site_name" content="Levant Wire">
<meta property="article:published_time" content="2017-01-05T09:00:00+02:00">
<link rel="canonical" href="https://levantwire.example/2017/truce-tested"></head>
<body><header><nav><a href="/">Home</a> <a href="/syria">Syria</a></nav></header>
<article><h1>Truce tested in Wadi Barada</h1><p>By Lina Haddad</p>
<p>{LEAD}</p>
<figure><img src="smoke.jpg"><figcaption>Smoke over the valley (AFP Photo)</figcaption></figure>
<p>{SECOND}</p><p>A local council said the shelling on Jan. 3 had also hit a school.</p>
<div class="share">Share this article</div>
<p>The views expressed in this article are the author's own and do not necessarily reflect
Levant Wire's editorial stance.</p></article>
<aside><h3>Support our journalism</h3><p>Donate today.</p></aside>
<footer>© 2017 Levant Wire. All rights reserved.</footer></body></html>"""


def test_clean_html_keeps_the_article_and_drops_the_page_around_it() -> None:
    title, text = clean_html(PAGE)
    assert title == "Truce tested in Wadi Barada"
    paragraphs = text.split("\n\n")
    assert LEAD in paragraphs
    assert SECOND in paragraphs
    for gone in ("Home", "Share", "views expressed", "Donate", "rights reserved", "AFP", "By Lina"):
        assert gone not in text


def test_page_metadata_comes_from_markup_not_from_dates_in_the_text() -> None:
    article = extract_html(PAGE)
    assert article.published == date(2017, 1, 5)
    assert article.outlet == "Levant Wire"
    assert article.url == "https://levantwire.example/2017/truce-tested"
    undated = extract_html(f"<html><body><p>{LEAD}</p><p>Shelling on 3 January 2017.</p></body>")
    assert undated.published is None


def test_an_html_fragment_keeps_a_single_sentence() -> None:
    assert clean_html("<p>Rebels shelled Aleppo on Monday.</p>") == (
        None,
        "Rebels shelled Aleppo on Monday.",
    )


@pytest.mark.parametrize(
    "html",
    ["<p>Unclosed <b>bold <div>text</p></span>", "<html><body><table><tr><td>Four killed</td>"],
)
def test_broken_html_still_gives_its_text(html: str) -> None:
    _, text = clean_html(html)
    assert "Unclosed bold text" in text or "Four killed" in text


@pytest.mark.parametrize(
    "html",
    [
        "",
        "<html></html>",
        "<<<>>>",
        "<script>alert(1)</script>",
        "\x00\x01<p>",
        "<svg>--><html><br/><math>",  # trips the date search in lxml/htmldate
    ],
)
def test_html_without_an_article_gives_empty_text(html: str) -> None:
    assert clean_html(html) == (None, "")


def test_a_bad_pattern_file_names_its_line(tmp_path) -> None:
    path = tmp_path / "boilerplate.yaml"
    path.write_text(
        "patterns:\n  - name: ok\n    regex: 'donate'\n    max_words: 3\n"
        "  - name: broken\n    regex: '(unclosed'\n    max_words: 3\n"
    )
    with pytest.raises(InputError) as caught:
        Boilerplate.load(path)
    assert caught.value.line == 6
    assert "regular expression" in str(caught.value)
