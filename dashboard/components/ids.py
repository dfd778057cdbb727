"""Every component id the callbacks use, in one place (a typo here fails at import, not in the browser)."""

# shared by every page
RELEASE = "release-id"  # dcc.Store: the release a page was drawn from
URL_SYNC = "url-sync"  # hidden target of the clientside callbacks that write selections into the URL
PAGE_TITLE = "page-title"  # dcc.Store: a page's title when its subject changes without the router (2.4.2)
PAGE_TITLE_SYNC = "page-title-sync"  # hidden target of the clientside callback that sets document.title
NAVIGATE = "navigate"  # dcc.Location that opens another page from a callback (map or ranking click)

# overview /
OV_AREA = "overview-area"
OV_THEME = "overview-theme"
OV_CONTENT = "overview-content"

# indicator explorer /indicator/<id>
EX_INDICATOR = "explorer-indicator"
EX_LEVEL = "explorer-level"
EX_PERIOD = "explorer-period"
EX_AREAS = "explorer-areas"
EX_MAP = "explorer-map"
EX_MAP_SUMMARY = "explorer-map-summary"
EX_LINKS = "explorer-links"
EX_RANKING = "explorer-ranking"
EX_RANKING_SUMMARY = "explorer-ranking-summary"
EX_DISTRIBUTION = "explorer-distribution"
EX_DISTRIBUTION_SUMMARY = "explorer-distribution-summary"
EX_TABLE = "explorer-table"
EX_TREND = "explorer-trend"
EX_TREND_SUMMARY = "explorer-trend-summary"
EX_TREND_TABLE = "explorer-trend-table"
EX_HEADING = "explorer-heading"

# area profile /area/<code>
AR_INDICATOR = "area-indicator"
AR_NEIGHBOURS = "area-neighbours"
AR_TREND = "area-trend"
AR_DOWNLOADS = "area-downloads"  # the links to the area's data

# compare /compare
CMP_AREAS = "compare-areas"
CMP_INDICATORS = "compare-indicators"
CMP_CONTENT = "compare-content"
