from services.common.alembic_env import run
from services.awards.models import metadata

run(metadata)
