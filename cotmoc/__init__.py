"""cotmoc: consolidates provincial reports on the border-protection movement (Directive 01/CT-TTg)."""
from cotmoc.core.contract import TEMPLATE_VERSION

__version__ = "0.1.0"
__all__ = ["TEMPLATE_VERSION", "__version__"]
