from services.common.alembic_env import run
from services.events.models import metadata

run(metadata)
