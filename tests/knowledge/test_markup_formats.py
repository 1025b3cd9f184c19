"""Documentation written for site generators — MDX (Docusaurus), reStructuredText (Sphinx), AsciiDoc
(Antora) — is ingested like Markdown: its titles become the sections' headings, its markup is not content,
and a `# comment` inside a code block is not a heading."""

from pathlib import Path

from bot.database import Database
from knowledge.base import KnowledgeBase
from knowledge.chunking import chunk_markdown
from knowledge.ingest import ingest_paths
from knowledge.loaders import load_file
from knowledge.markup_formats import (
    asciidoc_to_markdown,
    markdown_site_syntax,
    mdx_to_markdown,
    rst_to_markdown,
)
from tests.database_templates import migrated_sqlite
from tests.fakes.harness import make_settings

RST = """:orphan:

.. _install-guide:

==================
 Installation Guide
==================

Acme Sync needs Python 3.9 or later. See :ref:`the FAQ <faq>` and `our site <https://acme.example>`_.

Requirements
------------

Install with::

    # a shell comment, not a heading
    pip install acme-sync

.. note::
   Windows is not supported for the server.

.. versionadded:: 2.3
   Single sign-on with SAML.

.. code-block:: yaml
   :caption: config.yaml

   # not a heading either
   sso: true

.. toctree::
   :maxdepth: 2

   intro

.. A comment
   over two lines.

Limits
~~~~~~

- At most ``500`` users per workspace, see :doc:`/admin/limits`.

----

Upgrading
---------

Run ``acme upgrade``.
"""

ASCIIDOC = """= Acme Sync Admin Guide
:product: Acme Sync
:toc:
// a comment

== Single sign-on

{product} supports SAML single sign-on with Okta. See xref:limits.adoc[the limits] and
https://acme.example/sso[the SSO guide].

[NOTE]
====
SSO needs the Enterprise plan.
====

.Example configuration
[source,yaml]
----
# not a heading
sso: true
----

=== Audit logs

Retention:: 365 days by default.
Export;;
* Kept for 365 days.
** Exportable as CSV.
include::partial.adoc[]

////
A hidden block.
////
"""

MDX = """import Tabs from '@theme/Tabs';
import {
  PlanTable,
} from './plans';
export const meta = {
  owner: 'pm',
};

# Pricing

{/* not for readers */}

<Tabs
  groupId="plan">
<TabItem value="growth">

The Growth plan includes SAML single sign-on.

</TabItem>
</Tabs>

:::tip[Good to know]
Annual billing saves 20%.
:::

```js
# not a heading
import x from 'y';
```
"""


def headings(markdown: str) -> list[tuple[tuple[str, ...], str]]:
    return [(chunk.headings, chunk.heading) for chunk in chunk_markdown(markdown)]


def test_rst_titles_become_headings_ranked_by_first_appearance() -> None:
    markdown = rst_to_markdown(RST)
    assert headings(markdown) == [
        ((), "Installation Guide"),
        (("Installation Guide",), "Requirements"),
        (("Installation Guide", "Requirements"), "Limits"),
        (("Installation Guide",), "Upgrading"),
    ]
    assert "```\n# a shell comment, not a heading\npip install acme-sync\n```" in markdown
    assert "```yaml\n# not a heading either\nsso: true\n```" in markdown
    assert "Install with:\n" in markdown
    assert "Note:\nWindows is not supported for the server." in markdown
    assert "Added in version 2.3:\nSingle sign-on with SAML." in markdown
    assert "See the FAQ and [our site](https://acme.example)." in markdown
    assert "At most `500` users per workspace, see /admin/limits." in markdown
    for gone in (":orphan:", "install-guide", "toctree", "maxdepth", "intro", "A comment", "caption", "----"):
        assert gone not in markdown


def test_asciidoc_titles_attributes_and_blocks() -> None:
    markdown = asciidoc_to_markdown(ASCIIDOC)
    assert headings(markdown) == [
        (("Acme Sync Admin Guide",), "Single sign-on"),
        (("Acme Sync Admin Guide", "Single sign-on"), "Audit logs"),
    ]
    assert "Acme Sync supports SAML single sign-on with Okta. See the limits and" in markdown
    assert "[the SSO guide](https://acme.example/sso)" in markdown
    assert "Note:\nSSO needs the Enterprise plan." in markdown
    assert "Example configuration:\n```yaml\n# not a heading\nsso: true\n```" in markdown
    assert "- Kept for 365 days.\n  - Exportable as CSV." in markdown
    assert "- Retention: 365 days by default.\n- Export:\n" in markdown
    for gone in (":toc:", "a comment", "include::", "hidden block", "====", "[NOTE]", "{product}"):
        assert gone not in markdown


def test_mdx_module_lines_comments_and_component_tags_are_not_content() -> None:
    markdown = mdx_to_markdown(MDX)
    assert headings(markdown) == [((), "Pricing")]
    assert "The Growth plan includes SAML single sign-on." in markdown
    assert "Tip — Good to know:\nAnnual billing saves 20%." in markdown
    assert "```js\n# not a heading\nimport x from 'y';\n```" in markdown  # code is left as written
    for gone in (
        "@theme/Tabs",
        "PlanTable",
        "owner: 'pm'",
        "not for readers",
        "<Tabs",
        "groupId",
        "TabItem",
        ":::",
    ):
        assert gone not in markdown


