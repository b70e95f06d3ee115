#!/usr/bin/env python3
# craft.py: change one fact of a built module in place, so that a test can
# make the kernel's loader meet exactly one obstacle (boot-test fixtures).
# Only the named bytes change; the file keeps its size and layout.
#
#   craft.py crc KO SYMBOL           flip the low bit of SYMBOL's CRC in __versions
#   craft.py vermagic KO OLD NEW     replace OLD by NEW (same length) in vermagic=
#   craft.py btf-size KO SECTION NAME DELTA
#                                    add DELTA to the size of struct NAME in SECTION
import struct
import sys


def sections(data):
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit("craft.py: not a little-endian ELF64 file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    hdrs = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    stroff = hdrs[shstrndx][4]
    out = {}
    for h in hdrs:
        end = data.index(b"\0", stroff + h[0])
        out[data[stroff + h[0]:end].decode()] = (h[4], h[5])
    return out


def section(data, name):
    s = sections(data).get(name)
    if not s:
        sys.exit(f"craft.py: no section {name}")
    return s


def crc(data, sym):
    off, size = section(data, "__versions")
    for at in range(off, off + size, 64):
        name = data[at + 8:at + 64].split(b"\0")[0].decode()
        if name == sym:
            data[at] ^= 1
            return
    sys.exit(f"craft.py: {sym} not in __versions")


def vermagic(data, old, new):
    if len(old) != len(new):
        sys.exit("craft.py: OLD and NEW differ in length")
    off, size = section(data, ".modinfo")
    info = bytes(data[off:off + size])
    at = info.find(b"vermagic=")
    end = info.index(b"\0", at)
    pos = info.find(old.encode(), at, end)
    if at < 0 or pos < 0:
        sys.exit(f"craft.py: '{old}' not in vermagic")
    data[off + pos:off + pos + len(old)] = new.encode()


# what follows a BTF type's 12 bytes: a fixed record, or vlen records
FIXED = {1: 4, 3: 12, 14: 4, 17: 4}  # int, array, var, decl_tag
PER_VLEN = {4: 12, 5: 12, 6: 8, 13: 8, 15: 12, 19: 12}  # struct, union, enum, proto, datasec, enum64


def btf_size(data, sec, wanted, delta):
    off, _ = section(data, sec)
    magic, _, _, hlen, toff, tlen, soff, _ = struct.unpack_from("<HBBIIIII", data, off)
    if magic != 0xEB9F:
        sys.exit(f"craft.py: {sec} is not BTF")
    t, end, strs = off + hlen + toff, off + hlen + toff + tlen, off + hlen + soff
    while t < end:
        name_off, info, size = struct.unpack_from("<III", data, t)
        kind, vlen = (info >> 24) & 0x1F, info & 0xFFFF
        name = data[strs + name_off:data.index(b"\0", strs + name_off)].decode()
        if kind in (4, 5) and name == wanted:
            struct.pack_into("<I", data, t + 8, size + delta)
            return
        t += 12 + PER_VLEN.get(kind, 0) * vlen + FIXED.get(kind, 0)
    sys.exit(f"craft.py: no struct {wanted} in {sec}")


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    with open(path, "rb") as f:
        data = bytearray(f.read())
    if cmd == "crc":
        crc(data, sys.argv[3])
    elif cmd == "vermagic":
        vermagic(data, sys.argv[3], sys.argv[4])
    elif cmd == "btf-size":
        btf_size(data, sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        sys.exit(f"craft.py: unknown command {cmd}")
    with open(path, "wb") as f:
        f.write(data)


main()
