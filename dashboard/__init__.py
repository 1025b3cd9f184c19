"""The web dashboard, served by `salesbridge serve` under `/app` (mounted in `salesbridge/server.py`).

An entry point beside `handlers/` and `jobs/`: it calls the same service functions as chat (`services/…`),
never a chat handler, so a status changed here reaches the requesters exactly as one changed in chat.

- `app.py` — `create_dashboard_app(services)` and `PAGES`, the list of pages (one line per page);
- `web.py` — what every page uses: `page_route`, `Ctx` (viewer, language, rendering, forms), the errors;
- `auth.py` — the signed session cookie and the CSRF token; `signin.py` — the sign-in and sign-out routes;
- `i18n.py` — the page language (`?lang=`, a cookie, Accept-Language);
- `pages/` — one module per page; `templates/` (Jinja2) and `static/` (our own CSS, no CDN).

`README.md` in this folder describes a page module, the helpers and the stable element ids.
"""