def test_markdown_admonitions_and_shortcodes() -> None:
    text = (
        '# Plans\n\n:::note\nSSO is on Growth.\n:::\n\n{{< tab "Cloud" >}}Hosted in Frankfurt.{{< /tab >}}\n'
    )
    assert markdown_site_syntax(text) == "# Plans\n\nNote:\nSSO is on Growth.\n\nHosted in Frankfurt.\n"


def test_rst_field_lists_and_asciidoc_headers_are_the_documents_metadata(tmp_path: Path) -> None:
    rst = tmp_path / "floor.rst"
    rst.write_text(
        ":audience: internal\n:owner: Pricing desk\n\nDiscount floor\n==============\n\nAt most 15 %.\n"
    )
    adoc = tmp_path / "floor.adoc"
    adoc.write_text(
        "= Discount floor\nPat Lee <pat@example.com>\n:internal: true\n:description: What reps may give\n\n"
        "== Rules\n\nAt most 15 %.\n"
    )
    for loaded in (load_file(rst), load_file(adoc)):
        assert loaded.internal and loaded.title == "Discount floor"
    assert load_file(rst).owner == "Pricing desk"
    assert (load_file(adoc).owner, load_file(adoc).summary) == ("Pat Lee", "What reps may give")
    plain = tmp_path / "plans.rst"
    plain.write_text("Plans\n=====\n\nGrowth and Enterprise.\n")
    assert not load_file(plain).internal and load_file(plain).owner is None


def test_ingest_reads_the_three_formats_and_answers_from_them(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "install.rst").write_text(RST)
    (docs / "admin.adoc").write_text(ASCIIDOC)
    (docs / "pricing.mdx").write_text("---\ntitle: Plans and pricing\n---\n" + MDX)
    url = migrated_sqlite(tmp_path / "kb.db")
    kb = KnowledgeBase(db=Database(url), settings=make_settings(url), version_check_seconds=0.0)
    report = ingest_paths(kb, [docs])
    assert (report.added, report.skipped) == (3, []), report
    windows = kb.search("Is Windows supported for the server?").hits[0].section
    assert (windows.path, windows.title, windows.heading) == (
        "install.rst",
        "Installation Guide",
        "Requirements",
    )
    audit = kb.search("How long are audit logs kept?").hits[0].section
    assert (audit.path, audit.heading) == ("admin.adoc", "Audit logs")
    pricing = kb.search("Does Growth include single sign-on?").hits[0].section
    assert (pricing.path, pricing.title, pricing.heading) == ("pricing.mdx", "Plans and pricing", "Pricing")
    assert "TabItem" not in pricing.text


def test_a_documentation_site_page_is_its_main_content(tmp_path: Path) -> None:
    # exported from a documentation site: every page carries the same sidebar, menus and footer
    page = tmp_path / "sso.html"
    page.write_text(
        "<html lang='en'><head><title>Single sign-on | Acme Docs</title></head><body>"
        "<div role='navigation'><ul><li>Pricing</li><li>Audit logs</li></ul></div>"
        "<aside class='theme-doc-sidebar'><ul><li>Sandboxes</li><li>Data export</li></ul></aside>"
        "<main><article><h1>Single sign-on</h1><p>SAML SSO with Okta is on Enterprise.</p>"
        "<h2>Set-up</h2><p>Upload the IdP metadata in Settings.</p></article></main>"
        "<div role='contentinfo'><p>© Acme. Careers. Press.</p></div></body></html>"
    )
    loaded = load_file(page)
    assert [c.heading for c in chunk_markdown(loaded.markdown)] == ["Single sign-on", "Set-up"]
    for chrome in ("Audit logs", "Sandboxes", "Careers"):
        assert chrome not in loaded.markdown
    bare = tmp_path / "bare.html"  # no landmarks at all: the whole body, as before
    bare.write_text("<html><body><h1>Plans</h1><p>Growth and Enterprise.</p></body></html>")
    assert "Growth and Enterprise." in load_file(bare).markdown


def test_a_markdown_page_that_uses_components_is_read_as_mdx(tmp_path: Path) -> None:
    # Docusaurus reads .md as MDX: RocketMQ's and APISIX's pages import Tabs, TiDB's wrap text in
    # <CustomContent>; the tags and imports were indexed as words ("customcont", "platform", "tabitem")
    page = tmp_path / "install.md"
    page.write_text(
        "---\ntitle: Install\n---\n\nimport Tabs from '@theme/Tabs';\nimport TabItem from '@theme/TabItem';\n\n"
        '# Install\n\n<Tabs groupId="os">\n<TabItem value="linux" label="Linux" default>\n\nRun the installer.\n\n'
        '</TabItem>\n</Tabs>\n\n<CustomContent platform="tidb">\n\nSelf-managed only.\n\n</CustomContent>\n\n'
        "```js\nimport Tabs from '@theme/Tabs';\n<Tabs />\n```\n",
        encoding="utf-8",
    )
    text = load_file(page).markdown
    assert "Run the installer." in text and "Self-managed only." in text
    assert (
        "TabItem" not in text.split("```")[0]
        and "CustomContent" not in text
        and "@theme" not in text.split("```")[0]
    )
    assert "```js\nimport Tabs from '@theme/Tabs';\n<Tabs />\n```" in text  # code stays code
    plain = tmp_path / "plain.md"
    plain.write_text(
        "# Plain\n\nexport the table, then <br> import it.\n\n    export PATH=/opt/bin\n", encoding="utf-8"
    )
    assert (
        load_file(plain).markdown.strip()
        == "# Plain\n\nexport the table, then <br> import it.\n\n    export PATH=/opt/bin"
    )
