"""The talent service: the talent-search pipeline, from nomination to the talent pool."""
