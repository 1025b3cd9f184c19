"""One module per dashboard page; each defines `PAGE` (`dashboard.web.Page`), listed in `dashboard/app.py`."""
