"""What must happen before a benchmark script imports anything else: ``import boot`` is its first
import (``common.py`` and ``measure.py`` start with it too).

Puts the project root on ``sys.path`` (the scripts run as ``python bench/<script>.py``, so
``bench/`` is ``sys.path[0]`` and ``import boot`` finds this module), imports ``services.common``
(first: it silences eventlet's deprecation banner), runs ``eventlet.monkey_patch()`` and quiets
py-amqp's warnings about publisher confirms that arrive while a proxy closes its channel.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import services.common  # noqa: E402,F401  (first: silences eventlet's deprecation banner)

import eventlet  # noqa: E402

eventlet.monkey_patch()

import logging  # noqa: E402

logging.getLogger("amqp").setLevel(logging.ERROR)  # publisher-confirm noise while proxies close
