"""OpenMeasure indicators: declarations (registry), the SQL computation at every level, and the small
pure functions behind it (intervals, disclosure control, nearest neighbours, progress to target)."""
