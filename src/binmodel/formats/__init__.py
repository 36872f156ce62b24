"""Ready models of real formats, each written to read like its specification.

``FORMATS`` maps the names the command line accepts (``--format png``) to models.
"""

from typing import Dict, Type

from ..model import Struct
from .dns import Message as DNSMessage
from .ethernet import ARP, Ethernet
from .ip import IPv4, IPv6
from .pcap import Pcap
from .png import PNG
from .transport import TCP, UDP

FORMATS: Dict[str, Type[Struct]] = {"png": PNG, "pcap": Pcap, "dns": DNSMessage, "ethernet": Ethernet}

__all__ = ["ARP", "DNSMessage", "Ethernet", "FORMATS", "IPv4", "IPv6", "PNG", "Pcap", "TCP", "UDP"]
