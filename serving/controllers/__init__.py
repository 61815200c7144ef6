"""Controllers, one module per product line. app.py registers every one listed here."""

from serving.controllers.health import HealthController

CONTROLLERS: list[type] = [HealthController]
