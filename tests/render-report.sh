#!/usr/bin/env bash
# Renders the HTML report in headless Chromium (Debian `chromium`) to a PNG and checks the
# picture is not blank. Usage: tests/render-report.sh annex.html annex.png
# Exit 0: rendered and not blank; 1: blank or failed; 2: chromium is not installed.
set -euo pipefail

html=${1:?usage: render-report.sh REPORT.html OUT.png}
png=${2:?usage: render-report.sh REPORT.html OUT.png}
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
    echo "render-report: chromium is not installed (apt-get install chromium)" >&2
    exit 2
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
rm -f "$png"
# A fresh profile, no network: the report must render from the file alone.
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-extensions --no-first-run --hide-scrollbars --user-data-dir="$profile" \
    --window-size=1000,2000 --screenshot="$png" "file://$(realpath "$html")" \
    >"$profile/chromium.log" 2>&1 || { cat "$profile/chromium.log" >&2; exit 1; }
[ -s "$png" ] || { echo "render-report: chromium wrote no screenshot" >&2; cat "$profile/chromium.log" >&2; exit 1; }

# Not blank: decode the PNG (zlib only, no imaging library) and count pixels that differ
# from the background colour of the top-left corner.
python3 - "$png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and ctype in (2, 6), f"unexpected PNG format {depth}/{ctype}"
        bpp = 3 if ctype == 2 else 4
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
rows = []
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line)
    prev = line
bg = bytes(rows[0][:3])
ink = sum(1 for line in rows for x in range(0, stride, bpp) if bytes(line[x:x + 3]) != bg)
share = ink / (w * h)
print(f"render-report: {w}x{h}, {ink} non-background pixels ({share:.1%})")
sys.exit(0 if share > 0.01 else 1)
PY
