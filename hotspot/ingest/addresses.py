"""Which network addresses a redirect may lead to.

A configured URL may point anywhere, a local RSSHub included: the operator chose it. A
redirect may not take hotspot from a public address to a private, loopback, link-local or
otherwise non-global one (an internal service behind the operator's firewall). The guard
checks the redirect target's resolved addresses before sending, and the address each hop
actually connected to (so DNS rebinding cannot slip past the first check).

``AddressPolicy`` is injected into ``HttpClient``: tests simulate the "public" side by
declaring one loopback address public, without touching any non-loopback address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


def is_public(address: str) -> bool:
    """True for a globally routable address; False for private, loopback, link-local,
    CGNAT, multicast, reserved and unparsable ones."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (an IP literal is its own address)."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return []  # the request itself will then fail with a clear network error
    return sorted({str(info[4][0]) for info in infos})


@dataclass(frozen=True)
class AddressPolicy:
    classify: Callable[[str], bool] = is_public
    resolver: Callable[[str, int], Awaitable[list[str]]] = field(default=resolve)
