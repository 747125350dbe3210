#!/usr/bin/python3
"""Reads a TensorBoard event file without TensorFlow or our own code.

Checks the TFRecord framing and both masked CRC-32Cs of every record, decodes
the Event/Summary protobuf wire format by hand, and prints
  file_version<TAB>VERSION
  TAG<TAB>STEP<TAB>VALUE        (one line per scalar, repr of the float32)
Exits non-zero with a message naming the byte offset on any framing, CRC or
decoding error. An independent check of what TensorBoardWriter writes: it
shares no code or .proto with it.

Usage: read_tfevents.py EVENT_FILE
"""
import struct
import sys

try:
    import crcmod.predefined
except ImportError:
    sys.exit("read_tfevents: python3-crcmod is missing; run tools/setup")

crc32c = crcmod.predefined.mkCrcFun("crc-32c")


class Bad(Exception):
    pass


def masked_crc(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def varint(buf, pos, base):
    """Returns (value, new position); base is the file offset of buf[0]."""
    value, shift = 0, 0
    while True:
        if pos >= len(buf):
            raise Bad("varint runs past the end at byte %d" % (base + pos))
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise Bad("varint longer than 10 bytes at byte %d" % (base + pos))


def fields(buf, base):
    """Yields (field number, wire type, value, key offset, value offset) of a
    message, offsets in the file.

    Values: int for varints, bytes for fixed64/fixed32/length-delimited."""
    pos = 0
    while pos < len(buf):
        start = pos
        key, pos = varint(buf, pos, base)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = varint(buf, pos, base)
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            if pos + size > len(buf):
                raise Bad("fixed field runs past the end at byte %d" % (base + start))
            value, pos = buf[pos:pos + size], pos + size
        elif wire == 2:
            size, pos = varint(buf, pos, base)
            if pos + size > len(buf):
                raise Bad("length-delimited field runs past the end at byte %d" % (base + start))
            value, pos = buf[pos:pos + size], pos + size
        else:
            raise Bad("unsupported wire type %d at byte %d" % (wire, base + start))
        value_at = base + pos - len(value) if isinstance(value, bytes) else None
        yield number, wire, value, base + start, value_at


def text(raw, offset):
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Bad("string field is not UTF-8 at byte %d" % offset)


def expect(wire, want, name, offset):
    if wire != want:
        raise Bad("%s has wire type %d, expected %d, at byte %d" % (name, wire, want, offset))


def decode_value(buf, base):
    """Summary.Value: tag = 1 (string), simple_value = 2 (float)."""
    tag, value = None, None
    for number, wire, v, offset, at in fields(buf, base):
        if number == 1:
            expect(wire, 2, "Value.tag", offset)
            tag = text(v, offset)
        elif number == 2:
            expect(wire, 5, "Value.simple_value", offset)
            value = struct.unpack("<f", v)[0]
    if tag is None or value is None:
        # TensorBoard drops such a value silently; make it visible here.
        raise Bad("Summary.Value without tag or simple_value at byte %d" % base)
    return tag, value


def decode_event(buf, base):
    """Event: wall_time = 1 (double), step = 2 (int64), file_version = 3
    (string), summary = 5 (Summary: repeated Value value = 1)."""
    step, version, scalars, wall_time = 0, None, [], None
    for number, wire, v, offset, at in fields(buf, base):
        if number == 1:
            expect(wire, 1, "Event.wall_time", offset)
            wall_time = struct.unpack("<d", v)[0]
        elif number == 2:
            expect(wire, 0, "Event.step", offset)
            step = v - (1 << 64) if v >= 1 << 63 else v
        elif number == 3:
            expect(wire, 2, "Event.file_version", offset)
            version = text(v, offset)
        elif number == 5:
            expect(wire, 2, "Event.summary", offset)
            for n, w, value, off, value_at in fields(v, at):
                if n == 1:
                    expect(w, 2, "Summary.value", off)
                    scalars.append(decode_value(value, value_at))
    if wall_time is None or wall_time <= 0:
        raise Bad("event without wall_time at byte %d" % base)
    return step, version, scalars


def read(path):
    data = open(path, "rb").read()
    out, pos, first = [], 0, True
    while pos < len(data):
        if pos + 12 > len(data):
            raise Bad("record header cut short at byte %d" % pos)
        header = data[pos:pos + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", data[pos + 8:pos + 12])
        if masked_crc(header) != length_crc:
            raise Bad("length CRC mismatch in the record at byte %d" % pos)
        body = pos + 12
        if body + length + 4 > len(data):
            raise Bad("record at byte %d runs past the end of the file" % pos)
        event = data[body:body + length]
        (data_crc,) = struct.unpack("<I", data[body + length:body + length + 4])
        if masked_crc(event) != data_crc:
            raise Bad("data CRC mismatch in the record at byte %d" % pos)
        step, version, scalars = decode_event(event, body)
        if first and version is None:
            raise Bad("the first event (byte %d) has no file_version" % pos)
        if version is not None:
            out.append("file_version\t%s" % version)
        for tag, value in scalars:
            out.append("%s\t%d\t%r" % (tag, step, value))
        first = False
        pos = body + length + 4
    if first:
        raise Bad("no records at byte 0: the file is empty")
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: read_tfevents.py EVENT_FILE")
    try:
        lines = read(sys.argv[1])
    except Bad as e:
        sys.exit("read_tfevents: %s: %s" % (sys.argv[1], e))
    except OSError as e:
        sys.exit("read_tfevents: %s" % e)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
