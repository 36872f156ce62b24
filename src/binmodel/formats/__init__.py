"""Ready models of real formats, each written to read like its specification.

``FORMATS`` maps the names the command line accepts (``--format png``) to models.
"""

from typing import Dict, Type

from ..model import Struct
from .elf import ELF
from .png import PNG

FORMATS: Dict[str, Type[Struct]] = {"elf": ELF, "png": PNG}

__all__ = ["ELF", "FORMATS", "PNG"]
