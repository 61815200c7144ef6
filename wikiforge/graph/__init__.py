"""Graph line library: the link graph and static page scores (PageRank, HITS, degrees)."""
