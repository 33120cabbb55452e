"""The public ops. Each module checks arguments, infers shapes and dtypes, then
calls ``engine.run_kernel``; ``methods`` attaches them to Tensor."""
from . import binary, creation, reduction, shape, unary  # noqa: F401
from . import matmul as _matmul_module, nn  # noqa: F401
from .binary import *  # noqa: F401,F403
from .creation import *  # noqa: F401,F403
from .matmul import *  # noqa: F401,F403
from .nn import *  # noqa: F401,F403
from .reduction import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .unary import *  # noqa: F401,F403

__all__ = binary.__all__ + creation.__all__ + reduction.__all__ + shape.__all__ + unary.__all__
__all__ += _matmul_module.__all__ + nn.__all__

from . import methods  # noqa: E402,F401  (attaches Tensor methods last)
