"""Graph line assets: the link graph of a wiki and its static page scores."""
