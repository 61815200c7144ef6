"""Per-line services: what the endpoints answer, apart from HTTP.

A service wraps the dataset catalog for one product line (finding the published version,
validating parameters, shaping the response struct); controllers receive one per request by
dependency injection (``serving.dependencies``) and the CLI builds the same one, so both answer
alike. Services raise ``ServiceError`` subclasses, which carry the HTTP status they map to.
"""
