"""Interface patterns shared by the pages: one small function per pattern (see ui.py, figures.py)."""
