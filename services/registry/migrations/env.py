from services.common.alembic_env import run
from services.registry.models import metadata

run(metadata)
