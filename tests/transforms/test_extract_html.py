import trafilatura

from transforms.extract_html import extract_html, page_metadata

PARAGRAPH = ("The council approved the new budget on Monday after a long debate, and officials "
             "said the money would go to schools, roads and the city's hospitals next year. ")
PAGE = (
    "<html><head><title>Budget approved | The Daily Example</title>"
    "<meta property='og:site_name' content='The Daily Example'>"
    "<link rel='canonical' href='https://news.example/2024/03/04/budget-approved'>"
    "<meta property='article:published_time' content='2024-03-04T10:00:00Z'>"
    "<meta property='article:tag' content='budget'></head>"
    "<body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
    "<article><h1>Budget approved</h1><p class='byline'>By Jane Roe</p>"
    f"<p>{PARAGRAPH * 2}</p><p>{PARAGRAPH.replace('Monday', 'Tuesday')}</p></article>"
    "<footer>© 2024 The Daily Example</footer></body></html>"
)


def test_metadata_is_trafilaturas_for_the_fields_kept():
    for page in (PAGE, PAGE.replace("og:site_name", "og:ignored")):
        ours = page_metadata(trafilatura.load_html(page))
        theirs = trafilatura.extract_metadata(page)
        for field in ("title", "author", "url", "date", "sitename"):
            assert getattr(ours, field) == getattr(theirs, field), field


def test_html_page_title_body_and_metadata():
    found = extract_html(PAGE)
    assert found["title"] == "Budget approved"
    assert "The council approved the new budget on Tuesday" in found["body"]
    assert "Home" not in found["body"]
    assert found["author"] == "Jane Roe"
    assert found["url"] == "https://news.example/2024/03/04/budget-approved"
    assert found["date"].date().isoformat() == "2024-03-04"
    assert found["site"] == "The Daily Example"


def test_a_page_reads_the_same_however_often_it_is_read():
    # trafilatura's deduplication would drop text a process has read before.
    assert len({extract_html(PAGE)["body"] for _ in range(5)}) == 1


def test_no_page_gives_nothing():
    assert set(extract_html("").values()) == {None}


def test_other_stories_after_the_article_are_not_its_body():
    teasers = "".join(f"<p><a href='/s{i}'>Mayor closes bridge number {i}</a></p>"
                      for i in range(6))
    page = PAGE.replace("</article>", f"<p>{PARAGRAPH * 3}</p><h3>Most read</h3>{teasers}"
                        "<p>Sign up for our newsletter</p></article>")
    body = extract_html(page)["body"]
    assert "The council approved the new budget on Tuesday" in body
    assert "Mayor closes bridge" not in body and "newsletter" not in body
