"""OpenMeasure dashboard: the Dash app, its pages, and the download and API routes. Reads only published
releases, through :mod:`dashboard.release_reader`."""

#: Part of the fingerprint in the addresses of the files Dash serves from this package (the partial
#: plotly.js, dashboard/delivery.py); with the file's modification time, a new file gets a new address.
__version__ = "0.1.0"
