"""Links line assets: anchors, redirects, sentences, the link model and its datasets."""
