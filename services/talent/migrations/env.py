from services.common.alembic_env import run
from services.talent.models import metadata

run(metadata)
