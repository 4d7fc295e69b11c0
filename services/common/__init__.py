"""The platform kit: what every service stands on.

Importing this package first silences eventlet's deprecation banner (the stack is chosen: nameko
2.14 runs on eventlet) so it is done in one place, before anything imports eventlet.
"""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"eventlet(\..*)?")
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"nameko(\..*)?")

VERSION = "0.1.0"
