"""Ready models of real formats, each written to read like its specification.

``FORMATS`` maps the names the command line accepts (``--format png``) to models.
"""

from typing import Dict, Type

from ..model import Struct
from .bmp import BMP
from .dns import Message as DNSMessage
from .elf import ELF
from .ethernet import ARP, Ethernet
from .gif import GIF
from .gzip import Gzip
from .ico import ICO
from .ip import IPv4, IPv6
from .javaclass import ClassFile
from .midi import MidiFile
from .msgpack import Value as MsgPackValue
from .pcap import Pcap
from .png import PNG
from .pyc import Pyc
from .sfnt import Font as SfntFont
from .sqlite import Database
from .tar import Tar
from .transport import TCP, UDP
from .tzif import TZif
from .wav import WAVE
from .zip import ZIP

FORMATS: Dict[str, Type[Struct]] = {
    "bmp": BMP,
    "dns": DNSMessage,
    "elf": ELF,
    "ethernet": Ethernet,
    "gif": GIF,
    "gzip": Gzip,
    "ico": ICO,
    "javaclass": ClassFile,
    "midi": MidiFile,
    "msgpack": MsgPackValue,
    "pcap": Pcap,
    "png": PNG,
    "pyc": Pyc,
    "sfnt": SfntFont,
    "sqlite": Database,
    "tar": Tar,
    "tzif": TZif,
    "wav": WAVE,
    "zip": ZIP,
}

__all__ = ["ARP", "BMP", "ClassFile", "DNSMessage", "ELF", "Ethernet", "FORMATS", "GIF", "Gzip", "ICO", "IPv4", "IPv6", "MidiFile", "MsgPackValue", "PNG",
           "Pcap", "Pyc", "SfntFont", "TCP", "Tar", "UDP", "WAVE", "ZIP", "Database", "TZif"]
