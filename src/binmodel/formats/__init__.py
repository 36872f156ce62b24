"""Ready models of real formats, each written to read like its specification.

``FORMATS`` maps the names the command line accepts (``--format png``) to models.
"""

from typing import Dict, Type

from ..model import Struct
from .bmp import BMP
from .gif import GIF
from .png import PNG
from .wav import WAVE

FORMATS: Dict[str, Type[Struct]] = {"png": PNG, "bmp": BMP, "gif": GIF, "wav": WAVE}

__all__ = ["FORMATS", "PNG", "BMP", "GIF", "WAVE"]
