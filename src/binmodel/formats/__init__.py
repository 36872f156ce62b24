"""Ready models of real formats, each written to read like its specification.

``FORMATS`` maps the names the command line accepts (``--format png``) to models.
"""

from typing import Dict, Type

from ..model import Struct
from .elf import ELF
from .midi import MidiFile
from .png import PNG
from .pyc import Pyc
from .sqlite import Database
from .tzif import TZif

FORMATS: Dict[str, Type[Struct]] = {
    "elf": ELF,
    "midi": MidiFile,
    "png": PNG,
    "pyc": Pyc,
    "sqlite": Database,
    "tzif": TZif,
}

__all__ = ["ELF", "FORMATS", "PNG", "Database", "MidiFile", "Pyc", "TZif"]
