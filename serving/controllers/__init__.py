"""Controllers, one module per product line. app.py registers every one listed here.

Adding a line's controller: import it and append it to CONTROLLERS (one line each).
"""

from serving.controllers.datasets import DatasetsController
from serving.controllers.health import HealthController
from serving.controllers.tasks import TasksController

CONTROLLERS: list[type] = [HealthController, DatasetsController]
CONTROLLERS.append(TasksController)

from serving.controllers.graph import PageRankController  # noqa: E402

CONTROLLERS.append(PageRankController)

from serving.controllers.qrank import QRankController  # noqa: E402

CONTROLLERS.append(QRankController)

from serving.controllers.images import ImagesController  # noqa: E402

CONTROLLERS.append(ImagesController)

from serving.controllers.links import LinkRecommendationsController  # noqa: E402

CONTROLLERS.append(LinkRecommendationsController)
