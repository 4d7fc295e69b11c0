"""The Workers' Culture Platform services. Each subpackage is one independent service; `common` is the kit."""
from . import common as _common  # noqa: F401  (first: silences eventlet's deprecation banner)
