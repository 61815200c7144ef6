"""msgspec structs for every response, one module per product line."""
