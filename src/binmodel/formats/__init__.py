"""Ready models of real formats, each written to read like its specification.

``FORMATS`` maps the names the command line accepts (``--format png``) to models.
"""

from typing import Dict, Type

from ..model import Struct
from .midi import MidiFile
from .png import PNG
from .pyc import Pyc
from .sqlite import Database
from .tzif import TZif

FORMATS: Dict[str, Type[Struct]] = {"png": PNG, "pyc": Pyc, "sqlite": Database, "tzif": TZif, "midi": MidiFile}

__all__ = ["FORMATS", "PNG", "Database", "MidiFile", "Pyc", "TZif"]
