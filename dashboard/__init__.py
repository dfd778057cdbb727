"""OpenMeasure dashboard: the Dash app, its pages, and the download and API routes. Reads only published
releases, through :mod:`dashboard.release_reader`."""
