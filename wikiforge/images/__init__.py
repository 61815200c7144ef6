"""The images line: image links, lead images, icons, unillustrated articles and image
suggestions for them, as Wikimedia's "Add an image" makes them (see docs in each module).
"""
