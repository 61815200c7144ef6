"""The images line's assets: image suggestions for unillustrated articles."""
