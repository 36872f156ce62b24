"""Ready models of real formats, each written to read like its specification.

``FORMATS`` maps the names the command line accepts (``--format png``) to models.
"""

from typing import Dict, Type

from ..model import Struct
from .gzip import Gzip
from .png import PNG
from .tar import Tar
from .zip import ZIP

FORMATS: Dict[str, Type[Struct]] = {"png": PNG, "gzip": Gzip, "zip": ZIP, "tar": Tar}

__all__ = ["FORMATS", "PNG", "Gzip", "ZIP", "Tar"]
