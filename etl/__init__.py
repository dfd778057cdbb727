"""OpenMeasure ETL: sources, validation, pipeline, release store, catalogue, CLI."""
